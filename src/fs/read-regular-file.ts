import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { DriftdError, type ErrorCode } from '../errors/driftd-error.js';

/**
 * How large a file driftd reads may be, by purpose. A config or schema path that names
 * /dev/zero, or a runaway file, is refused before it is read rather than read until memory runs out.
 * Schemas are generous (generated declarations run to tens of MB); model metadata is small JSON.
 */
export const FILE_LIMITS = {
  config: 4 * 1024 * 1024,
  schema: 64 * 1024 * 1024,
  metadata: 1024 * 1024,
} as const;

/** What identifies one version of a file cheaply, without reading it: a reload re-hashes only when this changed. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** Changes on every write and on every attribute change, even when mtime is set back. */
  readonly ctimeMs: number;
}

export type NotAFileKind = 'directory' | 'FIFO' | 'socket' | 'character device' | 'block device' | 'special file';

export type RegularFileRead =
  | { readonly kind: 'bytes'; readonly bytes: Buffer; readonly identity: FileIdentity }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-a-file'; readonly what: NotAFileKind }
  | { readonly kind: 'too-large'; readonly size: number; readonly maxBytes: number }
  /** Only with `followSymlinks: false`: the last component is a symlink. */
  | { readonly kind: 'symlink' }
  | { readonly kind: 'unreadable'; readonly error: Error };

export interface ReadRegularFileOptions {
  /** Files larger than this are not read (the read stops at maxBytes + 1, so a file growing after fstat is caught too). */
  readonly maxBytes: number;
  /** Follow a symlink in the last component (default true; the reconcile scan passes false). */
  readonly followSymlinks?: boolean;
}

/**
 * The one way driftd reads a file a config names (the config itself, schema files, model
 * metadata). The path is opened O_RDONLY|O_NONBLOCK — a FIFO with no writer cannot hang the open
 * (open(2): O_NONBLOCK) — and fstat on that same descriptor must show a regular file before a byte
 * is read: a FIFO, socket or device (`/dev/zero`, `/dev/urandom`) is refused, never read. At most
 * `maxBytes + 1` bytes are read. Synchronous: one open, one fstat, a bounded read.
 */
export function readRegularFile(path: string, options: ReadRegularFileOptions): RegularFileRead {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.followSymlinks === false ? constants.O_NOFOLLOW : 0);
  let fd: number;
  try {
    fd = openSync(path, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
    if (code === 'ELOOP' && options.followSymlinks === false) return { kind: 'symlink' };
    // A socket cannot be open()ed at all (ENXIO); a FIFO opened for reading with O_NONBLOCK can.
    if (code === 'ENXIO') return { kind: 'not-a-file', what: 'socket' };
    return { kind: 'unreadable', error: error as Error };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { kind: 'not-a-file', what: notAFileKind(stats) };
    if (stats.size > options.maxBytes) return { kind: 'too-large', size: stats.size, maxBytes: options.maxBytes };
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(stats.size - length + 1, 65_536), options.maxBytes + 1 - length));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > options.maxBytes) return { kind: 'too-large', size: length, maxBytes: options.maxBytes };
    }
    return { kind: 'bytes', bytes: Buffer.concat(chunks, length), identity: identityOf(stats) };
  } catch (error) {
    return { kind: 'unreadable', error: error as Error };
  } finally {
    closeSync(fd);
  }
}

/** The identity of what `path` names now (following symlinks), or null when it cannot be stat()ed. Never opens the file. */
export function fileIdentity(path: string): FileIdentity | null {
  try {
    return identityOf(statSync(path));
  } catch {
    return null;
  }
}

export function sameIdentity(a: FileIdentity | null, b: FileIdentity | null): boolean {
  return a !== null && b !== null && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

export function identityOf(stats: Stats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs };
}

function notAFileKind(stats: Stats): NotAFileKind {
  if (stats.isDirectory()) return 'directory';
  if (stats.isFIFO()) return 'FIFO';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'character device';
  if (stats.isBlockDevice()) return 'block device';
  return 'special file';
}

/** The catalogue codes a caller uses for each way a read can fail. */
export interface FileErrorCodes {
  readonly missing: ErrorCode;
  readonly notAFile: ErrorCode;
  readonly tooLarge: ErrorCode;
  readonly unreadable: ErrorCode;
}

/**
 * `readRegularFile` for a file whose absence or oddity is an error: returns the bytes or throws a
 * `DriftdError` with the caller's code, naming the file (`label` says what it is: "config file").
 */
export function readRegularFileOrThrow(path: string, label: string, codes: FileErrorCodes, options: ReadRegularFileOptions): { bytes: Buffer; identity: FileIdentity } {
  const read = readRegularFile(path, options);
  const where = { file: path };
  switch (read.kind) {
    case 'bytes':
      return { bytes: read.bytes, identity: read.identity };
    case 'missing':
      throw new DriftdError(codes.missing, `${label} "${path}" does not exist`, { where });
    case 'not-a-file':
      // A directory keeps the code it had before FIFOs and devices were told apart (the bad-input corpus holds it).
      throw new DriftdError(read.what === 'directory' ? codes.unreadable : codes.notAFile, `${label} "${path}" is a ${read.what}, not a regular file; not read`, { where, hint: `point at a regular ${label}` });
    case 'too-large':
      throw new DriftdError(codes.tooLarge, `${label} "${path}" is ${read.size} bytes or more, over the ${read.maxBytes}-byte limit; not read`, { where, hint: `a ${label} is never this large; check the path` });
    case 'symlink':
      throw new DriftdError(codes.notAFile, `${label} "${path}" is a symbolic link; not followed`, { where });
    case 'unreadable':
      throw new DriftdError(codes.unreadable, `${label} "${path}" cannot be read: ${read.error.message}`, { where, cause: read.error });
    default: {
      const unreachable: never = read;
      return unreachable;
    }
  }
}
