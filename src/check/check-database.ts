import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import type { AuditSink } from '../audit/audit-sink.js';
import { basename, join, resolve } from 'node:path';
import type { BeneathRoot } from '../db/open-beneath.js';
import { openOptionsOf, openReadOnly, openReadWrite, sqliteError, type DatabaseHandle } from '../db/open-database.js';
import { diff, type DiffOptions, type DiffResult } from '../diff/diff.js';
import { driftKey, type Drift, type Extra } from '../diff/drift.js';
import { DriftdError } from '../errors/driftd-error.js';
import { isDatabaseCondition, resultCodeOf } from '../errors/result-codes.js';
import { detectMigrationTools, type FoundMigrationTool } from '../migrations/migration-tools.js';
import { introspect, schemaVersion } from '../introspect/introspect.js';
import type { RepairOutcome } from '../repair/apply-repair.js';
import { definitionDiff, manualFix, type ManualFix } from '../repair/manual-fix.js';
import type { RepairPlan, RepairStep } from '../repair/plan-repair.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from '../repair/safety-context.js';
import type { Schema } from '../schema/schema-model.js';
import type { AppliedStep, CheckReport, DriftLocation, ReportedDrift } from '../report/report-vocabulary.js';
import { replicaHold } from './replica.js';
import { hasExternalContentFts, judgeFtsFromRows } from './fts-staleness.js';

/** A diff's stale-index items judged from the rows (fts-staleness.ts); the diff itself when there is no FTS table to judge. */
export function withFtsJudgedFromRows<T extends { readonly drift: readonly Drift[] }>(db: DatabaseHandle, declared: Schema, live: Schema, result: T): T {
  if (!hasExternalContentFts(declared)) return result;
  return { ...result, drift: judgeFtsFromRows(db, declared, live, result.drift) };
}

export type CheckMode = 'check' | 'dry-run' | 'repair';

export interface BackupSettings {
  /** Directory the copies go to; created when missing. */
  readonly dir: string;
  /** How many copies per database to keep; older ones are deleted. */
  readonly keep: number;
}

export interface CheckRequest {
  readonly dbPath: string;
  readonly declared: Schema;
  readonly mode: CheckMode;
  readonly busyTimeoutMs: number;
  readonly diff?: DiffOptions;
  readonly safety?: SafetyContext;
  readonly backup?: BackupSettings | null;
  /** Monotonic milliseconds, for timings. */
  readonly clock?: () => number;
  /** Wall-clock time, for backup file names. */
  readonly now?: () => Date;
  /**
   * Repair even when the database carries a migration tool's history table (the target's
   * `repairUnderMigrationTool`). Off by default: the tool's pending migrations would then fail.
   */
  readonly repairUnderMigrationTool?: boolean;
  /** Where each repair statement and backup is recorded (audit trail); none when absent. */
  readonly audit?: AuditSink;
  /**
   * Called in repair mode when there is a plan to apply, before the backup and the write: from here
   * on a failure is a failed repair (the daemon counts it and backs off), not a failed check.
   */
  readonly onRepairStart?: () => void;
  /** The fleet root the file is opened beneath (src/db/open-beneath.ts); its own directory when absent. */
  readonly root?: BeneathRoot;
  /** Open a file with more than one hard link anyway (the target's `allowHardLinks`; without `root`). */
  readonly allowHardLinks?: boolean;
}

/**
 * The engine's callable step: introspect one database read-only, diff it
 * against the declaration, and in repair mode apply the safe plan. The CLI
 * and the daemon both call this; it logs nothing and throws `DriftdError`.
 */
