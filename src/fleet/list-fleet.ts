import { closeSync, lstatSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { BeneathRoot } from '../db/open-beneath.js';
import { DriftdError } from '../errors/driftd-error.js';
import { closeOverGlobstars, literalRest, step, type FleetPattern } from './fleet-pattern.js';
import { createYielder } from '../pipeline/yield-to-loop.js';

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

/** The fleet's root as the directory every file below it is opened beneath (FLEET_ROOT_UNREADABLE when it cannot be opened). */
export function openFleetRoot(directory: string): BeneathRoot {
  try {
    return BeneathRoot.open(directory);
  } catch (error) {
    throw new DriftdError('FLEET_ROOT_UNREADABLE', `fleet root "${directory}" cannot be opened: ${(error as Error).message}`, { where: { directory }, cause: error });
  }
}

/**
 * Lists the regular files a fleet pattern matches. Never follows a symlink:
 * entries come from `readdir` with their types (lstat semantics), only real
 * directories are entered and only regular files are returned, so a link to
 * `/etc` or to another tenant's file is never listed. Each directory is opened
 * from the root's descriptor one component at a time without following a link
 * (`BeneathRoot.openDirectory`) and listed through that descriptor, so a
 * directory swapped for a symlink after its parent's listing is reported in
 * `unlisted`, never read through. The files are opened beneath the root the
 * same way (src/db/open-beneath.ts). The root itself is the operator's choice
 * and may be a symlink. A name that is not valid UTF-8 cannot be named in a
 * report or a path: it is reported in `unlisted`, never silently skipped.
 * Yields to the event loop every `sliceMs`.
 */
export async function listFleet(pattern: FleetPattern, options: ListFleetOptions = {}): Promise<FleetListing> {
  assertRootDirectory(pattern.root);
  const root = openFleetRoot(pattern.root);
  try {
    return await walk(pattern, root, options);
  } finally {
    root.release();
  }
}

async function walk(pattern: FleetPattern, root: BeneathRoot, options: ListFleetOptions): Promise<FleetListing> {
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
    let entries: Dirent<Buffer>[];
    try {
      entries = listBeneath(root, directory === pattern.root ? '' : directory.slice(pattern.root === '/' ? 1 : pattern.root.length + 1));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Removed between its parent's listing and its own: a tenant deleted mid-sweep, not a problem.
      if (code === 'ENOENT') continue;
      const message = code === 'ELOOP' || code === 'ENOTDIR' ? 'is a symlink or not a directory now (swapped after its parent was listed): not followed' : (error as Error).message;
      unlisted.push({ directory, message });
      continue;
    }
    for (let index = 0; index < entries.length; index++) {
      // A root with 10,000 tenant directories is one listing: yield inside it too.
      if (index % 512 === 511) await yielder.maybeYield();
      const entry = entries[index]!;
      const isDirectory = entry.isDirectory();
      if (!isDirectory && !entry.isFile()) continue;
      const name = entry.name.toString('utf8');
      if (!Buffer.from(name, 'utf8').equals(entry.name)) {
        // Decoded lossily it names nothing that exists: say so instead of never checking it (issue 14).
        unlisted.push({ directory: directory === '/' ? `/${escapeBytes(entry.name)}` : `${directory}/${escapeBytes(entry.name)}`, message: `name is not valid UTF-8: this ${isDirectory ? 'directory' : 'file'} is neither listed nor checked; rename it` });
        continue;
      }
      const next = new Set<number>();
      let matched = false;
      for (const state of states) {
        const outcome = step(pattern.segments, state, name, isDirectory);
        for (const target of outcome.next) next.add(target);
        matched ||= outcome.file;
      }
      const path = directory === '/' ? `/${name}` : `${directory}/${name}`;
      if (matched) files.push(path);
      if (next.size > 0) pending.push({ directory: path, states: closeOverGlobstars(pattern.segments, [...next]) });
    }
    await yielder.maybeYield();
  }
  files.sort();
  return { files, unlisted };
}

/** The entries of the directory `relative` beneath the root, listed through a descriptor walked without following a link. */
function listBeneath(root: BeneathRoot, relative: string): Dirent<Buffer>[] {
  const fd = root.openDirectory(relative);
  try {
    return readdirSync(`/proc/self/fd/${fd}`, { withFileTypes: true, encoding: 'buffer' });
  } finally {
    closeSync(fd);
  }
}

/** A name's bytes with everything but printable ASCII as `\xNN`: how a report names what UTF-8 cannot. */
export function escapeBytes(name: Buffer): string {
  let out = '';
  for (const byte of name) out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return out;
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
