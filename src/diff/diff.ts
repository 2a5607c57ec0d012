import {
  byNameKey,
  nameKey,
  type Column,
  type DefaultValue,
  type ForeignKey,
  type Index,
  type Schema,
  type Table,
} from '../schema/schema-model.js';
import type { ColumnMismatch, Drift, Extra } from './drift.js';
import { diffViewsAndTriggers } from './diff-views-and-triggers.js';
import { diffVirtualTable } from './diff-virtual-tables.js';
import { matchesAnyPattern } from './like-pattern.js';

export interface DiffOptions {
  /**
   * LIKE patterns (`%`, `_`) of names to leave out of the extras, e.g. `_litestream_%`: they apply
   * to every kind of object — tables, indexes, views, triggers (and the triggers of an ignored table).
   */
  readonly ignoreTables?: readonly string[];
}

export interface DiffResult {
  readonly drift: readonly Drift[];
  readonly extras: readonly Extra[];
}

/**
 * Compares a declared schema with a live one. Pure: plain data in, plain data out.
 * Equivalent spellings never produce drift: both sides were read by the same
 * introspection, names compare case-insensitively, types by affinity (exactly in
 * STRICT tables), defaults by the value SQLite evaluated them to.
 */
export function diff(declared: Schema, actual: Schema, options: DiffOptions = {}): DiffResult {
  const ignore = options.ignoreTables ?? [];
  const drift: Drift[] = [];
  const extras: Extra[] = [];
  const liveTables = byNameKey(actual.tables);
  const declaredTables = byNameKey(declared.tables);
  for (const declaredTable of declared.tables) {
    const liveTable = liveTables.get(nameKey(declaredTable.name));
    if (!liveTable) {
      drift.push({
        kind: 'missing_table',
        table: declaredTable.name,
        declaredTable,
        detail: `table "${declaredTable.name}" is declared but missing`,
      });
      for (const index of declaredTable.indexes.filter((candidate) => candidate.origin === 'c')) {
        drift.push({ kind: 'missing_index', table: declaredTable.name, index: index.name, declaredIndex: index, detail: `index "${index.name}" is declared but missing` });
      }
      continue;
    }
    const virtualTable = diffVirtualTable(declaredTable, liveTable);
    if (virtualTable !== null) drift.push(...virtualTable);
    else diffTable(declaredTable, liveTable, drift, extras, ignore);
  }
  for (const liveTable of actual.tables) {
    if (declaredTables.has(nameKey(liveTable.name)) || matchesAnyPattern(liveTable.name, ignore)) continue;
    extras.push({ kind: 'extra_table', table: liveTable.name, detail: `table "${liveTable.name}" is not declared (left alone)` });
  }
  diffViewsAndTriggers(declared, actual, ignore, drift, extras);
  return { drift, extras };
}

function diffTable(declared: Table, live: Table, drift: Drift[], extras: Extra[], ignore: readonly string[]): void {
  const table = declared.name;
  const pairs = pairColumns(declared.columns, live.columns);
  for (const [column, liveColumn] of pairs.declared) {
    if (!liveColumn) {
      drift.push({
        kind: 'missing_column',
        table,
        column: column.name,
        declaredColumn: column,
        declaredTable: declared,
        detail: `column "${table}"."${column.name}" is declared but missing`,
      });
    } else {
      drift.push(...diffColumn(declared, live, column, liveColumn));
    }
  }
  for (const liveColumn of pairs.unmatchedLive) {
    extras.push({ kind: 'extra_column', table, column: liveColumn.name, detail: `column "${table}"."${liveColumn.name}" is not declared (left alone)` });
  }

  for (const [option, declaredOn, liveOn] of [
    ['STRICT', declared.strict, live.strict],
    ['WITHOUT ROWID', declared.withoutRowid, live.withoutRowid],
  ] as const) {
    if (declaredOn !== liveOn) {
      drift.push({
        kind: 'table_option',
        table,
        declared: declaredOn ? option : `not ${option}`,
        actual: liveOn ? option : `not ${option}`,
        detail: `table "${table}" is declared ${declaredOn ? '' : 'not '}${option} but is ${liveOn ? '' : 'not '}${option}`,
      });
    }
  }

  diffIndexes(declared, live, drift, extras, ignore);
  diffForeignKeys(declared, live, drift);
}

/**
 * Pairs declared columns with live ones by name. Columns almost always sit in
 * the same order on both sides, so names are compared position by position and
 * a lookup table is built only when that fails (it runs for every table on every check).
 */
