import type { SqlConnection } from '../db/sql-connection.js';
import { quoteIdentifier } from '../sql/quote.js';
import { isWord, tokenize } from '../sql/tokenize.js';

/**
 * How deep apply checks the structure of what it wrote and of the backup (docs/cli.md, "What apply
 * proves"). `quick` (the default): `PRAGMA quick_check` — every page of every b-tree well formed,
 * in order, no page lost or used twice, every record readable, NOT NULL and CHECK constraints
 * held (pragma.html#pragma_quick_check) — and, for a rebuilt table, each of its indexes holding
 * exactly one entry per row it covers. `full` (`driftd apply --full-integrity-check`): `PRAGMA
 * integrity_check`, which also looks up every row's entry in every index (O(N log N): on a
 * 1,000,000-row table with 3 indexes it alone costs more than SQLite's whole 12-step rebuild).
 */
export type CheckDepth = 'quick' | 'full';

/** `PRAGMA quick_check` / `integrity_check` of the whole database, or of one table and its indexes; the problems, none when `ok`. */
export function structureProblems(db: SqlConnection, depth: CheckDepth, table?: string): string[] {
  const pragma = depth === 'full' ? 'integrity_check' : 'quick_check';
  const rows = db.prepare(`PRAGMA ${pragma}${table === undefined ? '' : `(${quoteIdentifier(table)})`}`).all() as Record<string, string>[];
  const found = rows.map((row) => Object.values(row)[0]!);
  return found.length === 1 && found[0] === 'ok' ? [] : found.slice(0, 5).map((problem) => `PRAGMA ${pragma}: ${problem}`);
}

/**
 * Every index of `table` holds exactly one entry per row it covers: the entries counted from the
 * b-tree itself (the `dbstat` table, aggregated: an index b-tree stores one cell per entry, interior
 * pages included), the rows with `count(*)` from the table's own b-tree — of all rows, or of the
 * rows a partial index's WHERE selects. (`SELECT count(*) … INDEXED BY` would not do: SQLite 3.53 answers a bare count(*) from
 * whichever index is smallest, whatever INDEXED BY names.) SQLite 3.53's quick_check counts the
 * entries of a full index itself, not of a partial one (test/plan/check-structure.test.ts); this
 * count covers both, whatever the SQLite version. What quick_check leaves out of integrity_check
 * beyond it is the lookup of every row's entry in every index.
 */
export function indexEntryProblems(db: SqlConnection, table: string): string[] {
  const indexes = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? COLLATE NOCASE AND rootpage > 0").all(table) as { name: string; sql: string | null }[];
  if (indexes.length === 0) return [];
  const entries = new Map(
    (db.prepare(`SELECT name, ncell FROM dbstat('main', 1) WHERE name IN (${indexes.map(() => '?').join(', ')})`).all(...indexes.map((index) => index.name)) as { name: string; ncell: number }[]).map(
      (row) => [row.name, Number(row.ncell)],
    ),
  );
  const quoted = quoteIdentifier(table);
  // NOT INDEXED: from the table's own b-tree (a bare count(*) is answered from the smallest index, the very thing checked).
  const all = Number((db.prepare(`SELECT count(*) AS n FROM ${quoted} NOT INDEXED`).get() as { n: number }).n);
  const problems: string[] = [];
  for (const index of indexes) {
    const where = index.sql === null ? null : partialWhere(index.sql);
    const rows = where === null ? all : Number((db.prepare(`SELECT count(*) AS n FROM ${quoted} NOT INDEXED WHERE ${where}`).get() as { n: number }).n);
    const held = entries.get(index.name) ?? 0;
    if (held !== rows) problems.push(`index "${index.name}" holds ${held} entries for ${rows} rows`);
  }
  return problems;
}

/** The WHERE expression of a partial index's CREATE INDEX text (the first WHERE outside parentheses), null when not partial. */
export function partialWhere(createIndexSql: string): string | null {
  let depth = 0;
  for (const token of tokenize(createIndexSql)) {
    if (token.kind === 'punct' && token.text === '(') depth++;
    else if (token.kind === 'punct' && token.text === ')') depth--;
    else if (depth === 0 && isWord(token, 'WHERE')) return `(${createIndexSql.slice(token.end).trim().replace(/;$/, '')})`;
  }
  return null;
}
