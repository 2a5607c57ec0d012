import type { Drift, StaleFtsIndex } from '../diff/drift.js';
import type { SqlConnection } from '../db/sql-connection.js';
import { quoteIdentifier } from '../sql/quote.js';
import { ftsContentTable } from '../sql/definition-body.js';
import { byNameKey, nameKey, type Schema } from '../schema/schema-model.js';

/**
 * Whether an external-content FTS index misses rows, judged from the rows: the
 * rows its `%_docsize` shadow table holds (one per indexed row,
 * fts5.html#the_columnsize_option) against the rows of its content table.
 *
 * The diff alone can only say an index *may* be stale (its sync triggers are
 * missing, or the FTS table itself is): that guess reported `stale_fts_index`
 * for an empty content table whose index is whole, and said nothing at the
 * next check of an index that was really stale once the triggers were back.
 * So every full check judges each declared external-content FTS table that
 * exists from its rows: counts that differ are stale — reported until the
 * rebuild, whether or not its triggers are there now — and equal counts are
 * not, whatever the triggers. Where the rows cannot tell (no `%_docsize`:
 * `columnsize=0`, FTS3/4, or the FTS table missing) the diff's guess stands.
 * Counts miss an index that skipped an UPDATE only (same number of rows).
 * Read-only: two `count(*)` per FTS table (FTS5's `integrity-check` command
 * would need a write transaction).
 */
export function judgeFtsFromRows(db: SqlConnection, declared: Schema, live: Schema, drift: readonly Drift[]): Drift[] {
  const candidates = declared.tables.flatMap((table) => {
    const content = ftsContentTable(table.sql);
    return content === null ? [] : [{ name: table.name, content }];
  });
  if (candidates.length === 0) return [...drift];
  const liveTables = byNameKey(live.tables);
  // From sqlite_schema itself: introspection leaves FTS shadow tables out.
  const stored = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ? COLLATE NOCASE");
  const tableNamed = (name: string): string | undefined => (stored.get(name) as { name: string } | undefined)?.name;
  const verdicts = new Map<string, { stale: boolean; indexed: number; rows: number; contentTable: string } | null>();
  for (const fts of candidates) {
    const key = nameKey(fts.name);
    const contentTable = tableNamed(fts.content);
    const docsize = tableNamed(`${fts.name}_docsize`);
    if (tableNamed(fts.name) === undefined || contentTable === undefined || docsize === undefined) {
      verdicts.set(key, null);
      continue;
    }
    try {
      const indexed = Number((db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(docsize)}`).get() as { n: number }).n);
      const rows = Number((db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(contentTable)}`).get() as { n: number }).n);
      verdicts.set(key, { stale: indexed !== rows, indexed, rows, contentTable });
    } catch {
      verdicts.set(key, null);
    }
  }
  const out: Drift[] = [];
  const reported = new Set<string>();
  for (const item of drift) {
    if (item.kind !== 'stale_fts_index') {
      out.push(item);
      continue;
    }
    const verdict = verdicts.get(nameKey(item.table));
    if (verdict === undefined || verdict === null) out.push(item);
    else if (verdict.stale) out.push({ ...item, detail: `${item.detail} (it indexes ${verdict.indexed} of ${verdict.rows} rows)` });
    reported.add(nameKey(item.table));
  }
  for (const fts of candidates) {
    const key = nameKey(fts.name);
    const verdict = verdicts.get(key);
    if (reported.has(key) || !verdict?.stale) continue;
    const quoted = quoteIdentifier(fts.name);
    const stale: StaleFtsIndex = {
      kind: 'stale_fts_index',
      table: liveTables.get(key)?.name ?? fts.name,
      contentTable: verdict.contentTable,
      triggers: [],
      indexMissing: false,
      rebuild: `INSERT INTO ${quoted}(${quoted}) VALUES('rebuild');`,
      detail: `full-text index "${fts.name}" misses rows of "${verdict.contentTable}": it indexes ${verdict.indexed} of ${verdict.rows} rows (rows written while its sync triggers were missing stay out until it is rebuilt)`,
    };
    out.push(stale);
  }
  return out;
}

/** Whether a declaration has an external-content FTS table (only then is there anything to judge from rows). */
export function hasExternalContentFts(declared: Schema): boolean {
  return declared.tables.some((table) => ftsContentTable(table.sql) !== null);
}
