import { resolve } from 'node:path';
import type { StoredRow } from '../diff/diff-directories.js';
import type { ReconcileFs } from './reconcile-fs.js';

/** A clean absolute path: no `.`/`..` segments, no doubled or trailing slash. */
const CLEAN_ABSOLUTE = /^(?:\/(?!\.\.?(?:\/|$))[^/]+)+$/;

/**
 * Reduces each stored key to a canonical real path so rows match directories
 * however the application wrote them: a relative path (resolved against
 * `relativeTo`), a trailing slash, `..`, or a path through a symlinked root.
 * Only the parent directory is resolved through symlinks (cached: rows share a
 * few parents), so 100,000 rows cost a handful of realpath calls.
 */
export async function canonicalRowPaths(
  fs: ReconcileFs,
  rows: ReadonlyArray<readonly [number | null, unknown]>,
  options: { readonly relativeTo: string; readonly root: string; readonly realRoot: string },
  parentCache: Map<string, string> = new Map(),
): Promise<StoredRow[]> {
  const realPrefix = options.realRoot.endsWith('/') ? options.realRoot : `${options.realRoot}/`;
  const rootResolved = resolve(options.root);
  parentCache.set(rootResolved, options.realRoot);
  parentCache.set(options.realRoot, options.realRoot);
  const out: StoredRow[] = [];
  for (const [rowid, value] of rows) {
    if (typeof value !== 'string' || value.length === 0) continue;
    const absolute = CLEAN_ABSOLUTE.test(value) ? value : resolve(options.relativeTo, value);
    const slash = absolute.lastIndexOf('/');
    const parent = slash === 0 ? '/' : absolute.slice(0, slash);
    const name = absolute.slice(slash + 1);
    let realParent = parentCache.get(parent);
    if (realParent === undefined) {
      try {
        realParent = await fs.realpath(parent);
      } catch {
        realParent = parent; // gone: the row can only be dangling or elsewhere
      }
      parentCache.set(parent, realParent);
    }
    const inRoot = realParent === options.realRoot;
    const canonicalPath = inRoot ? realPrefix + name : realParent.endsWith('/') ? realParent + name : `${realParent}/${name}`;
    out.push({ rowid, storedPath: value, canonicalPath, nameInRoot: inRoot && name !== '' ? name : null });
  }
  return out;
}
