import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

/** The CLI's text and `--json` output for view and trigger drift, through the built binary. */
const dir = tempDir('driftd-objects-cli-');

const NOTES = `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');`;
const SYNC = `CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body);
END;`;
const VIEW = 'CREATE VIEW recent AS SELECT id, body FROM notes ORDER BY id DESC LIMIT 10;';

function setUp(): { db: string; schema: string } {
  const schema = join(dir, `schema-${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(schema, `${NOTES}\n${SYNC}\n${VIEW}\n`);
  const db = createDatabase(dir, `${NOTES} INSERT INTO notes (body) VALUES ('written while the trigger was missing'); CREATE VIEW legacy AS SELECT 1;`);
  return { db, schema };
}

describe('views and triggers on the command line', () => {
  it('check --json names the view, the trigger and the FTS rebuild hint; exit 1', () => {
    const { db, schema } = setUp();
    const result = runCli(['check', '--db', db, '--schema', schema, '--json']);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.drift).toEqual([
      expect.objectContaining({ kind: 'missing_view', table: 'recent', view: 'recent', safe: true, sql: `${VIEW}` }),
      expect.objectContaining({ kind: 'missing_trigger', table: 'notes', trigger: 'notes_ai', safe: true }),
      expect.objectContaining({ kind: 'stale_fts_index', table: 'notes_fts', safe: false, hint: `INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');` }),
    ]);
    expect(report.extras).toEqual([expect.objectContaining({ kind: 'extra_view', view: 'legacy' })]);
  });

  it('repair prints what it created and the rebuild statement to run; exit 1 until the index is rebuilt', () => {
    const { db, schema } = setUp();
    const result = runCli(['repair', '--db', db, '--schema', schema]);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('applied: CREATE VIEW recent AS SELECT id, body FROM notes ORDER BY id DESC LIMIT 10;');
    expect(result.stdout).toContain('applied: CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN');
    expect(result.stdout).toContain(`UNSAFE stale_fts_index`);
    expect(result.stdout).toContain(`run: INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');`);
    expect(result.stdout).toContain('extra  extra_view');
    // The triggers and view are in place, but the index still misses the row written meanwhile: every check
    // says so (judged from the rows) until the operator's rebuild, then it is in sync. Before issue 16 the next
    // check exited 0 with the index still stale.
    const again = runCli(['check', '--db', db, '--schema', schema]);
    expect(again.status).toBe(1);
    expect(again.stdout).toContain('stale_fts_index');
    const conn = new Database(db);
    conn.exec(`INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');`);
    conn.close();
    expect(runCli(['check', '--db', db, '--schema', schema]).status).toBe(0);
  });
});
