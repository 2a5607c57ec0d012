import { createHash } from 'node:crypto';
import { DriftdError } from '../errors/driftd-error.js';
import type { AuditChange, AuditDigest, AuditRow, AuditStatement, AuditValue } from './audit-record.js';

/**
 * The journal's size bounds. The writer never appends a line longer than `lineBytes`, and the
 * reader accepts exactly that (a longer line, from an older version or another writer, is skipped
 * and counted); a reader reads at most the last `readBytes` of one file, and `audit.maxBytes` is
 * bounded so that a file rotated at maxBytes always fits (config-format.ts).
 */
export const AUDIT_LIMITS = {
  lineBytes: 1024 * 1024,
  readBytes: 64 * 1024 * 1024,
  /** A recovered row's string value longer than this (UTF-8) is recorded as its digest. */
  valueBytes: 8 * 1024,
  /** A repair statement longer than this is recorded by its head and digest (resolution never needs its text). */
  sqlBytes: 64 * 1024,
  /** Characters of a long value kept beside its digest. */
  headChars: 120,
} as const;

/** The largest `audit.maxBytes`: a file rotated there, plus the lines appended before the next rotation, stays readable whole. */
export const MAX_ROTATE_BYTES = AUDIT_LIMITS.readBytes / 2;

/** One part of a change: the items `first … first + count - 1` of the whole, as a change of its own. */
export interface ChangePart {
  readonly change: AuditChange;
  readonly first: number;
  readonly count: number;
}

/**
 * Splits one change into parts whose journal lines stay within `AUDIT_LIMITS.lineBytes`, each
 * string value or statement over its limit summarised with a digest first. `envelopeBytes` is the
 * size of the line around the items (the record with an empty item list). Most changes are one
 * part. Throws AUDIT_ENTRY_TOO_LARGE when a single row cannot fit even with every value over 64
 * bytes summarised (then the change must not happen).
 */
export function boundChange(change: AuditChange, envelopeBytes: number): ChangePart[] {
  const room = AUDIT_LIMITS.lineBytes - envelopeBytes - 2; // the newline, and the one a torn predecessor may need
  switch (change.kind) {
    case 'backup':
      if (jsonBytes(change) + envelopeBytes > AUDIT_LIMITS.lineBytes) throw tooLarge(`the backup path of ${jsonBytes(change.path)} bytes`);
      return [{ change, first: 0, count: 1 }];
    case 'repair': {
      const statements = change.statements.map(boundStatement);
      return chunk(statements, room, (item, index) => {
        throw tooLarge(`statement ${index + 1} (${jsonBytes(item)} bytes with its names)`);
      }).map(({ items, first }) => ({ change: { kind: 'repair', statements: items }, first, count: items.length }));
    }
    case 'recover': {
      const rows = change.rows.map((row) => boundRow(row, AUDIT_LIMITS.valueBytes));
      return chunk(rows, room, (row, index) => {
        const tighter = boundRow(row, 64);
        if (jsonBytes(tighter) + 1 <= room) return tighter;
        throw tooLarge(`row ${index + 1} (directory "${row.directory.slice(0, 200)}", ${jsonBytes(tighter)} bytes even with its values summarised)`);
      }).map(({ items, first }) => ({ change: { ...change, rows: items }, first, count: items.length }));
    }
    case 'rebuild': {
      // One transaction, one fingerprint pair: a rebuild is never split; long statements keep their head and digest.
      const bounded = { ...change, statements: change.statements.map((statement) => ({ table: statement.table, sql: boundSql(statement.sql) })) };
      if (jsonBytes(bounded) + envelopeBytes > AUDIT_LIMITS.lineBytes) throw tooLarge(`the rebuild of ${change.tables.length} tables (${jsonBytes(bounded)} bytes with its statements summarised)`);
      return [{ change: bounded, first: 0, count: 1 + bounded.statements.length }];
    }
    default:
      return assertNever(change);
  }
}

/** A string over `limit` UTF-8 bytes becomes its digest; anything else is kept. */
export function boundValue(value: AuditValue, limit: number): AuditValue {
  if (typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= limit) return value;
  return digestOf(value);
}

export function digestOf(text: string): AuditDigest {
  const bytes = Buffer.from(text, 'utf8');
  return { digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes: bytes.length, head: [...text].slice(0, AUDIT_LIMITS.headChars).join('') };
}

export function isDigest(value: AuditValue): value is AuditDigest {
  return typeof value === 'object' && value !== null;
}

function boundRow(row: AuditRow, limit: number): AuditRow {
  const long = (value: AuditValue): boolean => typeof value === 'string' && value.length * 3 > limit && Buffer.byteLength(value, 'utf8') > limit;
  if (!long(row.key) && !Object.values(row.values).some(long)) return row;
  return {
    directory: row.directory,
    key: boundValue(row.key, Math.max(limit, AUDIT_LIMITS.valueBytes)),
    values: Object.fromEntries(Object.entries(row.values).map(([column, value]) => [column, boundValue(value, limit)])),
  };
}

function boundStatement(statement: AuditStatement): AuditStatement {
  const sql = boundSql(statement.sql);
  return sql === statement.sql ? statement : { ...statement, sql };
}

/** A statement over the limit becomes its head and digest. */
function boundSql(sql: string): string {
  if (Buffer.byteLength(sql, 'utf8') <= AUDIT_LIMITS.sqlBytes) return sql;
  const digest = digestOf(sql);
  return `${digest.head}… [a statement of ${digest.bytes} bytes, ${digest.digest}]`;
}

/** Greedy runs of items whose JSON (with separating commas) fits `room`; `oversized` shrinks or refuses a lone item. */
function chunk<T>(items: readonly T[], room: number, oversized: (item: T, index: number) => T): Array<{ items: T[]; first: number }> {
  const parts: Array<{ items: T[]; first: number }> = [];
  let current: T[] = [];
  let used = 0;
  let first = 0;
  items.forEach((original, index) => {
    let item = original;
    let size = jsonBytes(item) + 1;
    if (size > room) {
      item = oversized(item, index);
      size = jsonBytes(item) + 1;
    }
    if (current.length > 0 && used + size > room) {
      parts.push({ items: current, first });
      current = [];
      used = 0;
      first = index;
    }
    current.push(item);
    used += size;
  });
  if (current.length > 0 || parts.length === 0) parts.push({ items: current, first });
  return parts;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

function tooLarge(what: string): DriftdError {
  return new DriftdError('AUDIT_ENTRY_TOO_LARGE', `${what} cannot be recorded in one audit journal line of at most ${AUDIT_LIMITS.lineBytes} bytes, so nothing was changed`, {
    hint: 'the row or statement is far larger than any the journal is meant to hold; check the reconcile rule\'s column mapping',
  });
}

function assertNever(value: never): never {
  throw new Error(`unhandled audit change ${JSON.stringify(value)}`);
}
