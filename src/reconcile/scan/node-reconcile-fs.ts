import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readRegularFile } from '../../fs/read-regular-file.js';
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
    // O_NOFOLLOW: a symlink swapped in after the listing is refused, not followed.
    // O_NONBLOCK: opening a FIFO must not hang the scan.
    const read = readRegularFile(path, { maxBytes, followSymlinks: false });
    switch (read.kind) {
      case 'bytes':
        return { kind: 'text', text: read.bytes.toString('utf8') };
      case 'too-large':
        return { kind: 'too-large', size: read.size };
      case 'not-a-file':
        return { kind: 'not-a-file' };
      case 'symlink':
        return { kind: 'symlink' };
      case 'missing':
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      case 'unreadable':
        throw read.error;
      default: {
        const unreachable: never = read;
        return unreachable;
      }
    }
  },
};
