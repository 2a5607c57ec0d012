import type { Column, DefaultValue, Table } from '../schema/schema-model.js';
import { nameKey } from '../schema/schema-model.js';
import { tableCheckMentions } from '../sql/column-definitions.js';
import { isWord, tokenize, type Token } from '../sql/tokenize.js';
import type { Drift } from '../diff/drift.js';

export interface SafetyContext {
  /**
   * Whether the application enforces foreign keys (`PRAGMA foreign_keys=ON`).
   * driftd cannot see the application's connections, so the default is the
   * conservative `true`.
   */
  readonly foreignKeysEnforced: boolean;
}

export const DEFAULT_SAFETY_CONTEXT: SafetyContext = { foreignKeysEnforced: true };

export interface SafetyVerdict {
  readonly safe: boolean;
  /** One line: why it is repaired automatically, or why it is not. */
  readonly reason: string;
}

const REBUILD = 'SQLite ALTER TABLE cannot change an existing column, constraint or table option; it needs a table rebuild, which driftd never does automatically';

/**
 * Decides whether a drift item can be repaired without risk to data. Pure and
 * exhaustive. Missing columns follow the ALTER TABLE ADD COLUMN rules
 * (https://sqlite.org/lang_altertable.html#altertabaddcol), judged as if the
 * table has rows: SQLite relaxes several rules on empty tables, but a row can
 * arrive a moment later.
 */
export function assessSafety(drift: Drift, context: SafetyContext = DEFAULT_SAFETY_CONTEXT): SafetyVerdict {
  switch (drift.kind) {
    case 'missing_table':
      return { safe: true, reason: 'CREATE TABLE as declared; no existing data is involved' };
    case 'missing_index':
      return drift.declaredIndex.unique
        ? { safe: true, reason: 'CREATE UNIQUE INDEX as declared; if existing rows hold duplicates SQLite refuses it, and it is left out and reported while the rest of the repair applies' }
        : { safe: true, reason: 'CREATE INDEX as declared; an index adds no data and changes none' };
    case 'missing_column':
      return assessAddColumn(drift.declaredTable, drift.declaredColumn, context);
    case 'column_type':
      return { safe: false, reason: `changing the type of a column: ${REBUILD}; existing values might not convert` };
    case 'column_not_null':
      return { safe: false, reason: `changing NOT NULL: ${REBUILD}; existing NULLs would violate a new NOT NULL` };
    case 'column_default':
      return { safe: false, reason: `changing a column default: ${REBUILD}` };
    case 'column_primary_key':
      return { safe: false, reason: `changing a primary key: ${REBUILD}; row identities would change` };
    case 'column_collation':
      return { safe: false, reason: `changing a collation: ${REBUILD}; ordering and uniqueness could change` };
    case 'column_generated':
      return { safe: false, reason: `changing a generated column: ${REBUILD}` };
    case 'unique_constraint':
      return { safe: false, reason: `changing a UNIQUE constraint: ${REBUILD}; existing rows may hold duplicates` };
    case 'index_definition':
      return { safe: false, reason: 'the index exists with another definition; replacing it means dropping it, and driftd never drops' };
    case 'foreign_key':
      return { safe: false, reason: `changing a foreign key: ${REBUILD}; existing rows may violate it` };
    case 'table_option':
      return { safe: false, reason: `changing STRICT or WITHOUT ROWID: ${REBUILD}` };
    default: {
      const unreachable: never = drift;
      return unreachable;
    }
  }
}

