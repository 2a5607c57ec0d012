import type { SqlConnection } from '../db/sql-connection.js';
import {
  affinityOf,
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
import { columnDefinitions, hasAutoincrement, type ColumnClauses } from '../sql/column-definitions.js';
import { indexParts } from '../sql/index-parts.js';
import { isWord, normalizeExpression, tokenize } from '../sql/tokenize.js';

// Object names starting with sqlite_ are SQLite's own (lang_createtable.html); never ours to compare.
const USER_TABLES = `s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND s.sql NOT LIKE 'CREATE VIRTUAL %'`;

const TABLES_SQL = `
SELECT s.name AS name, s.sql AS sql, t.type AS type, t.wr AS wr, t.strict AS strict
FROM sqlite_schema AS s
JOIN pragma_table_list AS t ON t.schema = 'main' AND t.name = s.name
WHERE s.type = 'table' AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY s.rowid`;

const COLUMNS_SQL = `
SELECT s.name AS tbl, c.name AS name, c.type AS type, c."notnull" AS isNotNull, c.dflt_value AS dflt, c.pk AS pk, c.hidden AS hidden
FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c
WHERE ${USER_TABLES}
ORDER BY s.rowid, c.cid`;

const INDEXES_SQL = `
SELECT s.name AS tbl, l.name AS idx, l."unique" AS isUnique, l.origin AS origin, l.partial AS partial,
       x.name AS col, x.cid AS cid, x."desc" AS isDesc, x.coll AS coll, i.sql AS sql
FROM sqlite_schema AS s
JOIN pragma_index_list(s.name) AS l
JOIN pragma_index_xinfo(l.name) AS x
LEFT JOIN sqlite_schema AS i ON i.type = 'index' AND i.name = l.name
WHERE ${USER_TABLES} AND x.key = 1
ORDER BY s.rowid, l.name, x.seqno`;

const FOREIGN_KEYS_SQL = `
SELECT s.name AS tbl, f.id AS id, f."table" AS parent, f."from" AS fromCol, f."to" AS toCol,
       f.on_update AS onUpdate, f.on_delete AS onDelete
FROM sqlite_schema AS s JOIN pragma_foreign_key_list(s.name) AS f
WHERE ${USER_TABLES}
ORDER BY s.rowid, f.id, f.seq`;

interface TableRow { name: string; sql: string; type: string; wr: number; strict: number }
interface ColumnRow { tbl: string; name: string; type: string; isNotNull: number; dflt: string | null; pk: number; hidden: number }
interface IndexRow {
  tbl: string; idx: string; isUnique: number; origin: string; partial: number;
  col: string | null; cid: number; isDesc: number; coll: string; sql: string | null;
}
interface ForeignKeyRow { tbl: string; id: number; parent: string; fromCol: string; toCol: string | null; onUpdate: string; onDelete: string }

/**
 * Reads the schema of the `main` database of `db` into the plain model, with
 * four joined queries over the pragma table-valued functions
 * (https://sqlite.org/pragma.html#pragfunc). Read-only: it runs SELECTs only.
 * Literal defaults are evaluated by SQLite with `SELECT` (constants only).
 */
export function introspect(db: SqlConnection): Schema {
  const tableRows = db.prepare(TABLES_SQL).all() as TableRow[];
  const columnRows = db.prepare(COLUMNS_SQL).all() as ColumnRow[];
  const indexRows = db.prepare(INDEXES_SQL).all() as IndexRow[];
  const foreignKeyRows = db.prepare(FOREIGN_KEYS_SQL).all() as ForeignKeyRow[];
  const evaluate = defaultEvaluator(db);

  const columnsByTable = groupBy(columnRows, (row) => row.tbl);
  const indexesByTable = groupBy(indexRows, (row) => row.tbl);
  const foreignKeysByTable = groupBy(foreignKeyRows, (row) => row.tbl);

  const tables: Table[] = [];
  for (const row of tableRows) {
    // Shadow tables belong to a virtual table (vtab.html#xshadowname): internals, like sqlite_%.
    if (row.type === 'shadow') continue;
    const clauses = new Map<string, ColumnClauses>();
    for (const clause of columnDefinitions(row.sql)) clauses.set(nameKey(clause.name), clause);
    const columns = (columnsByTable.get(row.name) ?? []).map((columnRow) =>
      toColumn(columnRow, clauses.get(nameKey(columnRow.name)), evaluate),
    );
    const indexes = toIndexes(indexesByTable.get(row.name) ?? [], columns);
    const withoutRowid = row.wr === 1;
    const pkColumns = columns.filter((column) => column.primaryKey > 0);
    tables.push({
      name: row.name,
      columns,
      indexes,
      foreignKeys: [],
      strict: row.strict === 1,
      withoutRowid,
      autoincrement: hasAutoincrement(row.sql),
      // An INTEGER PRIMARY KEY is a rowid alias unless it got an index of its own
      // (the `INTEGER PRIMARY KEY DESC` quirk, lang_createtable.html#rowid): ask SQLite, not the text.
      rowidAlias:
        !withoutRowid &&
        pkColumns.length === 1 &&
        pkColumns[0]!.type.toUpperCase() === 'INTEGER' &&
        !indexes.some((index) => index.origin === 'pk'),
      sql: row.sql,
    });
  }
  return { tables: tables.map((table) => ({ ...table, foreignKeys: toForeignKeys(foreignKeysByTable.get(table.name) ?? [], tables) })) };
}

/** `PRAGMA schema_version`: changes whenever the schema does (pragma.html#pragma_schema_version). */
export function schemaVersion(db: SqlConnection): number {
  const row = db.prepare('PRAGMA schema_version').get() as { schema_version: number };
  return row.schema_version;
}

function toColumn(row: ColumnRow, clauses: ColumnClauses | undefined, evaluate: (text: string) => DefaultValue): Column {
  return {
    name: row.name,
    type: row.type,
    affinity: affinityOf(row.type),
    notNull: row.isNotNull === 1,
    default: row.dflt === null ? null : evaluate(row.dflt),
    primaryKey: row.pk,
    hidden: row.hidden as ColumnHidden,
    collation: clauses?.collation ?? null,
    hasCheck: clauses?.hasCheck ?? false,
    unique: clauses?.unique ?? false,
    references: clauses?.references ?? false,
    definition: clauses?.definition ?? null,
  };
}

function toIndexes(rows: readonly IndexRow[], columns: readonly Column[]): Index[] {
  const indexes: Index[] = [];
  for (const [name, indexRows] of groupBy(rows, (row) => row.idx)) {
    const first = indexRows[0]!;
    const parts = first.sql === null ? null : indexParts(first.sql);
    const indexColumns: IndexColumn[] = indexRows.map((row, position) => ({
      name: row.cid === -2 ? null : row.cid === -1 ? 'rowid' : (row.col ?? columns[row.cid]?.name ?? null),
      expression: row.cid === -2 ? (parts?.columns[position] ?? null) : null,
      desc: row.isDesc === 1,
      collation: row.coll.toUpperCase(),
    }));
    indexes.push({
      name,
      table: first.tbl,
      unique: first.isUnique === 1,
      origin: first.origin as IndexOrigin,
      columns: indexColumns,
      where: first.partial === 1 ? (parts?.where ?? null) : null,
      sql: first.sql,
    });
  }
  return indexes;
}

function toForeignKeys(rows: readonly ForeignKeyRow[], tables: readonly Table[]): ForeignKey[] {
  const keys: ForeignKey[] = [];
  for (const [, keyRows] of groupBy(rows, (row) => row.id)) {
    const first = keyRows[0]!;
    // `REFERENCES parent` without columns means the parent's primary key (foreignkeys.html#fk_indexes).
    const parent = tables.find((table) => nameKey(table.name) === nameKey(first.parent));
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

function classifyDefault(db: SqlConnection, text: string): DefaultValue {
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
  return { kind: 'expression', text, normalized: `expr:${normalizeExpression(text)}` };
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
