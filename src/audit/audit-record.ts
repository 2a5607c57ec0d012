import type { RepairedDriftKind } from '../repair/drift-kind-rules.js';
/**
 * The audit trail's vocabulary, as plain readonly data: what driftd is about
 * to change in a user's database (an intent), how it ended (an outcome), and
 * the per-change entries `driftd history`, `GET /events` and the status page
 * show. Pure: no IO here; the journal file lives in audit-journal.ts.
 */

/**
 * A value bound into a recovered row (booleans from JSON are stored as 1/0); a string longer
 * than the journal records in full (`AUDIT_LIMITS.valueBytes`) is recorded as its digest.
 */
export type AuditValue = string | number | null | AuditDigest;

/** What the journal keeps of a long string: its SHA-256, its UTF-8 length and its first characters. */
export interface AuditDigest {
  readonly digest: string;
  readonly bytes: number;
  readonly head: string;
}

/** One statement of a repair, as it will run. */
export interface AuditStatement {
  readonly sql: string;
  /** The drift kind it removes: decides how a crash-interrupted intent is resolved (does the object exist?). */
  readonly drift: AuditedDriftKind;
  readonly table: string;
  readonly column?: string;
  readonly index?: string;
  readonly view?: string;
  readonly trigger?: string;
  /** column_not_null: the nullability the step sets. */
  readonly notNull?: boolean;
  /** CHECK steps: the normalised expression the step adds (or, for undeclared_check, drops). */
  readonly check?: string;
}

/** The drift kinds a repair statement removes: derived from the rules table (src/repair/drift-kind-rules.ts), every kind whose rule is not `never`. */
export type AuditedDriftKind = RepairedDriftKind;

/** One row a reconcile round inserts: its key (the rule's key column) and every value bound. */
export interface AuditRow {
  readonly directory: string;
  readonly key: AuditValue;
  readonly values: Readonly<Record<string, AuditValue>>;
}

/** What one transaction (or one backup) is about to change. */
export type AuditChange =
  | { readonly kind: 'repair'; readonly statements: readonly AuditStatement[] }
  | { readonly kind: 'recover'; readonly rule: string; readonly table: string; readonly keyColumn: string; readonly rows: readonly AuditRow[] }
  | { readonly kind: 'backup'; readonly path: string }
  | AuditRebuild;

/**
 * A reviewed plan's table rebuilds (`driftd apply`): one transaction. The fingerprints let a
 * start-up resolution tell which state a killed apply left: the schema is exactly one of the two.
 */
export interface AuditRebuild {
  readonly kind: 'rebuild';
  /** The plan file. */
  readonly plan: string;
  readonly tables: readonly string[];
  readonly fingerprint: { readonly before: string; readonly after: string };
  readonly statements: readonly { readonly table: string; readonly sql: string }[];
}

export type AuditChangeKind = AuditChange['kind'];

export const AUDIT_CHANGE_KINDS = ['repair', 'recover', 'backup', 'rebuild'] as const satisfies readonly AuditChangeKind[];

/** How a change ended. `applied` may leave single items out (a UNIQUE index refused inside the transaction). */
export type AuditOutcome =
  | { readonly status: 'applied'; readonly left?: readonly { readonly item: number; readonly reason: string }[] }
  | { readonly status: 'not-applied'; readonly reason: string };

/** Who made the change: a daemon cycle, a CLI command, or an application through the library (`import … from 'driftd'`). */
export interface AuditContext {
  readonly target: string;
  readonly database: string;
  /** The daemon's cycle number; null for a CLI command. */
  readonly cycle: number | null;
  readonly source: 'daemon' | 'cli' | 'library';
}

/** A journal line written (and fsync'd) before the change can commit. */
export interface IntentRecord extends AuditContext {
  readonly v: 1;
  readonly type: 'intent';
  readonly id: string;
  readonly time: string;
  /** The writing process, so a start-up resolution never settles the intent of a process still running. */
  readonly pid: number;
  readonly host: string;
  /**
   * Set when one change was recorded as several intents, so that no journal line exceeds
   * `AUDIT_LIMITS.lineBytes`: part `index` of `count`, whose first item is item `first` of the change.
   * Each part is an intent of its own (its own id, outcome and start-up resolution).
   */
  readonly part?: { readonly index: number; readonly count: number; readonly first: number };
  readonly change: AuditChange;
}

/** A journal line written after the change committed or rolled back, or when start-up resolved a dangling intent. */
export interface OutcomeRecord {
  readonly v: 1;
  readonly type: 'outcome';
  readonly id: string;
  readonly time: string;
  readonly outcome: AuditOutcome;
  /** Set when the process died before writing this line and a later start found the answer in the database. */
  readonly resolved?: 'at-start';
}

export type JournalRecord = IntentRecord | OutcomeRecord;

