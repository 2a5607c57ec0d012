import { lstatSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { closeOverGlobstars, step, type FleetPattern } from '../fleet/fleet-pattern.js';
import { createYielder } from '../pipeline/yield-to-loop.js';
import { debounceChanges, type FileWatcher } from './file-watcher.js';

export interface FleetWatchOptions {
  /**
   * Called when events can no longer be followed one by one and a full sweep should run instead: more than
   * `maxEventsPerSecond` relevant events in a second (reported once the flood subsides), a directory that
   * vanished, an event without a name.
   */
  readonly onSweep?: () => void;
  /** Relevant events (names that could be a database or a directory on the way) per second before falling back to a sweep. */
  readonly maxEventsPerSecond?: number;
}

/** Default for `maxEventsPerSecond`. */
export const FLEET_EVENTS_PER_SECOND = 2000;

interface WatchedDirectory {
  readonly watcher: FSWatcher;
  /** The pattern's walk states at this directory (as in listFleet). */
  readonly states: readonly number[];
}

/**
 * Watches a fleet's directories and calls `onChange` with the database files
 * that changed, appeared or vanished, once per quiet period of `debounceMs`.
 * A write to `x-wal` or `x-journal` reports `x`.
 *
 * Built on `fs.watch` per directory (inotify), not chokidar: an event's name is
 * judged against the pattern before anything else, so an event that can never
 * matter — a tenant renaming a junk file in its own directory as fast as it can —
 * costs one name test and no `stat` (chokidar stats and filters every event,
 * which let one tenant starve the event loop and the systemd watchdog, issue 16).
 * Only a name that could be a directory on the way is `lstat`ed (a new directory
 * is then watched; symlinks never are). When relevant events exceed
 * `maxEventsPerSecond` they are only counted, and one sweep is asked for once
 * they subside (`onSweep`); the schedule's full sweeps rescan anyway, so a
 * missed event costs at most one interval.
 */
export function watchFleet(pattern: FleetPattern, debounceMs: number, onChange: (changed: ReadonlySet<string>) => void, onError: (error: unknown) => void, options: FleetWatchOptions = {}): FileWatcher {
  const changes = debounceChanges({ debounceMs }, onChange);
  const limit = options.maxEventsPerSecond ?? FLEET_EVENTS_PER_SECOND;
  const directories = new Map<string, WatchedDirectory>();
  let closed = false;
  let windowStart = performance.now();
  let inWindow = 0;
  let flooded = false;
  const sweep = (): void => {
    if (!closed) options.onSweep?.();
  };
  // Ends a flood once a whole second passed under the limit, and asks for the sweep that covers what was missed.
  const floodTimer = setInterval(() => {
    const now = performance.now();
    if (now - windowStart >= 1000) {
      if (flooded && inWindow <= limit) {
        flooded = false;
        sweep();
      }
      windowStart = now;
      inWindow = 0;
    }
  }, 250);
  floodTimer.unref();

  const unwatch = (directory: string): void => {
    for (const [path, watched] of directories) {
      if (path === directory || path.startsWith(`${directory}/`)) {
        watched.watcher.close();
        directories.delete(path);
      }
    }
  };

  const onEvent = (directory: string, states: readonly number[], name: string | null): void => {
    if (name === null) return sweep();
    // The name alone: could it be a database (or its -wal/-journal), or a directory the pattern goes through?
    const database = name.endsWith('-wal') ? name.slice(0, -4) : name.endsWith('-journal') ? name.slice(0, -8) : name;
    let file = false;
    let below: number[] | null = null;
    for (const state of states) {
      if (step(pattern.segments, state, database, false).file) file = true;
      const next = step(pattern.segments, state, name, true).next;
      if (next.length > 0) (below ??= []).push(...next);
    }
    if (!file && below === null) return; // never relevant: no stat, no allocation beyond the test
    if (performance.now() - windowStart >= 1000) {
      windowStart = performance.now();
      inWindow = 0;
    }
    if (++inWindow > limit) flooded = true;
    if (flooded) return;
    const path = `${directory}/${name}`;
    if (file) changes.add(directory === '/' ? `/${database}` : `${directory}/${database}`);
    if (below !== null) {
      let isDirectory = false;
      try {
        isDirectory = lstatSync(path).isDirectory();
      } catch {
        isDirectory = false;
      }
      if (isDirectory && !directories.has(path)) void watchTree(path, closeOverGlobstars(pattern.segments, below), true);
      else if (!isDirectory && directories.has(path)) {
        unwatch(path);
        sweep();
      }
    }
  };

  const watchOne = (directory: string, states: readonly number[]): boolean => {
    if (closed || directories.has(directory)) return false;
    let watcher: FSWatcher;
    try {
      watcher = watch(directory, { persistent: false }, (_event, name) => onEvent(directory, states, typeof name === 'string' ? name : null));
    } catch (error) {
      onError(error);
      return false;
    }
    watcher.on('error', (error) => {
      // The directory went away (or was replaced): stop watching it; the sweep finds what is there now.
      unwatch(directory);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onError(error);
      sweep();
    });
    directories.set(directory, { watcher, states });
    return true;
  };

  /** Watches `directory` and every directory below it the pattern can go through; `appeared`: report its databases. */
  const watchTree = async (directory: string, states: readonly number[], appeared: boolean): Promise<void> => {
    const yielder = createYielder(8);
    const pending = [{ directory, states }];
    while (pending.length > 0 && !closed) {
      await yielder.maybeYield();
      const { directory: current, states: here } = pending.pop()!;
      if (!watchOne(current, here)) continue;
      let entries;
      try {
        entries = readdirSync(current, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        const path = current === '/' ? `/${entry.name}` : `${current}/${entry.name}`;
        const next = new Set<number>();
        for (const state of here) {
          const outcome = step(pattern.segments, state, entry.name, entry.isDirectory());
          if (outcome.file && appeared && entry.isFile()) changes.add(path);
          for (const target of outcome.next) next.add(target);
        }
        // Only real directories are entered: a symlink is never followed (entry types are lstat's).
        if (entry.isDirectory() && next.size > 0) pending.push({ directory: path, states: closeOverGlobstars(pattern.segments, [...next]) });
      }
    }
  };

  void watchTree(pattern.root, closeOverGlobstars(pattern.segments, [0]), false).catch(onError);
  return {
    async close() {
      closed = true;
      clearInterval(floodTimer);
      changes.cancel();
      for (const watched of directories.values()) watched.watcher.close();
      directories.clear();
    },
  };
}
