import type { Drift } from '../diff/drift.js';
import { quoteIdentifier } from '../sql/quote.js';
import { lineDiff, sqlLines } from '../sql/sql-lines.js';
import { virtualTableArguments, virtualTableColumns } from '../sql/virtual-table-arguments.js';

/**
 * What an operator can do by hand about an item driftd leaves alone: the statements to run
 * (in one transaction, after a backup), or a pointer to `driftd plan` when the fix is a
 * table rebuild that must be verified against the data, and a note of what to watch. Pure.
 */
export interface ManualFix {
  /** Statements to run in order, `BEGIN IMMEDIATE;` … `COMMIT;` included; empty when `driftd plan` is the way. */
  readonly statements: readonly string[];
  readonly note: string;
}

const PLAN = 'a table rebuild (lang_altertable.html#otheralter): run `driftd plan` for this target, which writes the rebuild and verifies it against a copy of the data, then `driftd apply`';

/** The manual fix of an unsafe item; null for the kinds driftd repairs itself. */
export function manualFix(drift: Drift): ManualFix | null {
  switch (drift.kind) {
    case 'missing_table':
    case 'missing_index':
    case 'missing_view':
    case 'missing_trigger':
      return null;
    case 'missing_column':
      // Unsafe only when ADD COLUMN cannot add it as declared (NOT NULL without a default, PRIMARY KEY, UNIQUE, …).
      return { statements: [], note: PLAN };
    case 'renamed_table':
    case 'renamed_column':
    case 'renamed_index':
      return null;
    case 'possible_rename':
      return {
        statements: [],
        note: `annotate the declaration, not the database: -- @renamed from=${drift.candidates[0] ?? 'OLD'} if it was renamed (driftd then renames it in place, every value kept), or -- @new if it is new`,
      };
    case 'rename_conflict':
      return {
        statements: [],
        note: drift.why === 'both-present' ? `both names hold columns or tables: merge what "${drift.from}" holds into the new one by hand (UPDATE … SET new = old), then remove the annotation` : 'remove the annotation if it is new (or write -- @new)',
      };
    case 'column_not_null':
      return drift.declared === 'NOT NULL'
        ? { statements: [], note: `give the rows where "${drift.column}" is NULL a value (UPDATE ${quoteIdentifier(drift.table)} SET ${quoteIdentifier(drift.column)} = … WHERE ${quoteIdentifier(drift.column)} IS NULL); the next repair then sets NOT NULL in place` }
        : { statements: [], note: PLAN };
    case 'missing_check':
      return { statements: [], note: 'correct the rows the reason names (where the CHECK is false or NULL); the next repair then adds it in place' };
    case 'undeclared_check':
      return { statements: [], note: PLAN };
    case 'check_definition':
      return drift.liveCheck.name !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(drift.liveCheck.name)
        ? { statements: [], note: 'correct the rows the reason names (where the declared CHECK is false or NULL); the next repair then replaces it in place' }
        : { statements: [], note: PLAN };
    case 'column_type':
    case 'column_default':
    case 'column_primary_key':
    case 'column_collation':
    case 'column_generated':
    case 'column_order':
    case 'unique_constraint':
    case 'foreign_key':
    case 'table_option':
      return { statements: [], note: PLAN };
    case 'index_definition':
      if (!drift.declaredSql) return { statements: [], note: 'the declaration writes no CREATE INDEX statement for it' };
      return {
        statements: transaction([`DROP INDEX ${quoteIdentifier(drift.index ?? '')};`, `${drift.declaredSql};`]),
        note: 'an index holds no data of its own; a UNIQUE one fails if existing rows hold duplicates, and nothing changes',
      };
    case 'view_definition':
      return { statements: transaction([`DROP VIEW ${quoteIdentifier(drift.view)};`, `${drift.declaredSql};`]), note: 'a view holds no data' };
    case 'trigger_definition':
      return {
        statements: transaction([`DROP TRIGGER ${quoteIdentifier(drift.trigger)};`, `${drift.declaredSql};`]),
        note: 'writes made while the trigger was different were not handled by the declared trigger; check what it maintains',
      };
    case 'stale_fts_index':
      // Its rebuild statement is the report's `hint` already.
      return null;
    case 'virtual_table_definition':
      return virtualTableFix(drift.table, drift.declaredSql, drift.actualSql);
  }
  const unhandled: never = drift;
  return unhandled;
}

