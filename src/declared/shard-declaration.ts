import { byNameKey, nameKey, type Schema, type Table } from '../schema/schema-model.js';
import { identifierText, isWord, type Token } from '../sql/tokenize.js';
import type { CreateKind } from './declaration-statements.js';

/**
 * Below this many CREATE statements a declaration runs in one in-memory database: the quadratic
 * cost below is small there, and one connection is cheaper than several.
 */
export const SHARD_THRESHOLD = 300;
/** CREATE statements per private database when a declaration is split. */
const STATEMENTS_PER_SHARD = 150;

/** One CREATE statement of a declaration, in file order. */
export interface CreateStatement {
  readonly kind: CreateKind;
  readonly name: string;
  readonly tokens: readonly Token[];
}

/**
 * Splits a large declaration into groups that can each run in a private in-memory database of
 * their own, or returns null when it must run in one.
 *
 * Why: SQLite re-reads the new object's rows of `sqlite_schema` after each CREATE by scanning the
 * whole table (OP_ParseSchema, `WHERE tbl_name=…`), so executing n statements in one database
 * costs O(n²): 3,000 statements took ~0.7 s, two thirds of it that scan (the stock shell pays the
 * same). Split in k groups it costs n²/k.
 *
 * Why it means the same: a CREATE statement only resolves, when it runs, the table an index or a
 * trigger is ON (CREATE VIEW and trigger bodies resolve their names when used, foreign keys when
 * enforced), so every group holds a table or view together with the indexes and triggers on it, in
 * file order; an index before its table still fails, exactly as in one database. What one database
 * would also see across groups is handled by staying in one database: two objects of one name (an
 * error, or `IF NOT EXISTS` skipping the second), virtual tables (they make shadow tables, which
 * `.schema` output declares again), and anything whose target this cannot read. A statement that
 * fails in a group is re-run in one database by the caller, so errors name the same statement.
 */
export function shardDeclaration<T extends CreateStatement>(statements: readonly T[]): T[][] | null {
  if (statements.length < SHARD_THRESHOLD) return null;
  const names = new Set<string>();
  const groupOf = new Map<string, number>();
  const owners: string[] = [];
  for (const statement of statements) {
    if (statement.kind === 'virtual_table' || statement.name === '') return null;
    const key = nameKey(statement.name);
    if (names.has(key)) return null;
    names.add(key);
    const owner = statement.kind === 'index' || statement.kind === 'trigger' ? targetOf(statement.tokens) : key;
    if (owner === null) return null;
    if (!groupOf.has(owner)) groupOf.set(owner, groupOf.size);
    owners.push(owner);
  }
  // Groups dealt round robin in order of first appearance; each shard keeps file order.
  const shards: T[][] = Array.from({ length: Math.ceil(statements.length / STATEMENTS_PER_SHARD) }, () => []);
  statements.forEach((statement, i) => shards[groupOf.get(owners[i]!)! % shards.length]!.push(statement));
  return shards.filter((shard) => shard.length > 0);
}

/**
 * The table (or view) an index or trigger is `ON`, by name key; null when it cannot be read.
 * `CREATE [UNIQUE] INDEX … name ON table (…)`, `CREATE TRIGGER … name [BEFORE|AFTER|INSTEAD OF]
 * event [OF columns] ON table …`: the first unquoted ON before the body (a column called "on"
 * must be quoted, since ON is a keyword).
 */
function targetOf(tokens: readonly Token[]): string | null {
  for (let i = 2; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (isWord(token, 'BEGIN', 'WHEN', 'FOR') || (token.kind === 'punct' && token.text === '(')) return null;
    if (!isWord(token, 'ON')) continue;
    const first = tokens[i + 1];
    if (first === undefined || (first.kind !== 'word' && first.kind !== 'quoted' && first.kind !== 'string')) return null;
    const dot = tokens[i + 2];
    if (dot !== undefined && dot.kind === 'punct' && dot.text === '.') {
      const second = tokens[i + 3];
      if (second === undefined || identifierText(first).toLowerCase() !== 'main') return null;
      return nameKey(identifierText(second));
    }
    return nameKey(identifierText(first));
  }
  return null;
}

/**
 * One schema from the groups' schemas, in the order one database would list it (creation order,
 * i.e. the statements' order in the file: `order` maps a name key to its statement's position).
 * An implicit `REFERENCES parent` (no columns) names the parent's primary key, which a group that
 * lacks the parent could not resolve (it reports ''): resolved here against every table.
 */
export function mergeShardSchemas(parts: readonly Schema[], order: ReadonlyMap<string, number>): Schema {
  const position = (name: string): number => order.get(nameKey(name)) ?? Number.MAX_SAFE_INTEGER;
  const byPosition = <T extends { readonly name: string }>(items: T[]): T[] => items.sort((a, b) => position(a.name) - position(b.name));
  const tables = byPosition(parts.flatMap((part) => [...part.tables]));
  const tablesByName = byNameKey(tables);
  return {
    tables: tables.map((table) => (table.foreignKeys.some((key) => key.referencedColumns.includes('')) ? withParentKeys(table, tablesByName) : table)),
    views: byPosition(parts.flatMap((part) => [...part.views])),
    triggers: byPosition(parts.flatMap((part) => [...part.triggers])),
  };
}

function withParentKeys(table: Table, tablesByName: ReadonlyMap<string, Table>): Table {
  return {
    ...table,
    foreignKeys: table.foreignKeys.map((key) => {
      if (!key.referencedColumns.includes('')) return key;
      const parentKey = tablesByName
        .get(nameKey(key.referencedTable))
        ?.columns.filter((column) => column.primaryKey > 0)
        .sort((a, b) => a.primaryKey - b.primaryKey);
      return { ...key, referencedColumns: key.referencedColumns.map((column, i) => (column === '' ? (parentKey?.[i]?.name ?? '') : column)) };
    }),
  };
}
