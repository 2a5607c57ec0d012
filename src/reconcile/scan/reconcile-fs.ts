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
   * Reads a regular file of at most `maxBytes` as UTF-8 without following a
   * final symlink and without blocking on a FIFO; larger files are not read.
   */
  readFileLimited(path: string, maxBytes: number): Promise<LimitedRead>;
}
