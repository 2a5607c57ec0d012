/**
 * The narrow filesystem the scanner needs, so tests and benchmarks can pass
 * their own (a counting wrapper, a clock-skewed one) around the real one.
 * Failures throw errors carrying an errno `code` (ENOENT, EACCES, …).
 */
export type EntryKind = 'directory' | 'file' | 'symlink' | 'other';

export interface DirectoryEntry {
  readonly name: string;
  /** From the listing itself (d_type): no stat per entry. */
  readonly kind: EntryKind;
}

export interface EntryStat {
  readonly kind: EntryKind;
  readonly mtimeMs: number;
  /** Device and inode: what the entry is, whatever its name (a swapped-in directory has another). */
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly ctimeMs: number;
}

/**
 * An open directory that no rename or symlink swap can redirect. `path` names it through the
 * process's own descriptor table (Linux: `/proc/self/fd/<fd>`), so every path built as
 * `path/name` is looked up in this very directory, not by walking from the root again.
 */
export interface DirectoryHandle {
  readonly path: string;
  readonly dev: number;
  readonly ino: number;
  close(): void;
}

export type LimitedRead =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'too-large'; readonly size: number }
  | { readonly kind: 'not-a-file' }
  | { readonly kind: 'symlink' };

export interface ReconcileFs {
  /** One listing with entry types. */
  readdir(path: string): Promise<readonly DirectoryEntry[]>;
  /** Resolves every symlink in the path. */
  realpath(path: string): Promise<string>;
  /** Does not follow a final symlink. */
  lstat(path: string): Promise<EntryStat>;
  /** Follows symlinks. */
  stat(path: string): Promise<EntryStat>;
  /**
   * Opens the directory `relativePath` (slash-separated, no `.`/`..`; '' is the root itself) beneath
   * `realRoot`, one component at a time from the root's descriptor, refusing a symlink in every
   * component (ENOTDIR/ELOOP). Throws an errno error when it cannot.
   */
  openDirectory(realRoot: string, relativePath: string): Promise<DirectoryHandle>;
  /**
   * Reads a regular file of at most `maxBytes` as UTF-8 without following a
   * final symlink and without blocking on a FIFO; larger files are not read.
   */
  readFileLimited(path: string, maxBytes: number): Promise<LimitedRead>;
}
