import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, opendirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { readRegularFile } from '../../fs/read-regular-file.js';
import type { DirectoryEntry, DirectoryHandle, EntryKind, LimitedRead, ReconcileFs } from './reconcile-fs.js';
import { createYielder } from '../../pipeline/yield-to-loop.js';

/** Longest stretch of synchronous listing before yielding to the event loop. */
const YIELD_AFTER_MS = 5;

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
    // In batches, yielding to the event loop every few ms: a root with 50,000 entries must not hold
    // /livez and the watchdog for the whole listing (issue 9).
    const dir = opendirSync(path, { bufferSize: 256 });
    const entries: DirectoryEntry[] = [];
    try {
      const yielder = createYielder(YIELD_AFTER_MS);
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        entries.push({ name: entry.name, kind: kindOf(entry) });
        if (entries.length % 256 === 0) await yielder.maybeYield();
      }
    } finally {
      dir.closeSync();
    }
    return entries;
  },
  async realpath(path) {
    return realpathSync.native(path);
  },
  async lstat(path) {
    const stats = lstatSync(path);
    return { kind: kindOf(stats), mtimeMs: stats.mtimeMs, dev: stats.dev, ino: stats.ino, size: stats.size, ctimeMs: stats.ctimeMs };
  },
  async stat(path) {
    const stats = statSync(path);
    return { kind: kindOf(stats), mtimeMs: stats.mtimeMs, dev: stats.dev, ino: stats.ino, size: stats.size, ctimeMs: stats.ctimeMs };
  },
  async openDirectory(realRoot, relativePath) {
    return openDirectoryBeneath(realRoot, relativePath);
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

/** Where the kernel exposes this process's descriptors as magic links (proc(5)): Linux only. */
const FD_DIR = '/proc/self/fd';
let fdDirChecked = false;

/**
 * Node has no openat(2). On Linux, `/proc/self/fd/<fd>/<name>` does the same: the kernel follows
 * the magic link `/proc/self/fd/<fd>` to the open directory itself (not to a path it re-walks), then
 * looks `name` up in it; O_NOFOLLOW|O_DIRECTORY refuses a symlink as `name` (ENOTDIR or ELOOP). So
 * opening each component from the root's descriptor this way yields a handle to a directory that
 * was, when opened, reached from the root through real directories only — and stays that directory
 * however the names around it are swapped later (issue 9). openat2(RESOLVE_BENEATH) would be the
 * one-call form, but Node cannot call it.
 */
function openDirectoryBeneath(realRoot: string, relativePath: string): DirectoryHandle {
  if (!fdDirChecked) {
    if (!existsSync(`${FD_DIR}/0`) && !existsSync(FD_DIR)) {
      throw Object.assign(new Error(`${FD_DIR} is not available: model directories can be read safely only on Linux with /proc mounted`), { code: 'ENOSYS' });
    }
    fdDirChecked = true;
  }
  const components = relativePath === '' ? [] : relativePath.split('/');
  if (components.some((component) => component === '' || component === '.' || component === '..')) {
    throw Object.assign(new Error(`"${relativePath}" is not a plain relative path`), { code: 'EINVAL' });
  }
  const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  // The root was resolved once by the scan; it is the operator's, not the tree's.
  let fd = openSync(realRoot, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const component of components) {
      const next = openSync(`${FD_DIR}/${fd}/${component}`, directoryFlags);
      closeSync(fd);
      fd = next;
    }
    const stats = fstatSync(fd);
    const opened = fd;
    let closed = false;
    return {
      path: `${FD_DIR}/${opened}`,
      dev: stats.dev,
      ino: stats.ino,
      close: () => {
        if (closed) return;
        closed = true;
        closeSync(opened);
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}