/** The ADD COLUMN rules, in the order SQLite checks them (alter.c, sqlite3AlterFinishAddColumn). */
function assessAddColumn(table: Table, column: Column, context: SafetyContext = DEFAULT_SAFETY_CONTEXT): SafetyVerdict {
  const name = `"${table.name}"."${column.name}"`;
  if (column.definition === null) return { safe: false, reason: `the declaration of ${name} has no column text to add` };
  if (column.primaryKey > 0) return { safe: false, reason: `ADD COLUMN cannot add a PRIMARY KEY column (${name}); it needs a table rebuild` };
  const inTableUnique = table.indexes.some(
    (index) => index.origin === 'u' && index.columns.some((term) => term.name !== null && nameKey(term.name) === nameKey(column.name)),
  );
  if (column.unique || inTableUnique) return { safe: false, reason: `ADD COLUMN cannot add a UNIQUE column (${name}); it needs a table rebuild` };
  if (column.hidden === 3) return { safe: false, reason: `ADD COLUMN cannot add a STORED generated column (${name})` };
  if (column.default?.kind === 'current') {
    return { safe: false, reason: `ADD COLUMN cannot add a column whose default is ${column.default.keyword} (${name}) to a table with rows` };
  }
  if (column.default !== null && !isAddColumnConstant(column.default)) {
    return { safe: false, reason: `ADD COLUMN cannot add a column with a non-constant expression default (${name}: DEFAULT (${column.default.text})) to a table with rows` };
  }
  const defaultIsNull = isNullDefault(column.default);
  if (column.notNull && defaultIsNull && column.hidden !== 2) {
    return { safe: false, reason: `ADD COLUMN cannot add a NOT NULL column without a non-NULL default (${name}); existing rows would have no value` };
  }
  const inTableForeignKey = table.foreignKeys.some((key) => key.columns.some((c) => nameKey(c) === nameKey(column.name)));
  if (inTableForeignKey && !column.references) {
    return { safe: false, reason: `${name} is part of a table-level FOREIGN KEY, which ADD COLUMN cannot add` };
  }
  if (tableCheckMentions(table.sql, column.name)) {
    return { safe: false, reason: `${name} is named by a table-level CHECK constraint, which ADD COLUMN cannot add` };
  }
  if (column.references && context.foreignKeysEnforced && !defaultIsNull) {
    return { safe: false, reason: `ADD COLUMN cannot add a REFERENCES column with a non-NULL default (${name}) while foreign keys are enforced` };
  }
  const defaultNote = defaultIsNull ? 'existing rows read NULL' : `existing rows read ${column.default!.text}`;
  if (column.hasCheck || (column.notNull && column.hidden === 2)) {
    return { safe: true, reason: `ALTER TABLE ADD COLUMN; SQLite tests its constraint against every existing row and any violation rolls the whole repair back; ${defaultNote}` };
  }
  return { safe: true, reason: `ALTER TABLE ADD COLUMN; ${defaultNote}` };
}

function isNullDefault(value: DefaultValue | null): boolean {
  if (value === null) return true;
  if (value.kind === 'literal') return value.storageClass === 'null';
  return value.kind === 'expression' && value.normalized === 'null:NULL';
}

/**
 * Whether ADD COLUMN accepts the default on a table with rows: SQLite requires
 * a value it can compute without running an expression (sqlite3ValueFromExpr
 * in alter.c), i.e. a literal, optionally signed, optionally in parentheses:
 * `0`, `-1`, `(+1)`, `((-1))`, `('a')`, `TRUE`. `(1 + 1)` or `(abs(-1))` is
 * refused as "non-constant". pragma table_xinfo drops the outer parentheses,
 * so `DEFAULT (1 + 1)` arrives as `1 + 1`: the text decides, not the value.
 */
function isAddColumnConstant(value: DefaultValue): boolean {
  if (value.kind === 'current') return false;
  const tokens = tokenize(value.text);
  let i = 0;
  let open = 0;
  while (i < tokens.length && isPunct(tokens[i], '(', '+', '-')) {
    if (tokens[i]!.text === '(') open++;
    i++;
  }
  const literal = tokens[i];
  if (literal === undefined || !(literal.kind === 'number' || literal.kind === 'string' || literal.kind === 'blob' || isWord(literal, 'NULL', 'TRUE', 'FALSE'))) return false;
  const rest = tokens.slice(i + 1);
  return rest.length === open && rest.every((token) => isPunct(token, ')'));
}

function isPunct(token: Token | undefined, ...texts: string[]): boolean {
  return token !== undefined && token.kind === 'punct' && texts.includes(token.text);
}