/** One change as the operator reads it: a statement, a row or a backup, with its outcome. */
export interface AuditEntry extends AuditContext {
  readonly id: string;
  /** The item's index within its intent. */
  readonly item: number;
  /** When the intent was written (the change happened right after). */
  readonly time: string;
  readonly kind: AuditChangeKind;
  /** `pending`: no outcome yet (in flight, or the process died and no start has resolved it). */
  readonly outcome: 'applied' | 'not-applied' | 'pending';
  readonly reason?: string;
  readonly resolved?: 'at-start';
  readonly settledAt?: string;
  /** repair: the statement. */
  readonly sql?: string;
  readonly table?: string;
  readonly column?: string;
  readonly index?: string;
  /** recover: the rule, key column, key, directory and bound values. */
  readonly rule?: string;
  readonly keyColumn?: string;
  readonly key?: AuditValue;
  readonly directory?: string;
  readonly values?: Readonly<Record<string, AuditValue>>;
  /** backup: the copy's path; rebuild: the plan file. */
  readonly path?: string;
}

export { parseRecord } from './journal-record-format.js';

/** The intents that have no outcome yet, in journal order. */
export function pendingIntents(records: readonly JournalRecord[]): IntentRecord[] {
  const settled = new Set(records.filter((record) => record.type === 'outcome').map((record) => record.id));
  return records.filter((record): record is IntentRecord => record.type === 'intent' && !settled.has(record.id));
}

/**
 * Joins intents with their outcomes and expands each into one entry per
 * change (statement, row, backup), oldest first. An outcome without its
 * intent (rotated away) is dropped; the first outcome of an id wins.
 */
export function journalEntries(records: readonly JournalRecord[]): AuditEntry[] {
  const outcomes = new Map<string, OutcomeRecord>();
  for (const record of records) if (record.type === 'outcome' && !outcomes.has(record.id)) outcomes.set(record.id, record);
  const entries: AuditEntry[] = [];
  for (const record of records) {
    if (record.type !== 'intent') continue;
    const settled = outcomes.get(record.id);
    const base = { id: record.id, time: record.time, target: record.target, database: record.database, cycle: record.cycle, source: record.source };
    const outcomeOf = (item: number): Pick<AuditEntry, 'outcome' | 'reason' | 'resolved' | 'settledAt'> => {
      if (!settled) return { outcome: 'pending' };
      const extra = { settledAt: settled.time, ...(settled.resolved ? { resolved: settled.resolved } : {}) };
      if (settled.outcome.status === 'not-applied') return { outcome: 'not-applied', reason: settled.outcome.reason, ...extra };
      const left = settled.outcome.left?.find((entry) => entry.item === item);
      return left ? { outcome: 'not-applied', reason: left.reason, ...extra } : { outcome: 'applied', ...extra };
    };
    const change = record.change;
    switch (change.kind) {
      case 'repair':
        change.statements.forEach((statement, item) =>
          entries.push({
            ...base,
            item,
            kind: 'repair',
            ...outcomeOf(item),
            sql: statement.sql,
            table: statement.table,
            ...(statement.column !== undefined ? { column: statement.column } : {}),
            ...(statement.index !== undefined ? { index: statement.index } : {}),
          }),
        );
        break;
      case 'recover':
        change.rows.forEach((row, item) =>
          entries.push({ ...base, item, kind: 'recover', ...outcomeOf(item), rule: change.rule, table: change.table, keyColumn: change.keyColumn, key: row.key, directory: row.directory, values: row.values }),
        );
        break;
      case 'backup':
        entries.push({ ...base, item: 0, kind: 'backup', ...outcomeOf(0), path: change.path });
        break;
      case 'rebuild':
        // Item 0 is the plan as a whole (which tables, from which schema to which); then one per statement.
        entries.push({ ...base, item: 0, kind: 'rebuild', ...outcomeOf(0), path: change.plan, table: change.tables.join(', '), sql: `rebuild of ${change.tables.map((t) => `"${t}"`).join(', ')}: schema ${change.fingerprint.before} → ${change.fingerprint.after}` });
        change.statements.forEach((statement, index) =>
          entries.push({ ...base, item: index + 1, kind: 'rebuild', ...outcomeOf(index + 1), path: change.plan, table: statement.table, sql: statement.sql }),
        );
        break;
      default:
        assertNever(change);
    }
  }
  return entries;
}

/** Which entries a reader asked for: one target, from an instant on, at most `limit` (the newest). */
export interface EntryFilter {
  readonly target?: string;
  /** ISO instant: entries whose intent was written at or after it. */
  readonly since?: Date;
  readonly limit?: number | undefined;
}

export function filterEntries(entries: readonly AuditEntry[], filter: EntryFilter): AuditEntry[] {
  const sinceMs = filter.since?.getTime();
  const selected = entries.filter((entry) => (filter.target === undefined || entry.target === filter.target) && (sinceMs === undefined || Date.parse(entry.time) >= sinceMs));
  return filter.limit === undefined ? selected : selected.slice(Math.max(0, selected.length - filter.limit));
}

function assertNever(value: never): never {
  throw new Error(`unhandled audit change ${JSON.stringify(value)}`);
}
