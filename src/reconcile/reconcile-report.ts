/**
 * What one reconcile round of one rule found and did: plain readonly data the
 * CLI prints and the daemon counts into metrics.
 */

import type { ErrorSummary } from '../errors/driftd-error.js';

/** A value bound into an INSERT: booleans from JSON are stored as 1/0. */
export type BoundValue = string | number | null;

/** A directory without a row, and the row driftd inserts (or would insert) for it. */
export interface OrphanItem {
  /** The directory's name under the root. */
  readonly directory: string;
  /** Its absolute path under the configured root. */
  readonly path: string;
  /** Column → value, in the rule's column order. Columns left out take their default. */
  readonly values: Readonly<Record<string, BoundValue>>;
}

/** A row whose directory under the root is gone. Reported only; never changed. */
export interface DanglingRow {
  /** The row's rowid (null for a WITHOUT ROWID table). */
  readonly rowid: number | null;
  /** The key column's value as stored. */
  readonly storedPath: string;
}

/** Why a directory was left out of this round. */
export type SkipReason =
  | 'settling'
  | 'symlink-outside-root'
  | 'unreadable'
  | 'malformed-json'
  | 'metadata-too-large'
  | 'metadata-not-a-file'
  | 'unresolved-column';

export interface SkippedDirectory {
  readonly directory: string;
  readonly path: string;
  readonly reason: SkipReason;
  /** One human line: what was found and where. */
  readonly detail: string;
}

/** Why a rule's round failed: a catalogue code, a message naming the rule, a hint where the operator can act. */
export type ReconcileRuleError = ErrorSummary;

export interface ReconcileReport {
  readonly rule: string;
  readonly table: string;
  /** The configured root (absolute). */
  readonly root: string;
  /**
   * Non-null when the live table lacks the table or a mapped column: nothing
   * was scanned or inserted; repair the schema first. Says which items.
   */
  readonly blockedBy: string | null;
  /**
   * Non-null when this rule's round failed (root missing or unreadable, the
   * inserts rolled back, a database error): nothing of this rule was inserted.
   * The other rules of the target still ran, so their inserts are reported.
   */
  readonly error: ReconcileRuleError | null;
  /** Directories without a row (markers present, settled, every required column resolved). */
  readonly orphans: readonly OrphanItem[];
  /** The orphans inserted this round (apply mode). */
  readonly recovered: readonly OrphanItem[];
  /** Orphans another writer inserted between the scan and our transaction: nothing to do. */
  readonly raced: readonly OrphanItem[];
  readonly dangling: readonly DanglingRow[];
  readonly skipped: readonly SkippedDirectory[];
  readonly counts: {
    /** Subdirectories listed under the root (symlinks inside it included). */
    readonly directories: number;
    /** Rows in the table with a non-empty key. */
    readonly rows: number;
    /** Rows whose directory exists under the root. */
    readonly matched: number;
    /** Subdirectories without a row that lack a marker file: not rows of this table. */
    readonly unmarked: number;
    /** Rows whose key points outside the root: another rule's, left alone. */
    readonly elsewhere: number;
  };
  readonly timings: { readonly scanMs: number; readonly diffMs: number; readonly applyMs: number };
}

/**
 * True when nothing is left that driftd would do: no failure, no orphan waiting. Skipped
 * directories, like dangling rows, are reported and left for a person (a re-run cannot change
 * a malformed file; a settling one is taken by a later run): they count only with `strict`.
 */
export function reconcileSettled(report: ReconcileReport, options: { readonly strict?: boolean } = {}): boolean {
  if (report.error !== null || report.blockedBy !== null) return false;
  return report.orphans.length === report.recovered.length + report.raced.length && (!options.strict || report.skipped.length === 0);
}
