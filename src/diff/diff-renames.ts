import { nameKey, type Column, type Table } from '../schema/schema-model.js';
import type { Drift } from './drift.js';

/**
 * The undeclared live tables a missing declared table could have been renamed from (the matching
 * rule of docs/drift-kinds.md, "Renames"): ordinary tables (not virtual) with columns, that share
 * column names (ASCII case folded) with it so that at least half of the declared table's columns
 * are in the live one and at least half of the live table's columns are in the declared one.
 */
export function tableRenameCandidates(declared: Table, undeclaredLive: readonly Table[]): string[] {
  if (declared.columns.length === 0 || isVirtual(declared)) return [];
  const declaredKeys = new Set(declared.columns.map((column) => nameKey(column.name)));
  return undeclaredLive
    .filter((live) => {
      if (live.columns.length === 0 || isVirtual(live)) return false;
      const shared = live.columns.filter((column) => declaredKeys.has(nameKey(column.name))).length;
      return shared * 2 >= declared.columns.length && shared * 2 >= live.columns.length;
    })
    .map((live) => live.name);
}

/** The `possible_rename` item for a missing declared table (`column` null) or column. */
export function possibleRenameOf(table: Table, column: Column | null, candidates: readonly string[]): Extract<Drift, { kind: 'possible_rename' }> {
  const list = candidates.map((name) => `"${name}"`).join(', ');
  if (column === null) {
    return {
      kind: 'possible_rename',
      table: table.name,
      object: 'table',
      candidates,
      declaredTable: table,
      detail: `table "${table.name}" is declared but missing, and the database has the undeclared table${candidates.length > 1 ? 's' : ''} ${list} of the same shape: it may have been renamed`,
    };
  }
  return {
    kind: 'possible_rename',
    table: table.name,
    object: 'column',
    column: column.name,
    candidates,
    declaredTable: table,
    declaredColumn: column,
    detail: `column "${table.name}"."${column.name}" is declared but missing, and the table has the undeclared column${candidates.length > 1 ? 's' : ''} ${list}: it may have been renamed`,
  };
}

function isVirtual(table: Table): boolean {
  return /^\s*CREATE\s+VIRTUAL\b/i.test(table.sql);
}
