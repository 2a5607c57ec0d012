import type { SqlConnection } from '../db/sql-connection.js';
import {
  affinityOf,
  byNameKey,
  nameKey,
  type Column,
  type ColumnHidden,
  type DefaultValue,
  type ForeignKey,
  type Index,
  type IndexColumn,
  type IndexOrigin,
  type Schema,
  type StorageClass,
  type Table,
} from '../schema/schema-model.js';
import { columnDefinitions, type ColumnClauses } from '../sql/column-definitions.js';
import { indexParts } from '../sql/index-parts.js';
import { normalizeSqlText } from '../sql/normalize-sql-text.js';
import { readViewsAndTriggers } from './read-views-and-triggers.js';
import { identifierText, isWord, tokenize } from '../sql/tokenize.js';

// Object names starting with sqlite_ are SQLite's own (lang_createtable.html); never ours to compare.
const USER_TABLES = `s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND s.sql NOT LIKE 'CREATE VIRTUAL %'`;

// Query plans and row transfer matter at 1,000 tables × 20 columns. No ORDER BY over the joined
// rows (the outer scan of sqlite_schema is in rowid order and each pragma returns its rows in
// order; JS groups them and checks), no join against sqlite_schema or pragma_table_list per row
// (fetched once, looked up in a Map), and the two big result sets come back as ONE JSON text
// each: SQLite computes the pragmas in a few ms, but handing 20,000 rows of 8 values one by one
// to JavaScript cost three times what building and parsing one JSON array does.
const TABLES_SQL = `
SELECT s.rowid AS rowid, s.name AS name, s.sql AS sql
FROM sqlite_schema AS s
WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY s.rowid`;

const TABLE_LIST_SQL = `SELECT json_group_array(json_array(name, type, wr, strict)) AS rows FROM pragma_table_list WHERE schema = 'main'`;

const COLUMNS_SQL = `
SELECT json_group_array(json_array(s.rowid, c.cid, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden)) AS rows
FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c
WHERE ${USER_TABLES}`;

const INDEXES_SQL = `
SELECT json_group_array(json_array(s.rowid, l.name, l."unique", l.origin, l.partial, x.seqno, x.name, x.cid, x."desc", x.coll)) AS rows
FROM sqlite_schema AS s
JOIN pragma_index_list(s.name) AS l
JOIN pragma_index_xinfo(l.name) AS x
WHERE ${USER_TABLES} AND x.key = 1`;

const INDEX_SQL_SQL = `SELECT json_group_array(json_array(name, sql)) AS rows FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL`;

const FOREIGN_KEYS_SQL = `
SELECT s.name AS tbl, f.id AS id, f.seq AS seq, f."table" AS parent, f."from" AS fromCol, f."to" AS toCol,
       f.on_update AS onUpdate, f.on_delete AS onDelete
FROM sqlite_schema AS s JOIN pragma_foreign_key_list(s.name) AS f
WHERE ${USER_TABLES}`;

interface TableRow { rowid: number; name: string; sql: string }
type TableListRow = readonly [name: string, type: string, wr: number, strict: number];
// Rows name their table by sqlite_schema rowid: a number per row instead of a repeated name string.
type ColumnRow = readonly [tableRowid: number, cid: number, name: string, type: string, isNotNull: number, dflt: string | null, pk: number, hidden: number];
type IndexRow = readonly [
  tableRowid: number, idx: string, isUnique: number, origin: string, partial: number,
  seqno: number, col: string | null, cid: number, isDesc: number, coll: string,
];
interface ForeignKeyRow { tbl: string; id: number; seq: number; parent: string; fromCol: string; toCol: string | null; onUpdate: string; onDelete: string }

/** Runs a `SELECT json_group_array(json_array(…)) AS rows` query and returns its rows as tuples. */
function jsonRows<T>(db: SqlConnection, sql: string): T[] {
  const row = db.prepare(sql).get() as { rows: string };
  return JSON.parse(row.rows) as T[];
}

/**
 * Reads the schema of the `main` database of `db` into the plain model, with
 * a few joined queries over the pragma table-valued functions
 * (https://sqlite.org/pragma.html#pragfunc). Read-only: it runs SELECTs only.
 * Literal defaults are evaluated by SQLite with `SELECT` (constants only).
 */
