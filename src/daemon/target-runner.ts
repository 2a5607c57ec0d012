import { statSync } from 'node:fs';
import type { AuditSink } from '../audit/audit-sink.js';
import { checkDatabase } from '../check/check-database.js';
import { targetDiffOptions } from '../diff/diff.js';
import type { TargetConfig } from '../config/parse-config.js';
import { SETTING_DEFAULTS } from '../config/config-format.js';
import { readDatabaseHeader } from '../db/database-header.js';
import { openReadOnly, sqliteError, type DatabaseHandle } from '../db/open-database.js';
import type { DeclaredSchema } from '../declared/load-declared-schema.js';
import { DriftdError, errorFromSummary, summarizeError, withContext } from '../errors/driftd-error.js';
import { schemaVersion } from '../introspect/introspect.js';
import { reconcileTarget, type ReconcileMemory } from '../reconcile/reconcile-target.js';
import { replicaHold } from '../check/replica.js';
import { RepairBackoff, writeLockHeld, type CauseProbes } from '../pipeline/repair-backoff.js';
import { judgeState } from '../pipeline/target-state.js';
import { retryWhileBusy, sleep } from './retry-while-busy.js';
import type { CheckReport, ReconcileSummary, TargetCycleReport } from '../report/report-vocabulary.js';

export type { RepairBackoffStatus } from '../pipeline/repair-backoff.js';
export { repairBackoffSeconds } from '../pipeline/repair-backoff.js';

/**
 * The reconcile step, run after the schema step on every cycle (orphan
 * directories appear without any schema change). Injected so the daemon does
 * not depend on how rows are recovered; `noReconcile` when a target has no rules.
 */
export type ReconcileStep = (
  target: TargetConfig,
  options: { readonly busyTimeoutMs: number; readonly mode: 'dry-run' | 'apply'; readonly audit?: AuditSink; readonly memory?: ReconcileMemory },
) => Promise<readonly ReconcileSummary[]>;

/** Dangling rows listed per rule in the status (the count is always whole). */
const DANGLING_SHOWN = 50;

export const noReconcile: ReconcileStep = async () => [];

/** The real step: `reconcileTarget` over the target's rules (apply for repair "auto", dry-run for "report"). */
export const reconcileRules: ReconcileStep = async (target, options) => {
  if (target.reconcile.length === 0) return [];
  const reports = await reconcileTarget({
    dbPath: target.database,
    rules: target.reconcile,
    mode: options.mode,
    busyTimeoutMs: options.busyTimeoutMs,
    allowHardLinks: target.allowHardLinks === true,
    ...(options.audit ? { audit: options.audit } : {}),
    ...(options.memory ? { memory: options.memory } : {}),
  });
  return reports.map((report) => ({
    rule: report.rule,
    table: report.table,
    blockedBy: report.blockedBy,
    error: report.error,
    orphans: report.orphans.length,
    recovered: report.recovered.map((item) => ({ directory: item.directory, path: item.path })),
    raced: report.raced.length,
    dangling: report.dangling.length,
    danglingRows: report.dangling.slice(0, DANGLING_SHOWN).map((row) => ({ rowid: row.rowid, storedPath: row.storedPath })),
    skipped: report.skipped.map((item) => ({ directory: item.directory, reason: item.reason, detail: item.detail })),
    timings: report.timings,
  }));
};

export interface TargetRunnerDeps {
  readonly reconcile: ReconcileStep;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  readonly now: () => Date;
  /** The probes a back-off wakes on (default: statfs/stat and the write lock). */
  readonly probes?: CauseProbes;
}

export interface TargetRunSettings {
  readonly busyTimeoutMs: number;
  readonly backup: { readonly dir: string; readonly keep: number } | null;
  /**
   * Skip the reconcile step when the schema step took the fast path. Cycles woken
   * by a database write use it: an application writing rows every few ms would
   * otherwise rescan the model directories on every write; the schedule scans them.
   */
  readonly reconcileOnlyAfterChange?: boolean;
  /** Records every change this run makes (audit trail), bound to the target and cycle. */
  readonly audit?: AuditSink;
  /** Force a full check after this many fast-path runs or this long since the last one (default: the config's, `SETTING_DEFAULTS`). */
  readonly fullCheck?: { readonly everyCycles: number; readonly everySeconds: number };
  /** Back-off between failed repairs (default: the config's, `SETTING_DEFAULTS`). */
  readonly repairBackoff?: { readonly initialSeconds: number; readonly maxSeconds: number };
}

