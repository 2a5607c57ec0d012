import { z } from 'zod';
import type { AuditChange, AuditOutcome, JournalRecord } from './audit-record.js';

/**
 * The journal line's shape, as zod: what the writer writes (its record types, audit-record.ts,
 * are checked against this format by the compiler in both directions, below) and what a reader
 * accepts (a line that does not match — a torn write, a `"change": null`, an unknown kind — is
 * skipped and counted, never trusted nor thrown on).
 */
const digestFormat = z.strictObject({
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  bytes: z.number().int().min(0),
  head: z.string(),
});

const valueFormat = z.union([z.string(), z.number(), z.null(), digestFormat]);

const statementFormat = z.object({
  sql: z.string(),
  drift: z.enum([
    'missing_table',
    'missing_column',
    'missing_index',
    'missing_view',
    'missing_trigger',
    'renamed_table',
    'renamed_column',
    'renamed_index',
    'column_not_null',
    'missing_check',
    'undeclared_check',
    'check_definition',
  ]),
  table: z.string(),
  column: z.string().optional(),
  index: z.string().optional(),
  view: z.string().optional(),
  trigger: z.string().optional(),
  notNull: z.boolean().optional(),
  check: z.string().optional(),
});

const rowFormat = z.object({ directory: z.string(), key: valueFormat, values: z.record(z.string(), valueFormat) });

const changeFormat = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('repair'), statements: z.array(statementFormat) }),
  z.object({ kind: z.literal('recover'), rule: z.string(), table: z.string(), keyColumn: z.string(), rows: z.array(rowFormat) }),
  z.object({ kind: z.literal('backup'), path: z.string() }),
  z.object({
    kind: z.literal('rebuild'),
    plan: z.string(),
    tables: z.array(z.string()),
    fingerprint: z.object({ before: z.string(), after: z.string() }),
    statements: z.array(z.object({ table: z.string(), sql: z.string() })),
  }),
]);

const outcomeFormat = z.discriminatedUnion('status', [
  z.object({ status: z.literal('applied'), left: z.array(z.object({ item: z.number().int().min(0), reason: z.string() })).optional() }),
  z.object({ status: z.literal('not-applied'), reason: z.string() }),
]);

const base = { v: z.literal(1), id: z.string().min(1), time: z.iso.datetime() };

export const journalRecordFormat = z.discriminatedUnion('type', [
  z.object({
    ...base,
    type: z.literal('intent'),
    target: z.string(),
    database: z.string(),
    cycle: z.number().int().nullable(),
    source: z.enum(['daemon', 'cli', 'library']),
    pid: z.number().int(),
    host: z.string(),
    part: z.object({ index: z.number().int().min(0), count: z.number().int().min(1), first: z.number().int().min(0) }).optional(),
    change: changeFormat,
  }),
  z.object({ ...base, type: z.literal('outcome'), outcome: outcomeFormat, resolved: z.literal('at-start').optional() }),
]) satisfies z.ZodType<JournalRecord>;

// Everything the writer can produce is accepted by the reader (the other direction is the `satisfies` above).
// (Readonly is the writer's promise not to mutate, not a different shape: it is stripped for the comparison.)
type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[] : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
type Accepts<Output, Input> = Writable<Output> extends Input ? true : never;
const writerFitsReader: Accepts<JournalRecord, z.input<typeof journalRecordFormat>> = true;
const changeFits: Accepts<AuditChange, z.input<typeof changeFormat>> = true;
const outcomeFits: Accepts<AuditOutcome, z.input<typeof outcomeFormat>> = true;
void [writerFitsReader, changeFits, outcomeFits];

/** Parses one journal line; null for a line that is not a valid journal record (a torn write, a wrong-shaped field). */
export function parseRecord(line: string): JournalRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = journalRecordFormat.safeParse(value);
  return parsed.success ? parsed.data : null;
}
