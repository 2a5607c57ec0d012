/**
 * The report vocabulary: the shapes every view of a target is made of — where a drift item is
 * (`DriftLocation`), an error as reports carry it (`ErrorSummary`), the check's report, a single
 * file's cycle report and a fleet's sweep with its per-file results and states. One leaf module
 * (it imports types only) that the producers (`check/`, `fleet/`, `daemon/`) and the readers
 * (`http/`, `health/`, `metrics/`, `cli/`) share, so no reader imports a runner. `driftLocation`
 * lives with the report builder (check/check-database.ts): a one-shot `check` imports this module's
 * types only, so it never loads it.
 */
import type { DriftKind, Extra } from '../diff/drift.js';
import type { ErrorSummary } from '../errors/driftd-error.js';
import type { FoundMigrationTool } from '../migrations/migration-tools.js';
import type { RepairBackoffStatus } from '../pipeline/repair-backoff.js';
import type { TargetState } from '../pipeline/target-state.js';
import type { ReconcileRuleError } from '../reconcile/reconcile-target.js';
import type { ManualFix } from '../repair/manual-fix.js';

export type { ErrorCode, ErrorSummary } from '../errors/driftd-error.js';

/** Where a drift item (or the step that repairs it) is: its kind, its table and the object within it. */
export interface DriftLocation {
  readonly kind: DriftKind;
  readonly table: string;
  readonly column?: string;
  readonly index?: string;
  readonly view?: string;
  readonly trigger?: string;
}

/** A drift item as reports show it (the `--json` contract). */
export interface ReportedDrift extends DriftLocation {
  readonly safe: boolean;
  readonly detail: string;
  /** Why it is repaired automatically, or why not. */
  readonly reason: string;
  /** A statement the operator can run to fix what driftd leaves alone (stale_fts_index: the FTS rebuild). */
  readonly hint?: string;
  /** The statement that repairs it (safe items only). */
  readonly sql?: string;
  /** Unsafe items: the statements an operator would run by hand, or the `driftd plan` pointer (src/repair/manual-fix.ts). */
  readonly manual?: ManualFix;
  /** Views, triggers and virtual tables that differ: live vs declared, normalised, line by line (`- ` live, `+ ` declared). */
  readonly definitionDiff?: readonly string[];
}

export interface AppliedStep extends DriftLocation {
  readonly sql: string;
}

export interface CheckReport {
  readonly database: string;
  /** Nothing declared is missing or different (after the repair, in repair mode). Extras do not count. */
  readonly inSync: boolean;
  /** What the check found (before any repair). */
  readonly drift: readonly ReportedDrift[];
  readonly extras: readonly Extra[];
  readonly applied: readonly AppliedStep[];
  /** Drift left after the repair (equal to `drift` unless mode is repair). */
  readonly remaining: readonly ReportedDrift[];
  readonly schemaVersion: number;
  readonly backupPath: string | null;
  /** Migration tools whose history table the database carries (docs/declaring-schemas.md, "Migration tools"). */
  readonly migrationTools: readonly FoundMigrationTool[];
  /** Why safe repairs were held back (a migration tool owns the schema), or null. */
  readonly repairHeld: string | null;
  readonly timings: { readonly introspectMs: number; readonly diffMs: number; readonly applyMs: number };
}

/** What one reconcile rule's round did, as the daemon reports, counts and logs it. */
export interface ReconcileSummary {
  readonly rule: string;
  readonly table: string;
  readonly blockedBy: string | null;
  /** The rule's round failed (the other rules still ran); the cycle fails with this code. */
  readonly error?: ReconcileRuleError | null;
  /** Directories without a row this round (recovered or not). */
  readonly orphans: number;
  readonly recovered: readonly { readonly directory: string; readonly path: string }[];
  /** Orphans another writer inserted between scan and insert. */
  readonly raced: number;
  readonly dangling: number;
  /** The first dangling rows (rowid, stored path), for the status page. */
  readonly danglingRows?: readonly { readonly rowid: number | null; readonly storedPath: string }[];
  readonly skipped: readonly { readonly directory: string; readonly reason: string; readonly detail: string }[];
  readonly timings: { readonly scanMs: number; readonly diffMs: number; readonly applyMs: number };
}

export interface TargetCycleReport {
  readonly target: string;
  readonly database: string;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The database opened. */
  readonly up: boolean;
  /**
   * The target's state (the one table in pipeline/target-state.ts): every view — /status, the page,
   * /readyz, the log, driftd_target_state — is derived from it and from `error`.
   */
  readonly state: TargetState;
  /** Both steps completed and no needed repair is failing (drift may still be present). */
  readonly ok: boolean;
  /** The schema step was skipped: schema_version and the declaration were unchanged since the last full check. */
  readonly fastPath: boolean;
  /** What is wrong: this cycle's error, or (state `repair_failing`) the failing repair's last error until one succeeds. */
  readonly error: ErrorSummary | null;
  /** The error this cycle's own attempt raised (counted in driftd_check_failures_total); null when it completed. */
  readonly cycleError: ErrorSummary | null;
  /** The last full check (carried over on the fast path); null before the first one. */
  readonly check: CheckReport | null;
  /** When `check` ran. */
  readonly checkedAt: string | null;
  /** Repairs applied in this cycle (the fast path applies none). */
  readonly applied: CheckReport['applied'];
  /**
   * The last check that applied repairs, and when, kept until another repair: the next cycle's full
   * check (which our own ALTER forces) replaces `check`, so the repair would otherwise show for one cycle.
   */
  readonly lastRepair: { readonly at: string; readonly check: CheckReport } | null;
  /** The last reconcile rounds (carried over when this cycle skipped the step). */
  readonly reconcile: readonly ReconcileSummary[];
  /** The reconcile step ran in this cycle (only then are its counts new). */
  readonly reconciled: boolean;
  /** A repair was attempted in this cycle and failed (rolled back): counted in driftd_repair_failures_total. */
  readonly repairFailed: boolean;
  /** Set while repairs of this target are backed off after failures: drift is checked and reported, not repaired. */
  readonly repairBackoff: RepairBackoffStatus | null;
}

