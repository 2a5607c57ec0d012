import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { openReadWrite, sqliteError, type DatabaseHandle } from '../db/open-database.js';
import type { ErrorSummary } from '../errors/driftd-error.js';

/**
 * What a failed repair's cause looked like when it failed, read cheaply (one
 * `statfs` and two `stat` calls, no SQLite): the free space of the database's
 * file system and the mode, owner and device of the file and its directory.
 * A later snapshot that differs in a way that could have removed the cause
 * (space freed, permissions or owner changed, another file system mounted)
 * wakes a backed-off repair at once instead of at the retry time.
 */
export interface CauseSnapshot {
  /** Bytes available to unprivileged writers (statfs f_bavail × f_bsize); -1 when unknown. */
  readonly freeBytes: number;
  /** `dev:ino:mode:uid:gid` of the file and of its directory; '' when they cannot be read. */
  readonly file: string;
  readonly directory: string;
}

/** Free space must grow by at least this much to count: SQLite's own journal comes and goes in pages. */
export const FREE_SPACE_WAKE_BYTES = 64 * 1024;

/** Reads the cause snapshot of `database`. Never throws. */
export function probeCause(database: string): CauseSnapshot {
  return { freeBytes: freeBytesOf(dirname(database)), file: identityOf(database), directory: identityOf(dirname(database)) };
}

/**
 * Whether `now` shows the cause recorded at the failure may have gone: free
 * space grew by `FREE_SPACE_WAKE_BYTES` or more, or the file's or directory's
 * device, inode, mode or owner changed. Pure.
 */
export function causeMayHaveCleared(atFailure: CauseSnapshot, now: CauseSnapshot): boolean {
  if (atFailure.freeBytes >= 0 && now.freeBytes >= 0 && now.freeBytes - atFailure.freeBytes >= FREE_SPACE_WAKE_BYTES) return true;
  return now.file !== atFailure.file || now.directory !== atFailure.directory;
}

/** Error codes that say "try again at once", never "back off": another writer held the lock. */
const RETRY_NEXT_CYCLE = new Set(['DB_BUSY']);

export interface BackoffSettings {
  readonly initialSeconds: number;
  readonly maxSeconds: number;
}

/**
 * Seconds to wait after the `failures`-th failed repair in a row: `initialSeconds`, doubling per
 * failure, never more than `maxSeconds`. Pure.
 */
export function repairBackoffSeconds(failures: number, settings: BackoffSettings): number {
  if (failures <= 0) return 0;
  return Math.min(settings.maxSeconds, settings.initialSeconds * 2 ** Math.min(failures - 1, 30));
}

/** A repair that keeps failing, as every view reports it. */
export interface RepairBackoffStatus {
  /** Failed repairs in a row. */
  readonly failures: number;
  /** When the next repair may be attempted unless the cause goes first (ISO time). */
  readonly retryAt: string;
  readonly lastCode: string;
  /** The last failure: code, message, hint. */
  readonly error: ErrorSummary;
}

interface BackoffEntry {
  /** 'busy': another writer held the lock — retried next cycle, never waited out. */
  readonly kind: 'busy' | 'failing';
  /** The target's `allowHardLinks`, for the lock probe's open. */
  readonly allowHardLinks: boolean;
  readonly failures: number;
  /** Monotonic ms. */
  readonly retryAtClock: number;
  readonly retryAt: string;
  readonly error: ErrorSummary;
  /** The schema version and declaration the failed repair ran on: a real schema change ends the back-off. */
  readonly scope: string;
  readonly cause: CauseSnapshot;
}

/** The cheap probes the back-off wakes on (injectable for tests of the pure timing). */
export interface CauseProbes {
  readonly cause: (database: string) => CauseSnapshot;
  /** Whether another connection holds the write lock now (`allowHardLinks`: the target's say-so, as for every open). */
  readonly lockHeld: (database: string, allowHardLinks: boolean) => boolean;
}

export const REAL_PROBES: CauseProbes = { cause: probeCause, lockHeld: writeLockHeld };

export interface BackoffClock {
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  readonly now: () => Date;
}