export function introspect(db: SqlConnection): Schema {
  const tableRows = db.prepare(TABLES_SQL).all() as TableRow[];
  const tableList = new Map(jsonRows<TableListRow>(db, TABLE_LIST_SQL).map((row) => [row[0], row]));
  const columnRows = jsonRows<ColumnRow>(db, COLUMNS_SQL);
  const indexRows = jsonRows<IndexRow>(db, INDEXES_SQL);
  const indexSql = new Map(jsonRows<readonly [name: string, sql: string]>(db, INDEX_SQL_SQL));
  const foreignKeyRows = db.prepare(FOREIGN_KEYS_SQL).all() as ForeignKeyRow[];
  const evaluate = defaultEvaluator(db);

  const columnsByTable = groupBy(columnRows, (row) => row[0]);
  const indexesByTable = groupBy(indexRows, (row) => row[0]);
  const foreignKeysByTable = groupBy(foreignKeyRows, (row) => row.tbl);

  const tables: Table[] = [];
  for (const row of tableRows) {
    const listed = tableList.get(row.name);
    // Shadow tables belong to a virtual table (vtab.html#xshadowname): internals, like sqlite_%.
    if (listed === undefined || listed[1] === 'shadow') continue;
    const definitions = columnDefinitions(row.sql);
    const clauses = definitions.byName;
    const columns = inOrder(columnsByTable.get(row.rowid) ?? [], (columnRow) => columnRow[1]).map((columnRow) =>
      toColumn(columnRow, clauses.get(nameKey(columnRow[2])), evaluate),
    );
    const indexes = toIndexes(row.name, indexesByTable.get(row.rowid) ?? [], indexSql, columns);
    const withoutRowid = listed[2] === 1;
    const pkColumns = columns.filter((column) => column.primaryKey > 0);
    tables.push({
      name: row.name,
      columns,
      indexes,
      foreignKeys: [],
      strict: listed[3] === 1,
      withoutRowid,
      autoincrement: definitions.autoincrement,
      // An INTEGER PRIMARY KEY is a rowid alias unless it got an index of its own
      // (the `INTEGER PRIMARY KEY DESC` quirk, lang_createtable.html#rowid): ask SQLite, not the text.
      checks: definitions.checks,
      rowidAlias:
        !withoutRowid &&
        pkColumns.length === 1 &&
        pkColumns[0]!.type.toUpperCase() === 'INTEGER' &&
        !indexes.some((index) => index.origin === 'pk'),
      sql: row.sql,
    });
  }
  return {
    tables: tables.map((table) => ({ ...table, foreignKeys: toForeignKeys(foreignKeysByTable.get(table.name) ?? [], tables) })),
    ...readViewsAndTriggers(db),
  };
}

/** `PRAGMA schema_version`: changes whenever the schema does (pragma.html#pragma_schema_version). */
export function schemaVersion(db: SqlConnection): number {
  const row = db.prepare('PRAGMA schema_version').get() as { schema_version: number };
  return row.schema_version;
}

function toColumn(row: ColumnRow, clauses: ColumnClauses | undefined, evaluate: (text: string) => DefaultValue): Column {
  const [, , name, type, isNotNull, dflt, pk, hidden] = row;
  return {
    name,
    type,
    affinity: affinityOf(type),
    notNull: isNotNull === 1,
    default: dflt === null ? null : evaluate(dflt),
    primaryKey: pk,
    hidden: hidden as ColumnHidden,
    collation: clauses?.collation ?? null,
    hasCheck: clauses?.hasCheck ?? false,
    unique: clauses?.unique ?? false,
    references: clauses?.references ?? false,
    generatedExpression: hidden >= 2 ? (clauses?.generatedExpression ?? null) : null,
    definition: clauses?.definition ?? null,
  };
}

function toIndexes(table: string, rows: readonly IndexRow[], indexSql: ReadonlyMap<string, string>, columns: readonly Column[]): Index[] {
  const indexes: Index[] = [];
  const groups = [...groupBy(rows, (row) => row[1])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name, unordered] of groups) {
    const indexRows = inOrder(unordered, (row) => row[5]);
    const [, , isUnique, origin, partial] = indexRows[0]!;
    const sql = indexSql.get(name) ?? null;
    const parts = sql === null ? null : indexParts(sql, columns.map((column) => column.name));
    const indexColumns: IndexColumn[] = indexRows.map(([, , , , , , col, cid, isDesc, coll], position) => ({
      name: cid === -2 ? null : cid === -1 ? 'rowid' : (col ?? columns[cid]?.name ?? null),
      expression: cid === -2 ? (parts?.columns[position] ?? null) : null,
      desc: isDesc === 1,
      collation: coll.toUpperCase(),
    }));
    indexes.push({
      name,
      table,
      unique: isUnique === 1,
      origin: origin as IndexOrigin,
      columns: indexColumns,
      where: partial === 1 ? (parts?.where ?? null) : null,
      sql,
    });
  }
  return indexes;
}

