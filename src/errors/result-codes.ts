import type { ErrorCode } from './driftd-error.js';

/**
 * The one home for what a failure of the database (or of the OS under it) means. SQLite's result
 * codes (https://www.sqlite.org/rescode.html; better-sqlite3 reports the extended code, e.g.
 * `SQLITE_IOERR_WRITE`) and the errno codes of Node's fs calls are both mapped here to a condition,
 * and each condition to one catalogue code and hint. Adding a condition breaks the build until the
 * table below has it.
 */
export type DatabaseCondition = 'not-a-database' | 'corrupt' | 'busy' | 'readonly' | 'disk-full' | 'io-error' | 'too-many-files' | 'permission' | 'cant-open' | 'other';

/** `state`: a condition of the database or the machine, not of driftd's plan or rows (see `isDatabaseCondition`). */
export const CONDITIONS = {
  'not-a-database': { state: false, code: 'DB_NOT_SQLITE', says: 'is not an SQLite database', hint: 'check that the path names the application database, not another file' },
  corrupt: { state: false, code: 'DB_CORRUPT', says: 'is corrupt', hint: 'restore it from a backup; run `sqlite3 FILE "PRAGMA integrity_check"` for details' },
  busy: { state: true, code: 'DB_BUSY', says: 'stayed locked by another connection', hint: 'retry later, or wait longer: --busy-timeout MS on driftd check/repair/reconcile, "busyTimeoutMs" in the config' },
  readonly: { state: true, code: 'DB_READONLY', says: 'cannot be written', hint: 'driftd needs write access to the file and its directory (for the -journal/-wal files)' },
  'disk-full': { state: true, code: 'DB_DISK_FULL', says: 'cannot be written: the disk is full', hint: 'free space on the file system holding the database and its -journal/-wal files' },
  'io-error': { state: true, code: 'DB_IO_ERROR', says: 'hit an I/O error', hint: 'check the disk and the kernel log (dmesg)' },
  'too-many-files': { state: true, code: 'DB_TOO_MANY_FILES', says: 'cannot be opened: out of file descriptors', hint: 'raise LimitNOFILE= (systemd) or `ulimit -n`, or find what holds descriptors open' },
  permission: { state: true, code: 'DB_PERMISSION', says: 'cannot be opened', hint: 'check the permissions of the file and its directory' },
  'cant-open': { state: true, code: 'DB_PERMISSION', says: 'cannot be opened', hint: 'check the permissions of the file and its directory' },
  other: { state: false, code: 'DB_OPEN_FAILED', says: 'failed', hint: undefined },
} as const satisfies Record<DatabaseCondition, { state: boolean; code: ErrorCode; says: string; hint: string | undefined }>;

/** SQLite primary result codes and errno codes, by condition. An extended code matches its primary code's prefix. */
const BY_RESULT_CODE: ReadonlyArray<readonly [string, DatabaseCondition]> = [
  ['SQLITE_NOTADB', 'not-a-database'],
  ['SQLITE_CORRUPT', 'corrupt'],
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_READONLY', 'readonly'],
  ['SQLITE_FULL', 'disk-full'],
  ['SQLITE_IOERR', 'io-error'],
  ['SQLITE_CANTOPEN', 'cant-open'],
  ['SQLITE_PERM', 'permission'],
  ['SQLITE_AUTH', 'permission'],
  ['ENOSPC', 'disk-full'],
  ['EDQUOT', 'disk-full'],
  ['EIO', 'io-error'],
  ['EROFS', 'readonly'],
  ['EMFILE', 'too-many-files'],
  ['ENFILE', 'too-many-files'],
  ['EACCES', 'permission'],
  ['EPERM', 'permission'],
];

/** The condition a result code (SQLite's, extended or primary, or an errno name) stands for. Pure. */
export function conditionOf(resultCode: string): DatabaseCondition {
  for (const [prefix, condition] of BY_RESULT_CODE) {
    if (resultCode === prefix || resultCode.startsWith(`${prefix}_`)) return condition;
  }
  return 'other';
}

/**
 * Conditions of the database or the machine, not of driftd's plan or rows: a repair or reconcile
 * round that fails with one of these is reported as the database's state (with its code) rather
 * than as a failed step.
 */
export function isDatabaseCondition(resultCode: string): boolean {
  return CONDITIONS[conditionOf(resultCode)].state;
}

/** The result code an error carries (better-sqlite3's `SqliteError.code`, Node's errno `code`), or ''. */
export function resultCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** SQLite's message when SQLITE_DQS=0 reads a double-quoted word as an identifier (quirks.html#dblquote). */
const DQS_REFUSAL = /should this be a string literal in single-quotes\?/;

/**
 * True when SQLite refused a statement because the connection does not accept "…" as a string: a
 * condition of the connection (an application's own, in the library; driftd's connections load the
 * compatibility extension), not of one statement.
 */
export function isDqsRefusal(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (DQS_REFUSAL.test(current.message)) return true;
  }
  return false;
}
