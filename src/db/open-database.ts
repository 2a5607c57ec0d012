import { accessSync, closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { DriftdError, withContext } from '../errors/driftd-error.js';
import { BeneathRoot, beneathOpenError, hardLinkedError, type BeneathParent } from './open-beneath.js';
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
    LOCATIONS.set(db, location);
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

/** Where each open connection's file was opened beneath, for {@link openConnectionFile}. */
const LOCATIONS = new WeakMap<DatabaseHandle, Location>();

/**
 * A read-only descriptor of the very file `db` has open (a connection from `openReadOnly` /
 * `openReadWrite`), for reading its bytes beside SQLite (`driftd apply`'s backup copy): opened
 * beneath the connection's root without following a link (O_NOFOLLOW per component, O_NONBLOCK),
 * never by path, and proved to be the same file as a descriptor this process already holds (the
 * connection's own: same device and inode), so a name swapped since SQLite opened it is refused
 * (DB_OUTSIDE_ROOT) instead of read.
 *
 * The caller must keep the descriptor open until `db` has closed: closing any descriptor of a file
 * drops every POSIX lock this process holds on it (fcntl(2); see `inspect`), the connection's too.
 */
export function openConnectionFile(db: DatabaseHandle, path: string): number {
  const location = LOCATIONS.get(db);
  if (!location) throw new Error(`openConnectionFile: "${path}" was not opened by open-database`);
  let fd: number;
  try {
    fd = location.root.openFile(location.relative, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw beneathOpenError(error, path, location.root.directory);
  }
  const stats = fstatSync(fd, { bigint: true });
  // Not a regular file, or a file no other descriptor of this process has open: not the
  // connection's file (closing it drops no lock of the connection's).
  if (!stats.isFile() || !heldElsewhere(fd, stats.dev, stats.ino)) {
    closeSync(fd);
    throw new DriftdError('DB_OUTSIDE_ROOT', `database "${path}" was replaced since it was opened (its name now leads to another file): not read`, {
      where: { file: path, root: location.root.directory },
      hint: 'another process renamed or swapped the file while driftd worked on it; run the command again',
    });
  }
  return fd;
}

/**
 * A second, read-only connection to the file `db` has open (`driftd apply`'s backup API source in
 * WAL mode), opened through the same directory descriptor and extension names as `db` — never the
 * path again, so nothing below the root is reached through a link. Close it only after `db` has
 * closed (as with {@link openConnectionFile}).
 */
export function openConnectionReader(db: DatabaseHandle, path: string, busyTimeoutMs: number): DatabaseHandle {
  const location = LOCATIONS.get(db);
  if (!location) throw new Error(`openConnectionReader: "${path}" was not opened by open-database`);
  const root = location.root.retain();
  try {
    const reader = openSqlite(root.sqlitePath(location.relative), { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    const close = reader.close.bind(reader);
    reader.close = () => {
      try {
        return close();
      } finally {
        root.release();
      }
    };
    return reader;
  } catch (error) {
    root.release();
    throw sqliteError(error, path, 'opening a reader for the backup');
  }
}

/** Whether a descriptor of this process other than `fd` refers to the file `dev`:`ino`. */
function heldElsewhere(fd: number, dev: bigint, ino: bigint): boolean {
  for (const name of readdirSync('/proc/self/fd')) {
    const other = Number(name);
    if (other === fd) continue;
    try {
      const stats = fstatSync(other, { bigint: true });
      if (stats.dev === dev && stats.ino === ino) return true;
    } catch {
      // The directory's own descriptor from readdir, already closed: not the file.
    }
  }
  return false;
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
 * Looks at the file's entry in the directory walked beneath the root: a regular file (a FIFO would
 * block SQLite's open), one hard link unless allowed, writable for a repair. SQLite's own open
 * (through the extension) enforces the same again on the descriptor it uses; this is for the error.
 *
 * The file itself is never opened here: closing any descriptor of a file drops every POSIX lock this
 * process holds on it (fcntl(2)), so an open and close beside a connection that holds a write lock —
 * a second connection to the same file while a repair or an apply is in its transaction, or the
 * application's own connection in the library — would let another process write inside that
 * transaction. SQLite's unix VFS shares its descriptors across connections for this reason; Node's
 * are outside it. lstat(2) and access(2) of the entry open nothing.
 */
function inspect(path: string, location: Location, readonly: boolean): void {
  let parent: BeneathParent;
  try {
    // One walk to the file's directory serves the file and the journals beside it.
    parent = location.root.openParent(location.relative);
  } catch (error) {
    throw beneathOpenError(error, path, location.root.directory);
  }
  try {
    const entry = parent.at(parent.leaf);
    let stats;
    try {
      stats = lstatSync(entry);
    } catch (error) {
      throw beneathOpenError(error, path, location.root.directory);
    }
    if (stats.isSymbolicLink()) throw beneathOpenError(Object.assign(new Error(`ELOOP: "${path}" is a symbolic link`), { code: 'ELOOP' }), path, location.root.directory);
    if (stats.isDirectory()) {
      throw new DriftdError('DB_IS_DIRECTORY', `database "${path}" is a directory`, { hint: 'point at the SQLite file inside it', where: { file: path } });
    }
    if (!stats.isFile()) {
      throw new DriftdError('DB_NOT_A_FILE', `database "${path}" is not a regular file (a FIFO, socket or device)`, { where: { file: path } });
    }
    if (stats.nlink > 1 && !location.root.allowHardLinks) throw hardLinkedError(path, stats.nlink);
    assertSoundCompanions(path, parent, location.root.allowHardLinks);
    // SQLite silently opens a write-protected file read-only and only fails at the
    // first write: say so up front, before a repair starts.
    if (!readonly) assertWritable(path, entry);
  } finally {
    parent.close();
  }
}

/**
 * SQLite opens `-journal`, `-wal` and `-shm` beside the database by name. One planted as a hard link
 * to another file would have that file written (or, as a hot journal, read into the database);
 * one planted as a symlink would lead out of the directory. The extension refuses both on the
 * descriptor it opens (EMLINK, ELOOP: SQLITE_CANTOPEN); this names the file first.
 */
function assertSoundCompanions(path: string, parent: BeneathParent, allowHardLinks: boolean): void {
  for (const suffix of ['-journal', '-wal', '-shm']) {
    const stats = lstatSync(parent.at(`${parent.leaf}${suffix}`), { throwIfNoEntry: false });
    if (stats === undefined) continue;
    if (stats.isSymbolicLink()) {
      throw new DriftdError('DB_OUTSIDE_ROOT', `"${path}${suffix}" beside database "${path}" is a symlink: SQLite would open it as the database's ${suffix.slice(1)} file`, {
        where: { file: `${path}${suffix}` },
        hint: "remove the link (driftd never follows one out of a database's directory)",
      });
    }
    if (stats.isFile() && stats.nlink > 1 && !allowHardLinks) throw hardLinkedError(`${path}${suffix}`, stats.nlink, `the ${suffix.slice(1)} file`);
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
function assertWritable(path: string, entry: string): void {
  try {
    accessSync(entry, constants.W_OK);
  } catch (error) {
    throw new DriftdError('DB_READONLY', `database "${path}" is not writable by this user (uid ${process.getuid?.() ?? '?'}): ${(error as Error).message}`, {
      where: { file: path },
      cause: error,
      hint: 'run driftd as the user that owns the database, or use `driftd check` / `repair --dry-run`',
    });
  }
}
