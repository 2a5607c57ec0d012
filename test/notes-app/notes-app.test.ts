import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { main } from '../../src/cli/main.js';
import { createDatabaseWithShell, runShell, tempDir } from '../support/temp-db.js';

/**
 * The newcomer's notes app (issue 17's proof): release 1 — FTS5 over an external content table
 * kept in sync by triggers, a view, a WITHOUT ROWID table — built by Debian's sqlite3 shell with
 * users' rows; release 2 adds columns, an index, a table and a trigger, and changes the FTS5
 * column list (and tokenizer), so the sync triggers change too. driftd must repair what is safe,
 * name the rest with readable diffs and the statements to run, and those statements, run by hand
 * in `sqlite3 -bail`, must leave the database in sync with every row and a working index.
 */
const FIXTURES = join(__dirname, 'fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const dir = tempDir('driftd-notes-app-');
const V2 = join(FIXTURES, 'notes-v2.sql');

interface JsonDrift { kind: string; table: string; column?: string; index?: string; trigger?: string; safe: boolean; manual?: { statements: string[] }; definitionDiff?: string[] }
interface JsonReport { inSync: boolean; drift: JsonDrift[]; extras: unknown[]; applied: Array<{ sql: string }>; remaining: JsonDrift[] }

async function driftd(...argv: string[]): Promise<{ code: number; json: JsonReport }> {
  let stdout = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: () => undefined, env: { XDG_STATE_HOME: dir } };
  const code = await main([...argv, '--json'], io);
  return { code, json: JSON.parse(stdout) as JsonReport };
}

const label = (item: JsonDrift): string => `${item.safe ? 'safe' : 'unsafe'} ${item.kind} ${[item.table, item.column ?? item.index ?? item.trigger].filter(Boolean).join('.')}`;

function query<T>(db: string, sql: string): T[] {
  const handle = new Database(db, { readonly: true });
  try {
    return handle.prepare(sql).all() as T[];
  } finally {
    handle.close();
  }
}

describe('the notes app upgraded from release 1 to release 2', () => {
  it('release 1 is in sync with its own declaration (FTS5, sync triggers, view, WITHOUT ROWID)', async () => {
    const db = createDatabaseWithShell(dir, `${fixture('notes-v1.sql')}\n${fixture('notes-v1-data.sql')}`);
    const v1 = join(dir, 'notes-v1.sql');
    writeFileSync(v1, fixture('notes-v1.sql'));
    expect(await driftd('check', '--db', db, '--schema', v1)).toMatchObject({ code: 0, json: { inSync: true, drift: [], extras: [] } });
  });

  it('check names every difference; repair applies the safe ones; the statements it gives finish the upgrade by hand', async () => {
    const db = createDatabaseWithShell(dir, `${fixture('notes-v1.sql')}\n${fixture('notes-v1-data.sql')}`);
    const check = await driftd('check', '--db', db, '--schema', V2);
    expect(check.code).toBe(1);
    expect(check.json.drift.map(label).sort()).toEqual(
      [
        'safe missing_column notes.pinned',
        'safe missing_column notes.summary',
        'safe missing_column notes.updated_at',
        'safe missing_index notes.notes_by_notebook',
        'safe missing_table attachments',
        'safe missing_trigger notes.notes_touch',
        'unsafe virtual_table_definition notes_fts',
        'unsafe trigger_definition notes.notes_ai',
        'unsafe trigger_definition notes.notes_ad',
        'unsafe trigger_definition notes.notes_au',
      ].sort(),
    );
    // The FTS5 column list and tokenizer change shows as the arguments that changed.
    const fts = check.json.drift.find((item) => item.kind === 'virtual_table_definition')!;
    expect(fts.definitionDiff).toEqual(['  using fts5(', '    title,', '    body,', '+   summary,', "    content='notes',", "    content_rowid='id',", "+   tokenize='porter unicode61',", '  )']);

    const repair = await driftd('repair', '--db', db, '--schema', V2);
    expect(repair.code).toBe(1);
    expect(repair.json.applied).toHaveLength(6);
    expect(repair.json.remaining.map(label).sort()).toEqual(check.json.drift.filter((item) => !item.safe).map(label).sort());

    // What an operator does next: each remaining item's statements, in report order, in sqlite3 -bail.
    for (const item of repair.json.remaining) runShell(db, item.manual!.statements.join('\n'));
    expect(await driftd('check', '--db', db, '--schema', V2)).toMatchObject({ code: 0, json: { inSync: true, drift: [], extras: [] } });

    // Nothing lost: every note, tag (WITHOUT ROWID) and the view; the database is sound.
    expect(query<{ id: number; title: string; pinned: number }>(db, 'SELECT id, title, pinned FROM notes ORDER BY id')).toEqual([
      { id: 1, title: 'Quarterly plan', pinned: 0 },
      { id: 2, title: 'Standup', pinned: 0 },
      { id: 3, title: 'Groceries', pinned: 0 },
    ]);
    expect(query<{ n: number }>(db, 'SELECT count(*) AS n FROM note_tags')).toEqual([{ n: 4 }]);
    expect(query(db, 'SELECT name, notes FROM notebook_counts ORDER BY id')).toEqual([{ name: 'work', notes: 2 }, { name: 'home', notes: 1 }]);
    expect(query(db, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    // The rebuilt index holds the old rows and stems (porter): "deploying" finds "deploy".
    expect(query(db, "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'deploying'")).toEqual([{ rowid: 2 }]);
    // The new triggers work: a summary is indexed and stamps updated_at.
    runShell(db, "UPDATE notes SET summary = 'hiring plans' WHERE id = 1;");
    expect(query(db, "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'summary:hire'")).toEqual([{ rowid: 1 }]);
    expect(query<{ stamped: number }>(db, 'SELECT updated_at IS NOT NULL AS stamped FROM notes WHERE id = 1')).toEqual([{ stamped: 1 }]);
    // FTS5's own check of the index against its content table (fts5.html#the_integrity_check_command): the shell fails on a mismatch.
    expect(runShell(db, "INSERT INTO notes_fts(notes_fts, rank) VALUES('integrity-check', 1);")).toBe('');
  });
});
