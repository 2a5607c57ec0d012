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
import { diffChecks } from './diff-checks.js';
import { possibleRenameOf, renamedText, tableRenameCandidates } from './diff-renames.js';
import { diffViewsAndTriggers } from './diff-views-and-triggers.js';
import { diffVirtualTable } from './diff-virtual-tables.js';
import { matchesAnyPattern } from './like-pattern.js';

export interface DiffOptions {
  /**
   * LIKE patterns (`%`, `_`) of names to leave out of the extras, e.g. `_litestream_%`: they apply
   * to every kind of object — tables, indexes, views, triggers (and the triggers of an ignored table).
   */
  readonly ignoreTables?: readonly string[];
  /**
   * `report` (the default): a table whose columns are in another order than declared is
   * `column_order` drift. `ignore`: the order is not compared — for applications that name their
   * columns in every INSERT and SELECT (docs/drift-kinds.md#column-order).
   */
  readonly columnOrder?: ColumnOrderPolicy;
}

/** Whether the order of a table's columns is compared (a target's `columnOrder`). */
export type ColumnOrderPolicy = 'report' | 'ignore';

/**
 * The diff options a config target's keys set (`ignoreTables`, `columnOrder`), built in one place
 * for every runner (daemon, fleet, CLI). The runners' settings keys include this object, so a
 * reload that changes any of them re-checks the target fully.
 */
