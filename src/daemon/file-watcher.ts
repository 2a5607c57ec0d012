import { dirname, resolve } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface FileWatcher {
  close(): Promise<void>;
}

/**
 * Watches a set of files and calls `onChange` with the paths that changed,
 * once per quiet period of `debounceMs`.
 *
 * It watches the files' directories (depth 0) and filters by name rather than
 * watching the files themselves: editors save by writing a temp file and
 * renaming it over the original, and SQLite creates and deletes `-wal`/`-journal`
 * files, so the inode a file watch would follow comes and goes.
 */
export function watchFiles(paths: readonly string[], debounceMs: number, onChange: (changed: ReadonlySet<string>) => void, onError: (error: unknown) => void): FileWatcher {
  const files = new Set(paths.map((path) => resolve(path)));
  const directories = new Set([...files].map((path) => dirname(path)));
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  const watcher: FSWatcher = watch([...directories], {
    ignoreInitial: true,
    depth: 0,
    ignored: (path: string) => !files.has(path) && !directories.has(path),
  });
  const record = (path: string): void => {
    const absolute = resolve(path);
    if (!files.has(absolute)) return;
    pending.add(absolute);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const changed = pending;
      pending = new Set();
      onChange(changed);
    }, debounceMs);
  };
  watcher.on('add', record).on('change', record).on('unlink', record).on('error', onError);
  return {
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      await watcher.close();
    },
  };
}
