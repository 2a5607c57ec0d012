import type { Table } from '../schema/schema-model.js';
import { isVirtualTableSql, virtualTableArguments, virtualTableText, type VirtualTableArguments } from '../sql/virtual-table-arguments.js';
import type { VirtualTableMismatch } from './drift.js';

/**
 * Compares a declared table with the live one of the same name when either is a virtual table.
 * Returns null when neither is virtual (the caller compares them as ordinary tables), an empty
 * list when both are virtual tables of the same module with the same arguments by meaning,
 * else the one item. Pure.
 */
export function diffVirtualTable(declared: Table, live: Table): VirtualTableMismatch[] | null {
  const declaredVirtual = isVirtualTableSql(declared.sql);
  const liveVirtual = isVirtualTableSql(live.sql);
  if (!declaredVirtual && !liveVirtual) return null;
  if (declared.sql === live.sql) return [];
  const declaredArgs = declaredVirtual ? virtualTableArguments(declared.sql) : null;
  const liveArgs = liveVirtual ? virtualTableArguments(live.sql) : null;
  if (declaredArgs !== null && liveArgs !== null && sameArguments(declaredArgs, liveArgs)) return [];
  const side = (args: VirtualTableArguments | null): string => (args === null ? 'an ordinary table' : virtualTableText(args));
  const declaredText = side(declaredArgs);
  const actualText = side(liveArgs);
  return [
    {
      kind: 'virtual_table_definition',
      table: declared.name,
      declared: declaredText,
      actual: actualText,
      declaredSql: declared.sql,
      actualSql: live.sql,
      detail: `virtual table "${declared.name}" differs: ${differences(declaredArgs, liveArgs).join('; ')}`,
    },
  ];
}

function sameArguments(a: VirtualTableArguments, b: VirtualTableArguments): boolean {
  return virtualTableText(a) === virtualTableText(b);
}

/** What differs, one phrase per difference, so a reader need not compare two long lists. */
function differences(declared: VirtualTableArguments | null, live: VirtualTableArguments | null): string[] {
  if (declared === null || live === null) {
    const what = (args: VirtualTableArguments | null): string => (args === null ? 'an ordinary table' : `a virtual table using ${args.module}`);
    return [`declared as ${what(declared)}, but it is ${what(live)}`];
  }
  if (declared.module !== live.module) return [`module: declared ${declared.module}, actual ${live.module}`];
  const found: string[] = [];
  const list = (items: readonly string[]): string => (items.length === 0 ? '(none)' : items.join(', '));
  if (list(declared.positional) !== list(live.positional)) found.push(`arguments: declared (${list(declared.positional)}), actual (${list(live.positional)})`);
  const declaredOptions = new Map(declared.options);
  const liveOptions = new Map(live.options);
  for (const key of [...new Set([...declaredOptions.keys(), ...liveOptions.keys()])].sort()) {
    const a = declaredOptions.get(key);
    const b = liveOptions.get(key);
    if (a === b) continue;
    const show = (value: string | undefined): string => (value === undefined ? '(not set)' : `'${value}'`);
    found.push(`${key}: declared ${show(a)}, actual ${show(b)}`);
  }
  return found;
}
