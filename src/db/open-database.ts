import { accessSync, closeSync, constants, fstatSync, realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { DriftdError, withContext } from '../errors/driftd-error.js';
import { BeneathRoot, beneathOpenError, hardLinkedError } from './open-beneath.js';
import { openSqlite } from './open-sqlite.js';
import { sqliteError } from './sqlite-error.js';

export { sqliteError } from './sqlite-error.js';

export type DatabaseHandle = Database.Database;

export interface OpenOptions {
  /** How long to wait for another process's lock, in ms (pragma.html#pragma_busy_timeout). */
  readonly busyTimeoutMs: number;
  /**
   * The directory the file is opened beneath (a fleet's root): `path` must be below it, and every
   * component between them is walked without following a link, by driftd and by SQLite for the
   * journal, WAL and shared-memory files. Without it the file's own directory (symlinks resolved:
   * the operator's path) is the root. The root's `allowHardLinks` applies.
   */
  readonly root?: BeneathRoot;
  /** Without `root`: open a file with more than one hard link anyway (the target's `allowHardLinks`). */
  readonly allowHardLinks?: boolean;
}

/** The open options a request implies: its busy timeout, and where and how the file is opened beneath. */
export function openOptionsOf(request: { readonly busyTimeoutMs: number; readonly root?: BeneathRoot; readonly allowHardLinks?: boolean }): OpenOptions {
  return { busyTimeoutMs: request.busyTimeoutMs, ...(request.root ? { root: request.root } : {}), ...(request.allowHardLinks ? { allowHardLinks: true } : {}) };
}

/**
 * Opens a user's database read-only for a check. Nothing is written: no journal
 * mode change, no pragma that persists. The file must already exist and be a
 * regular file (a FIFO would block the open forever) with one hard link.
 */
export function openReadOnly(path: string, options: OpenOptions): DatabaseHandle {
  return open(path, true, options);
}

/** Opens a user's database read-write for a repair or a reconcile round. */
export function openReadWrite(path: string, options: OpenOptions): DatabaseHandle {
  return open(path, false, options);
}

/** Where a database is opened: beneath which directory, as which relative name. */
interface Location {
  readonly root: BeneathRoot;
  readonly relative: string;
}

function open(path: string, readonly: boolean, options: OpenOptions): DatabaseHandle {
  const location = locate(path, options);
  try {
    inspect(path, location, readonly);
    const name = location.root.sqlitePath(location.relative);
    const db = openRecovering(name, path, readonly, options);
    // The directory's descriptor stays open as long as the connection may open its journal.
    const close = db.close.bind(db);
    let released = false;
    db.close = () => {
      try {
        return close();
      } finally {
        if (!released) {
          released = true;
          location.root.release();
        }
      }
    };
    return db;
  } catch (error) {
    location.root.release();
    throw error;
  }
}

/** Takes a reference on the root the file is opened beneath. */
function locate(path: string, options: OpenOptions): Location {
  if (options.root) {
    const relative = options.root.relativeOf(path);
    if (relative === null) {
      throw new DriftdError('DB_OUTSIDE_ROOT', `database "${path}" is not below "${options.root.directory}"`, { where: { file: path, root: options.root.directory } });
    }
    return { root: options.root.retain(), relative };
  }
  // A single database: the operator's path, links and all; the file is then opened in the directory it is really in.
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch (error) {
    throw beneathOpenError(error, path, dirname(path));
  }
  try {
    return { root: BeneathRoot.open(dirname(real), { allowHardLinks: options.allowHardLinks === true }), relative: basename(real) };
  } catch (error) {
    if (error instanceof DriftdError) throw error;
    throw beneathOpenError(error, path, dirname(real));
  }
}

/**
 * Looks at the file through a descriptor walked beneath the root: a regular file (a FIFO would
 * block SQLite's open), one hard link unless allowed, writable for a repair. SQLite's own open
 * (through the extension) enforces the same again on the descriptor it uses; this is for the error.
 */
function inspect(path: string, location: Location, readonly: boolean): void {
  let fd: number;
  try {
    fd = location.root.openFile(location.relative, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw beneathOpenError(error, path, location.root.directory);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) {
      throw new DriftdError('DB_IS_DIRECTORY', `database "${path}" is a directory`, { hint: 'point at the SQLite file inside it', where: { file: path } });
    }
    if (!stats.isFile()) {
      throw new DriftdError('DB_NOT_A_FILE', `database "${path}" is not a regular file (a FIFO, socket or device)`, { where: { file: path } });
    }
    if (stats.nlink > 1 && !location.root.allowHardLinks) throw hardLinkedError(path, stats.nlink);
    // SQLite silently opens a write-protected file read-only and only fails at the
    // first write: say so up front, before a repair starts.
    if (!readonly) assertWritable(path, fd);
  } finally {
    closeSync(fd);
  }
}

function openRecovering(name: string, path: string, readonly: boolean, options: OpenOptions): DatabaseHandle {
  try {
    return openAndRead(name, path, readonly, options);
  } catch (error) {
    if (!readonly || !needsWriterRecovery(error)) throw error;
    // A writer crashed mid-transaction and left a hot rollback journal (or a WAL index that must be
    // rebuilt). SQLite restores the last committed state the next time a connection that may write
    // reads the file (https://www.sqlite.org/atomiccommit.html#section_4_2); a read-only connection
    // cannot and fails with SQLITE_READONLY_ROLLBACK / _RECOVERY until someone does. One read-write
    // open does exactly what the application's own next open would do — it restores committed data,
    // it writes nothing of driftd's — and the check then proceeds read-only. Found by the crash torture.
    try {
      openAndRead(name, path, false, options).close();
    } catch (recoveryError) {
      throw withContext('a crashed writer left a hot journal; rolling it back needs write access', recoveryError);
    }
    return openAndRead(name, path, true, options);
  }
}

/** Opens and reads the schema once; throws `DriftdError` (its `cause` is SQLite's error). */
function openAndRead(name: string, path: string, readonly: boolean, options: OpenOptions): DatabaseHandle {
  let db: DatabaseHandle;
  try {
    db = openSqlite(name, { readonly, fileMustExist: true, timeout: options.busyTimeoutMs });
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

/** Write permission on the very file the descriptor holds (`/proc/self/fd/<fd>` is that inode, not a path walked again). */
function assertWritable(path: string, fd: number): void {
  try {
    accessSync(`/proc/self/fd/${fd}`, constants.W_OK);
  } catch (error) {
    throw new DriftdError('DB_READONLY', `database "${path}" is not writable by this user (uid ${process.getuid?.() ?? '?'}): ${(error as Error).message}`, {
      where: { file: path },
      cause: error,
      hint: 'run driftd as the user that owns the database, or use `driftd check` / `repair --dry-run`',
    });
  }
}
