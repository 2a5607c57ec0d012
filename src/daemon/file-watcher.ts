import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface FileWatcher {
  close(): Promise<void>;
}

export interface WatchTiming {
  /** Quiet period: `onChange` fires this long after the last event. */
  readonly debounceMs: number;
  /**
   * Longest time from the first pending event to `onChange`, however often events keep coming (a
   * trailing debounce alone never fires while a busy file keeps changing). Default: no maximum.
   */
  readonly maxWaitMs?: number;
}

/**
 * Watches a set of files and calls `onChange` with the paths that changed,
 * once per quiet period of `debounceMs` (and at the latest `maxWaitMs` after the first change).
 *
 * It watches the files' directories (depth 0) and filters by name rather than
 * watching the files themselves: editors save by writing a temp file and
 * renaming it over the original, and SQLite creates and deletes `-wal`/`-journal`
 * files, so the inode a file watch would follow comes and goes.
 */
export function watchFiles(paths: readonly string[], timing: WatchTiming, onChange: (changed: ReadonlySet<string>) => void, onError: (error: unknown) => void): FileWatcher {
  const files = new Set(paths.map((path) => resolve(path)));
  const directories = new Set([...files].map((path) => dirname(path)));
  const changes = debounceChanges(timing, onChange);
  const watcher: FSWatcher = watch([...directories], {
    ignoreInitial: true,
    depth: 0,
    ignored: (path: string) => !files.has(path) && !directories.has(path),
  });
  const record = (path: string): void => {
    const absolute = resolve(path);
    if (files.has(absolute)) changes.add(absolute);
  };
  return closeable(watcher.on('add', record).on('change', record).on('unlink', record).on('error', onError), changes);
}

/** Collects changed paths and hands them to `onChange` once per quiet period (at the latest `maxWaitMs` after the first). */
export interface ChangeDebouncer {
  add(path: string): void;
  /** Drops what is pending and the timer (on close). */
  cancel(): void;
}

export function debounceChanges(timing: WatchTiming, onChange: (changed: ReadonlySet<string>) => void): ChangeDebouncer {
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let firstPendingAt: number | null = null;
  const flush = (): void => {
    timer = null;
    firstPendingAt = null;
    const changed = pending;
    pending = new Set();
    onChange(changed);
  };
  return {
    add(path) {
      pending.add(path);
      const now = performance.now();
      firstPendingAt ??= now;
      if (timer) clearTimeout(timer);
      const untilMax = timing.maxWaitMs === undefined ? Infinity : firstPendingAt + timing.maxWaitMs - now;
      timer = setTimeout(flush, Math.max(0, Math.min(timing.debounceMs, untilMax)));
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** A chokidar watcher and its debouncer as one `FileWatcher`. */
export function closeable(watcher: FSWatcher, changes: ChangeDebouncer): FileWatcher {
  return {
    async close() {
      changes.cancel();
      await watcher.close();
    },
  };
}
