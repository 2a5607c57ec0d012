import type { ListedDirectory } from '../diff/diff-directories.js';
import { jsonSyntaxMessage } from '../../errors/json-syntax.js';
import type { DirectoryFacts, FileRead } from '../mapping/map-columns.js';
import type { SkipReason } from '../reconcile-report.js';
import type { DirectoryHandle, ReconcileFs } from './reconcile-fs.js';
import { childPath, isInside, type RootAnchor } from './scan-root.js';

/** Metadata files larger than this are never read (1 MiB). */
export const MAX_METADATA_BYTES = 1024 * 1024;

export type Inspection =
  /** `fingerprint`: what the directory and its metadata files were when read (null when it cannot be told cheaply). */
  | { readonly kind: 'ready'; readonly facts: DirectoryFacts; readonly fingerprint: string | null }
  | { readonly kind: 'unmarked'; readonly missing: string }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly detail: string; readonly fingerprint?: string };

/** A directory skipped after its metadata was read and mapped, remembered until something in it changes. */
export interface RememberedSkip {
  readonly fingerprint: string;
  readonly reason: SkipReason;
  readonly detail: string;
}

export interface InspectOptions {
  readonly realRoot: string;
  /** Set for a bound root: every open walks from the anchor, not from `realRoot` by path. */
  readonly anchor?: RootAnchor;
  readonly markers: readonly string[];
  readonly settleSeconds: number;
  /** JSON files the mapping may read. */
  readonly files: readonly string[];
  /** Whether the directory's own mtime is mapped. */
  readonly needsMtime: boolean;
  readonly nowMs: number;
  /**
   * Directories skipped in the last round, by canonical path. One whose fingerprint is unchanged is
   * skipped again without reading or parsing its metadata (a malformed or huge file is not re-parsed
   * every cycle).
   */
  readonly remembered?: ReadonlyMap<string, RememberedSkip>;
}

/**
 * Looks into one orphan candidate through one handle that cannot be redirected: the directory is
 * opened beneath the root with no symlink followed in any component (`ReconcileFs.openDirectory`),
 * and the listing (markers, settle time), the directory's mtime and the metadata files are all read
 * relative to that handle. A directory swapped for a symlink at any moment is either refused at the
 * open (skipped, `symlink-outside-root`) or, if swapped after the open, still read where it was —
 * never outside the root. The entry must still name the directory read (same device and inode)
 * after the reads, or the directory is skipped: the row would describe something no longer there.
 * A metadata file that is a symlink is read only when its target stays inside the root, and then
 * through a handle opened the same way on the target's directory.
 */
export async function inspectDirectory(fs: ReconcileFs, directory: ListedDirectory, options: InspectOptions): Promise<Inspection> {
  const relative = relativeInside(options.realRoot, directory.canonicalPath);
  if (relative === null) {
    return { kind: 'skipped', reason: 'symlink-outside-root', detail: `"${directory.path}" resolves to "${directory.canonicalPath}", outside the root; not read` };
  }
  let handle: DirectoryHandle;
  try {
    handle = await openInRoot(fs, options, relative);
  } catch (error) {
    return refusedOpen(fs, directory, error);
  }
  try {
    const inspection = await inspectOpen(fs, handle, directory, options);
    if (inspection.kind !== 'ready') return inspection;
    // The entry must still name the directory that was read.
    const replaced = await replacedSinceOpen(fs, handle, directory);
    return replaced ?? inspection;
  } finally {
    handle.close();
  }
}

