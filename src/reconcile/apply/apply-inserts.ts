import type { AuditSink, AuditTicket } from '../../audit/audit-sink.js';
import type { SqlConnection } from '../../db/sql-connection.js';
import { DriftdError } from '../../errors/driftd-error.js';
import { isDatabaseCondition, resultCodeOf } from '../../errors/result-codes.js';
import { quoteIdentifier } from '../../sql/quote.js';
import type { OrphanItem } from '../reconcile-report.js';

export interface InsertOutcome {
  readonly recovered: readonly OrphanItem[];
  /** Found present inside the transaction: another writer inserted them first. */
  readonly raced: readonly OrphanItem[];
  /** Set when the schema changed under us: why nothing was inserted. */
  readonly blockedBy: string | null;
}

export interface ApplyInsertsRequest {
  readonly table: string;
  readonly orphans: readonly { readonly item: OrphanItem; readonly canonicalPath: string }[];
  /**
   * Runs inside the transaction: the canonical paths of the orphans whose row
   * is now present, or why the rule is blocked (a mapped column has gone
   * missing since the scan; then nothing is inserted).
   */
  readonly presentKeys: () => Promise<ReadonlySet<string> | { readonly blockedBy: string }>;
  readonly rule: string;
  /** Records the rows (durably, before the first INSERT) by their key column, and how the round ended. */
  readonly audit?: { readonly sink: AuditSink; readonly keyColumn: string };
}

/**
 * Inserts a round's orphans in one BEGIN IMMEDIATE transaction
 * (lang_transaction.html: IMMEDIATE takes the write lock up front, so the
 * re-check below cannot be invalidated before COMMIT). Inside it, the table's
 * keys are read again and an orphan whose row appeared meanwhile (the
 * application or a second driftd inserting it) is left alone. Values are
 * bound, identifiers quoted. Any failure rolls the whole round back.
 */
export async function applyInserts(db: SqlConnection, request: ApplyInsertsRequest): Promise<InsertOutcome> {
  if (request.orphans.length === 0) return { recovered: [], raced: [], blockedBy: null };
  db.exec('BEGIN IMMEDIATE');
  const recovered: OrphanItem[] = [];
  const raced: OrphanItem[] = [];
  let current: OrphanItem | null = null;
  let ticket: AuditTicket | null = null;
  try {
    const present = await request.presentKeys();
    if (!(present instanceof Set)) {
      db.exec('ROLLBACK');
      return { recovered: [], raced: [], blockedBy: (present as { blockedBy: string }).blockedBy };
    }
    const audit = request.audit;
    const inserting = request.orphans.filter(({ canonicalPath }) => !present.has(canonicalPath));
    if (audit && inserting.length > 0) {
      ticket = audit.sink.intend({
        kind: 'recover',
        rule: request.rule,
        table: request.table,
        keyColumn: audit.keyColumn,
        rows: inserting.map(({ item }) => ({ directory: item.directory, key: keyValue(item, audit.keyColumn), values: item.values })),
      });
    }
    const statements = new Map<string, ReturnType<SqlConnection['prepare']>>();
    for (const { item, canonicalPath } of request.orphans) {
      if (present.has(canonicalPath)) {
        raced.push(item);
        continue;
      }
      current = item;
      const columns = Object.keys(item.values);
      const signature = columns.join('\u0000');
      let statement = statements.get(signature);
      if (!statement) {
        statement = db.prepare(
          columns.length === 0
            ? `INSERT INTO ${quoteIdentifier(request.table)} DEFAULT VALUES`
            : `INSERT INTO ${quoteIdentifier(request.table)} (${columns.map(quoteIdentifier).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        );
        statements.set(signature, statement);
      }
      statement.run(...columns.map((column) => item.values[column]));
      recovered.push(item);
    }
    db.exec('COMMIT');
    if (ticket) request.audit!.sink.settle(ticket, { status: 'applied' });
    return { recovered, raced, blockedBy: null };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    if (ticket) request.audit!.sink.settle(ticket, { status: 'not-applied', reason: `rolled back: ${(error as Error).message}` });
    // The database's own condition (locked, read-only, disk full, I/O error) keeps its code; a row the table refuses is the rule's.
    if (isDatabaseCondition(resultCodeOf(error)) || error instanceof DriftdError) throw error;
    throw new DriftdError(
      'RECONCILE_INSERT_FAILED',
      `rule "${request.rule}": inserting into "${request.table}"${current ? ` the row for "${current.directory}"` : ''} failed, the round was rolled back: ${(error as Error).message}`,
      { where: { rule: request.rule, table: request.table, ...(current ? { directory: current.directory } : {}) }, cause: error, hint: 'check the rule\'s column mapping against the table\'s constraints' },
    );
  }
}

/** The row's value for the key column (SQLite column names match case-insensitively). */
function keyValue(item: OrphanItem, keyColumn: string): OrphanItem['values'][string] {
  const folded = keyColumn.toLowerCase();
  return Object.entries(item.values).find(([column]) => column.toLowerCase() === folded)?.[1] ?? null;
}