export async function checkDatabase(request: CheckRequest): Promise<CheckReport> {
  const clock = request.clock ?? (() => performance.now());
  const safety = request.safety ?? DEFAULT_SAFETY_CONTEXT;
  const t0 = clock();
  const readonlyDb = openReadOnly(request.dbPath, openOptionsOf(request));
  let findings: CheckFindings;
  let version: number;
  let diffedAt: number;
  try {
    version = schemaVersion(readonlyDb);
    findings = await inspectDatabase(readonlyDb, request.dbPath, { declared: request.declared, diff: request.diff, safety }, () => (diffedAt = clock()));
  } catch (error) {
    readonlyDb.close();
    throw sqliteError(error, request.dbPath, 'introspecting');
  }
  const t1 = diffedAt!;
  const t2 = clock();
  const verdict = judgeCheck(findings, { mode: request.mode, repairUnderMigrationTool: request.repairUnderMigrationTool === true, replica: () => replicaHold(request.dbPath) });

  if (!verdict.repair) {
    readonlyDb.close();
    return checkedReport(request.dbPath, verdict, version, { introspectMs: t1 - t0, diffMs: t2 - t1, applyMs: 0 });
  }
  const { drift, migrationTools } = verdict;

  request.onRepairStart?.();
  let backupPath: string | null = null;
  try {
    if (request.backup) backupPath = await backupDatabase(readonlyDb, request.dbPath, request.backup, request.now ?? (() => new Date()), request.audit);
  } finally {
    readonlyDb.close();
  }

  const { applyRepair } = await import('../repair/apply-repair.js');
  const writable = openReadWrite(request.dbPath, openOptionsOf(request));
  let outcome;
  try {
    outcome = applyRepair(writable, request.declared, { diff: request.diff, safety, ...(request.audit ? { audit: request.audit } : {}) });
    // The repair carries the stale-index items it found; the rows say which indexes really miss rows now.
    if (hasExternalContentFts(request.declared)) outcome = { ...outcome, after: withFtsJudgedFromRows(writable, request.declared, introspect(writable), outcome.after) };
  } catch (error) {
    throw repairFailure(error, request.dbPath);
  } finally {
    writable.close();
  }
  const t3 = clock();
  const { planRepair } = await import('../repair/plan-repair.js');
  return repairedReport(request.dbPath, outcome, safety, planRepair, { drift, version, migrationTools, backupPath, timings: { introspectMs: t1 - t0, diffMs: t2 - t1, applyMs: t3 - t2 } });
}

/** What one look at a database found, before any judgement: plain data. */
export interface CheckFindings {
  /** The diff, its stale-index items judged from the rows (fts-staleness.ts). */
  readonly found: DiffResult;
  /** The repair plan of `found.drift`, every step the rows would violate moved to unsafe (count-violations.ts `pretestPlan`). */
  readonly plan: RepairPlan;
  readonly migrationTools: readonly FoundMigrationTool[];
  /** The findings depend on this file's rows (an FTS index judged from them, a step pretested against them), not only on its schema. */
  readonly fromRows: boolean;
}

/**
 * The one look every kind of target takes at a database, on a connection open for reading:
 * introspect, diff, judge FTS staleness from the rows, plan and pretest the plan against the rows.
 * The safety rules and the planner are loaded only when there is drift to judge: an in-sync check
 * (a CI gate, a start-up hook) does not pay for their modules (BENCHMARKS.md, "CLI start-up").
 * `onDiffed` marks the end of the introspection and diff, for timings. Throws what SQLite throws.
 */
export async function inspectDatabase(db: DatabaseHandle, dbPath: string, request: { readonly declared: Schema; readonly diff?: DiffOptions | undefined; readonly safety: SafetyContext }, onDiffed: () => void = () => undefined): Promise<CheckFindings> {
  const live = introspect(db);
  const ftsFromRows = hasExternalContentFts(request.declared);
  const found = withFtsJudgedFromRows(db, request.declared, live, diff(request.declared, live, request.diff));
  const migrationTools = detectMigrationTools(live);
  onDiffed();
  if (found.drift.length === 0) return { found, plan: { steps: [], unsafe: [] }, migrationTools, fromRows: ftsFromRows };
  const [{ planRepair }, { needsRowCounts, pretestPlan }] = await Promise.all([import('../repair/plan-repair.js'), import('../repair/count-violations.js')]);
  const planned = planRepair(found.drift, request.safety);
  let plan: RepairPlan;
  try {
    // Steps that existing rows violate (an in-place NOT NULL or CHECK, an added column's CHECK) are not called safe.
    plan = pretestPlan(db, planned);
  } catch (error) {
    throw sqliteError(error, dbPath, 'counting the rows a change would violate');
  }
  return { found, plan, migrationTools, fromRows: ftsFromRows || needsRowCounts(planned) };
}

