import type { ListedDirectory } from '../diff/diff-directories.js';
import type { DirectoryFacts, FileRead } from '../mapping/map-columns.js';
import type { SkipReason } from '../reconcile-report.js';
import type { ReconcileFs } from './reconcile-fs.js';
import { childPath, isInside } from './scan-root.js';

/** Metadata files larger than this are never read (1 MiB). */
export const MAX_METADATA_BYTES = 1024 * 1024;

export type Inspection =
  | { readonly kind: 'ready'; readonly facts: DirectoryFacts }
  | { readonly kind: 'unmarked'; readonly missing: string }
  | { readonly kind: 'skipped'; readonly reason: SkipReason; readonly detail: string };

export interface InspectOptions {
  readonly realRoot: string;
  readonly markers: readonly string[];
  readonly settleSeconds: number;
  /** JSON files the mapping may read. */
  readonly files: readonly string[];
  /** Whether the directory's own mtime is mapped. */
  readonly needsMtime: boolean;
  readonly nowMs: number;
}

/**
 * Looks into one orphan candidate: one listing (markers and settle time come
 * from it), an lstat per entry only when a settle time is set, and the JSON
 * files the mapping names. A file that is a symlink is read only when its
 * target stays inside the root.
 */
export async function inspectDirectory(fs: ReconcileFs, directory: ListedDirectory, options: InspectOptions): Promise<Inspection> {
  const dir = directory.canonicalPath;
  // The listing saw a real directory, but it may have been swapped for a symlink since: reading
  // through `dir/…` would then follow it (O_NOFOLLOW guards only the last component). Resolve it
  // before and after the reads, and trust the reads only if it stayed where it was.
  const moved = await movedAway(fs, directory);
  if (moved !== null) return moved;
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

  const files = new Map<string, FileRead>();
  for (const file of options.files) {
    const kind = byName.get(file);
    if (kind === undefined) {
      files.set(file, { kind: 'absent' });
      continue;
    }
    let path = childPath(dir, file);
    if (kind === 'symlink') {
      try {
        path = await fs.realpath(path);
      } catch (error) {
        files.set(file, { kind: 'absent' });
        continue;
      }
      if (!isInside(options.realRoot, path)) {
        files.set(file, { kind: 'failed', reason: 'symlink-outside-root', detail: `${file} is a symlink to "${path}", outside the root; not read` });
        continue;
      }
    }
    files.set(file, await readJson(fs, path, file));
  }
  const movedDuringReads = await movedAway(fs, directory);
  if (movedDuringReads !== null) return movedDuringReads;
  return { kind: 'ready', facts: { name: directory.name, path: directory.path, mtimeMs, files } };
}

async function movedAway(fs: ReconcileFs, directory: ListedDirectory): Promise<Inspection | null> {
  let real: string;
  try {
    real = await fs.realpath(directory.canonicalPath);
  } catch (error) {
    return { kind: 'skipped', reason: 'unreadable', detail: `cannot resolve "${directory.path}": ${errorText(error)}` };
  }
  if (real === directory.canonicalPath) return null;
  return { kind: 'skipped', reason: 'symlink-outside-root', detail: `"${directory.path}" was replaced by a symlink to "${real}" after the listing; not read` };
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
        return { kind: 'failed', reason: 'malformed-json', detail: `${file} is not valid JSON${read.text.trim() === '' ? ' (empty file)' : ''}: ${(error as Error).message}` };
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
