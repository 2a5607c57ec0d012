import { accessSync, constants, statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { DriftdError, withContext } from '../errors/driftd-error.js';
import { openSqlite } from './open-sqlite.js';
import { sqliteError } from './sqlite-error.js';

export { sqliteError } from './sqlite-error.js';

export type DatabaseHandle = Database.Database;

export interface OpenOptions {
  /** How long to wait for another process's lock, in ms (pragma.html#pragma_busy_timeout). */
  readonly busyTimeoutMs: number;
}

/**
 * Opens a user's database read-only for a check. Nothing is written: no journal
 * mode change, no pragma that persists. The file must already exist and be a
 * regular file (a FIFO would block the open forever).
 */
export function openReadOnly(path: string, options: OpenOptions): DatabaseHandle {
  return open(path, true, options);
}

/** Opens a user's database read-write for a repair or a reconcile round. */
export function openReadWrite(path: string, options: OpenOptions): DatabaseHandle {
  return open(path, false, options);
}

function open(path: string, readonly: boolean, options: OpenOptions): DatabaseHandle {
  assertRegularFile(path);
  // SQLite silently opens a write-protected file read-only and only fails at the
  // first write: say so up front, before a repair starts.
  if (!readonly) assertWritable(path);
  try {
    return openAndRead(path, readonly, options);
  } catch (error) {
    if (!readonly || !needsWriterRecovery(error)) throw error;
    // A writer crashed mid-transaction and left a hot rollback journal (or a WAL index that must be
    // rebuilt). SQLite restores the last committed state the next time a connection that may write
    // reads the file (https://www.sqlite.org/atomiccommit.html#section_4_2); a read-only connection
    // cannot and fails with SQLITE_READONLY_ROLLBACK / _RECOVERY until someone does. One read-write
    // open does exactly what the application's own next open would do — it restores committed data,
    // it writes nothing of driftd's — and the check then proceeds read-only. Found by the crash torture.
    try {
      openAndRead(path, false, options).close();
    } catch (recoveryError) {
      throw withContext('a crashed writer left a hot journal; rolling it back needs write access', recoveryError);
    }
    return openAndRead(path, true, options);
  }
}

/** Opens and reads the schema once; throws `DriftdError` (its `cause` is SQLite's error). */
function openAndRead(path: string, readonly: boolean, options: OpenOptions): DatabaseHandle {
  let db: DatabaseHandle;
  try {
    db = openSqlite(path, { readonly, fileMustExist: true, timeout: options.busyTimeoutMs });
  } catch (error) {
    throw sqliteError(error, path, readonly ? 'opening read-only' : 'opening read-write');
  }
  try {
    // Reading the header makes SQLite validate the file now, not at the first real query.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
  } catch (error) {
    db.close();
    throw sqliteError(error, path, 'reading the schema');
  }
  return db;
}

/** SQLite's extended codes for "recovery needed, and this read-only connection cannot do it" (rescode.html). */
function needsWriterRecovery(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } }).cause?.code;
  return code === 'SQLITE_READONLY_ROLLBACK' || code === 'SQLITE_READONLY_RECOVERY';
}

function assertRegularFile(path: string): void {
  let stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DriftdError('DB_NOT_FOUND', `database "${path}" does not exist`, {
        hint: 'check the path; driftd never creates a database file',
        where: { file: path },
      });
    }
    throw sqliteError(error, path, 'examining the path');
  }
  if (stats.isDirectory()) {
    throw new DriftdError('DB_IS_DIRECTORY', `database "${path}" is a directory`, { hint: 'point at the SQLite file inside it', where: { file: path } });
  }
  if (!stats.isFile()) {
    throw new DriftdError('DB_NOT_A_FILE', `database "${path}" is not a regular file (a FIFO, socket or device)`, { where: { file: path } });
  }
}

function assertWritable(path: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new DriftdError('DB_READONLY', `database "${path}" is not writable by this user (uid ${process.getuid?.() ?? '?'}): ${(error as Error).message}`, {
      where: { file: path },
      cause: error,
      hint: 'run driftd as the user that owns the database, or use `driftd check` / `repair --dry-run`',
    });
  }
}
