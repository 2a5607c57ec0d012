import type { SqlConnection } from '../db/sql-connection.js';
import type { Trigger, View } from '../schema/schema-model.js';

// One pass over sqlite_schema in creation order; `sqlite_%` names are SQLite's own (never ours to compare).
const VIEWS_AND_TRIGGERS_SQL = `
SELECT json_group_array(json_array(type, name, tbl_name, sql)) AS rows FROM (
  SELECT type, name, tbl_name, sql FROM sqlite_schema
  WHERE type IN ('view', 'trigger') AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
  ORDER BY rowid)`;

type Row = readonly [type: 'view' | 'trigger', name: string, table: string, sql: string];

/**
 * The views and triggers of the `main` database, as SQLite stored them. Read
 * from sqlite_schema only: nothing is prepared, so a view whose table has gone
 * is still read (and then reported), not an error.
 */
export function readViewsAndTriggers(db: SqlConnection): { views: View[]; triggers: Trigger[] } {
  const row = db.prepare(VIEWS_AND_TRIGGERS_SQL).get() as { rows: string };
  const views: View[] = [];
  const triggers: Trigger[] = [];
  for (const [type, name, table, sql] of JSON.parse(row.rows) as Row[]) {
    if (type === 'view') views.push({ name, sql });
    else triggers.push({ name, table, sql });
  }
  return { views, triggers };
}