/**
 * The one repair back-off, for a single-file target and for each file of a
 * fleet: after a failed repair, repairs wait `initialSeconds` doubling to
 * `maxSeconds`, so a cause that persists (a full disk) costs one attempt per
 * back-off period, not one per cycle and per write its own attempt caused.
 * Yet the wait ends at once when the cause may have gone (`causeMayHaveCleared`,
 * judged every time `allows` is asked), when the schema or the declaration
 * changed (`scope`), and a lock held by another writer (`DB_BUSY`) is never
 * backed off: the next cycle retries.
 */
export class RepairBackoff {
  private entry: BackoffEntry | null = null;

  constructor(
    private readonly time: BackoffClock,
    private readonly probes: CauseProbes = REAL_PROBES,
  ) {}

  /** Whether a repair of `database` may be attempted now. Ends the wait when it may (scope, cause, time). */
  allows(database: string, scope: string): boolean {
    const entry = this.entry;
    if (entry === null || entry.kind === 'busy') return true;
    if (entry.scope !== scope || this.time.clock() >= entry.retryAtClock || causeMayHaveCleared(entry.cause, this.probes.cause(database))) {
      // Kept (with its failure count) until the attempt settles: a woken attempt that fails again doubles the wait.
      this.entry = { ...entry, retryAtClock: -Infinity };
      return true;
    }
    return false;
  }

  /**
   * Whether a cycle should run now to retry: the cause looks gone (or the retry time passed) while
   * backed off, or the lock a busy repair waited for is free. The daemon's waker asks this every second
   * between cycles, so recovery never waits for the schedule; false once the retry is already due.
   */
  woken(database: string): boolean {
    const entry = this.entry;
    if (entry === null || entry.retryAtClock === -Infinity) return false;
    if (entry.kind === 'busy') return !this.probes.lockHeld(database, entry.allowHardLinks);
    return this.time.clock() >= entry.retryAtClock || causeMayHaveCleared(entry.cause, this.probes.cause(database));
  }

  /** A repair attempt failed with `error`. */
  failed(database: string, scope: string, error: ErrorSummary, settings: BackoffSettings, allowHardLinks = false): void {
    if (RETRY_NEXT_CYCLE.has(error.code)) {
      // Not the database's condition: whoever held the lock lets go, and the next cycle repairs. The failure
      // count is kept (a real cause found later still doubles from where it was).
      const nowIso = this.time.now().toISOString();
      this.entry = { kind: 'busy', allowHardLinks, failures: this.entry?.failures ?? 0, retryAtClock: this.time.clock(), retryAt: nowIso, error, scope, cause: this.probes.cause(database) };
      return;
    }
    const failures = (this.entry?.failures ?? 0) + 1;
    const waitMs = repairBackoffSeconds(failures, settings) * 1000;
    this.entry = {
      kind: 'failing',
      allowHardLinks,
      failures,
      retryAtClock: this.time.clock() + waitMs,
      retryAt: new Date(this.time.now().getTime() + waitMs).toISOString(),
      error,
      scope,
      cause: this.probes.cause(database),
    };
  }

  /** A repair went through, or nothing is left to repair: the back-off ends. */
  clear(): void {
    this.entry = null;
  }

  /** Non-null while a needed repair is failing (until one succeeds or nothing is left to repair). */
  get status(): RepairBackoffStatus | null {
    const entry = this.entry;
    return entry === null ? null : { failures: entry.failures, retryAt: entry.retryAt, lastCode: entry.error.code, error: entry.error };
  }
}

function freeBytesOf(directory: string): number {
  try {
    const stats = statfsSync(directory);
    return Number(stats.bavail) * Number(stats.bsize);
  } catch {
    return -1;
  }
}

function identityOf(path: string): string {
  try {
    const stats = statSync(path);
    return `${stats.dev}:${stats.ino}:${stats.mode}:${stats.uid}:${stats.gid}`;
  } catch {
    return '';
  }
}

/**
 * Whether another connection holds the write lock: `BEGIN IMMEDIATE` with no
 * busy timeout, then `ROLLBACK` at once. Nothing is written and no journal is
 * created (a journal is opened by the first page change, not by the lock).
 * Any other failure answers false: the step's next attempt reports it properly.
 */
export function writeLockHeld(database: string, allowHardLinks = false): boolean {
  let db: DatabaseHandle | null = null;
  try {
    db = openReadWrite(database, { busyTimeoutMs: 0, allowHardLinks });
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return false;
  } catch (cause) {
    return sqliteError(cause, database, 'waiting for the write lock').code === 'DB_BUSY';
  } finally {
    db?.close();
  }
}
