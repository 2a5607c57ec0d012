/**
 * The pure heart of reconcile: directories on disk against rows in the table,
 * both already reduced to canonical real paths. A directory without a row is
 * an orphan to insert; a row whose directory under the root is gone is
 * dangling, to report. Nothing here updates or deletes a row.
 */

export interface ListedDirectory {
  readonly name: string;
  /** Absolute path under the configured root (what a `path` column stores). */
  readonly path: string;
  /** Real path: the root's real path plus the name, or a symlink's resolved target inside the root. */
  readonly canonicalPath: string;
  /** For a symlink entry: the link's own path under the real root (rows may store it). */
  readonly aliasPath: string | null;
  /**
   * The name of `canonicalPath` when it is a direct child of the real root,
   * else null. Matching on names, not whole paths, keeps 100,000 lookups cheap.
   */
  readonly nameInRoot: string | null;
  /** For a symlink entry: the link's own name (rows may store the link's path). */
  readonly aliasName: string | null;
}

export interface StoredRow {
  readonly rowid: number | null;
  readonly storedPath: string;
  /** The stored path resolved (relative paths, trailing slashes, `..`) with its parent's symlinks resolved. */
  readonly canonicalPath: string;
  /** The name when the canonical parent is the real root, else null. */
  readonly nameInRoot: string | null;
}

/** Names never contain "/" and canonical paths always start with it, so one Set holds both. */
function keyOf(item: { readonly nameInRoot: string | null; readonly canonicalPath: string }): string {
  return item.nameInRoot ?? item.canonicalPath;
}

export interface DirectoryDiff {
  readonly orphans: readonly ListedDirectory[];
  readonly dangling: readonly StoredRow[];
  /** Rows whose directory exists. */
  readonly matched: number;
  /** Rows pointing outside the root: not this rule's to judge. */
  readonly elsewhere: number;
}

export function diffDirectories(directories: readonly ListedDirectory[], rows: readonly StoredRow[]): DirectoryDiff {
  const aliases = new Map<string, string>();
  const present = new Set<string>();
  for (const directory of directories) {
    const key = keyOf(directory);
    present.add(key);
    if (directory.aliasName !== null) aliases.set(directory.aliasName, key);
  }
  const stored = new Set<string>();
  const dangling: StoredRow[] = [];
  let matched = 0;
  let elsewhere = 0;
  for (const row of rows) {
    const own = keyOf(row);
    const key = (row.nameInRoot !== null ? aliases.get(row.nameInRoot) : undefined) ?? own;
    stored.add(key);
    if (present.has(key)) matched++;
    else if (row.nameInRoot !== null) dangling.push(row);
    else elsewhere++;
  }
  const orphans: ListedDirectory[] = [];
  const taken = new Set<string>();
  // Real directories first, so a symlink to one is never inserted in its place.
  for (const directory of directories) {
    const key = keyOf(directory);
    if (directory.aliasName === null && !stored.has(key)) {
      orphans.push(directory);
      taken.add(key);
    }
  }
  for (const directory of directories) {
    const key = keyOf(directory);
    if (directory.aliasName !== null && !stored.has(key) && !taken.has(key)) {
      orphans.push(directory);
      taken.add(key);
    }
  }
  return { orphans, dangling, matched, elsewhere };
}
