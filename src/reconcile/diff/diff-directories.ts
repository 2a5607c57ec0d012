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
}

export interface StoredRow {
  readonly rowid: number | null;
  readonly storedPath: string;
  /** The stored path resolved (relative paths, trailing slashes, `..`) with its parent's symlinks resolved. */
  readonly canonicalPath: string;
}

export interface DirectoryDiff {
  readonly orphans: readonly ListedDirectory[];
  readonly dangling: readonly StoredRow[];
  /** Rows whose directory exists. */
  readonly matched: number;
  /** Rows pointing outside the root: not this rule's to judge. */
  readonly elsewhere: number;
}

export function diffDirectories(directories: readonly ListedDirectory[], rows: readonly StoredRow[], realRoot: string): DirectoryDiff {
  const prefix = realRoot.endsWith('/') ? realRoot : `${realRoot}/`;
  const aliases = new Map<string, string>();
  const present = new Set<string>();
  for (const directory of directories) {
    present.add(directory.canonicalPath);
    if (directory.aliasPath !== null) aliases.set(directory.aliasPath, directory.canonicalPath);
  }
  const stored = new Set<string>();
  const dangling: StoredRow[] = [];
  let matched = 0;
  let elsewhere = 0;
  for (const row of rows) {
    const key = aliases.get(row.canonicalPath) ?? row.canonicalPath;
    stored.add(key);
    if (present.has(key)) matched++;
    else if (key.startsWith(prefix) && !key.includes('/', prefix.length)) dangling.push(row);
    else elsewhere++;
  }
  const orphans: ListedDirectory[] = [];
  const taken = new Set<string>();
  // Real directories first, so a symlink to one is never inserted in its place.
  for (const directory of directories) {
    if (directory.aliasPath === null && !stored.has(directory.canonicalPath)) {
      orphans.push(directory);
      taken.add(directory.canonicalPath);
    }
  }
  for (const directory of directories) {
    if (directory.aliasPath !== null && !stored.has(directory.canonicalPath) && !taken.has(directory.canonicalPath)) {
      orphans.push(directory);
      taken.add(directory.canonicalPath);
    }
  }
  return { orphans, dangling, matched, elsewhere };
}
