import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { main } from '../../src/cli/main.js';
import { runShell } from '../support/temp-db.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a driftd command in-process with HOME set to `home` (its audit journal and backups go there). */
export async function driftd(home: string, argv: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), env: { HOME: home } });
  return { code, stdout, stderr };
}

/**
 * Every table's content (SQLite's own tables and FTS shadow tables included), each value with its
 * storage class through quote() — except `loose` columns ("table.column"), whose values are
 * compared as numbers or text only (a declared conversion: REAL 3.0 → INTEGER 3).
 */
export function contents(path: string, loose: readonly string[] = [], withoutRowids: readonly string[] = []): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT l.name, l.wr FROM pragma_table_list AS l WHERE l.schema = 'main' AND l.type IN ('table', 'shadow') AND l.name NOT IN ('sqlite_schema', 'sqlite_temp_schema') ORDER BY l.name").all() as { name: string; wr: number }[];
    const result: Record<string, unknown[]> = {};
    for (const { name, wr } of tables) {
      const columns = (db.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (0, 3)').all(name) as { name: string }[]).map((c) => c.name);
      const list = columns.map((column) => (loose.includes(`${name}.${column}`) ? `"${column}"` : `quote("${column}")`));
      // A table converted to WITHOUT ROWID has no rowid after: compare it by its columns alone (and
      // sqlite_sequence, whose own rowids are SQLite's business: its rows are the counters).
      const byColumns = wr || withoutRowids.includes(name) || name === 'sqlite_sequence';
      const order = byColumns ? columns.map((_, i) => i + 1).join(', ') || '1' : 'rowid';
      const rowid = byColumns ? '' : 'rowid AS driftd_test_rowid, ';
      const rows = db.prepare(`SELECT ${rowid}${list.join(', ')} FROM "${name}" ORDER BY ${order}`).raw().all() as unknown[][];
      // A loose value compares by what it means: the text '2' and the integer 2, the real 3.0 and the integer 3.
      result[name] = rows.map((row) => row.map((value) => (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) && !value.startsWith("'") ? Number(value) : value)));
    }
    return result;
  } finally {
    db.close();
  }
}

/** The schema's text, SQLite's own objects left out: equal means the same tables, indexes, views and triggers. */
export function schemaText(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return JSON.stringify(db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").all());
  } finally {
    db.close();
  }
}

/** Debian's stock sqlite3 shell (3.40) opens the file, finds it intact and reads every table. */
export function shellReadsEverything(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const tables = (db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow', 'virtual') AND name NOT LIKE 'sqlite_temp%'").all() as { name: string }[]).map((t) => t.name);
  const views = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'view'").all() as { name: string }[]).map((v) => v.name);
  db.close();
  const statements = ['PRAGMA integrity_check;', 'PRAGMA foreign_key_check;', ...[...tables, ...views].map((name) => `SELECT count(*) FROM "${name}";`)];
  return runShell(path, statements.join('\n'));
}

/** Opens the database, hands it to `use` (what an application then sees), closes it. */
export function inDatabase(path: string, use: (db: Database.Database) => void): void {
  const db = new Database(path);
  try {
    use(db);
  } finally {
    db.close();
  }
}

export function backupsIn(home: string): string[] {
  const dir = join(home, '.local/state/driftd/backups');
  return existsSync(dir) ? readdirSync(dir) : [];
}
