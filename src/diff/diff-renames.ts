import { nameKey, type Column, type Table } from '../schema/schema-model.js';
import { identifierText, tokenize } from '../sql/tokenize.js';
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

/**
 * A live definition's text as it will read after the declared renames run: SQLite rewrites the
 * views, triggers, indexes and CHECKs that name a renamed table or column (lang_altertable.html).
 * Token by token: a table's old name becomes its new one; a column's old name becomes its new one
 * when the text also names that column's table (old or new name), or is that table's own
 * (`ownTable`: an index, a CHECK). A conservative approximation of SQLite's own rewrite, used only
 * to compare, so that a view over a column about to be renamed is not reported as different.
 */
export function renamedText(text: string, tables: ReadonlyMap<string, string>, columns: ReadonlyMap<string, ReadonlyMap<string, string>>, ownTable?: string): string {
  const tokens = tokenize(text);
  const named = new Set(tokens.filter((token) => token.kind === 'word' || token.kind === 'quoted').map((token) => nameKey(identifierText(token))));
  const oldNameOf = new Map([...tables].map(([from, to]) => [nameKey(to), from]));
  const active = new Map<string, string>();
  for (const [table, renames] of columns) {
    const mentioned = (ownTable !== undefined && nameKey(ownTable) === table) || named.has(table) || (oldNameOf.has(table) && named.has(oldNameOf.get(table)!));
    if (mentioned) for (const [from, to] of renames) active.set(from, to);
  }
  let out = '';
  let copied = 0;
  for (const token of tokens) {
    if (token.kind !== 'word' && token.kind !== 'quoted') continue;
    const key = nameKey(identifierText(token));
    const to = tables.get(key) ?? active.get(key);
    if (to === undefined) continue;
    out += text.slice(copied, token.start) + (/^[a-z_][a-z0-9_]*$/.test(nameKey(to)) ? nameKey(to) : `"${to.split('"').join('""')}"`);
    copied = token.end;
  }
  return out + text.slice(copied);
}