function toForeignKeys(rows: readonly ForeignKeyRow[], tables: readonly Table[]): ForeignKey[] {
  const keys: ForeignKey[] = [];
  const tablesByName = rows.length === 0 ? new Map<string, Table>() : byNameKey(tables);
  for (const [, unordered] of groupBy(rows, (row) => row.id)) {
    const keyRows = inOrder(unordered, (row) => row.seq);
    const first = keyRows[0]!;
    // `REFERENCES parent` without columns means the parent's primary key (foreignkeys.html#fk_indexes).
    const parent = tablesByName.get(nameKey(first.parent));
    const parentKey = parent?.columns.filter((column) => column.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey);
    keys.push({
      columns: keyRows.map((row) => row.fromCol),
      referencedTable: first.parent,
      referencedColumns: keyRows.map((row, i) => row.toCol ?? parentKey?.[i]?.name ?? ''),
      onUpdate: first.onUpdate.toUpperCase(),
      onDelete: first.onDelete.toUpperCase(),
    });
  }
  return keys;
}

const CURRENT_KEYWORDS = ['CURRENT_TIME', 'CURRENT_DATE', 'CURRENT_TIMESTAMP'] as const;
// Words allowed in a constant expression that SQLite may evaluate without any side effect.
const CONSTANT_WORDS = ['NULL', 'TRUE', 'FALSE', 'AND', 'OR', 'NOT', 'IS'];

/**
 * Returns a memoised evaluator: a default that is a literal or a constant
 * expression of literals is evaluated by SQLite (`SELECT typeof(x), quote(x)`),
 * so equal values spelled differently compare equal. Everything else is kept as
 * normalised text. Only token sequences of literals, operators and the words
 * above are ever executed.
 */
function defaultEvaluator(db: SqlConnection): (text: string) => DefaultValue {
  const cache = new Map<string, DefaultValue>();
  return (text) => {
    let value = cache.get(text);
    if (value === undefined) {
      value = classifyDefault(db, text);
      cache.set(text, value);
    }
    return value;
  };
}

function classifyDefault(db: SqlConnection, written: string): DefaultValue {
  const text = defaultAsLiteral(written);
  const tokens = tokenize(text);
  const keyword = tokens.length === 1 && tokens[0]!.kind === 'word' ? tokens[0]!.text.toUpperCase() : '';
  const current = CURRENT_KEYWORDS.find((word) => word === keyword);
  if (current) return { kind: 'current', text, keyword: current };
  const constant = tokens.every(
    (token) =>
      token.kind === 'number' || token.kind === 'string' || token.kind === 'blob' ||
      (token.kind === 'punct' && token.text !== ';') || isWord(token, ...CONSTANT_WORDS),
  );
  const parenthesised = tokens[0]?.kind === 'punct' && tokens[0].text === '(';
  if (constant && tokens.length > 0) {
    try {
      const row = db.prepare(`SELECT typeof(${text}) AS t, quote(${text}) AS q`).get() as { t: StorageClass; q: string };
      if (!parenthesised) return { kind: 'literal', text, storageClass: row.t, quoted: row.q };
      return { kind: 'expression', text, normalized: `${row.t}:${row.q}` };
    } catch {
      // Not evaluable after all: compare as text.
    }
  }
  // No column is in scope in a DEFAULT: a double-quoted token there is a string (quirks.html#dblquote).
  return { kind: 'expression', text, normalized: `expr:${normalizeSqlText(text, () => false)}` };
}

/**
 * `DEFAULT "x"`, `DEFAULT [x]` and `DEFAULT x` store the string 'x' (parse.y: `DEFAULT scantok id`
 * makes a TK_STRING), `DEFAULT true` stores 1: spelled as the literal SQLite stores, so it compares
 * equal to `DEFAULT 'x'`.
 */
function defaultAsLiteral(text: string): string {
  const tokens = tokenize(text);
  if (tokens.length !== 1) return text;
  const token = tokens[0]!;
  if (token.kind === 'quoted') return `'${identifierText(token).split("'").join("''")}'`;
  if (token.kind === 'word' && !isWord(token, ...CURRENT_KEYWORDS, ...CONSTANT_WORDS)) return `'${token.text.split("'").join("''")}'`;
  return text;
}

/** Rows sorted by `position`; pragma functions already return them in order, so this rarely copies. */
function inOrder<T>(rows: T[], position: (row: T) => number): T[] {
  for (let i = 1; i < rows.length; i++) {
    if (position(rows[i - 1]!) > position(rows[i]!)) return [...rows].sort((a, b) => position(a) - position(b));
  }
  return rows;
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}
