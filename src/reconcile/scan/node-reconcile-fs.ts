import { constants, type Dirent, type Stats } from 'node:fs';
import { lstat, open, readdir, realpath, stat } from 'node:fs/promises';
import type { EntryKind, LimitedRead, ReconcileFs } from './reconcile-fs.js';

function kindOf(entry: Dirent | Stats): EntryKind {
  if (entry.isDirectory()) return 'directory';
  if (entry.isFile()) return 'file';
  if (entry.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** The real filesystem, through node:fs/promises. */
export const nodeReconcileFs: ReconcileFs = {
  async readdir(path) {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.map((entry) => ({ name: entry.name, kind: kindOf(entry) }));
  },
  realpath: (path) => realpath(path),
  async lstat(path) {
    const stats = await lstat(path);
    return { kind: kindOf(stats), mtimeMs: stats.mtimeMs };
  },
  async stat(path) {
    const stats = await stat(path);
    return { kind: kindOf(stats), mtimeMs: stats.mtimeMs };
  },
  async readFileLimited(path, maxBytes): Promise<LimitedRead> {
    let handle;
    try {
      // O_NOFOLLOW: a symlink swapped in after the listing is refused, not followed.
      // O_NONBLOCK: opening a FIFO must not hang the scan.
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') return { kind: 'symlink' };
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return { kind: 'not-a-file' };
      if (stats.size > maxBytes) return { kind: 'too-large', size: stats.size };
      // Read until EOF but never past maxBytes + 1, so a file growing after fstat is still caught.
      const chunks: Buffer[] = [];
      let length = 0;
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.min(Math.max(stats.size - length + 1, 65_536), maxBytes + 1 - length));
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
        if (bytesRead === 0) break;
        chunks.push(chunk.subarray(0, bytesRead));
        length += bytesRead;
        if (length > maxBytes) return { kind: 'too-large', size: length };
      }
      return { kind: 'text', text: Buffer.concat(chunks, length).toString('utf8') };
    } finally {
      await handle.close();
    }
  },
};
