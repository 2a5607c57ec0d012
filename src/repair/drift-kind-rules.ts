import type { Drift, DriftKind } from '../diff/drift.js';
import { quoteIdentifier } from '../sql/quote.js';
import { assessAddColumn } from './assess-add-column.js';
import type { SafetyContext, SafetyVerdict } from './safety-context.js';
import type { CheckConstraint } from '../schema/schema-model.js';
import { nameKey } from '../schema/schema-model.js';

/** The drift item of one kind. */
export type DriftOf<K extends DriftKind> = Drift & { readonly kind: K };

/**
 * Rows an existing row must not have for a step to apply: `where` selects the violating rows of
 * `table` (an in-place NOT NULL or CHECK, or an added column's CHECK with `extraColumn` standing in
 * for the column at its default). Counted inside the write transaction before the step runs.
 */
export interface ViolationProbe {
  readonly table: string;
  readonly where: string;
  readonly extraColumn?: { readonly name: string; readonly value: string };
  /** What is violated, for the reason: `NOT NULL on "t"."c"`, `CHECK (qty > 0)`. */
  readonly what: string;
  /** How SQLite judges it, when that surprises. */
  readonly note?: string;
}

/**
 * A kind driftd repairs when its verdict says so: `additive` creates what is missing from the
 * declaration's own text; `in-place` changes an existing object with one ALTER TABLE that keeps
 * every row (a rename, NOT NULL or a CHECK, SQLite ≥ 3.53).
 */
export interface AdditiveRule<D extends Drift> {
  /** Short human name of the kind, for docs and dashboards. */
  readonly label: string;
  readonly doc: DriftKindDoc;
  readonly repair: 'additive' | 'in-place';
  /** Position in a repair plan: lower runs first (a rename before what names the new name, a column before the index over it, a table before the view over it). */
  readonly order: number;
  assess(drift: D, context: SafetyContext): SafetyVerdict;
  /** The statement that repairs it, or null when the declaration lacks the text to write one. */
  sql(drift: D): string | null;
  /** The rows that would make the step fail, counted before it runs; null when none can. */
  violations?(drift: D): ViolationProbe | null;
  /** How a repair killed mid-way is answered from the database afterwards (audit trail). */
  readonly audit: AuditProbe<D>;
}

/**
 * What a repaired kind's step leaves in the database, as the start-up resolution of a killed
 * repair looks for it read-only (audit/resolve-pending.ts, whose switch over this closed set ends
 * in `never`): an object of that type by the recorded name (`table`, `index`, `view`, `trigger`),
 * the recorded column (`column`) or its recorded nullability (`not-null`), the recorded normalised
 * CHECK present in the table's SQL (`check-added`) or gone from it (`check-dropped`).
 */
export type AuditProbeKind = 'table' | 'index' | 'view' | 'trigger' | 'column' | 'not-null' | 'check-added' | 'check-dropped';

/** What the journal records about a step besides its SQL, table and column, so the probe can find it. */
export interface AuditProbeDetail {
  readonly index?: string;
  readonly view?: string;
  readonly trigger?: string;
  readonly notNull?: boolean;
  readonly check?: string;
}

export interface AuditProbe<D extends Drift> {
  readonly probe: AuditProbeKind;
  /** The fields the probe needs beyond the table and column; none when those are enough. */
  detail?(drift: D): AuditProbeDetail;
}

/** A kind driftd only reports: changing it would mean a rebuild, a drop or rewriting data. */
export interface ReportOnlyRule<D extends Drift> {
  readonly label: string;
  readonly doc: DriftKindDoc;
  readonly repair: 'never';
  /** Why it is left alone (and what the operator can do), fixed or from the item. */
  readonly reason: string | ((drift: D) => string);
}

/**
 * The kind's row in docs/drift-kinds.md, generated from this table (`npm run docs:drift-kinds`;
 * test/repair/drift-kinds-doc.test.ts fails when the committed page differs). Markdown.
 */
export interface DriftKindDoc {
  /** What the database has (or lacks) against the declaration. */
  readonly meaning: string;
  /** Whether and how driftd repairs it on its own. */
  readonly repaired: string;
}

