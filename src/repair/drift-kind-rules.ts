import type { Drift, DriftKind } from '../diff/drift.js';
import { quoteIdentifier } from '../sql/quote.js';
import { assessAddColumn } from './assess-add-column.js';
import type { SafetyContext, SafetyVerdict } from './safety-context.js';

/** The drift item of one kind. */
export type DriftOf<K extends DriftKind> = Drift & { readonly kind: K };

/** A kind driftd repairs when its verdict says so: additive, by the declaration's own text. */
export interface AdditiveRule<D extends Drift> {
  /** Short human name of the kind, for docs and dashboards. */
  readonly label: string;
  readonly repair: 'additive';
  /** Position in a repair plan: lower runs first (a column before the index over it, a table before the view over it). */
  readonly order: number;
  assess(drift: D, context: SafetyContext): SafetyVerdict;
  /** The statement that repairs it, or null when the declaration lacks the text to write one. */
  sql(drift: D): string | null;
}

/** A kind driftd only reports: changing it would mean a rebuild, a drop or rewriting data. */
export interface ReportOnlyRule<D extends Drift> {
  readonly label: string;
  readonly repair: 'never';
  /** Why it is left alone (and what the operator can do), fixed or from the item. */
  readonly reason: string | ((drift: D) => string);
}

export type DriftKindRule<D extends Drift> = AdditiveRule<D> | ReportOnlyRule<D>;

const REBUILD = 'SQLite ALTER TABLE cannot change an existing column, constraint or table option; it needs a table rebuild, which driftd never does automatically';

/**
 * Everything that depends on a drift kind, in one table the compiler keeps
 * complete: a new kind in `Drift` does not build until it has a row here.
 * The key order is the order reports and docs list the kinds in.
 */
export const DRIFT_KIND_RULES = {
  missing_table: {
    label: 'missing table',
    repair: 'additive',
    order: 0,
    assess: () => ({ safe: true, reason: 'CREATE TABLE as declared; no existing data is involved' }),
    sql: (drift) => `${drift.declaredTable.sql};`,
  },
  missing_column: {
    label: 'missing column',
    repair: 'additive',
    order: 1,
    assess: (drift, context) => assessAddColumn(drift.declaredTable, drift.declaredColumn, context),
    sql: (drift) =>
      drift.declaredColumn.definition === null ? null : `ALTER TABLE ${quoteIdentifier(drift.table)} ADD COLUMN ${drift.declaredColumn.definition};`,
  },
  missing_index: {
    label: 'missing index',
    repair: 'additive',
    // After the columns: an index may cover a column the plan adds.
    order: 2,
    assess: (drift) =>
      drift.declaredIndex.unique
        ? { safe: true, reason: 'CREATE UNIQUE INDEX as declared; if existing rows hold duplicates SQLite refuses it, and it is left out and reported while the rest of the repair applies' }
        : { safe: true, reason: 'CREATE INDEX as declared; an index adds no data and changes none' },
    sql: (drift) => (drift.declaredIndex.sql === null ? null : `${drift.declaredIndex.sql};`),
  },
  missing_view: {
    label: 'missing view',
    repair: 'additive',
    // After every table, column and index it may read; views in declared order, so a view follows the views it reads.
    order: 3,
    assess: () => ({
      safe: true,
      reason: 'CREATE VIEW as declared; a view holds no data; verified inside the transaction by preparing a SELECT from it (left out and reported if it does not compile)',
    }),
    sql: (drift) => `${drift.declaredView.sql};`,
  },
  missing_trigger: {
    label: 'missing trigger',
    repair: 'additive',
    // Last: a trigger may fire on a view (INSTEAD OF) and name any table or column in its body.
    order: 4,
    assess: () => ({ safe: true, reason: 'CREATE TRIGGER as declared; it changes no existing row, it acts only on later writes' }),
    sql: (drift) => `${drift.declaredTrigger.sql};`,
  },
  column_type: { label: 'column type differs', repair: 'never', reason: `changing the type of a column: ${REBUILD}; existing values might not convert` },
  column_not_null: { label: 'NOT NULL differs', repair: 'never', reason: `changing NOT NULL: ${REBUILD}; existing NULLs would violate a new NOT NULL` },
  column_default: { label: 'column default differs', repair: 'never', reason: `changing a column default: ${REBUILD}` },
  column_primary_key: { label: 'primary key differs', repair: 'never', reason: `changing a primary key: ${REBUILD}; row identities would change` },
  column_collation: { label: 'collation differs', repair: 'never', reason: `changing a collation: ${REBUILD}; ordering and uniqueness could change` },
  column_generated: { label: 'generated column differs', repair: 'never', reason: `changing a generated column: ${REBUILD}` },
  unique_constraint: { label: 'UNIQUE constraint differs', repair: 'never', reason: `changing a UNIQUE constraint: ${REBUILD}; existing rows may hold duplicates` },
  index_definition: {
    label: 'index definition differs',
    repair: 'never',
    reason: 'the index exists with another definition; replacing it means dropping it, and driftd never drops',
  },
  foreign_key: { label: 'foreign key differs', repair: 'never', reason: `changing a foreign key: ${REBUILD}; existing rows may violate it` },
  table_option: { label: 'table option differs', repair: 'never', reason: `changing STRICT or WITHOUT ROWID: ${REBUILD}` },
  view_definition: {
    label: 'view definition differs',
    repair: 'never',
    reason: 'the view exists with another definition; replacing it means dropping it, and driftd never drops',
  },
  trigger_definition: {
    label: 'trigger definition differs',
    repair: 'never',
    reason: 'the trigger exists with another definition; replacing it means dropping it, and driftd never drops',
  },
  stale_fts_index: {
    label: 'FTS index misses rows',
    repair: 'never',
    reason: (drift) =>
      `${drift.detail}; re-creating what is missing does not put those rows in the index, and driftd does not rewrite an index's data: once the FTS table and its triggers are in place, run ${drift.rebuild}`,
  },
  virtual_table_definition: {
    label: 'virtual table arguments differ',
    repair: 'never',
    reason:
      "a virtual table's module and arguments are fixed when it is created (lang_createvtab.html): changing them means dropping it and creating it again, and driftd never drops",
  },
} as const satisfies { readonly [K in DriftKind]: DriftKindRule<DriftOf<K>> };

/** Every drift kind, in the order reports list them (the key order of {@link DRIFT_KIND_RULES}). */
export const DRIFT_KINDS = Object.keys(DRIFT_KIND_RULES) as readonly DriftKind[];

/** The rule of one drift item's kind. */
export function ruleOf(drift: Drift): DriftKindRule<Drift> {
  // TypeScript cannot correlate `drift.kind` with the row it selects; the table's type above
  // guarantees that the row for a kind takes exactly that kind's items.
  return DRIFT_KIND_RULES[drift.kind] as DriftKindRule<Drift>;
}