/**
 * One target's state between cycles: a kept read-only connection and the
 * (schema_version, declaration hash, target settings) of the last full check.
 * The target's settings and declaration are not state: each `run()` is handed
 * the pair from one config snapshot and uses nothing else, so a config switched
 * while a run is in flight can never pair one config's database with another's
 * declaration.
 * A tick whose triple is unchanged skips introspection entirely — one PRAGMA
 * read, whatever the database's size. `schema_version` lives in the database
 * header, which SQLite re-reads at the start of every read transaction, so a
 * change made by another process is seen by this long-lived connection
 * (pragma.html#pragma_schema_version; test/daemon/target-runner.test.ts proves it).
 */
export class TargetRunner {
  private connection: DatabaseHandle | null = null;
  /** dev:ino of the file the connection has open: a replaced or recreated file gets a new connection. */
  private identity: string | null = null;
  private checkedKey: string | null = null;
  private lastCheck: CheckReport | null = null;
  private lastCheckedAt: string | null = null;
  private lastRepair: { readonly at: string; readonly check: CheckReport } | null = null;
  private lastSuccessMs: number | null = null;
  private lastReport: TargetCycleReport | null = null;
  private lastReconcile: readonly ReconcileSummary[] = [];
  /** The database the state above belongs to. */
  private database: string | null = null;
  private fastPathRuns = 0;
  /** Monotonic ms of the last full check. */
  private lastFullCheckClock = 0;
  private readonly backoff: RepairBackoff;
  /** Directories the reconcile step skipped, so unchanged malformed metadata is not re-parsed every cycle. */
  private readonly reconcileMemory: ReconcileMemory = new Map();

  constructor(
    readonly name: string,
    private readonly deps: TargetRunnerDeps,
  ) {
    this.backoff = new RepairBackoff(deps, deps.probes);
  }

  /** Whether a backed-off repair should be retried now (its cause looks gone): the daemon's waker asks between cycles. */
  wantsRetry(): boolean {
    return this.database !== null && this.backoff.woken(this.database);
  }

  get report(): TargetCycleReport | null {
    return this.lastReport;
  }

  get lastSuccessAtMs(): number | null {
    return this.lastSuccessMs;
  }