/**
 * Where a file of a fleet stands after its last sweep: a target state (pipeline/target-state.ts, the one
 * table) or `repaired` (in sync after a repair of the sweep that checked it). A file that vanished is
 * dropped and counted, not kept.
 */
export type FileState = TargetState | 'repaired';

/** Every state, in report order (a closed set: adding one breaks `emptyTotals`). */
export const FILE_STATES = ['in_sync', 'drifted', 'repaired', 'held', 'repair_failing', 'error'] as const satisfies readonly FileState[];

export type FleetTotals = Readonly<Record<FileState, number>>;

/** One reconcile rule's round on one file. */
export interface FileReconcileSummary {
  readonly rule: string;
  readonly table: string;
  readonly orphans: number;
  readonly recovered: number;
  readonly dangling: number;
  readonly skipped: number;
  readonly blockedBy: string | null;
  readonly error: ErrorSummary | null;
}

export interface FleetFileResult {
  readonly path: string;
  readonly state: FileState;
  /** When the last sweep reached it. */
  readonly sweptAt: string;
  /** When it was last fully checked; the sweep at `sweptAt` found its header unchanged when they differ. */
  readonly checkedAt: string;
  /** The last sweep skipped introspection: header (or WAL schema version) unchanged since the full check. */
  readonly unchanged: boolean;
  /** Drift left after the last full check (after the repair in repair mode). */
  readonly drift: readonly ReportedDrift[];
  /** Repair steps the last full check applied. */
  readonly applied: readonly AppliedStep[];
  readonly extras: number;
  /** Safe drift left unrepaired because a migration tool manages the file (and why); null otherwise. */
  readonly repairHeld: string | null;
  /** What is wrong: the check's error, or (state `repair_failing`) the failing repair's last error until one succeeds. */
  readonly error: ErrorSummary | null;
  /** Set while this file's repairs fail (the same back-off as a single-file target's). */
  readonly repairBackoff: RepairBackoffStatus | null;
  /** The reconcile rounds of the last sweep that ran them; null when none did. */
  readonly reconcile: readonly FileReconcileSummary[] | null;
}

export interface FleetSweepReport {
  readonly target: string;
  readonly pattern: string;
  readonly startedAt: string;
  readonly durationMs: number;
  /** The sweep could not list the fleet (root missing…); the previous results were kept. */
  readonly error: ErrorSummary | null;
  /** Directories below the root that could not be listed (their files keep their previous results). */
  readonly unlisted: readonly { readonly directory: string; readonly message: string }[];
  /** Files known after the sweep. */
  readonly files: number;
  /** Files fully checked (header changed, new, or never checked). */
  readonly checked: number;
  /** Files whose header showed no change: no introspection. */
  readonly unchanged: number;
  /** Files seen for the first time. */
  readonly appeared: number;
  /** Files that disappeared (no longer listed, or deleted while the sweep reached them). */
  readonly dropped: number;
  readonly totals: FleetTotals;
  /** Results of the files fully checked in this sweep: their repairs and drift are new. */
  readonly fresh: readonly FleetFileResult[];
  /** Repairs attempted in this sweep and rolled back (counted in driftd_repair_failures_total). */
  readonly repairFailures: number;
  /** Repair steps applied in this sweep, by table and kind (for low-cardinality counters). */
  readonly repairs: readonly { readonly table: string; readonly kind: AppliedStep['kind']; readonly count: number }[];
  /** The reconcile rounds of this sweep summed over the files, by table; empty when the step did not run. */
  readonly reconcile: readonly { readonly table: string; readonly orphans: number; readonly recovered: number; readonly dangling: number; readonly skipped: number }[];
}

/** States whose files still carry drift (held back on purpose, failing to repair, or simply drifted). */
export const DRIFTED_STATES = ['drifted', 'held', 'repair_failing'] as const satisfies readonly FileState[];

/** Files of these totals that still carry drift: not in sync. */
export function driftedFiles(totals: FleetTotals): number {
  return DRIFTED_STATES.reduce((sum, state) => sum + totals[state], 0);
}

export function emptyTotals(): Record<FileState, number> {
  return { in_sync: 0, drifted: 0, repaired: 0, held: 0, repair_failing: 0, error: 0 } satisfies Record<FileState, number>;
}