/**
 * Re-creating a virtual table with the declared arguments. An external-content FTS table
 * (content='t') is rebuilt from its content table; an FTS or R*Tree table holding its own
 * rows is renamed, re-created and refilled from the columns both definitions share; any other
 * module's data is the module's business, so the note says to copy it first.
 */
function virtualTableFix(table: string, declaredSql: string, actualSql: string): ManualFix {
  const name = quoteIdentifier(table);
  const declared = virtualTableArguments(declaredSql);
  const actual = virtualTableArguments(actualSql);
  if (declared === null || actual === null) {
    return { statements: [], note: `"${table}" is a virtual table on one side and an ordinary table on the other: ${PLAN}` };
  }
  const content = new Map(declared.options).get('content');
  const isFts = /^fts[345]$/.test(declared.module);
  if (isFts && content !== undefined && content !== '') {
    return {
      statements: transaction([`DROP TABLE ${name};`, `${declaredSql};`, `INSERT INTO ${name}(${name}) VALUES('rebuild');`]),
      note: `the index is rebuilt from its content table "${content}" (fts5.html#the_rebuild_command); check its sync triggers write the declared columns`,
    };
  }
  if (isFts && content === '') {
    return {
      statements: transaction([`DROP TABLE ${name};`, `${declaredSql};`]),
      note: 'a contentless FTS table cannot give its rows back: the application must insert them into the new index again',
    };
  }
  const declaredColumns = virtualTableColumns(declared);
  const actualColumns = virtualTableColumns(actual);
  if (declaredColumns !== null && actualColumns !== null && declared.module === actual.module) {
    const shared = declaredColumns.filter((column) => actualColumns.includes(column));
    const old = quoteIdentifier(`${table}_driftd_old`);
    const list = [...(isFts ? ['rowid'] : []), ...shared].map((column) => (column === 'rowid' ? column : quoteIdentifier(column))).join(', ');
    return {
      statements: transaction([
        `ALTER TABLE ${name} RENAME TO ${old};`,
        `${declaredSql};`,
        `INSERT INTO ${name}(${list}) SELECT ${list} FROM ${old};`,
        `DROP TABLE ${old};`,
      ]),
      note: `the rows are copied over through the columns both definitions share (${shared.join(', ') || 'none'}); columns only the declaration has start empty`,
    };
  }
  return {
    statements: transaction([`DROP TABLE ${name};`, `${declaredSql};`]),
    note: `what the ${actual.module} module stores in "${table}" is lost when it is dropped: copy it out first if it matters`,
  };
}

function transaction(statements: readonly string[]): string[] {
  return ['BEGIN IMMEDIATE;', ...statements, 'COMMIT;'];
}

/**
 * The line-by-line diff a report shows for a definition that differs (views, triggers,
 * virtual tables): `- ` live only, `+ ` declared only, both normalised and laid out one
 * clause per line. Null for other kinds.
 */
export function definitionDiff(drift: Drift): string[] | null {
  switch (drift.kind) {
    case 'view_definition':
    case 'trigger_definition':
      return lineDiff(sqlLines(drift.actual), sqlLines(drift.declared));
    case 'virtual_table_definition':
      return lineDiff(argumentLines(drift.actualSql), argumentLines(drift.declaredSql));
    default:
      return null;
  }
}

/** One line per module argument, so a changed column list or option shows as the lines that changed. */
function argumentLines(sql: string): string[] {
  const args = virtualTableArguments(sql);
  if (args === null) return ['(an ordinary table)'];
  return [`using ${args.module}(`, ...args.positional.map((argument) => `  ${argument},`), ...args.options.map(([key, value]) => `  ${key}='${value.split("'").join("''")}',`), ')'];
}