  /**
   * Runs the schema step (fast path or full check) and then the reconcile step
   * for `target` (settings from one config snapshot) against `declared` (the
   * declaration loaded with that snapshot). A different database from the last
   * run's drops the connection and the checked state. Never throws: a failure
   * is the report.
   */
  async run(target: TargetConfig, declared: DeclaredSchema, settings: TargetRunSettings): Promise<TargetCycleReport> {
    if (target.database !== this.database) {
      this.closeConnection();
      this.checkedKey = null;
      this.lastCheck = null;
      this.lastCheckedAt = null;
      this.lastRepair = null;
      this.lastReconcile = [];
      this.backoff.clear();
      this.reconcileMemory.clear();
      this.database = target.database;
    }
    const startedAt = this.deps.now();
    const t0 = this.deps.clock();
    let up = false;
    let fastPath = false;
    let applied: CheckReport['applied'] = [];
    let reconciled = false;
    let repairStarted = false;
    let error: TargetCycleReport['error'] = null;
    const fullCheck = settings.fullCheck ?? SETTING_DEFAULTS.fullCheck;
    let version = -1;
    let backoffScope = '';
    try {
      version = await this.readSchemaVersion(target.database, settings.busyTimeoutMs, target.allowHardLinks === true);
      up = true;
      // A real schema change (another schema_version, another declaration) or the cause's going ends a back-off.
      backoffScope = `${version}\u0000${declared.contentHash}`;
      // Never written on a replica: checked (and reported held), not repaired or reconciled.
      const replica = target.repair === 'auto' ? replicaHold(target.database) : null;
      // The schema step runs in repair mode on a replica too: checkDatabase's one judgement (judgeCheck)
      // then holds the repair and says why; reconcile runs dry.
      const repairs = target.repair === 'auto' && this.backoff.allows(target.database, backoffScope);
      const writes = repairs && replica === null;
      const key = `${version}\u0000${replica === null ? '' : 'replica'}\u0000${changeCounterKey(target.database)}\u0000${declared.contentHash}\u0000${settingsKey(target, settings)}\u0000${repairs ? 'repair' : 'check'}`;
      // Both steps wait for other connections' locks on timers, never inside SQLite (retry-while-busy.ts).
      const busy = { budgetMs: settings.busyTimeoutMs, clock: this.deps.clock, ...(repairs ? { waitBeforeRetry: this.writeLockWaiter(target.database, target.allowHardLinks === true) } : {}) };
      // The fast path trusts the key; a full check still runs every so often in case the key is blind
      // (a file overwritten in place by a copy with an equal schema_version, a WAL-mode database).
      const fullCheckDue = this.fastPathRuns >= fullCheck.everyCycles || this.deps.clock() - this.lastFullCheckClock >= fullCheck.everySeconds * 1000;
      if (key === this.checkedKey && this.lastCheck && !fullCheckDue) {
        fastPath = true;
        this.fastPathRuns++;
      } else {
        const report = await retryWhileBusy(
          (busyTimeoutMs) =>
            checkDatabase({
              dbPath: target.database,
              declared: declared.schema,
              mode: repairs ? 'repair' : 'check',
              busyTimeoutMs,
              diff: targetDiffOptions(target),
              safety: { foreignKeysEnforced: target.foreignKeysEnforced },
              repairUnderMigrationTool: target.repairUnderMigrationTool,
              allowHardLinks: target.allowHardLinks === true,
              backup: settings.backup,
              clock: this.deps.clock,
              now: this.deps.now,
              ...(settings.audit ? { audit: settings.audit } : {}),
              onRepairStart: () => {
                repairStarted = true;
              },
            }),
          busy,
        );
        this.lastCheck = report;
        this.lastCheckedAt = startedAt.toISOString();
        this.fastPathRuns = 0;
        this.lastFullCheckClock = this.deps.clock();
        applied = report.applied;
        if (applied.length > 0) this.lastRepair = { at: startedAt.toISOString(), check: report };
        // A repair that went through, or nothing left to repair, ends a back-off.
        if (repairStarted || !report.remaining.some((item) => item.safe)) this.backoff.clear();
        // After a repair our own ALTER moved schema_version: check fully once more rather than trust a version read
        // after the commit (another process may have changed the schema in between).
        this.checkedKey = report.applied.length > 0 ? null : key;
      }
      if (!(fastPath && settings.reconcileOnlyAfterChange)) {
        this.lastReconcile = await retryWhileBusy(
          (busyTimeoutMs) => this.deps.reconcile(target, { busyTimeoutMs, mode: writes ? 'apply' : 'dry-run', memory: this.reconcileMemory, ...(settings.audit ? { audit: settings.audit } : {}) }),
          busy,
        );
        reconciled = true;
        // A failed rule is reported, not thrown, so the other rules' recovered rows are still counted and logged;
        // the cycle fails with the rule's code as it did when reconcileTarget threw.
        const failed = this.lastReconcile.find((rule) => rule.error)?.error;
        if (failed) throw errorFromSummary(failed);
      }
      this.lastSuccessMs = this.deps.now().getTime();
    } catch (cause) {
      const failure = cause instanceof DriftdError ? cause : withContext(`target "${target.name}"`, cause);
      // A locked database is there and opens; it is busy, not down.
      if (failure.code === 'DB_BUSY') up = true;
      error = summarizeError(failure);
      // A missing, replaced or corrupt file must be reopened from scratch next time.
      if (!up || failure.code !== 'DB_BUSY') this.closeConnection();
      if (failure.code !== 'DB_BUSY' && !up) this.checkedKey = null;
      // Back off: the next attempts wait, doubling, so a repair that keeps failing (a full disk) does not
      // retry under BEGIN IMMEDIATE on every cycle and every write its own attempt caused — unless its cause goes.
      if (repairStarted) this.backoff.failed(target.database, backoffScope, error, settings.repairBackoff ?? SETTING_DEFAULTS.repairBackoff, target.allowHardLinks === true);
    }
    const backoff = this.backoff.status;
    const judged = judgeState({ cycleError: error, repairFailure: backoff?.error ?? null, repairAttemptFailed: error !== null && repairStarted, repairHeld: this.lastCheck?.repairHeld ?? null, inSync: this.lastCheck?.inSync ?? null });
    this.lastReport = {
      target: target.name,
      database: target.database,
      startedAt: startedAt.toISOString(),
      durationMs: this.deps.clock() - t0,
      up,
      state: judged.state,
      ok: error === null && backoff === null,
      fastPath,
      error: judged.error,
      cycleError: error,
      check: this.lastCheck,
      checkedAt: this.lastCheckedAt,
      applied,
      lastRepair: this.lastRepair,
      reconcile: this.lastReconcile,
      reconciled,
      repairFailed: error !== null && repairStarted,
      repairBackoff: backoff,
    };
    return this.lastReport;
  }