async function inspectOpen(fs: ReconcileFs, handle: DirectoryHandle, directory: ListedDirectory, options: InspectOptions): Promise<Inspection> {
  const dir = handle.path;
  let entries;
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    return { kind: 'skipped', reason: 'unreadable', detail: `cannot list "${directory.path}": ${errorText(error)}` };
  }
  const byName = new Map(entries.map((entry) => [entry.name, entry.kind]));
  const missing = options.markers.find((marker) => !byName.has(marker));
  if (missing !== undefined) return { kind: 'unmarked', missing };

  let mtimeMs: number | null = null;
  if (options.needsMtime || options.settleSeconds > 0) {
    try {
      mtimeMs = (await fs.stat(dir)).mtimeMs;
    } catch (error) {
      return { kind: 'skipped', reason: 'unreadable', detail: `cannot stat "${directory.path}": ${errorText(error)}` };
    }
  }
  if (options.settleSeconds > 0 && mtimeMs !== null) {
    let newest = mtimeMs;
    let newestName: string | null = null;
    for (const entry of entries) {
      try {
        const stat = await fs.lstat(childPath(dir, entry.name));
        if (stat.mtimeMs >= newest) {
          newest = stat.mtimeMs;
          newestName = entry.name;
        }
      } catch {
        // Removed since the listing: it cannot be the newest entry any more.
      }
    }
    const ageSeconds = (options.nowMs - newest) / 1000;
    if (ageSeconds < options.settleSeconds) {
      return {
        kind: 'skipped',
        reason: 'settling',
        detail: `still being written: ${newestName === null ? 'the directory itself' : `newest entry "${newestName}"`} changed ${Math.max(0, Math.floor(ageSeconds))} s ago, settle time ${options.settleSeconds} s`,
      };
    }
  }

  const fingerprint = await fingerprintOf(fs, handle, entries, options.files);
  const remembered = options.remembered?.get(directory.canonicalPath);
  if (fingerprint !== null && remembered?.fingerprint === fingerprint) return { kind: 'skipped', reason: remembered.reason, detail: remembered.detail, fingerprint };

  const files = new Map<string, FileRead>();
  for (const file of options.files) {
    const kind = byName.get(file);
    if (kind === undefined) {
      files.set(file, { kind: 'absent' });
      continue;
    }
    if (kind !== 'symlink') {
      files.set(file, await readJson(fs, childPath(dir, file), file));
      continue;
    }
    let target: string;
    try {
      target = await fs.realpath(childPath(dir, file));
    } catch {
      files.set(file, { kind: 'absent' });
      continue;
    }
    const targetRelative = relativeInside(options.realRoot, target);
    if (targetRelative === null || targetRelative === '') {
      files.set(file, { kind: 'failed', reason: 'symlink-outside-root', detail: `${file} is a symlink to "${target}", outside the root; not read` });
      continue;
    }
    files.set(file, await readJsonBeneath(fs, options, targetRelative, file));
  }
  return { kind: 'ready', facts: { name: directory.name, path: directory.path, mtimeMs, files }, fingerprint };
}

/**
 * The directory (device, inode, mtime) and each metadata file it maps (kind, device, inode, size,
 * mtime, ctime): any write, rename or replacement changes it. Null when a mapped file is a symlink
 * (its target could change behind an unchanged link).
 */
async function fingerprintOf(fs: ReconcileFs, handle: DirectoryHandle, entries: readonly { name: string; kind: string }[], files: readonly string[]): Promise<string | null> {
  const kinds = new Map(entries.map((entry) => [entry.name, entry.kind]));
  try {
    const self = await fs.stat(handle.path);
    const parts = [`${handle.dev}:${handle.ino}:${self.mtimeMs}:${self.ctimeMs}`];
    for (const file of files) {
      const kind = kinds.get(file);
      if (kind === undefined) {
        parts.push(`${file}:absent`);
        continue;
      }
      if (kind === 'symlink') return null;
      const stat = await fs.lstat(childPath(handle.path, file));
      parts.push(`${file}:${stat.kind}:${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`);
    }
    return parts.join('|');
  } catch {
    return null;
  }
}