export type DriftKindRule<D extends Drift> = AdditiveRule<D> | ReportOnlyRule<D>;

/** The hint of every kind SQLite cannot change in place: a reviewed plan (`driftd plan`, `driftd apply`) rebuilds the table. */
export const PLAN_HINT = 'needs a table rebuild: driftd plan';

const REBUILD = `SQLite ALTER TABLE cannot change this in place; it ${PLAN_HINT} --db FILE --schema SCHEMA --out PLAN writes the rebuild for review, driftd apply PLAN runs it (never automatic)`;

/**
 * Everything that depends on a drift kind, in one table the compiler keeps
 * complete: a new kind in `Drift` does not build until it has a row here.
 * The key order is the order reports and docs list the kinds in.
 */
export const DRIFT_KIND_RULES = {
  renamed_table: {
    label: 'table renamed',
    doc: { meaning: 'a table declared renamed (`-- @renamed from=OLD`) that the database still has under its old name only', repaired: 'yes, in place: `ALTER TABLE "OLD" RENAME TO "NEW"` (see [Renames](#renames))' },
    repair: 'in-place',
    // First: every later step names the table by its declared (new) name.
    order: 0,
    assess: (drift) => ({
      safe: true,
      reason: `ALTER TABLE "${drift.from}" RENAME TO "${drift.table}" as declared; every row stays, and SQLite rewrites the indexes, triggers, views and foreign keys that name it`,
    }),
    sql: (drift) => `ALTER TABLE ${quoteIdentifier(drift.from)} RENAME TO ${quoteIdentifier(drift.table)};`,
    audit: { probe: 'table' },
  },
  renamed_column: {
    label: 'column renamed',
    doc: { meaning: 'a column declared renamed that the table still has under its old name only', repaired: 'yes, in place: `ALTER TABLE … RENAME COLUMN "OLD" TO "NEW"`' },
    repair: 'in-place',
    order: 1,
    assess: (drift) => ({
      safe: true,
      reason: `ALTER TABLE RENAME COLUMN "${drift.from}" TO "${drift.column}" as declared; every value stays, and SQLite rewrites the indexes, triggers, views and CHECKs that name it`,
    }),
    sql: (drift) => `ALTER TABLE ${quoteIdentifier(drift.table)} RENAME COLUMN ${quoteIdentifier(drift.from)} TO ${quoteIdentifier(drift.column)};`,
    audit: { probe: 'column' },
  },
  rename_conflict: {
    label: 'declared rename blocked',
    doc: { meaning: 'a declared rename whose old and new names are both present, or neither is (or an index renamed from one of another definition)', repaired: 'no: reported, never guessed' },
    repair: 'never',
    reason: (drift) =>
      drift.why === 'both-present'
        ? `both "${drift.from}" and its declared new name exist; driftd does not guess which holds the data: merge or drop one by hand, then remove the annotation`
        : drift.why === 'neither-present'
          ? `neither "${drift.from}" nor its declared new name exists; driftd does not guess: if it is new, remove the @renamed annotation (or write -- @new)`
          : `"${drift.from}" has another definition than the declared index; driftd does not replace an index by a different one`,
  },
  possible_rename: {
    label: 'possible rename',
    doc: { meaning: 'a declared column (table) is missing while the table (database) has an undeclared column (table of matching shape) it may have been renamed from', repaired: 'no: adding it would split the data; the reason names both annotations that resolve it' },
    repair: 'never',
    reason: (drift) => {
      const where = drift.object === 'table' ? 'on its CREATE TABLE line' : `on the line of column "${drift.column}"`;
      const candidate = drift.candidates[0]!;
      return `adding it beside ${drift.candidates.map((name) => `"${name}"`).join(', ')} would split the data between the two, so nothing is added: if it was renamed, write -- @renamed from=${candidate} ${where} (JSON: "renamedFrom": "${candidate}"); if it is new, write -- @new there (JSON: "new": true)`;
    },
  },
  missing_table: {
    label: 'missing table',
    doc: { meaning: 'declared table absent', repaired: 'yes: `CREATE TABLE` as declared' },
    repair: 'additive',
    order: 2,
    assess: () => ({ safe: true, reason: 'CREATE TABLE as declared; no existing data is involved' }),
    sql: (drift) => `${drift.declaredTable.sql};`,
    audit: { probe: 'table' },
  },
  missing_column: {
    label: 'missing column',
    doc: { meaning: 'declared column absent', repaired: 'when `ALTER TABLE ADD COLUMN` can add it (see [Safety](#safety)); a CHECK of the column is pre-tested against the rows' },
    repair: 'additive',
    order: 3,
    assess: (drift, context) => assessAddColumn(drift.declaredTable, drift.declaredColumn, context),
    sql: (drift) =>
      drift.declaredColumn.definition === null ? null : `ALTER TABLE ${quoteIdentifier(drift.table)} ADD COLUMN ${drift.declaredColumn.definition};`,
    violations: addColumnViolations,
    audit: { probe: 'column' },
  },
  column_not_null: {
    label: 'NOT NULL differs',
    doc: { meaning: 'NOT NULL differs', repaired: 'yes, in place: `ALTER TABLE … ALTER COLUMN … SET NOT NULL` when no row holds NULL there (counted), `DROP NOT NULL` when the declaration is looser (see [In place](#in-place-changes))' },
    repair: 'in-place',
    order: 4,
    assess: (drift) =>
      drift.declared === 'NOT NULL'
        ? { safe: true, reason: 'ALTER TABLE ALTER COLUMN SET NOT NULL, in place; applied only when no existing row holds NULL there (counted inside the transaction), otherwise left out with the count' }
        : { safe: true, reason: 'ALTER TABLE ALTER COLUMN DROP NOT NULL, in place: the declaration is looser than the table; no row changes' },
    sql: (drift) =>
      `ALTER TABLE ${quoteIdentifier(drift.table)} ALTER COLUMN ${quoteIdentifier(drift.column)} ${drift.declared === 'NOT NULL' ? 'SET' : 'DROP'} NOT NULL;`,
    violations: (drift) =>
      drift.declared === 'NOT NULL' ? { table: drift.table, where: `${quoteIdentifier(drift.column)} IS NULL`, what: `NOT NULL on "${drift.table}"."${drift.column}"` } : null,
    audit: { probe: 'not-null', detail: (drift) => ({ notNull: drift.declared === 'NOT NULL' }) },
  },
  missing_check: {
    label: 'CHECK missing',
    doc: { meaning: 'a declared CHECK the table lacks', repaired: 'yes, in place: `ALTER TABLE … ADD [CONSTRAINT n] CHECK (…)` when no row violates it (counted)' },
    repair: 'in-place',
    order: 5,
    assess: () => ({
      safe: true,
      reason: 'ALTER TABLE ADD CHECK, in place (a table constraint; CHECKs compare by meaning wherever written); applied only when no existing row violates it (counted inside the transaction), otherwise left out with the count',
    }),
    sql: (drift) => `ALTER TABLE ${quoteIdentifier(drift.table)} ADD ${checkClause(drift.declaredCheck)};`,
    violations: (drift) => checkViolations(drift.table, drift.declaredCheck),
    audit: { probe: 'check-added', detail: (drift) => ({ check: drift.declaredCheck.normalized }) },
  },
  undeclared_check: {
    label: 'undeclared CHECK',
    doc: { meaning: 'a CHECK the table has and the declaration does not (the table is stricter)', repaired: 'when it has a plain name: `ALTER TABLE … DROP CONSTRAINT n`; an unnamed one needs a table rebuild: driftd plan' },
    repair: 'in-place',
    order: 5,
    assess: (drift) =>
      droppable(drift.liveCheck)
        ? { safe: true, reason: `ALTER TABLE DROP CONSTRAINT ${drift.liveCheck.name}, in place: the declaration is looser than the table; no row changes` }
        : { safe: false, reason: `${undroppable(drift.liveCheck)}; it ${PLAN_HINT}` },
    sql: (drift) => (droppable(drift.liveCheck) ? `ALTER TABLE ${quoteIdentifier(drift.table)} DROP CONSTRAINT ${drift.liveCheck.name};` : null),
    audit: { probe: 'check-dropped', detail: (drift) => ({ check: drift.liveCheck.normalized }) },
  },
  check_definition: {
    label: 'CHECK differs',
    doc: { meaning: 'a CHECK of the same name (or the only one on the same column, on both sides) with another expression', repaired: 'when the live one has a plain name: `DROP CONSTRAINT` + `ADD CHECK` as declared, pre-tested; otherwise a rebuild' },
    repair: 'in-place',
    order: 5,
    assess: (drift) =>
      droppable(drift.liveCheck)
        ? { safe: true, reason: `ALTER TABLE DROP CONSTRAINT ${drift.liveCheck.name} and ADD CHECK as declared, in place; applied only when no existing row violates the declared CHECK (counted inside the transaction)` }
        : { safe: false, reason: `${undroppable(drift.liveCheck)}; it ${PLAN_HINT}` },
    sql: (drift) =>
      droppable(drift.liveCheck)
        ? `ALTER TABLE ${quoteIdentifier(drift.table)} DROP CONSTRAINT ${drift.liveCheck.name}; ALTER TABLE ${quoteIdentifier(drift.table)} ADD ${checkClause(drift.declaredCheck)};`
        : null,
    violations: (drift) => checkViolations(drift.table, drift.declaredCheck),
    audit: { probe: 'check-added', detail: (drift) => ({ check: drift.declaredCheck.normalized }) },
  },
  missing_index: {
    label: 'missing index',
    doc: { meaning: 'declared index absent', repaired: 'yes: `CREATE INDEX` as declared' },
    repair: 'additive',
    // After the columns: an index may cover a column the plan adds.
    order: 6,
    assess: (drift) =>
      drift.declaredIndex.unique
        ? { safe: true, reason: 'CREATE UNIQUE INDEX as declared; if existing rows hold duplicates SQLite refuses it, and it is left out and reported while the rest of the repair applies' }
        : { safe: true, reason: 'CREATE INDEX as declared; an index adds no data and changes none' },
    sql: (drift) => (drift.declaredIndex.sql === null ? null : `${drift.declaredIndex.sql};`),
    audit: { probe: 'index', detail: (drift) => ({ index: drift.index }) },
  },
  missing_view: {
    label: 'missing view',
    doc: { meaning: 'declared view absent', repaired: 'yes: `CREATE VIEW` as declared, verified by preparing a `SELECT` from it inside the transaction' },
    repair: 'additive',
    // After every table, column and index it may read; views in declared order, so a view follows the views it reads.
    order: 7,
    assess: () => ({
      safe: true,
      reason: 'CREATE VIEW as declared; a view holds no data; verified inside the transaction by preparing a SELECT from it (left out and reported if it does not compile)',
    }),
    sql: (drift) => `${drift.declaredView.sql};`,
    audit: { probe: 'view', detail: (drift) => ({ view: drift.view }) },
  },
  missing_trigger: {
    label: 'missing trigger',
    doc: { meaning: 'declared trigger absent', repaired: 'yes: `CREATE TRIGGER` as declared' },
    repair: 'additive',
    // Last: a trigger may fire on a view (INSTEAD OF) and name any table or column in its body.
    order: 8,
    assess: () => ({ safe: true, reason: 'CREATE TRIGGER as declared; it changes no existing row, it acts only on later writes' }),
    sql: (drift) => `${drift.declaredTrigger.sql};`,
    audit: { probe: 'trigger', detail: (drift) => ({ trigger: drift.trigger }) },
  },
  renamed_index: {
    label: 'index renamed',
    doc: { meaning: 'an index declared renamed that the database has under its old name only, with the same definition', repaired: 'yes: SQLite cannot rename an index, so `CREATE INDEX` under the new name and `DROP INDEX "OLD"` (an index holds no data of its own; the only drop driftd does, of an equal definition)' },
    repair: 'in-place',
    order: 6,
    assess: (drift) => ({
      safe: true,
      reason: `SQLite cannot rename an index: CREATE INDEX under the declared name, then DROP INDEX "${drift.from}", which has the same definition (an index holds no data of its own)`,
    }),
    sql: (drift) => (drift.declaredIndex.sql === null ? null : `${drift.declaredIndex.sql}; DROP INDEX ${quoteIdentifier(drift.from)};`),
    audit: { probe: 'index', detail: (drift) => ({ index: drift.index }) },
  },
  column_type: { label: 'column type differs', doc: { meaning: 'type affinity differs (exact type in STRICT tables)', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing the type of a column: ${REBUILD}; existing values might not convert` },
  column_default: { label: 'column default differs', doc: { meaning: 'default value differs (as SQLite evaluates it)', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing a column default: ${REBUILD}` },
  column_primary_key: { label: 'primary key differs', doc: { meaning: 'primary-key membership, rowid alias or AUTOINCREMENT differs', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing a primary key: ${REBUILD}; row identities would change` },
  column_collation: { label: 'collation differs', doc: { meaning: 'column COLLATE differs', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing a collation: ${REBUILD}; ordering and uniqueness could change` },
  column_generated: { label: 'generated column differs', doc: { meaning: 'generated VIRTUAL/STORED or its expression differs', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing a generated column: ${REBUILD}` },
  column_order: {
    label: 'column order differs',
    doc: {
      meaning: 'the declared columns the table has (and those ADD COLUMN will append) are in another order than declared — the order `INSERT INTO t VALUES (…)` and `SELECT *` use (see [Column order](#column-order))',
      repaired: 'no: needs a table rebuild: driftd plan (or declare the table\'s order, or `columnOrder: "ignore"` when the application names its columns)',
    },
    repair: 'never',
    reason: `an INSERT without a column list (or a reader of SELECT * by position) would put values in the wrong columns; ADD COLUMN only appends, and reordering columns: ${REBUILD}. If the application names its columns everywhere, declare them in the table's order instead, or set the target's columnOrder to "ignore" (--column-order ignore)`,
  },
  unique_constraint: { label: 'UNIQUE constraint differs', doc: { meaning: 'a table UNIQUE constraint differs', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing a UNIQUE constraint: ${REBUILD}; existing rows may hold duplicates` },
  index_definition: {
    label: 'index definition differs',
    doc: { meaning: 'same-named index with other columns/uniqueness/WHERE', repaired: 'no' },
    repair: 'never',
    reason: 'the index exists with another definition; replacing it means dropping it, and driftd never drops',
  },
  foreign_key: { label: 'foreign key differs', doc: { meaning: 'a foreign key differs', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing a foreign key: ${REBUILD}; existing rows may violate it` },
  table_option: { label: 'table option differs', doc: { meaning: 'STRICT or WITHOUT ROWID differs', repaired: 'no: needs a table rebuild: driftd plan' }, repair: 'never', reason: `changing STRICT or WITHOUT ROWID: ${REBUILD}` },
  view_definition: {
    label: 'view definition differs',
    doc: { meaning: 'same-named view that means something else', repaired: 'no (replacing means dropping)' },
    repair: 'never',
    reason: 'the view exists with another definition; replacing it means dropping it, and driftd never drops',
  },
  trigger_definition: {
    label: 'trigger definition differs',
    doc: { meaning: 'same-named trigger with another timing, event, table, `WHEN` or body', repaired: 'no (replacing means dropping)' },
    repair: 'never',
    reason: 'the trigger exists with another definition; replacing it means dropping it, and driftd never drops',
  },
  stale_fts_index: {
    label: 'FTS index misses rows',
    doc: { meaning: 'an external-content FTS4/5 table whose index misses rows of its content table — judged from the rows (its `%_docsize` rows against the content table\'s) and reported until rebuilt; where the rows cannot tell, from the structure: its declared sync triggers are missing, or the FTS table itself is missing (created again, it starts empty)', repaired: 'no: the hint is the exact statement, `INSERT INTO "fts"("fts") VALUES(\'rebuild\');`' },
    repair: 'never',
    reason: (drift) =>
      `${drift.detail}; re-creating what is missing does not put those rows in the index, and driftd does not rewrite an index's data: once the FTS table and its triggers are in place, run ${drift.rebuild}`,
  },
  virtual_table_definition: {
    label: 'virtual table arguments differ',
    doc: { meaning: 'same-named virtual table with another module or other module arguments by meaning (fts5 column list and column options, `tokenize=…`, `content=…`, R*Tree columns, any module\'s arguments), or a virtual table on one side and an ordinary table on the other', repaired: 'no (re-creating means dropping); the item gives the statements' },
    repair: 'never',
    reason:
      "a virtual table's module and arguments are fixed when it is created (lang_createvtab.html): changing them means dropping it and creating it again, and driftd never drops",
  },
} as const satisfies { readonly [K in DriftKind]: DriftKindRule<DriftOf<K>> };

/** Every drift kind, in the order reports list them (the key order of {@link DRIFT_KIND_RULES}). */
export const DRIFT_KINDS = Object.keys(DRIFT_KIND_RULES) as readonly DriftKind[];

/** The kinds driftd repairs (a rule other than `never`): the ones a repair statement in the audit trail removes. */
export type RepairedDriftKind = { readonly [K in DriftKind]: (typeof DRIFT_KIND_RULES)[K] extends { readonly repair: 'never' } ? never : K }[DriftKind];

/** The rule of one drift item's kind. */
export function ruleOf(drift: Drift): DriftKindRule<Drift> {
  // TypeScript cannot correlate `drift.kind` with the row it selects; the table's type above
  // guarantees that the row for a kind takes exactly that kind's items.
  return DRIFT_KIND_RULES[drift.kind] as DriftKindRule<Drift>;
}

/**
 * SQLite 3.53's DROP CONSTRAINT compares the name token as written, without removing its quotes
 * (`DROP CONSTRAINT "ck"` finds no constraint `ck`, nor `"ck"`): only a constraint whose name is a
 * plain identifier can be dropped in place, and it is then written unquoted.
 */
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function droppable(check: CheckConstraint): check is CheckConstraint & { readonly name: string } {
  return check.name !== null && PLAIN_NAME.test(check.name);
}

function undroppable(check: CheckConstraint): string {
  return check.name === null
    ? 'the CHECK has no name, and ALTER TABLE DROP CONSTRAINT needs one'
    : `SQLite's DROP CONSTRAINT cannot name "${check.name}" (it matches names as written, unquoted)`;
}

/**
 * `[CONSTRAINT name] CHECK (expr)` as declared: ADD CHECK writes a table constraint, which compares
 * equal to a column one. A plain name is written unquoted, so that a later DROP CONSTRAINT finds it.
 */
function checkClause(check: CheckConstraint): string {
  const name = check.name === null ? '' : `CONSTRAINT ${PLAIN_NAME.test(check.name) ? check.name : quoteIdentifier(check.name)} `;
  return `${name}CHECK (${check.expression})`;
}

/**
 * The rows ALTER TABLE ADD CHECK refuses. A CHECK lets a row through when its expression is NULL
 * (lang_createtable.html#ckconst), but SQLite 3.53's ADD CHECK refuses every row where the
 * expression is not true, NULL included (tested: test/repair/in-place-constraints.test.ts), so the
 * probe counts `(expr) IS NOT TRUE`.
 */
function checkViolations(table: string, check: CheckConstraint): ViolationProbe {
  return { table, where: `(${check.expression}) IS NOT TRUE`, what: `CHECK (${check.expression})`, note: 'ADD CHECK refuses a row where the expression is NULL too' };
}

/**
 * ADD COLUMN of a column with a CHECK: SQLite tests the CHECK against every existing row with the
 * column at its default, and a violation would fail the step (issue 17): counted first, with the
 * column stood in by its default value.
 */
function addColumnViolations(drift: DriftOf<'missing_column'>): ViolationProbe | null {
  const column = drift.declaredColumn;
  const checks = drift.declaredTable.checks.filter((check) => check.column !== null && nameKey(check.column) === nameKey(column.name));
  if (checks.length === 0) return null;
  const value = column.default === null ? 'NULL' : column.default.text;
  return {
    table: drift.table,
    where: checks.map((check) => `NOT (${check.expression})`).join(' OR '),
    extraColumn: { name: column.name, value },
    what: checks.map((check) => `CHECK (${check.expression})`).join(' and '),
  };
}
