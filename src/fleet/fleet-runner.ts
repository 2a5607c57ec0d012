import type { AuditSink } from '../audit/audit-sink.js';
import { closeSync, constants, lstatSync, openSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BackupSettings } from '../check/check-database.js';
import { targetDiffOptions } from '../diff/diff.js';
import type { TargetConfig } from '../config/parse-config.js';
import { readDatabaseHeaderFrom, type DatabaseHeaderRead } from '../db/database-header.js';
import { BeneathRoot, beneathOpenError, hardLinkedError, type BeneathParent } from '../db/open-beneath.js';
import { openReadOnly } from '../db/open-database.js';
import type { DeclaredSchema } from '../declared/load-declared-schema.js';
import { DriftdError, summarizeCause, type ErrorSummary } from '../errors/driftd-error.js';
import { schemaVersion } from '../introspect/introspect.js';
import { reconcileTarget } from '../reconcile/reconcile-target.js';
import { bindRules, isDatabaseDirPath } from './bind-rules.js';
import { checkFleetFile, VerdictMemo } from './check-fleet-file.js';
import type { ConnectionPool } from './connection-pool.js';
import { matchesFleetPattern, parseFleetPattern, type FleetPattern } from './fleet-pattern.js';
import { listFleet } from './list-fleet.js';
import { runBounded } from '../pipeline/run-bounded.js';
import { createYielder, type LoopYielder } from '../pipeline/yield-to-loop.js';
import { replicaHold } from '../check/replica.js';
import { RepairBackoff, type BackoffSettings, type CauseProbes } from '../pipeline/repair-backoff.js';
import { judgeState } from '../pipeline/target-state.js';
import { emptyTotals, type AppliedStep, type FileReconcileSummary, type FileState, type FleetFileResult, type FleetSweepReport, type FleetTotals } from '../report/report-vocabulary.js';

/** Runs an attempt with the busy budget it may spend inside SQLite, retrying on timers while the file is locked. */
export type BusyRetry = <T>(attempt: (busyTimeoutMs: number) => Promise<T>, budgetMs: number) => Promise<T>;

export interface FleetRunnerDeps {
  readonly pool: ConnectionPool;
  readonly retry: BusyRetry;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  readonly now: () => Date;
  /** Work between two yields to the event loop (default 8 ms). */
  readonly sliceMs?: number;
  /** The probes a file's back-off wakes on (default: statfs/stat and the write lock). */
  readonly probes?: CauseProbes;
}

export interface FleetSweepSettings {
  readonly mode: 'check' | 'dry-run' | 'repair';
  readonly busyTimeoutMs: number;
  readonly backup: BackupSettings | null;
  /** Run the target's reconcile rules on each file ('none': skip the step this sweep). */
  readonly reconcile: 'apply' | 'dry-run' | 'none';
  /** Only these paths (a watcher's report); the rest keep their results and nothing is dropped for not being listed. */
  readonly only?: readonly string[];
  /** The audit sink for one file's changes (audit trail); none when absent. */
  readonly audit?: (database: string) => AuditSink;
  /** Back-off between a file's failed repairs (the config's `repairBackoff`). */
  readonly repairBackoff: BackoffSettings;
}

