import { closeSync, constants, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import { DriftdError } from '../errors/driftd-error.js';

/** Where the kernel exposes this process's descriptors as magic links (proc(5)): Linux only. */
const FD_DIR = '/proc/self/fd';
/** The namespace driftd's SQLite extension resolves beneath a descriptor (native/driftd-sqlite-compat.c). */
const SQLITE_PREFIX = '/.driftd-beneath:';

/**
 * A directory driftd opens files beneath without ever following a link below it: a fleet's root,
 * or the directory of a single database. The directory itself is opened once, by path (it is the
 * operator's choice, and may be reached through a symlink); everything below it is reached from
 * that descriptor one component at a time, refusing symlinks, both by Node (`openFile`,
 * `lstatEntry`: Node has no openat(2), but `/proc/self/fd/<fd>/<name>` looks `name` up in the
 * open directory itself) and by SQLite (`sqlitePath`: a name only driftd's extension resolves,
 * walked from the same descriptor, for the database and its -journal, -wal and -shm).
 *
 * Reference-counted: the descriptor stays open while any connection opened through it may still
 * open its journal (`retain` per connection, `release` when it closes). The SQLite name carries the
 * directory's dev:ino, so a connection that outlived it meets a reused descriptor number with
 * ENOENT instead of another directory.
 */
export class BeneathRoot {
  private references = 1;
  private readonly dev: bigint;
  private readonly ino: bigint;

  private constructor(
    /** The directory as configured (messages, and the prefix of every path below it). */
    readonly directory: string,
    readonly fd: number,
    /** Files with more than one hard link are opened anyway (the target's `allowHardLinks`). */
    readonly allowHardLinks: boolean,
  ) {
    const stats = fstatSync(fd, { bigint: true });
    this.dev = stats.dev;
    this.ino = stats.ino;
  }

  /** Opens `directory` (following links: the operator's path). Throws an errno error. */
  static open(directory: string, options: { readonly allowHardLinks?: boolean } = {}): BeneathRoot {
    assertFdDir();
    const fd = openSync(directory, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      return new BeneathRoot(directory, fd, options.allowHardLinks === true);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  retain(): this {
    if (this.references === 0) throw new Error(`BeneathRoot "${this.directory}" was already closed`);
    this.references++;
    return this;
  }

  release(): void {
    if (this.references === 0) return;
    if (--this.references === 0) closeSync(this.fd);
  }

  /** `path` relative to the directory, or null when it is not below it. */
  relativeOf(path: string): string | null {
    const prefix = this.directory === '/' ? '/' : `${this.directory}/`;
    if (!path.startsWith(prefix)) return null;
    const relative = path.slice(prefix.length);
    return isPlainRelative(relative) ? relative : null;
  }

  /**
   * The name SQLite opens for `relative` through driftd's extension; SQLite appends `-journal`,
   * `-wal` and `-shm` to it, which the extension resolves the same way. One path component, so
   * better-sqlite3's "directory exists" check looks at `/` only and unixFullPathname has nothing to resolve.
   */
  sqlitePath(relative: string): string {
    assertPlainRelative(relative);
    const encoded = relative.replace(/%/g, '%25').replace(/\//g, '%2F');
    return `${SQLITE_PREFIX}${this.fd}:${this.dev}:${this.ino}:${this.allowHardLinks ? 'L' : '-'}:${encoded}`;
  }

  /**
   * Opens `relative` beneath the directory: every directory on the way O_NOFOLLOW|O_DIRECTORY, the
   * last component with `flags | O_NOFOLLOW`. Returns the descriptor; throws an errno error (a
   * symlink anywhere: ELOOP or ENOTDIR).
   */
  openFile(relative: string, flags: number): number {
    const parent = this.openParent(relative);
    try {
      return openSync(`${FD_DIR}/${parent.fd}/${parent.leaf}`, flags | constants.O_NOFOLLOW);
    } finally {
      parent.close();
    }
  }

  /** lstat of `relative` beneath the directory (its parent reached without following a link); undefined when absent. */
  lstatEntry(relative: string): Stats | undefined {
    const parent = this.openParent(relative);
    try {
      return lstatSync(`${FD_DIR}/${parent.fd}/${parent.leaf}`, { throwIfNoEntry: false });
    } finally {
      parent.close();
    }
  }

  /** Opens the directory `relative` itself beneath the root (each component O_NOFOLLOW|O_DIRECTORY). */
  openDirectory(relative: string): number {
    if (relative === '') return openSync(`${FD_DIR}/${this.fd}`, constants.O_RDONLY | constants.O_DIRECTORY);
    return this.openFile(relative, constants.O_RDONLY | constants.O_DIRECTORY);
  }

  private openParent(relative: string): { readonly fd: number; readonly leaf: string; close(): void } {
    assertPlainRelative(relative);
    const names = relative.split('/');
    const leaf = names.pop()!;
    let fd = this.fd;
    const close = (): void => {
      if (fd !== this.fd) closeSync(fd);
    };
    try {
      for (const name of names) {
        const next = openSync(`${FD_DIR}/${fd}/${name}`, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
        close();
        fd = next;
      }
    } catch (error) {
      close();
      throw error;
    }
    return { fd, leaf, close };
  }
}

function isPlainRelative(relative: string): boolean {
  return relative !== '' && !relative.includes('\0') && relative.split('/').every((name) => name !== '' && name !== '.' && name !== '..');
}

function assertPlainRelative(relative: string): void {
  if (!isPlainRelative(relative)) throw Object.assign(new Error(`"${relative}" is not a plain relative path`), { code: 'EINVAL' });
}

let fdDirChecked = false;

function assertFdDir(): void {
  if (fdDirChecked) return;
  try {
    lstatSync(`${FD_DIR}/0`);
  } catch {
    try {
      lstatSync(FD_DIR);
    } catch {
      throw new DriftdError('DB_OPEN_FAILED', `${FD_DIR} is not available: driftd opens databases beneath their directory only on Linux with /proc mounted`, {
        hint: 'mount /proc (systemd units do; a chroot or container may need it added)',
      });
    }
  }
  fdDirChecked = true;
}

/**
 * Why a walk beneath a root failed, in the catalogue's words: a link or a non-directory on the
 * way is a swap out of the root (DB_OUTSIDE_ROOT), a link as the file itself DB_NOT_A_FILE.
 */
export function beneathOpenError(error: unknown, path: string, root: string): DriftdError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = { file: path, root };
  switch (code) {
    case 'ENOENT':
      return new DriftdError('DB_NOT_FOUND', `database "${path}" does not exist`, { hint: 'check the path; driftd never creates a database file', where, cause: error });
    case 'ELOOP':
    case 'ENOTDIR':
      return new DriftdError('DB_OUTSIDE_ROOT', `database "${path}" is reached through a symlink (or a non-directory) below "${root}": not opened`, {
        where,
        cause: error,
        hint: 'driftd never follows a symlink below a fleet root or a database\'s directory; replace the link with the file or directory itself',
      });
    case 'EACCES':
    case 'EPERM':
      return new DriftdError('DB_PERMISSION', `database "${path}" cannot be opened: permission denied`, { where, cause: error });
    case 'EMFILE':
    case 'ENFILE':
      return new DriftdError('DB_TOO_MANY_FILES', `database "${path}" cannot be opened: out of file descriptors`, { where, cause: error, hint: 'raise LimitNOFILE= (systemd) or `ulimit -n`' });
    case 'EISDIR':
      return new DriftdError('DB_IS_DIRECTORY', `database "${path}" is a directory`, { hint: 'point at the SQLite file inside it', where, cause: error });
    case 'ENXIO':
      return new DriftdError('DB_NOT_A_FILE', `database "${path}" is not a regular file (a FIFO, socket or device)`, { where, cause: error });
    default:
      return new DriftdError('DB_OPEN_FAILED', `database "${path}" cannot be opened: ${(error as Error).message}`, { where, cause: error });
  }
}

/** The refusal of a database file with more than one hard link (issue 14: a repair through a link corrupts the other name's database). */
export function hardLinkedError(path: string, links: number, what = 'database'): DriftdError {
  return new DriftdError('DB_HARD_LINKED', `${what} "${path}" has ${links} hard links: another name elsewhere shares it, and a repair or a hot journal beside this name would corrupt the database under the other name`, {
    where: { file: path, links },
    hint: 'give the database a single name (copy it instead of linking), or set "allowHardLinks": true on the target if every name is in the same directory and you know what you are doing',
  });
}
