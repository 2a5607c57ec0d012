import { watch, type FSWatcher } from 'chokidar';
import { mayContainMatches, matchesFleetPattern, watchDepth, type FleetPattern } from '../fleet/fleet-pattern.js';
import { closeable, debounceChanges, type FileWatcher } from './file-watcher.js';

/**
 * Watches a fleet's directories and calls `onChange` with the database files
 * that changed, appeared or vanished, once per quiet period of `debounceMs`.
 * A write to `x-wal` or `x-journal` reports `x`. Only directories that can hold
 * matching files are watched (the rest are pruned), symlinks are never followed,
 * and the schedule's full sweeps still rescan, so a missed event costs at most
 * one interval.
 */
export function watchFleet(pattern: FleetPattern, debounceMs: number, onChange: (changed: ReadonlySet<string>) => void, onError: (error: unknown) => void): FileWatcher {
  const prefix = pattern.root === '/' ? '/' : `${pattern.root}/`;
  const relativeOf = (path: string): string | null => (path === pattern.root ? '' : path.startsWith(prefix) ? path.slice(prefix.length) : null);
  const databaseOf = (path: string): string | null => {
    const relative = relativeOf(path.replace(/-(wal|journal)$/, ''));
    return relative !== null && relative !== '' && matchesFleetPattern(pattern, relative) ? `${prefix}${relative}` : null;
  };
  const changes = debounceChanges({ debounceMs }, onChange);
  const depth = watchDepth(pattern);
  const watcher: FSWatcher = watch(pattern.root, {
    ignoreInitial: true,
    followSymlinks: false,
    ...(depth === null ? {} : { depth }),
    ignored: (path: string, stats?: { isDirectory(): boolean }) => {
      const relative = relativeOf(path);
      if (relative === null) return true;
      if (stats?.isDirectory()) return !mayContainMatches(pattern, relative);
      // Without stats chokidar asks before it knows the type: keep what may be a directory on the way or a database.
      return databaseOf(path) === null && !mayContainMatches(pattern, relative);
    },
  });
  const record = (path: string): void => {
    const database = databaseOf(path);
    if (database !== null) changes.add(database);
  };
  return closeable(watcher.on('add', record).on('change', record).on('unlink', record).on('error', onError), changes);
}