export function targetDiffOptions(target: { readonly ignoreTables: readonly string[]; readonly columnOrder?: ColumnOrderPolicy | undefined }): DiffOptions {
  return { ignoreTables: target.ignoreTables, columnOrder: target.columnOrder ?? 'report' };
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
  const comparesOrder = options.columnOrder !== 'ignore';
  const drift: Drift[] = [];
  const extras: Extra[] = [];
  const liveTables = byNameKey(actual.tables);
  const declaredTables = byNameKey(declared.tables);
  // A declared rename claims the old table while the new name is absent: it is not an extra, and no other rename's candidate.
  // The pending renames are known before any table is compared: another table's foreign key, a view or a trigger may name them.
  const annotated = declared.annotated === true;
  const pending = annotated ? pendingRenames(declared, liveTables) : NO_RENAMES;
  const claimed = new Set(pending.tables.keys());
  const renamedTables = pending.tables;
  const renamedColumns = pending.columns;
  const undeclaredLive = actual.tables.filter((table) => !declaredTables.has(nameKey(table.name)) && !claimed.has(nameKey(table.name)) && !matchesAnyPattern(table.name, ignore));
  for (const declaredTable of declared.tables) {
    const liveTable = liveTables.get(nameKey(declaredTable.name));
    if (annotated && declaredTable.renamedFrom !== undefined) {
      const from = declaredTable.renamedFrom;
      const oldTable = liveTables.get(nameKey(from));
      if (oldTable !== undefined && liveTable === undefined) {
        drift.push({ kind: 'renamed_table', table: declaredTable.name, from: oldTable.name, detail: `table "${declaredTable.name}" is declared renamed from "${oldTable.name}", which the database still has` });
        diffTable(declaredTable, oldTable, drift, extras, ignore, pending, annotated, comparesOrder);
        continue;
      }
      if (oldTable !== undefined || liveTable === undefined) {
        const both = oldTable !== undefined;
        drift.push({
          kind: 'rename_conflict',
          table: declaredTable.name,
          object: 'table',
          from,
          why: both ? 'both-present' : 'neither-present',
          detail: both
            ? `table "${declaredTable.name}" is declared renamed from "${from}", but the database has both`
            : `table "${declaredTable.name}" is declared renamed from "${from}", but the database has neither`,
        });
        if (liveTable === undefined) continue;
      }
    }
    if (!liveTable) {
      const candidates = declaredTable.declaredNew === true || declaredTable.renamedFrom !== undefined ? [] : tableRenameCandidates(declaredTable, undeclaredLive);
      if (candidates.length > 0) {
        drift.push(possibleRenameOf(declaredTable, null, candidates));
        continue;
      }
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
    else diffTable(declaredTable, liveTable, drift, extras, ignore, pending, annotated, comparesOrder);
  }
  for (const liveTable of actual.tables) {
    if (declaredTables.has(nameKey(liveTable.name)) || claimed.has(nameKey(liveTable.name)) || matchesAnyPattern(liveTable.name, ignore)) continue;
    extras.push({ kind: 'extra_table', table: liveTable.name, detail: `table "${liveTable.name}" is not declared (left alone)` });
  }
  const rewrite = renamedTables.size > 0 || renamedColumns.size > 0 ? (text: string) => renamedText(text, renamedTables, renamedColumns) : undefined;
  diffViewsAndTriggers(declared, actual, ignore, drift, extras, rewrite);
  return { drift, extras };
}

function diffTable(declared: Table, live: Table, drift: Drift[], extras: Extra[], ignore: readonly string[], pending: PendingRenames, annotated: boolean, comparesOrder: boolean): void {
  const table = declared.name;
  const pairs = pairColumns(declared.columns, live.columns);
  const renames = pending.columns.size === 0 ? NO_COLUMN_RENAMES : (pending.columns.get(nameKey(table)) ?? NO_COLUMN_RENAMES);
  if (annotated && declared.columns.some((column) => column.renamedFrom !== undefined)) applyColumnRenames(declared, live, pairs, drift);
  const missing = new Set<string>();
  // The declared columns ADD COLUMN will append, in the order the repair adds them (declared order).
  const appended: Column[] = [];
  const candidates = pairs.unmatchedLive.length === 0 ? [] : pairs.unmatchedLive.filter((column) => column.hidden !== 2 && column.hidden !== 3).map((column) => column.name);
  for (const [column, liveColumn] of pairs.declared) {
    if (liveColumn === null) continue;
    if (!liveColumn) {
      missing.add(nameKey(column.name));
      if (candidates.length > 0 && column.declaredNew !== true && column.renamedFrom === undefined && column.hidden !== 2 && column.hidden !== 3) {
        drift.push(possibleRenameOf(declared, column, candidates));
        continue;
      }
      if (column.renamedFrom !== undefined) continue;
      appended.push(column);
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
  const order = pairs.inOrder || !comparesOrder ? null : columnOrderMismatch(table, pairs, live, appended);
  if (order !== null) drift.push(order);
  for (const liveColumn of pairs.unmatchedLive) {
    extras.push({ kind: 'extra_column', table, column: liveColumn.name, detail: `column "${table}"."${liveColumn.name}" is not declared (left alone)` });
  }
  if (declared.checks.length > 0 || live.checks.length > 0) {
    diffChecks(declared, live, missing, new Set(pairs.unmatchedLive.map((column) => nameKey(column.name))), renames, drift);
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

  diffIndexes(declared, live, drift, extras, ignore, renames, annotated);
  diffForeignKeys(declared, live, drift, pending);
}

/** Old → new name keys of the declared renames that will run: tables, and columns per declared table. */
interface PendingRenames {
  readonly tables: ReadonlyMap<string, string>;
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

const NO_NAMES: Set<string> = new Set();
const NO_RENAMES: PendingRenames = { tables: new Map(), columns: new Map() };
const NO_COLUMN_RENAMES: ReadonlyMap<string, string> = new Map();

/** The renames a repair would run: the old name is live and the new one is not. */
function pendingRenames(declared: Schema, liveTables: ReadonlyMap<string, Table>): PendingRenames {
  const tables = new Map<string, string>();
  const columns = new Map<string, Map<string, string>>();
  for (const table of declared.tables) {
    let live = liveTables.get(nameKey(table.name));
    if (table.renamedFrom !== undefined && live === undefined && liveTables.has(nameKey(table.renamedFrom))) {
      tables.set(nameKey(table.renamedFrom), table.name);
      live = liveTables.get(nameKey(table.renamedFrom));
    }
    if (live === undefined) continue;
    for (const column of table.columns) {
      if (column.renamedFrom === undefined) continue;
      const liveNames = new Set(live.columns.map((candidate) => nameKey(candidate.name)));
      if (liveNames.has(nameKey(column.renamedFrom)) && !liveNames.has(nameKey(column.name))) {
        const renames = columns.get(nameKey(table.name)) ?? new Map<string, string>();
        renames.set(nameKey(column.renamedFrom), column.name);
        columns.set(nameKey(table.name), renames);
      }
    }
  }
  return { tables, columns };
}

/**
 * Pairs declared columns with live ones by name. Columns almost always sit in
 * the same order on both sides, so names are compared position by position and
 * a lookup table is built only when that fails (it runs for every table on every check).
 * `null` marks a declared column already reported (a rename conflict).
 */
interface ColumnPairs {
  declared: Array<[Column, Column | undefined | null]>;
  unmatchedLive: Column[];
  /** Every column paired with the one at its position: the orders cannot differ. */
  inOrder: boolean;
}

function pairColumns(declared: readonly Column[], live: readonly Column[]): ColumnPairs {
  const inOrder = declared.length === live.length && declared.every((column, i) => column.name === live[i]!.name);
  if (inOrder) return { declared: declared.map((column, i) => [column, live[i]]), unmatchedLive: [], inOrder };
  const liveByKey = byNameKey(live);
  const declaredKeys = new Set(declared.map((column) => nameKey(column.name)));
  return {
    declared: declared.map((column) => [column, liveByKey.get(nameKey(column.name))]),
    unmatchedLive: live.filter((column) => !declaredKeys.has(nameKey(column.name))),
    inOrder,
  };
}

/**
 * Column order (docs/drift-kinds.md#column-order): the declared columns the table has (a renamed
 * one at its old column's place) and those ADD COLUMN will append (at the end, in declared order),
 * in the table's order, against the same columns in declared order. Undeclared columns and a
 * declared column that is neither (a possible rename, a rename conflict) are left out of both.
 * The order is the one `INSERT INTO t VALUES (…)` and `SELECT *` use.
 */
function columnOrderMismatch(table: string, pairs: ColumnPairs, live: Table, appended: readonly Column[]): Drift | null {
  const position = new Map(live.columns.map((column, i) => [column, i]));
  const kept = pairs.declared.filter((pair): pair is [Column, Column] => pair[1] !== undefined && pair[1] !== null);
  const compared = new Set([...kept.map(([column]) => column), ...appended]);
  const declaredOrder = pairs.declared.map(([column]) => column).filter((column) => compared.has(column));
  const liveOrder = [...kept.sort((a, b) => position.get(a[1])! - position.get(b[1])!).map(([column]) => column), ...appended];
  if (declaredOrder.every((column, i) => liveOrder[i] === column)) return null;
  const list = (columns: readonly Column[]): string => `(${columns.map((column) => column.name).join(', ')})`;
  const once = appended.length === 0 ? '' : ` once ADD COLUMN has appended ${appended.map((column) => `"${column.name}"`).join(', ')}`;
  return {
    kind: 'column_order',
    table,
    declared: list(declaredOrder),
    actual: list(liveOrder),
    detail: `columns of "${table}" are in another order: declared ${list(declaredOrder)}, actual ${list(liveOrder)}${once}; INSERT without a column list and SELECT * use this order`,
  };
}

/**
 * Declared column renames: the old column alone is live → `renamed_column`, and the declared column
 * pairs with it (its other properties compare as usual); both or neither live → `rename_conflict`.
 * `renames` collects old → new name keys (CHECK texts still name the old column).
 */
function applyColumnRenames(declared: Table, live: Table, pairs: ColumnPairs, drift: Drift[]): void {
  const table = declared.name;
  const liveByKey = byNameKey(live.columns);
  pairs.declared.forEach((pair, i) => {
    const [column, liveColumn] = pair;
    const from = column.renamedFrom;
    if (from === undefined) return;
    const oldColumn = liveByKey.get(nameKey(from));
    if (oldColumn !== undefined && liveColumn === undefined) {
      drift.push({ kind: 'renamed_column', table, column: column.name, from: oldColumn.name, detail: `column "${table}"."${column.name}" is declared renamed from "${oldColumn.name}", which the database still has` });
      pairs.declared[i] = [column, oldColumn];
      pairs.unmatchedLive = pairs.unmatchedLive.filter((candidate) => candidate !== oldColumn);
      return;
    }
    if (oldColumn === undefined && liveColumn !== undefined) return;
    const both = oldColumn !== undefined;
    drift.push({
      kind: 'rename_conflict',
      table,
      object: 'column',
      column: column.name,
      from,
      why: both ? 'both-present' : 'neither-present',
      detail: `column "${table}"."${column.name}" is declared renamed from "${from}", but the table has ${both ? 'both' : 'neither'}`,
    });
    if (!both) pairs.declared[i] = [column, null];
  });
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

function diffIndexes(declared: Table, live: Table, drift: Drift[], extras: Extra[], ignore: readonly string[], renames: ReadonlyMap<string, string>, annotated: boolean): void {
  // The live index as it reads once the columns are renamed (SQLite rewrites indexes on RENAME COLUMN).
  const liveShapeOf = (index: Index): string => (renames.size === 0 ? indexShape(index) : renamedText(indexShape(index), new Map(), new Map([[nameKey(declared.name), renames]]), declared.name));
  const table = declared.name;
  const named = (t: Table): Index[] => t.indexes.filter((index) => index.origin === 'c');
  const declaredNamed = named(declared);
  const liveNamed = named(live);
  const liveByName = byNameKey(liveNamed);
  const declaredByName = byNameKey(declaredNamed);
  const claimedIndexes = annotated ? new Set<string>() : NO_NAMES;
  for (const index of declaredNamed) {
    const liveIndex = liveByName.get(nameKey(index.name));
    if (annotated && index.renamedFrom !== undefined) {
      const from = index.renamedFrom;
      const oldIndex = liveByName.get(nameKey(from));
      const sameShape = oldIndex !== undefined && liveShapeOf(oldIndex) === indexShape(index);
      if (oldIndex !== undefined && liveIndex === undefined && sameShape) {
        claimedIndexes.add(nameKey(from));
        drift.push({ kind: 'renamed_index', table, index: index.name, from: oldIndex.name, declaredIndex: index, detail: `index "${index.name}" on "${table}" is declared renamed from "${from}", which the database still has` });
        continue;
      }
      if (oldIndex !== undefined || liveIndex === undefined) {
        const why = oldIndex !== undefined && liveIndex !== undefined ? 'both-present' : oldIndex !== undefined ? 'index-differs' : 'neither-present';
        if (why === 'index-differs') claimedIndexes.add(nameKey(from));
        const says = { 'both-present': 'the database has both', 'neither-present': 'the database has neither', 'index-differs': `"${from}" has another definition (${indexShape(oldIndex!)})` }[why];
        drift.push({ kind: 'rename_conflict', table, object: 'index', index: index.name, from, why, detail: `index "${index.name}" on "${table}" is declared renamed from "${from}", but ${says}` });
        if (liveIndex === undefined) continue;
      }
    }
    if (!liveIndex) {
      drift.push({ kind: 'missing_index', table, index: index.name, declaredIndex: index, detail: `index "${index.name}" on "${table}" is declared but missing` });
      continue;
    }
    const declaredShape = indexShape(index);
    const liveShape = liveShapeOf(liveIndex);
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
    if (declaredByName.has(nameKey(liveIndex.name)) || claimedIndexes.has(nameKey(liveIndex.name)) || matchesAnyPattern(liveIndex.name, ignore)) continue;
    extras.push({ kind: 'extra_index', table, index: liveIndex.name, detail: `index "${liveIndex.name}" on "${table}" is not declared (left alone)` });
  }

  // UNIQUE constraints create automatic indexes whose names depend on declaration
  // order (sqlite_autoindex_T_N), so they are matched by what they constrain.
  const uniqueShapes = (t: Table): string[] => t.indexes.filter((index) => index.origin === 'u').map(indexShape).sort();
  const declaredUnique = uniqueShapes(declared);
  const liveUnique = live.indexes.filter((index) => index.origin === 'u').map(liveShapeOf).sort();
  for (const shape of declaredUnique.filter((s) => !liveUnique.includes(s))) {
    drift.push({ kind: 'unique_constraint', table, declared: shape, actual: 'absent', detail: `table "${table}" lacks the declared constraint ${shape}` });
  }
  for (const shape of liveUnique.filter((s) => !declaredUnique.includes(s))) {
    drift.push({ kind: 'unique_constraint', table, declared: 'absent', actual: shape, detail: `table "${table}" has the undeclared constraint ${shape}` });
  }
}

function diffForeignKeys(declared: Table, live: Table, drift: Drift[], pending: PendingRenames): void {
  const table = declared.name;
  const declaredKeys = declared.foreignKeys.map(foreignKeyText);
  const liveKeys = live.foreignKeys.map((key) => foreignKeyText(pending.tables.size === 0 && pending.columns.size === 0 ? key : renamedForeignKey(key, declared.name, pending)));
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

/** A live foreign key as SQLite leaves it after the pending renames (it rewrites both ends). */
function renamedForeignKey(key: ForeignKey, ownTable: string, pending: PendingRenames): ForeignKey {
  const parent = pending.tables.get(nameKey(key.referencedTable)) ?? key.referencedTable;
  const own = pending.columns.get(nameKey(ownTable));
  const parentColumns = pending.columns.get(nameKey(parent));
  return {
    ...key,
    columns: key.columns.map((column) => own?.get(nameKey(column)) ?? column),
    referencedTable: parent,
    referencedColumns: key.referencedColumns.map((column) => parentColumns?.get(nameKey(column)) ?? column),
  };
}

function foreignKeyText(key: ForeignKey): string {
  const actions = [key.onUpdate !== 'NO ACTION' ? ` ON UPDATE ${key.onUpdate}` : '', key.onDelete !== 'NO ACTION' ? ` ON DELETE ${key.onDelete}` : ''].join('');
  return `(${key.columns.map(nameKey).join(', ')}) REFERENCES ${nameKey(key.referencedTable)}(${key.referencedColumns.map(nameKey).join(', ')})${actions}`;
}
