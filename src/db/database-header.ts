import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { DriftdError } from '../errors/driftd-error.js';

/** The 100-byte header every SQLite database file starts with (https://www.sqlite.org/fileformat.html#the_database_header). */
export const DATABASE_HEADER_SIZE = 100;

const MAGIC = 'SQLite format 3\u0000';

/** The fields of the database header driftd uses. All integers are big-endian in the file. */
export interface DatabaseHeader {
  /** Bytes per page (offset 16; the stored value 1 means 65536). */
  readonly pageSize: number;
  /** File format write version (offset 18): 1 legacy/rollback journal, 2 WAL. */
  readonly writeVersion: number;
  /** File format read version (offset 19): 1 legacy/rollback journal, 2 WAL. */
  readonly readVersion: number;
  /**
   * True when both versions are 2: the database is in WAL mode. Then the change counter below is
   * NOT incremented on commit (fileformat.html#file_change_counter), so it cannot tell that data changed.
   */
  readonly walMode: boolean;
  /** File change counter (offset 24): incremented by every rollback-journal-mode transaction that commits. */
  readonly changeCounter: number;
  /** Size of the database in pages (offset 28); valid only when `versionValidFor === changeCounter`. */
  readonly pageCount: number;
  /** Schema cookie (offset 40): incremented on every schema change. */
  readonly schemaCookie: number;
  /** Schema format number (offset 44): 1 to 4. */
  readonly schemaFormat: number;
  /** Text encoding (offset 56): 1 UTF-8, 2 UTF-16le, 3 UTF-16be. */
  readonly textEncoding: number;
  /** user_version pragma (offset 60). */
  readonly userVersion: number;
  /** application_id pragma (offset 68). */
  readonly applicationId: number;
  /** The change counter value at which `pageCount` was last valid (offset 92). */
  readonly versionValidFor: number;
  /** SQLITE_VERSION_NUMBER of the library that last wrote the file (offset 96). */
  readonly sqliteVersionNumber: number;
}

/**
 * Parses the first 100 bytes of a database file. Pure: no IO. Returns `undefined` for anything that
 * is not a plausible SQLite header (too short, wrong magic string, impossible page size) — an empty
 * file is a valid zero-page database to SQLite, and is not a header either.
 */
export function parseDatabaseHeader(bytes: Uint8Array): DatabaseHeader | undefined {
  if (bytes.length < DATABASE_HEADER_SIZE) return undefined;
  for (let i = 0; i < MAGIC.length; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, DATABASE_HEADER_SIZE);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  // A power of two between 512 and 32768, or 65536 (fileformat.html#page_size).
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return undefined;
  const writeVersion = view.getUint8(18);
  const readVersion = view.getUint8(19);
  return {
    pageSize,
    writeVersion,
    readVersion,
    walMode: writeVersion === 2 && readVersion === 2,
    changeCounter: view.getUint32(24),
    pageCount: view.getUint32(28),
    schemaCookie: view.getUint32(40),
    schemaFormat: view.getUint32(44),
    textEncoding: view.getUint32(56),
    userVersion: view.getInt32(60),
    applicationId: view.getInt32(68),
    versionValidFor: view.getUint32(92),
    sqliteVersionNumber: view.getUint32(96),
  };
}

/** What `readDatabaseHeader` saw: the parsed header (or `undefined`) and the file's identity from the same handle. */
export interface DatabaseHeaderRead {
  readonly header: DatabaseHeader | undefined;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** Hard links to the file (more than one: DB_HARD_LINKED unless allowed). */
  readonly nlink: number;
}

export interface ReadHeaderOptions {
  /**
   * Follow a symlink in the last path component. Default false (O_NOFOLLOW): a symlinked database is
   * refused with DB_NOT_A_FILE. SQLite itself follows links, so a caller that opens the database
   * anyway may pass true.
   */
  readonly followSymlinks?: boolean;
}

/**
 * Reads the header of the database file at `path` without blocking and without trusting the path:
 * opened O_RDONLY|O_NONBLOCK (a FIFO cannot hang the open) and O_NOFOLLOW unless asked otherwise,
 * then fstat on that same descriptor must show a regular file before a byte is read (a device such
 * as /dev/zero is never read). Reads at most 100 bytes. Throws `DriftdError` (DB_NOT_FOUND,
 * DB_IS_DIRECTORY, DB_NOT_A_FILE, DB_PERMISSION, DB_OPEN_FAILED); a short or non-SQLite file is
 * not an error here: `header` is `undefined`.
 */
export function readDatabaseHeader(path: string, options: ReadHeaderOptions = {}): DatabaseHeaderRead {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.followSymlinks ? 0 : constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    throw headerOpenError(error, path);
  }
  try {
    return readDatabaseHeaderFrom(fd, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * `readDatabaseHeader` on a descriptor the caller opened (O_RDONLY|O_NONBLOCK; beneath a fleet's
 * root: `BeneathRoot.openFile`) and closes: fstat must show a regular file before a byte is read.
 */
export function readDatabaseHeaderFrom(fd: number, path: string): DatabaseHeaderRead {
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) {
      throw new DriftdError('DB_IS_DIRECTORY', `database "${path}" is a directory`, { hint: 'point at the SQLite file inside it', where: { file: path } });
    }
    if (!stats.isFile()) {
      throw new DriftdError('DB_NOT_A_FILE', `database "${path}" is not a regular file (a FIFO, socket or device)`, { where: { file: path } });
    }
    const bytes = Buffer.alloc(DATABASE_HEADER_SIZE);
    let filled = 0;
    while (filled < DATABASE_HEADER_SIZE) {
      const n = readSync(fd, bytes, filled, DATABASE_HEADER_SIZE - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return {
      header: parseDatabaseHeader(bytes.subarray(0, filled)),
      dev: stats.dev,
      ino: stats.ino,
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      nlink: stats.nlink,
    };
  } catch (error) {
    if (error instanceof DriftdError) throw error;
    throw new DriftdError('DB_OPEN_FAILED', `database "${path}" header cannot be read: ${(error as Error).message}`, { where: { file: path }, cause: error });
  }
}

function headerOpenError(error: unknown, path: string): DriftdError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = { file: path };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new DriftdError('DB_NOT_FOUND', `database "${path}" does not exist`, { hint: 'check the path; driftd never creates a database file', where, cause: error });
    case 'ELOOP':
      return new DriftdError('DB_NOT_A_FILE', `database "${path}" is a symbolic link`, { hint: 'name the file the link points to', where, cause: error });
    case 'EISDIR':
      return new DriftdError('DB_IS_DIRECTORY', `database "${path}" is a directory`, { hint: 'point at the SQLite file inside it', where, cause: error });
    case 'EACCES':
    case 'EPERM':
      return new DriftdError('DB_PERMISSION', `database "${path}" cannot be read: permission denied`, { where, cause: error });
    case 'ENXIO':
      // O_NONBLOCK open of a socket, or a FIFO with no writer on some systems.
      return new DriftdError('DB_NOT_A_FILE', `database "${path}" is not a regular file (a FIFO, socket or device)`, { where, cause: error });
    default:
      return new DriftdError('DB_OPEN_FAILED', `database "${path}" cannot be opened: ${(error as Error).message}`, { where, cause: error });
  }
}