/** Reads a symlinked metadata file's target through a handle on its directory, opened beneath the root. */
async function readJsonBeneath(fs: ReconcileFs, options: InspectOptions, targetRelative: string, file: string): Promise<FileRead> {
  const slash = targetRelative.lastIndexOf('/');
  let parent: DirectoryHandle;
  try {
    parent = await openInRoot(fs, options, slash < 0 ? '' : targetRelative.slice(0, slash));
  } catch (error) {
    return { kind: 'failed', reason: 'symlink-outside-root', detail: `${file} is a symlink whose target's directory changed while it was opened (${errorText(error)}); not read` };
  }
  try {
    return await readJson(fs, childPath(parent.path, targetRelative.slice(slash + 1)), file);
  } finally {
    parent.close();
  }
}

/** Why the directory could not be opened beneath the root: a symlink swapped in after the listing, or anything else. */
async function refusedOpen(fs: ReconcileFs, directory: ListedDirectory, error: unknown): Promise<Inspection> {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP' || code === 'ENOTDIR') {
    try {
      if ((await fs.lstat(directory.canonicalPath)).kind === 'symlink') {
        return { kind: 'skipped', reason: 'symlink-outside-root', detail: `"${directory.path}" was replaced by a symlink after the listing; not followed` };
      }
    } catch {
      // Gone as well: report the open's own error.
    }
  }
  return { kind: 'skipped', reason: 'unreadable', detail: `cannot open "${directory.path}": ${errorText(error)}` };
}

async function replacedSinceOpen(fs: ReconcileFs, handle: DirectoryHandle, directory: ListedDirectory): Promise<Inspection | null> {
  let now;
  try {
    now = await fs.lstat(directory.canonicalPath);
  } catch (error) {
    return { kind: 'skipped', reason: 'unreadable', detail: `"${directory.path}" vanished while it was read: ${errorText(error)}` };
  }
  if (now.dev === handle.dev && now.ino === handle.ino) return null;
  if (now.kind === 'symlink') {
    return { kind: 'skipped', reason: 'symlink-outside-root', detail: `"${directory.path}" was replaced by a symlink while it was read; what was read is not used` };
  }
  return { kind: 'skipped', reason: 'unreadable', detail: `"${directory.path}" was replaced by another entry while it was read; what was read is not used` };
}

/** Opens `relative` beneath the root: from the anchor when the root is bound, else from the resolved root. */
function openInRoot(fs: ReconcileFs, options: InspectOptions, relative: string): Promise<DirectoryHandle> {
  if (!options.anchor) return fs.openDirectory(options.realRoot, relative);
  return fs.openDirectory(options.anchor.root, [options.anchor.prefix, relative].filter((part) => part !== '').join('/'));
}

/** `path` relative to `realRoot` ('' for the root itself), or null when it is not inside it. Both canonical. */
function relativeInside(realRoot: string, path: string): string | null {
  if (!isInside(realRoot, path)) return null;
  if (path === realRoot) return '';
  return path.slice(realRoot.endsWith('/') ? realRoot.length : realRoot.length + 1);
}

async function readJson(fs: ReconcileFs, path: string, file: string): Promise<FileRead> {
  let read;
  try {
    read = await fs.readFileLimited(path, MAX_METADATA_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'failed', reason: 'unreadable', detail: `cannot read ${file}: ${errorText(error)}` };
  }
  switch (read.kind) {
    case 'too-large':
      return { kind: 'failed', reason: 'metadata-too-large', detail: `${file} is ${read.size} bytes, over the ${MAX_METADATA_BYTES}-byte limit for metadata; not read` };
    case 'not-a-file':
      return { kind: 'failed', reason: 'metadata-not-a-file', detail: `${file} is not a regular file` };
    case 'symlink':
      return { kind: 'failed', reason: 'symlink-outside-root', detail: `${file} became a symlink after the listing; not followed` };
    case 'text':
      try {
        return { kind: 'json', value: JSON.parse(read.text) };
      } catch (error) {
        return { kind: 'failed', reason: 'malformed-json', detail: `${file} is not valid JSON${read.text.trim() === '' ? ' (empty file)' : ''}: ${jsonSyntaxMessage(read.text, error)}` };
      }
    default: {
      const unreachable: never = read;
      return unreachable;
    }
  }
}

function errorText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code} (${(error as Error).message})` : String(error);
}