function pairColumns(declared: readonly Column[], live: readonly Column[]): { declared: Array<[Column, Column | undefined]>; unmatchedLive: Column[] } {
  const inOrder = declared.length === live.length && declared.every((column, i) => column.name === live[i]!.name);
  if (inOrder) return { declared: declared.map((column, i) => [column, live[i]]), unmatchedLive: [] };
  const liveByKey = byNameKey(live);
  const declaredKeys = new Set(declared.map((column) => nameKey(column.name)));
  return {
    declared: declared.map((column) => [column, liveByKey.get(nameKey(column.name))]),
    unmatchedLive: live.filter((column) => !declaredKeys.has(nameKey(column.name))),
  };
}

function diffColumn(declaredTable: Table, liveTable: Table, declared: Column, live: Column): ColumnMismatch[] {
  const table = declaredTable.name;
  const column = declared.name;
  // Runs for every column of every table on every check: compare values first, build text only for a mismatch.
  const found: ColumnMismatch[] = [];
  const mismatch = (kind: ColumnMismatch['kind'], declaredText: string, actualText: string, what: string): void => {
    found.push({ kind, table, column, declared: declaredText, actual: actualText, detail: `column "${table}"."${column}" ${what}: declared ${declaredText}, actual ${actualText}` });
  };

  // Outside STRICT tables a declared type only selects an affinity (datatype3.html#type_affinity);
  // `VARCHAR(20)` and `TEXT` behave identically. STRICT tables enforce the exact type.
  const strict = declaredTable.strict && liveTable.strict;
  const typeDiffers = strict ? strictType(declared.type) !== strictType(live.type) : declared.affinity !== live.affinity;
  if (typeDiffers) mismatch('column_type', typeText(declared), typeText(live), 'type differs');

  if (declared.notNull !== live.notNull) {
    mismatch('column_not_null', declared.notNull ? 'NOT NULL' : 'nullable', live.notNull ? 'NOT NULL' : 'nullable', 'nullability differs');
  }
  if (!sameDefault(declared.default, live.default)) {
    mismatch('column_default', defaultText(declared.default), defaultText(live.default), 'default differs');
  }
  if (declared.primaryKey !== 0 || live.primaryKey !== 0) {
    const declaredKey = primaryKeyText(declaredTable, declared);
    const liveKey = primaryKeyText(liveTable, live);
    if (declaredKey !== liveKey) mismatch('column_primary_key', declaredKey, liveKey, 'primary key differs');
  }

  if (declared.collation !== live.collation) {
    const declaredCollation = declared.collation ?? 'BINARY';
    const liveCollation = live.collation ?? 'BINARY';
    if (declaredCollation !== liveCollation) mismatch('column_collation', declaredCollation, liveCollation, 'collation differs');
  }

  if ((declared.hidden !== live.hidden || declared.generatedExpression !== live.generatedExpression) && generatedText(declared) !== generatedText(live)) {
    mismatch('column_generated', generatedText(declared), generatedText(live), 'generated column differs');
  }
  return found;
}

/** {@link defaultKey} equality without building the keys in the common cases. */
function sameDefault(a: DefaultValue | null, b: DefaultValue | null): boolean {
  if (a === b) return true;
  if (a !== null && b !== null) {
    if (a.kind === 'literal' && b.kind === 'literal') return a.storageClass === b.storageClass && a.quoted === b.quoted;
    if (a.kind === 'current' && b.kind === 'current') return a.keyword === b.keyword;
  }
  return defaultKey(a) === defaultKey(b);
}

function diffIndexes(declared: Table, live: Table, drift: Drift[], extras: Extra[], ignore: readonly string[]): void {
  const table = declared.name;
  const named = (t: Table): Index[] => t.indexes.filter((index) => index.origin === 'c');
  const declaredNamed = named(declared);
  const liveNamed = named(live);
  const liveByName = byNameKey(liveNamed);
  const declaredByName = byNameKey(declaredNamed);
  for (const index of declaredNamed) {
    const liveIndex = liveByName.get(nameKey(index.name));
    if (!liveIndex) {
      drift.push({ kind: 'missing_index', table, index: index.name, declaredIndex: index, detail: `index "${index.name}" on "${table}" is declared but missing` });
      continue;
    }
    const declaredShape = indexShape(index);
    const liveShape = indexShape(liveIndex);
    if (declaredShape !== liveShape) {
      drift.push({
        kind: 'index_definition',
        table,
        index: index.name,
        declared: declaredShape,
        actual: liveShape,
        declaredSql: index.sql,
        detail: `index "${index.name}" on "${table}" differs: declared ${declaredShape}, actual ${liveShape}`,
      });
    }
  }
  for (const liveIndex of liveNamed) {
    if (declaredByName.has(nameKey(liveIndex.name)) || matchesAnyPattern(liveIndex.name, ignore)) continue;
    extras.push({ kind: 'extra_index', table, index: liveIndex.name, detail: `index "${liveIndex.name}" on "${table}" is not declared (left alone)` });
  }

  // UNIQUE constraints create automatic indexes whose names depend on declaration
  // order (sqlite_autoindex_T_N), so they are matched by what they constrain.
  const uniqueShapes = (t: Table): string[] => t.indexes.filter((index) => index.origin === 'u').map(indexShape).sort();
  const declaredUnique = uniqueShapes(declared);
  const liveUnique = uniqueShapes(live);
  for (const shape of declaredUnique.filter((s) => !liveUnique.includes(s))) {
    drift.push({ kind: 'unique_constraint', table, declared: shape, actual: 'absent', detail: `table "${table}" lacks the declared constraint ${shape}` });
  }
  for (const shape of liveUnique.filter((s) => !declaredUnique.includes(s))) {
    drift.push({ kind: 'unique_constraint', table, declared: 'absent', actual: shape, detail: `table "${table}" has the undeclared constraint ${shape}` });
  }
}