interface FileRecord {
  readonly result: FleetFileResult;
  /** The unchanged-check key of the last full check; null forces a full check next time. */
  readonly key: string | null;
  /** Declaration and settings the key was recorded under. */
  readonly scope: string;
  /** The schema step's state, before a reconcile rule's failure is counted. */
  readonly schemaState: FileState;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * A fleet target's files and their last results, between sweeps. `sweep()` is
 * the callable step: list the files (or take the watcher's), and for each one
 * decide from one `open` + 100-byte header read whether anything changed since
 * its last full check (schema cookie @40 and change counter @24, with the file's
 * dev:ino); only changed files get a connection. A file in WAL mode with a
 * non-empty `-wal` may have its newest header in the WAL, so its schema version
 * is read through a connection instead. Files are worked on by `pool.size`
 * workers sharing the daemon-wide connection pool, and the sweep yields to the
 * event loop every few milliseconds. Never throws: failures are per file, or
 * the sweep's `error`.
 */
export class FleetRunner {
  private readonly records = new Map<string, FileRecord>();
  /** The files whose repairs are failing: one back-off each, dropped when a repair succeeds or the file goes. */
  private readonly backoffs = new Map<string, RepairBackoff>();
  private readonly memo = new VerdictMemo();
  private pattern: FleetPattern | null = null;
  private droppedTotal = 0;
  private last: FleetSweepReport | null = null;

  constructor(
    readonly name: string,
    private readonly deps: FleetRunnerDeps,
  ) {}

  get report(): FleetSweepReport | null {
    return this.last;
  }

  /** Files dropped since the runner started. */
  get dropped(): number {
    return this.droppedTotal;
  }

  totals(): FleetTotals {
    const totals = emptyTotals();
    for (const record of this.records.values()) totals[record.result.state]++;
    return totals;
  }

  /** Every known file's result, sorted by path; `state` filters. */
  results(state?: FileState): FleetFileResult[] {
    const out: FleetFileResult[] = [];
    for (const record of this.records.values()) if (state === undefined || record.result.state === state) out.push(record.result);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Files whose backed-off repair should be retried now (the cause looks gone): the daemon's waker asks between cycles. */
  wokenFiles(): string[] {
    return [...this.backoffs].filter(([path, backoff]) => backoff.woken(path)).map(([path]) => path);
  }

  /** Whether `path` (absolute) is a file this target's pattern names: for routing a watcher's events. */
  matches(target: TargetConfig, path: string): boolean {
    const pattern = this.patternOf(target);
    if (pattern === null || !path.startsWith(`${pattern.root === '/' ? '' : pattern.root}/`)) return false;
    return matchesFleetPattern(pattern, path.slice(pattern.root === '/' ? 1 : pattern.root.length + 1));
  }

  async sweep(target: TargetConfig, declared: FleetDeclaration, settings: FleetSweepSettings): Promise<FleetSweepReport> {
    const startedAt = this.deps.now();
    const t0 = this.deps.clock();
    const scope = JSON.stringify([declared.contentHash, targetDiffOptions(target), target.foreignKeysEnforced, target.repairUnderMigrationTool === true, settings.mode, settings.backup !== null]);
    this.memo.useScope(scope);
    const finish = (fields: Pick<FleetSweepReport, 'error' | 'unlisted' | 'checked' | 'unchanged' | 'appeared' | 'dropped' | 'fresh'> & Partial<Pick<FleetSweepReport, 'repairs' | 'reconcile' | 'repairFailures'>>): FleetSweepReport => {
      this.last = {
        target: target.name,
        pattern: target.database,
        startedAt: startedAt.toISOString(),
        durationMs: this.deps.clock() - t0,
        files: this.records.size,
        totals: this.totals(),
        repairs: NONE,
        reconcile: NONE,
        repairFailures: 0,
        ...fields,
      };
      return this.last;
    };
    const pattern = this.patternOf(target);
    if (pattern === null) {
      const error: ErrorSummary = { code: 'CONFIG_INVALID', message: `target "${target.name}" is not a fleet target or its pattern "${target.database}" is invalid` };
      return finish({ error, unlisted: NONE, checked: 0, unchanged: 0, appeared: 0, dropped: 0, fresh: NONE });
    }
    let paths: readonly string[];
    let unlisted: FleetSweepReport['unlisted'] = NONE;
    let dropped = 0;
    if (settings.only) {
      paths = [...new Set(settings.only)].filter((path) => this.matches(target, path)).sort();
    } else {
      try {
        const listing = await listFleet(pattern, { sliceMs: this.deps.sliceMs ?? 8 });
        paths = listing.files;
        unlisted = listing.unlisted;
      } catch (cause) {
        return finish({ error: summarizeCause(cause), unlisted: NONE, checked: 0, unchanged: 0, appeared: 0, dropped: 0, fresh: NONE });
      }
      const listed = new Set(paths);
      // A file below an unlisted directory is not known to be gone: it keeps its last result.
      const hidden = (path: string): boolean => unlisted.some((entry) => path.startsWith(`${entry.directory}/`));
      for (const path of this.records.keys()) {
        if (!listed.has(path) && !hidden(path)) {
          this.records.delete(path);
          this.backoffs.delete(path);
          dropped++;
        }
      }
    }
    let realRoot: string;
    try {
      realRoot = realpathSync.native(pattern.root);
    } catch (cause) {
      return finish({ error: summarizeCause(cause), unlisted, checked: 0, unchanged: 0, appeared: 0, dropped, fresh: NONE });
    }
    // Every file below the root is opened through this descriptor, never by path (src/db/open-beneath.ts).
    let root: BeneathRoot;
    try {
      root = BeneathRoot.open(pattern.root, { allowHardLinks: target.allowHardLinks === true });
    } catch (cause) {
      return finish({ error: summarizeCause(cause instanceof DriftdError ? cause : new DriftdError('FLEET_ROOT_UNREADABLE', `fleet root "${pattern.root}" cannot be opened: ${(cause as Error).message}`, { where: { directory: pattern.root }, cause })), unlisted, checked: 0, unchanged: 0, appeared: 0, dropped, fresh: NONE });
    }
    const context: SweepContext = { target, declared, settings, scope, pattern, realRoot, root, yielder: createYielder(this.deps.sliceMs ?? 8), sweptAt: startedAt.toISOString() };
    const counts = { checked: 0, unchanged: 0, appeared: 0, dropped, repairFailures: 0 };
    const fresh: FleetFileResult[] = [];
    const repairs = new Map<string, { table: string; kind: AppliedStep['kind']; count: number }>();
    const rounds = new Map<string, { table: string; orphans: number; recovered: number; dangling: number; skipped: number }>();
    const visitFile = async (path: string): Promise<void> => {
      const previous = this.records.get(path);
      // The unchanged check is synchronous and needs no slot; only a file that needs a connection for
      // longer (a full check, a reconcile round) waits for one.
      const probe = this.probe(path, previous, context);
      const outcome: 'gone' | VisitOutcome =
        probe === 'gone' || 'record' in probe
          ? probe
          : probe.unchanged && !this.wantsReconcile(context)
            ? { record: this.unchangedRecord(previous!, previous!.result.reconcile, context) }
            : await this.deps.pool.run(() => this.visit(path, previous, probe, context));
      if (outcome === 'gone') {
        // Listed, then deleted before the sweep reached it: dropped like a file no longer listed. A path a
        // watcher reported that is gone and was never known (or already dropped) is not dropped again.
        if (this.records.delete(path) || !context.settings.only) counts.dropped++;
        this.backoffs.delete(path);
      } else {
        if (outcome.repairFailed) counts.repairFailures++;
        this.records.set(path, outcome.record);
        if (!previous) counts.appeared++;
        const result = outcome.record.result;
        for (const step of result.unchanged ? NONE : result.applied) {
          const entry = repairs.get(`${step.table}\u0000${step.kind}`) ?? { table: step.table, kind: step.kind, count: 0 };
          entry.count++;
          repairs.set(`${step.table}\u0000${step.kind}`, entry);
        }
        if (this.wantsReconcile(context)) {
          for (const rule of result.reconcile ?? NONE) {
            const sum = rounds.get(rule.table) ?? { table: rule.table, orphans: 0, recovered: 0, dangling: 0, skipped: 0 };
            sum.orphans += rule.orphans - rule.recovered;
            sum.recovered += rule.recovered;
            sum.dangling += rule.dangling;
            sum.skipped += rule.skipped;
            rounds.set(rule.table, sum);
          }
        }
        if (outcome.record.result.unchanged) counts.unchanged++;
        else {
          counts.checked++;
          fresh.push(outcome.record.result);
        }
      }
    };
    try {
      // `pool.size` workers: as many files in flight as the daemon-wide pool has connection slots.
      await runBounded(paths, this.deps.pool.size, context.yielder, visitFile);
    } finally {
      // Every connection of the sweep is closed by now (one still open keeps its own reference).
      root.release();
    }
    this.droppedTotal += counts.dropped;
    return finish({ error: null, unlisted, ...counts, fresh, repairs: [...repairs.values()], reconcile: [...rounds.values()] });
  }

  /** One file: unchanged check, else a full check (and repair) and the reconcile rules. */
  /** The unchanged check: one header read (or, with a non-empty `-wal`, one schema_version read). */
  private probe(path: string, previous: FileRecord | undefined, context: SweepContext): 'gone' | { readonly record: FileRecord } | FileProbe {
    let key: string | null;
    try {
      // One walk to the file's directory serves the header read and the -wal look.
      let parent: BeneathParent;
      let fd: number;
      try {
        parent = context.root.openParent(relativeBelowRoot(path, context));
      } catch (cause) {
        throw cause instanceof DriftdError ? cause : beneathOpenError(cause, path, context.pattern.root);
      }
      try {
        try {
          fd = openSync(parent.at(parent.leaf), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
        } catch (cause) {
          throw beneathOpenError(cause, path, context.pattern.root);
        }
        let read: DatabaseHeaderRead;
        try {
          read = readDatabaseHeaderFrom(fd, path);
        } finally {
          closeSync(fd);
        }
        if (read.nlink > 1 && !context.root.allowHardLinks) throw hardLinkedError(path, read.nlink);
        key = unchangedKey(path, parent, read, context);
      } finally {
        parent.close();
      }
    } catch (cause) {
      if (cause instanceof DriftdError && cause.code === 'DB_NOT_FOUND') return 'gone';
      return { record: { key: null, scope: context.scope, schemaState: 'error', result: this.failed(path, cause, context) } };
    }
    // A file whose repairs are backed off is checked, not repaired, this sweep: recorded under its own scope, so
    // the sweep after the back-off ends (or its cause goes) checks it again in repair mode rather than skip it.
    const backoff = this.backoffs.get(path);
    const backoffScope = `${key === null ? '' : keyVersion(key)}\u0000${context.declared.contentHash}`;
    const mode = context.settings.mode === 'repair' && backoff !== undefined && !backoff.allows(path, backoffScope) ? 'check' : context.settings.mode;
    const scope = mode === context.settings.mode ? context.scope : `${context.scope}\u0000backed-off`;
    // A file held as a LiteFS replica is looked at again once the node may have become primary (one lstat, held files only).
    const promoted = previous?.result.repairHeld?.startsWith('replica: ') === true && replicaHold(path) === null;
    return { key, mode, scope, backoffScope, unchanged: !promoted && previous !== undefined && previous.key !== null && previous.key === key && previous.scope === scope };
  }

  private unchangedRecord(previous: FileRecord, reconcile: readonly FileReconcileSummary[] | null, context: SweepContext): FileRecord {
    const failed = reconcile?.find((rule) => rule.error !== null)?.error ?? null;
    const held = previous.schemaState === 'repair_failing' ? (previous.result.repairBackoff?.error ?? null) : null;
    const result: FleetFileResult = { ...previous.result, sweptAt: context.sweptAt, unchanged: true, reconcile, state: failed ? 'error' : previous.schemaState, error: failed ?? held };
    return { ...previous, result };
  }

  /** A file that needs a connection: the reconcile rounds of an unchanged file, or a full check (and repair). */
  private async visit(path: string, previous: FileRecord | undefined, probe: FileProbe, context: SweepContext): Promise<VisitOutcome | 'gone'> {
    const { settings } = context;
    const { key, scope, mode } = probe;
    let repairStarted = false;
    if (previous && probe.unchanged) {
      // The schema step is skipped; the reconcile rules still run (directories appear without any schema change).
      return { record: this.unchangedRecord(previous, await this.reconcileFile(path, mode, context), context) };
    }
    try {
      assertInsideRoot(path, context);
      const report = await this.deps.retry(
        (busyTimeoutMs) =>
          checkFleetFile({
            dbPath: path,
            declared: context.declared.schema,
            mode,
            onRepairStart: () => {
              repairStarted = true;
            },
            // better-sqlite3 takes whole milliseconds; a retry's remaining budget may be fractional.
            busyTimeoutMs: Math.floor(busyTimeoutMs),
            diff: targetDiffOptions(context.target),
            safety: { foreignKeysEnforced: context.target.foreignKeysEnforced },
            backup: settings.backup,
            repairUnderMigrationTool: context.target.repairUnderMigrationTool === true,
            memo: this.memo,
            root: context.root,
            ...(settings.audit ? { audit: settings.audit(path) } : {}),
            clock: this.deps.clock,
            now: this.deps.now,
          }),
        settings.busyTimeoutMs,
      );
      // A directory swapped for a symlink while the check ran: say so rather than report on another file.
      assertInsideRoot(path, context);
      // The key read before the check describes what was checked only if the schema the check saw has the
      // same version: a schema change in between leaves the file unrecorded, to be checked again.
      const consistent = key !== null && keyVersion(key) === report.schemaVersion;
      // A repair that went through, or nothing left to repair, ends the file's back-off.
      if (repairStarted || !report.remaining.some((item) => item.safe)) this.backoffs.delete(path);
      const reconcile = this.wantsReconcile(context) ? await this.reconcileFile(path, mode, context) : null;
      const backoff = this.backoffs.get(path)?.status ?? null;
      const judged = judgeState({ cycleError: null, repairFailure: backoff?.error ?? null, repairHeld: report.repairHeld, inSync: report.inSync });
      const state: FileState = judged.state === 'in_sync' && report.applied.length > 0 ? 'repaired' : judged.state;
      const result: FleetFileResult = {
        path,
        state: reconcile?.some((rule) => rule.error !== null) ? 'error' : state,
        repairBackoff: backoff,
        sweptAt: context.sweptAt,
        checkedAt: context.sweptAt,
        unchanged: false,
        drift: report.remaining.length === 0 ? NONE : report.remaining,
        applied: report.applied.length === 0 ? NONE : report.applied,
        extras: report.extras.length,
        repairHeld: report.repairHeld,
        error: reconcile?.find((rule) => rule.error !== null)?.error ?? judged.error,
        reconcile,
      };
      // Recorded only when nothing moved while it was checked, and not right after our own repair
      // (our ALTER moved the cookie; the next sweep checks once more rather than trust it).
      return { record: { key: report.applied.length === 0 && consistent ? key : null, scope, schemaState: state, result } };
    } catch (cause) {
      if (cause instanceof DriftdError && cause.code === 'DB_NOT_FOUND') return 'gone';
      if (!repairStarted) return { record: { key: null, scope, schemaState: 'error', result: this.failed(path, cause, context) } };
      // The same back-off as a single-file target: a fleet on a full disk must not storm.
      let backoff = this.backoffs.get(path);
      if (!backoff) this.backoffs.set(path, (backoff = new RepairBackoff(this.deps, this.deps.probes)));
      const error = summarizeCause(cause);
      backoff.failed(path, probe.backoffScope, error, settings.repairBackoff);
      const result: FleetFileResult = { ...this.failed(path, cause, context), state: 'repair_failing', repairBackoff: backoff.status, drift: previous?.result.drift ?? NONE, extras: previous?.result.extras ?? 0 };
      return { record: { key: null, scope, schemaState: 'repair_failing', result }, repairFailed: true };
    }
  }

  private wantsReconcile(context: SweepContext): boolean {
    return context.settings.reconcile !== 'none' && context.target.reconcile.length > 0;
  }

  private async reconcileFile(path: string, schemaMode: FleetSweepSettings['mode'], context: SweepContext): Promise<FileReconcileSummary[]> {
    // Rows are never written while the file's repairs are backed off, nor on a replica.
    const mode = context.settings.reconcile === 'apply' && schemaMode === context.settings.mode && replicaHold(path) === null ? 'apply' : 'dry-run';
    try {
      // A bound root is walked from the fleet's root through the tenant's own directory, never following a link.
      const relative = relativeBelowRoot(path, context);
      const rules = bindRules(context.target.reconcile, dirname(path), { root: context.realRoot, relative: relative.includes('/') ? dirname(relative) : '' });
      const reports = await this.deps.retry((busyTimeoutMs) => reconcileTarget({ dbPath: path, root: context.root, rules, mode, busyTimeoutMs: Math.floor(busyTimeoutMs), now: this.deps.now, ...(context.settings.audit ? { audit: context.settings.audit(path) } : {}) }), context.settings.busyTimeoutMs);
      // A tenant that never wrote a directory has no `{databaseDir}/…` root yet: nothing to recover, not a failure.
      const placeholderRoots = new Set(context.target.reconcile.filter((rule) => isDatabaseDirPath(rule.root)).map((rule) => rule.name));
      const missingRoot = (report: (typeof reports)[number]): boolean => report.error?.code === 'RECONCILE_ROOT_MISSING' && placeholderRoots.has(report.rule);
      return reports.map((report) => ({
        rule: report.rule,
        table: report.table,
        orphans: report.orphans.length,
        recovered: report.recovered.length,
        dangling: report.dangling.length,
        skipped: report.skipped.length,
        blockedBy: report.blockedBy,
        error: report.error && !missingRoot(report) ? report.error : null,
      }));
    } catch (cause) {
      return [{ rule: '*', table: '*', orphans: 0, recovered: 0, dangling: 0, skipped: 0, blockedBy: null, error: summarizeCause(cause) }];
    }
  }

  private failed(path: string, cause: unknown, context: SweepContext): FleetFileResult {
    return { path, state: 'error', sweptAt: context.sweptAt, checkedAt: context.sweptAt, unchanged: false, drift: NONE, applied: NONE, extras: 0, repairHeld: null, error: summarizeCause(cause), repairBackoff: null, reconcile: null };
  }

  private patternOf(target: TargetConfig): FleetPattern | null {
    const source = target.fleet?.pattern;
    if (source === undefined) return null;
    if (this.pattern?.source !== source) {
      const parsed = parseFleetPattern(source);
      this.pattern = parsed.ok ? parsed.pattern : null;
    }
    return this.pattern;
  }
}

/** The declaration a sweep checks against; `contentHash` ties recorded results to it. */
export type FleetDeclaration = Pick<DeclaredSchema, 'schema' | 'contentHash'>;

/** What the unchanged check found for one file, and how it is to be checked this sweep. */
interface FileProbe {
  readonly key: string | null;
  readonly unchanged: boolean;
  /** 'check' while the file's repairs are backed off. */
  readonly mode: FleetSweepSettings['mode'];
  readonly scope: string;
  readonly backoffScope: string;
}

interface VisitOutcome {
  readonly record: FileRecord;
  /** A repair was attempted and rolled back. */
  readonly repairFailed?: boolean;
}

interface SweepContext {
  readonly target: TargetConfig;
  readonly declared: FleetDeclaration;
  readonly settings: FleetSweepSettings;
  readonly scope: string;
  readonly pattern: FleetPattern;
  /** The root with every symlink resolved, once per sweep. */
  readonly realRoot: string;
  /** The root's descriptor: every file below it is opened through it. */
  readonly root: BeneathRoot;
  readonly yielder: LoopYielder;
  readonly sweptAt: string;
}

/**
 * The unchanged-check key of a file, or null when only a full check can tell.
 * Rollback-journal mode: the header is exact (every commit bumps the change
 * counter @24, every schema change the cookie @40; fileformat.html#the_database_header).
 * WAL mode: commits land in `-wal` first and the header in the main file is
 * stale until a checkpoint, so while a non-empty `-wal` exists the schema
 * version is read through a connection, which sees the WAL. dev:ino catches a
 * file replaced by another.
 */
/** The schema version (cookie) a key was made from. */
function keyVersion(key: string): number {
  // `h:dev:ino:cookie:counter` or `w:dev:ino:version`
  return Number(key.split(':')[3]);
}

function unchangedKey(path: string, parent: BeneathParent, read: DatabaseHeaderRead, context: SweepContext): string | null {
  if (read.header === undefined) return null;
  const identity = `${read.dev}:${read.ino}`;
  let walSize = 0;
  try {
    // No -wal is the common case: throwIfNoEntry skips building an Error (and its stack) per file.
    const wal = lstatSync(parent.at(`${parent.leaf}-wal`), { throwIfNoEntry: false });
    // Anything but a regular file there is odd enough to deserve a full check.
    walSize = wal === undefined ? 0 : wal.isFile() ? wal.size : -1;
  } catch {
    walSize = -1;
  }
  // The modification time too: SQLite bumps the counter on every commit in rollback-journal mode, so a time
  // that moved while the counter did not is a write SQLite did not make (a copy written over the file in place).
  if (walSize === 0) return `h:${identity}:${read.header.schemaCookie}:${read.header.changeCounter}:${read.mtimeMs}`;
  if (walSize < 0) return null;
  try {
    const db = openReadOnly(path, { busyTimeoutMs: Math.min(context.settings.busyTimeoutMs, 50), root: context.root });
    try {
      return `w:${identity}:${schemaVersion(db)}`;
    } finally {
      db.close();
    }
  } catch {
    // The full check reports what is wrong, with the catalogue's code.
    return null;
  }
}

/** `path` (listed below the pattern's root) relative to the root. */
function relativeBelowRoot(path: string, context: SweepContext): string {
  const relative = context.root.relativeOf(path);
  if (relative === null) throw new DriftdError('DB_OUTSIDE_ROOT', `database "${path}" is not below the fleet root "${context.pattern.root}"`, { where: { file: path, root: context.pattern.root } });
  return relative;
}

/**
 * The path, resolved through every symlink, must be the same path under the
 * resolved root: no component was swapped for a link leading elsewhere.
 */
function assertInsideRoot(path: string, context: SweepContext): void {
  const root = context.pattern.root;
  const expected = root === '/' ? path : `${context.realRoot}${path.slice(root.length)}`;
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DriftdError('DB_NOT_FOUND', `database "${path}" does not exist`, { where: { file: path } });
    throw new DriftdError('DB_OPEN_FAILED', `database "${path}" cannot be resolved: ${(cause as Error).message}`, { where: { file: path }, cause });
  }
  if (real !== expected) {
    throw new DriftdError('DB_OUTSIDE_ROOT', `database "${path}" resolves to "${real}", outside the fleet root "${root}" (a symlink in its path)`, {
      where: { file: path, root },
      hint: 'driftd never follows a symlink out of a fleet root; replace the link with the directory itself',
    });
  }
}
