import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import type { EntryKind, LimitedRead, ReconcileFs } from './reconcile-fs.js';

function kindOf(entry: Dirent | Stats): EntryKind {
  if (entry.isDirectory()) return 'directory';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) return 'symlink';
  return 'other';
}

/**
 * The real filesystem. Each call is one short metadata syscall or a read of at
 * most 1 MiB, so the synchronous forms are used: node:fs/promises costs a
 * thread-pool round trip per call, which made a 10,000-orphan round five times
 * slower (bench/reconcile.bench.mjs). `reconcileTarget` yields to the event
 * loop between directories so a daemon stays responsive.
 */
export const nodeReconcileFs: ReconcileFs = {
  async readdir(path) {
    return readdirSync(path, { withFileTypes: true }).map((entry) => ({ name: entry.name, kind: kindOf(entry) }));
  },
  async realpath(path) {
    return realpathSync.native(path);
  },
  async lstat(path) {
    const stats = lstatSync(path);
    return { kind: kindOf(stats), mtimeMs: stats.mtimeMs };
  },
  async stat(path) {
    const stats = statSync(path);
    return { kind: kindOf(stats), mtimeMs: stats.mtimeMs };
  },
  async readFileLimited(path, maxBytes): Promise<LimitedRead> {
    let fd: number;
    try {
      // O_NOFOLLOW: a symlink swapped in after the listing is refused, not followed.
      // O_NONBLOCK: opening a FIFO must not hang the scan.
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { kind: 'symlink' };
      throw error;
    }
    try {
      const stats = fstatSync(fd);
      if (!stats.isFile()) return { kind: 'not-a-file' };
      if (stats.size > maxBytes) return { kind: 'too-large', size: stats.size };
      // Read until EOF but never past maxBytes + 1, so a file growing after fstat is still caught.
      const chunks: Buffer[] = [];
      let length = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.min(Math.max(stats.size - length + 1, 65_536), maxBytes + 1 - length));
        const bytesRead = readSync(fd, chunk, 0, chunk.length, length);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        length += bytesRead;
        if (length > maxBytes) return { kind: 'too-large', size: length };
      }
      return { kind: 'text', text: Buffer.concat(chunks, length).toString('utf8') };
    } finally {
      closeSync(fd);
    }
  },
};