/** What the check step concludes from its findings: the report's items, whether repairs are held, whether to repair now. */
export interface CheckVerdict {
  readonly inSync: boolean;
  readonly drift: readonly ReportedDrift[];
  readonly extras: readonly Extra[];
  readonly migrationTools: readonly FoundMigrationTool[];
  /** Why safe repairs are held back (a replica, a migration tool), or null. */
  readonly repairHeld: string | null;
  /** Apply the plan now: repair mode, a safe step to run, and nothing holds it. */
  readonly repair: boolean;
}

/**
 * The one judgement of a check, for every kind of target (a single file, a fleet's file, the
 * application's own connection): the findings' drift as reported (safe with its SQL, or why not),
 * whether safe repairs are held back and why — the file is a LiteFS replica (`replica`, asked
 * only when a repair could run: it is an lstat), or a migration tool manages it and the target did
 * not say otherwise — and whether to repair. Pure apart from the `replica` probe it is handed.
 */
export function judgeCheck(findings: CheckFindings, context: { readonly mode: CheckMode; readonly repairUnderMigrationTool: boolean; readonly replica: () => string | null }): CheckVerdict {
  const { found, plan, migrationTools } = findings;
  const repairable = plan.steps.length > 0;
  const repairHeld = context.mode === 'check' || !repairable ? null : (context.replica() ?? (migrationTools.length > 0 && !context.repairUnderMigrationTool ? heldBecause(migrationTools) : null));
  return {
    inSync: found.drift.length === 0,
    drift: reportDrift(found.drift, plan),
    extras: found.extras,
    migrationTools,
    repairHeld,
    repair: context.mode === 'repair' && repairable && repairHeld === null,
  };
}

/** What a failed `applyRepair` reports: a step refused for lack of access is the database's condition, not the plan's. */
export function repairFailure(error: unknown, database: string): DriftdError {
  // The audit journal's own failure (its disk full, its directory read-only) names the journal, not the database.
  if (error instanceof DriftdError && error.code.startsWith('AUDIT_')) return error;
  const cause = error instanceof DriftdError ? error.cause : undefined;
  if (isDatabaseCondition(resultCodeOf(cause))) return sqliteError(cause, database, `repairing, nothing was applied`);
  return sqliteError(error, database, 'repairing');
}

/** The report of a check (or a repair that had nothing to apply, or was held). */
export function checkedReport(database: string, verdict: CheckVerdict, schemaVersion: number, timings: CheckReport['timings']): CheckReport {
  const { inSync, drift, extras, migrationTools, repairHeld } = verdict;
  return { database, inSync, drift, extras, applied: [], remaining: drift, schemaVersion, backupPath: null, migrationTools, repairHeld, timings };
}

/** The report after `applyRepair` committed: what ran, and what is left with why. */
export function repairedReport(
  database: string,
  outcome: RepairOutcome,
  safety: SafetyContext,
  planRepair: (drift: readonly Drift[], context: SafetyContext) => RepairPlan,
  before: { readonly drift: readonly ReportedDrift[]; readonly version: number; readonly migrationTools: readonly FoundMigrationTool[]; readonly backupPath: string | null; readonly timings: CheckReport['timings'] },
): CheckReport {
  // A UNIQUE index refused for duplicate rows stays in the remaining drift as unsafe, with why.
  const deferredReasons = new Map(outcome.deferred.map((item) => [driftKey(item.drift), item.reason]));
  const replanned = planRepair(outcome.after.drift, safety);
  const remainingPlan: RepairPlan = {
    steps: replanned.steps.filter((step) => !deferredReasons.has(driftKey(step.drift))),
    unsafe: [
      ...replanned.unsafe,
      ...replanned.steps.flatMap((step) => {
        const reason = deferredReasons.get(driftKey(step.drift));
        return reason === undefined ? [] : [{ drift: step.drift, reason }];
      }),
    ],
  };
  return {
    database,
    inSync: outcome.after.drift.length === 0,
    drift: before.drift,
    extras: outcome.after.extras,
    applied: outcome.applied.map(appliedStep),
    remaining: reportDrift(outcome.after.drift, remainingPlan),
    schemaVersion: before.version,
    backupPath: before.backupPath,
    migrationTools: before.migrationTools,
    repairHeld: null,
    timings: before.timings,
  };
}

