import type { Column, DefaultValue, Table } from '../schema/schema-model.js';
import { nameKey } from '../schema/schema-model.js';
import { tableCheckMentions } from '../sql/column-definitions.js';
import { isWord, tokenize, type Token } from '../sql/tokenize.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext, type SafetyVerdict } from './safety-context.js';

/** The ADD COLUMN rules, in the order SQLite checks them (alter.c, sqlite3AlterFinishAddColumn). */
export function assessAddColumn(table: Table, column: Column, context: SafetyContext = DEFAULT_SAFETY_CONTEXT): SafetyVerdict {
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
