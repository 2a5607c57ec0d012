import { z } from 'zod';
import type { LeftDrift, TableRebuild } from './plan-rebuild.js';

/**
 * The plan file `driftd plan` writes and `driftd apply` runs: pretty-printed JSON a person reviews
 * (every statement verbatim, why it runs, and what apply checks before COMMIT), bound to the live
 * schema it was made from by a fingerprint (`schemaFingerprint`: the SHA-256 of every
 * `sqlite_schema` row but SQLite's own). `after` is the fingerprint the rebuilt schema has: the
 * plan's statements were run on an empty copy of the schema when it was made.
 */
export interface PlanDocument {
  readonly format: 'driftd-plan';
  readonly version: 1;
  readonly created: string;
  readonly database: string;
  readonly schema: string;
  readonly fingerprint: { readonly before: string; readonly after: string };
  readonly procedure: string;
  /** What apply checks before COMMIT (the same for every plan; here so the reviewer reads it). */
  readonly checks: readonly string[];
  readonly tables: readonly TableRebuild[];
  readonly left: readonly LeftDrift[];
}

export const PROCEDURE_URL = 'https://sqlite.org/lang_altertable.html#otheralter';

export const APPLY_CHECKS = [
  'PRAGMA foreign_keys = OFF on apply\'s own connection, outside the transaction (read back: must be 0), restored after',
  'the live schema fingerprint equals fingerprint.before, read under the write lock',
  'a backup taken under the write lock before the first step (the file read byte for byte; in WAL mode SQLite\'s online backup API); before COMMIT it must have passed its checks (run on a worker thread while the statements run): as many pages and the same schema fingerprint as the database (read on apply\'s connection under the lock), PRAGMA quick_check ok (integrity_check with --full-integrity-check), every rebuilt table\'s row count',
  'one BEGIN IMMEDIATE transaction for every step of every table',
  'before each DROP: row counts of old and new equal, valueCheckSql finds no row (every carried value equal) and fractionCheckSql none (no REAL with a fraction under a declared INTEGER)',
  'before COMMIT: the tables whose foreign keys name a rebuilt table hold the rows they held',
  'before COMMIT: PRAGMA foreign_key_check of each rebuilt table and the tables whose foreign keys name it is empty',
  'before COMMIT: PRAGMA quick_check of each rebuilt table and its indexes is ok, and each of its indexes holds one entry per row it covers (with --full-integrity-check: PRAGMA integrity_check of the table)',
  'before COMMIT: every index, trigger and view is in sqlite_schema with its old text, and every view compiles',
  'before COMMIT: sqlite_sequence of an AUTOINCREMENT table is at least what it was',
  'before COMMIT: the rebuilt tables, introspected again, have no drift that needs a rebuild against the declaration',
  'before COMMIT: the schema fingerprint equals fingerprint.after',
] as const;

const statement = z.object({ role: z.enum(['create', 'copy', 'drop', 'rename', 'index', 'trigger', 'sequence']), sql: z.string().min(1), why: z.string() }).strict();

const tableRebuild = z
  .object({
    table: z.string().min(1),
    because: z.array(z.string()),
    scratch: z.string().min(1),
    declaredSql: z.string().min(1),
    carried: z.array(z.object({ column: z.string(), from: z.string(), to: z.string() }).strict()),
    added: z.array(z.string()),
    key: z.union([z.object({ kind: z.literal('rowid') }).strict(), z.object({ kind: z.literal('primary-key'), columns: z.array(z.string()).min(1) }).strict()]),
    rowids: z.object({ kept: z.boolean(), why: z.string() }).strict(),
    steps: z.array(statement).min(4),
    countSql: z.string().min(1),
    valueCheckSql: z.string().min(1),
    fractionCheckSql: z.string().min(1).nullable(),
    children: z.array(z.string()),
    keepsSequence: z.boolean(),
  })
  .strict();

const fingerprint = z.string().regex(/^sha256:[0-9a-f]{64}$/);

export const planDocumentFormat = z
  .object({
    format: z.literal('driftd-plan'),
    version: z.literal(1),
    created: z.string(),
    database: z.string().min(1),
    schema: z.string(),
    fingerprint: z.object({ before: fingerprint, after: fingerprint }).strict(),
    procedure: z.string(),
    checks: z.array(z.string()),
    tables: z.array(tableRebuild).min(1),
    left: z.array(z.object({ kind: z.string(), table: z.string(), detail: z.string(), how: z.string() }).strict()),
  })
  .strict();

/** Parses a plan file's text; the problems as one line each (path: message) when it is not a plan. */
export function parsePlanDocument(text: string): { ok: true; plan: PlanDocument } | { ok: false; problems: string[] } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`not JSON: ${(error as Error).message}`] };
  }
  const parsed = planDocumentFormat.safeParse(value);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`) };
  return { ok: true, plan: parsed.data as PlanDocument };
}