/**
 * A column driftd adds ahead of the tool makes the tool's own pending migration fail later with
 * "duplicate column name" (or its schema check refuse the database): the tool, not driftd, owns it.
 */
function heldBecause(tools: readonly FoundMigrationTool[]): string {
  const names = tools.map((tool) => `${tool.name} (table "${tool.table}")`).join(', ');
  return `the database is managed by ${names}: repairs are held so its pending migrations do not fail; run the tool's migrations, or set "repairUnderMigrationTool": true on the target`;
}

export function reportDrift(drift: readonly Drift[], plan: RepairPlan): ReportedDrift[] {
  return drift.map((item) => {
    const step = plan.steps.find((candidate) => candidate.drift === item);
    const unsafe = plan.unsafe.find((candidate) => candidate.drift === item);
    return {
      ...driftLocation(item),
      safe: step !== undefined,
      detail: item.detail,
      reason: step?.reason ?? unsafe?.reason ?? '',
      ...(item.kind === 'stale_fts_index' ? { hint: item.rebuild } : {}),
      ...(step ? { sql: step.sql } : {}),
      ...(step ? {} : manualParts(item)),
    };
  });
}

function manualParts(item: Drift): { manual?: ManualFix; definitionDiff?: readonly string[] } {
  const manual = manualFix(item);
  const lines = definitionDiff(item);
  return { ...(manual ? { manual } : {}), ...(lines ? { definitionDiff: lines } : {}) };
}

/** The location fields of a drift item, present only when the kind has them. */
export function driftLocation(drift: Drift): DriftLocation {
  return {
    kind: drift.kind,
    table: drift.table,
    ...('column' in drift ? { column: drift.column } : {}),
    ...('index' in drift && drift.index !== undefined ? { index: drift.index } : {}),
    ...('view' in drift ? { view: drift.view } : 'trigger' in drift ? { trigger: drift.trigger } : {}),
  };
}

function appliedStep(step: RepairStep): AppliedStep {
  return { ...driftLocation(step.drift), sql: step.sql };
}

/**
 * Copies the database with SQLite's online backup API (backup.html) before the
 * first change, so the copy is a consistent snapshot even while the
 * application writes. Keeps the newest `keep` copies of this database.
 */
export async function backupDatabase(db: Pick<DatabaseHandle, 'backup'>, dbPath: string, settings: BackupSettings, now: () => Date, audit?: AuditSink): Promise<string> {
  const stamp = now().toISOString().replace(/[:.]/g, '-');
  // Name plus a digest of the absolute path: two targets whose files share a name (/a/app.db,
  // /b/app.db) in one backup directory must never rotate each other's copies away.
  // node:crypto is imported here, not at the top: loading it costs a one-shot `check` ~7 ms of start-up.
  const { createHash } = await import('node:crypto');
  const prefix = `${basename(dbPath)}.${createHash('sha256').update(resolve(dbPath)).digest('hex').slice(0, 12)}.`;
  const destination = join(settings.dir, `${prefix}${stamp}.bak`);
  const ticket = audit?.intend({ kind: 'backup', path: destination }) ?? null;
  try {
    mkdirSync(settings.dir, { recursive: true });
    // Written under a temporary name and renamed: a copy under its final name is always complete
    // (the audit trail's start-up resolution takes an existing file as a backup taken).
    const partial = `${destination}.partial`;
    await db.backup(partial);
    renameSync(partial, destination);
    if (ticket) audit!.settle(ticket, { status: 'applied' });
    const copies = readdirSync(settings.dir).filter((name) => name.startsWith(prefix) && name.endsWith('.bak')).sort();
    for (const old of copies.slice(0, Math.max(0, copies.length - settings.keep))) rmSync(join(settings.dir, old), { force: true });
  } catch (error) {
    if (ticket && !existsSync(destination)) audit!.settle(ticket, { status: 'not-applied', reason: `backup failed: ${(error as Error).message}` });
    throw new DriftdError('BACKUP_FAILED', `backing up "${dbPath}" to "${destination}" failed: ${(error as Error).message}`, {
      cause: error,
      where: { file: dbPath, backup: destination },
      hint: 'check that the backup directory is writable and has space',
    });
  }
  return destination;
}