  close(): void {
    this.closeConnection();
  }

  /**
   * `PRAGMA schema_version` on the kept connection. That connection has no busy
   * timeout of its own: when another process holds a lock, driftd retries on
   * timers until `busyTimeoutMs` has passed instead of letting SQLite sleep
   * inside the call, so a locked database never blocks the event loop (HTTP,
   * other targets' ticks, the systemd watchdog pings).
   */
  private readSchemaVersion(database: string, busyTimeoutMs: number, allowHardLinks: boolean): Promise<number> {
    return retryWhileBusy(
      () => {
        try {
          return schemaVersion(this.open(database, allowHardLinks));
        } catch (cause) {
          throw sqliteError(cause, database, 'reading schema_version');
        }
      },
      { budgetMs: busyTimeoutMs, clock: this.deps.clock },
    );
  }

  /**
   * Between busy attempts of a step that may write: sleeps on timers until no
   * other connection holds the write lock (or the deadline passes), so a repair
   * waiting for a long transaction does not re-run its check and backup every
   * few milliseconds (each backup would rotate an older one out).
   */
  private writeLockWaiter(database: string, allowHardLinks: boolean): (deadline: number) => Promise<void> {
    return async (deadline) => {
      for (let waitMs = 5; ; waitMs = Math.min(waitMs * 2, 100)) {
        await sleep(Math.max(0, Math.min(waitMs, deadline - this.deps.clock())));
        if (this.deps.clock() >= deadline || !writeLockHeld(database, allowHardLinks)) return;
      }
    };
  }

  private open(database: string, allowHardLinks: boolean): DatabaseHandle {
    let identity: string;
    try {
      const stats = statSync(database);
      identity = `${stats.dev}:${stats.ino}`;
    } catch {
      this.closeConnection();
      // openReadOnly names the problem (missing, permission) with the catalogue's code.
      openReadOnly(database, { busyTimeoutMs: 0, allowHardLinks });
      throw new DriftdError('DB_OPEN_FAILED', `database "${database}" cannot be examined`, { where: { file: database } });
    }
    if (this.connection && identity !== this.identity) this.closeConnection();
    if (!this.connection) {
      this.connection = openReadOnly(database, { busyTimeoutMs: 0, allowHardLinks });
      this.identity = identity;
      this.checkedKey = null;
    }
    return this.connection;
  }

  private closeConnection(): void {
    try {
      this.connection?.close();
    } catch {
      // Closing a handle whose file vanished can fail; the handle is gone either way.
    }
    this.connection = null;
    this.identity = null;
  }

}

/**
 * The header's file change counter (offset 24) where it is exact: in rollback-journal mode every
 * commit increments it, so a copy written over the file in place shows. In WAL mode commits do not
 * touch it (fileformat.html#file_change_counter): '' there, and the periodic full check covers it.
 */
function changeCounterKey(database: string): string {
  try {
    const { header, mtimeMs } = readDatabaseHeader(database, { followSymlinks: true });
    if (!header || header.walMode) return '';
    // SQLite bumps the counter on every commit in this mode, so a modification time that moved while the
    // counter did not is a write SQLite did not make (`cp old.db app.db` over the same inode): check fully.
    return `${header.changeCounter}:${mtimeMs}`;
  } catch {
    return '';
  }
}

function settingsKey(target: TargetConfig, settings: TargetRunSettings): string {
  return JSON.stringify([target.repair, targetDiffOptions(target), target.foreignKeysEnforced, target.repairUnderMigrationTool, settings.backup !== null]);
}