function diffForeignKeys(declared: Table, live: Table, drift: Drift[]): void {
  const table = declared.name;
  const declaredKeys = declared.foreignKeys.map(foreignKeyText);
  const liveKeys = live.foreignKeys.map(foreignKeyText);
  for (const key of declaredKeys.filter((k) => !liveKeys.includes(k))) {
    drift.push({ kind: 'foreign_key', table, declared: key, actual: 'absent', detail: `table "${table}" lacks the declared foreign key ${key}` });
  }
  for (const key of liveKeys.filter((k) => !declaredKeys.includes(k))) {
    drift.push({ kind: 'foreign_key', table, declared: 'absent', actual: key, detail: `table "${table}" has the undeclared foreign key ${key}` });
  }
}

/** Declared types compare without case and white-space differences: `varchar( 10 )` = `VARCHAR(10)`. */
function normalizeType(type: string): string {
  return type.toUpperCase().replace(/\s+/g, ' ').replace(/\s*([(),])\s*/g, '$1').trim();
}

/** The type a STRICT table enforces: `INT` and `INTEGER` are the same type there (stricttables.html). */
function strictType(type: string): string {
  const normalized = normalizeType(type);
  return normalized === 'INT' ? 'INTEGER' : normalized;
}

function typeText(column: Column): string {
  return column.type === '' ? '(no type)' : `${normalizeType(column.type)} (${column.affinity} affinity)`;
}

/** `DEFAULT NULL` and no default are the same thing (lang_createtable.html#dfltval). */
function defaultKey(value: DefaultValue | null): string {
  if (value === null) return 'null:NULL';
  switch (value.kind) {
    case 'literal':
      return `${value.storageClass}:${value.quoted}`;
    case 'current':
      return `current:${value.keyword}`;
    case 'expression':
      return value.normalized;
  }
}

function defaultText(value: DefaultValue | null): string {
  return value === null ? 'no default' : `DEFAULT ${value.text}`;
}

function primaryKeyText(table: Table, column: Column): string {
  if (column.primaryKey === 0) return 'not in primary key';
  const width = table.columns.filter((candidate) => candidate.primaryKey > 0).length;
  const position = width > 1 ? `primary key part ${column.primaryKey} of ${width}` : 'PRIMARY KEY';
  const alias = table.rowidAlias ? ' (rowid alias)' : '';
  const autoincrement = table.autoincrement && table.rowidAlias ? ' AUTOINCREMENT' : '';
  return `${position}${alias}${autoincrement}`;
}

function generatedText(column: Column): string {
  const expression = column.generatedExpression === null ? '' : ` AS (${column.generatedExpression})`;
  return column.hidden === 2 ? `GENERATED VIRTUAL${expression}` : column.hidden === 3 ? `GENERATED STORED${expression}` : 'not generated';
}

function indexShape(index: Index): string {
  const terms = index.columns.map((term) => {
    const name = term.name ?? term.expression ?? '?';
    const collation = term.collation === 'BINARY' ? '' : ` COLLATE ${term.collation}`;
    return `${nameKey(name)}${collation}${term.desc ? ' DESC' : ''}`;
  });
  return `${index.unique ? 'UNIQUE ' : ''}(${terms.join(', ')})${index.where ? ` WHERE ${index.where}` : ''}`;
}

function foreignKeyText(key: ForeignKey): string {
  const actions = [key.onUpdate !== 'NO ACTION' ? ` ON UPDATE ${key.onUpdate}` : '', key.onDelete !== 'NO ACTION' ? ` ON DELETE ${key.onDelete}` : ''].join('');
  return `(${key.columns.map(nameKey).join(', ')}) REFERENCES ${nameKey(key.referencedTable)}(${key.referencedColumns.map(nameKey).join(', ')})${actions}`;
}
