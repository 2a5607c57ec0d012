import { lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { DriftdError } from '../errors/driftd-error.js';
import { closeOverGlobstars, literalRest, step, type FleetPattern } from './fleet-pattern.js';
import { createYielder } from './yield-to-loop.js';

/** A directory below the root the walk could not list; the rest of the fleet is still listed. */
export interface UnlistedDirectory {
  readonly directory: string;
  readonly message: string;
}

export interface FleetListing {
  /** Absolute paths under the configured root, sorted. Regular files only. */
  readonly files: readonly string[];
  readonly unlisted: readonly UnlistedDirectory[];
}

export interface ListFleetOptions {
  /** Work done between two yields to the event loop. */
  readonly sliceMs?: number;
}

/**
 * Lists the regular files a fleet pattern matches. Never follows a symlink:
 * entries come from `readdir` with their types (lstat semantics), only real
 * directories are entered and only regular files are returned, so a link to
 * `/etc` or to another tenant's file is never listed. A directory swapped for a
 * symlink between its listing and its own readdir could still be read through;
 * every file is therefore checked against the root again before it is opened
 * (`assertInsideRoot`). The root itself is the operator's choice and may be a
 * symlink. Yields to the event loop every `sliceMs`.
 */
export async function listFleet(pattern: FleetPattern, options: ListFleetOptions = {}): Promise<FleetListing> {
  assertRootDirectory(pattern.root);
  const yielder = createYielder(options.sliceMs ?? 8);
  const files: string[] = [];
  const unlisted: UnlistedDirectory[] = [];
  const pending: Array<{ directory: string; states: readonly number[] }> = [{ directory: pattern.root, states: closeOverGlobstars(pattern.segments, [0]) }];
  while (pending.length > 0) {
    const { directory, states } = pending.pop()!;
    // Only literal names left (`tenants/*/app.sqlite` inside a tenant): look the file up with lstat
    // (one call, symlinks seen as symlinks) instead of listing the directory.
    const rest = states.length === 1 ? literalRest(pattern.segments, states[0]!) : null;
    if (rest !== null) {
      const path = lookUpLiteral(directory, rest);
      if (path !== null) files.push(path);
      await yielder.maybeYield();
      continue;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Removed between its parent's listing and its own: a tenant deleted mid-sweep, not a problem.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') unlisted.push({ directory, message: (error as Error).message });
      continue;
    }
    for (let index = 0; index < entries.length; index++) {
      // A root with 10,000 tenant directories is one listing: yield inside it too.
      if (index % 512 === 511) await yielder.maybeYield();
      const entry = entries[index]!;
      const isDirectory = entry.isDirectory();
      if (!isDirectory && !entry.isFile()) continue;
      const next = new Set<number>();
      let matched = false;
      for (const state of states) {
        const outcome = step(pattern.segments, state, entry.name, isDirectory);
        for (const target of outcome.next) next.add(target);
        matched ||= outcome.file;
      }
      const path = directory === '/' ? `/${entry.name}` : `${directory}/${entry.name}`;
      if (matched) files.push(path);
      if (next.size > 0) pending.push({ directory: path, states: closeOverGlobstars(pattern.segments, [...next]) });
    }
    await yielder.maybeYield();
  }
  files.sort();
  return { files, unlisted };
}

/** `directory/a/b/file` when every step is a real directory (not a link) and the last a regular file; else null. */
function lookUpLiteral(directory: string, names: readonly string[]): string | null {
  let path = directory;
  for (let index = 0; index < names.length; index++) {
    path = path === '/' ? `/${names[index]}` : `${path}/${names[index]}`;
    let stats;
    try {
      stats = lstatSync(path, { throwIfNoEntry: false });
    } catch {
      return null;
    }
    if (stats === undefined) return null;
    const last = index === names.length - 1;
    if (last ? !stats.isFile() : !stats.isDirectory()) return null;
  }
  return path;
}

function assertRootDirectory(root: string): void {
  let stats;
  try {
    stats = statSync(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DriftdError('FLEET_ROOT_MISSING', `fleet root "${root}" does not exist`, { where: { directory: root }, hint: 'create it or fix the "databases" glob; files that appear later are picked up' });
    }
    throw new DriftdError('FLEET_ROOT_UNREADABLE', `fleet root "${root}" cannot be examined: ${(error as Error).message}`, { where: { directory: root }, cause: error });
  }
  if (!stats.isDirectory()) throw new DriftdError('FLEET_ROOT_UNREADABLE', `fleet root "${root}" is not a directory`, { where: { directory: root } });
}
