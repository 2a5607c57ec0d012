import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { lineDiff, sqlLines } from '../../src/sql/sql-lines.js';
import { createDatabaseWithShell, runShell, tempDir } from '../support/temp-db.js';

/**
 * Unsafe items carry the statements an operator would run by hand (issue 17 item 6). Each case:
 * a live database made by Debian's sqlite3 shell, a declaration, `driftd check --json`; the
 * statements run in `sqlite3 -bail` must leave the database in sync with no row lost.
 */
const dir = tempDir('driftd-manual-fix-');

interface JsonDrift { kind: string; safe: boolean; manual?: { statements: string[]; note: string }; definitionDiff?: string[] }

async function check(db: string, declaredSql: string): Promise<{ code: number; drift: JsonDrift[]; text: string }> {
  const schema = join(dir, `declared-${Math.random().toString(36).slice(2)}.sql`);
  writeFileSync(schema, declaredSql);
  let stdout = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: () => undefined, env: {} };
  const code = await main(['check', '--db', db, '--schema', schema, '--json'], io);
  let text = '';
  const textIo: CliIo = { stdout: (chunk) => void (text += chunk), stderr: () => undefined, env: {} };
  await main(['check', '--db', db, '--schema', schema], textIo);
  return { code, drift: (JSON.parse(stdout) as { drift: JsonDrift[] }).drift, text };
}

const NOTES = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT, tags TEXT);';
const ROWS = "INSERT INTO notes (title, body, tags) VALUES ('a', 'alpha one', 'x'), ('b', 'beta two', 'y');";

// [what, live SQL (with rows), declared SQL, a query whose answer must survive the fix, the expected answer]
const CASES: ReadonlyArray<readonly [string, string, string, string, unknown]> = [
  ['view definition', `${NOTES} ${ROWS} CREATE VIEW v AS SELECT id, title FROM notes;`, `${NOTES} CREATE VIEW v AS SELECT id, title, body FROM notes WHERE id > 0;`, 'SELECT count(*) AS n FROM v', 2],
  [
    'trigger definition',
    `${NOTES} ${ROWS} CREATE TABLE log (x TEXT); CREATE TRIGGER tr AFTER INSERT ON notes BEGIN INSERT INTO log VALUES (new.title); END;`,
    `${NOTES} CREATE TABLE log (x TEXT); CREATE TRIGGER tr AFTER INSERT ON notes BEGIN INSERT INTO log VALUES (new.body); END;`,
    'SELECT count(*) AS n FROM notes',
    2,
  ],
  ['index definition', `${NOTES} ${ROWS} CREATE INDEX ni ON notes (title);`, `${NOTES} CREATE INDEX ni ON notes (title, body);`, 'SELECT count(*) AS n FROM notes', 2],
  [
    'external-content FTS5 gains a column and a tokenizer: dropped, re-created, rebuilt',
    `${NOTES} ${ROWS} CREATE VIRTUAL TABLE f USING fts5(title, body, content='notes', content_rowid='id'); INSERT INTO f(f) VALUES('rebuild');`,
    `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body, tags, content='notes', content_rowid='id', tokenize='porter unicode61');`,
    "SELECT count(*) AS n FROM f WHERE f MATCH 'alpha'",
    1,
  ],
  [
    'FTS5 holding its own rows gains a column: renamed, re-created, copied',
    "CREATE VIRTUAL TABLE f USING fts5(title, body); INSERT INTO f (title, body) VALUES ('a', 'alpha one'), ('b', 'beta two');",
    'CREATE VIRTUAL TABLE f USING fts5(title, body, tags);',
    "SELECT group_concat(rowid || ':' || title, ',') AS n FROM f WHERE f MATCH 'alpha OR beta'",
    '1:a,2:b',
  ],
  [
    'R*Tree gains a dimension: renamed, re-created, copied',
    'CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx); INSERT INTO r VALUES (1, 0, 10), (2, 5, 6);',
    'CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy);',
    'SELECT group_concat(id, \',\') AS n FROM r WHERE minx >= 0',
    '1,2',
  ],
];

describe('the statements an unsafe item gives an operator', () => {
  it.each(CASES)('%s: run in sqlite3 -bail, they leave the database in sync, rows kept', async (_what, liveSql, declaredSql, query, expected) => {
    const db = createDatabaseWithShell(dir, liveSql);
    const before = await check(db, declaredSql);
    expect(before.code).toBe(1);
    expect(before.drift.map((item) => item.safe)).toEqual([false]);
    const statements = before.drift[0]!.manual!.statements;
    expect(statements[0]).toBe('BEGIN IMMEDIATE;');
    expect(statements.at(-1)).toBe('COMMIT;');
    expect(before.text).toContain('to fix by hand');
    runShell(db, statements.join('\n'));
    const after = await check(db, declaredSql);
    expect(after).toMatchObject({ code: 0, drift: [] });
    const handle = new Database(db, { readonly: true });
    try {
      expect((handle.prepare(query).get() as { n: unknown }).n).toBe(expected);
    } finally {
      handle.close();
    }
  });

  it('a table rebuild points at `driftd plan` instead of writing statements', async () => {
    const db = createDatabaseWithShell(dir, `${NOTES} ${ROWS}`);
    const { drift, text } = await check(db, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT, tags TEXT);');
    expect(drift[0]).toMatchObject({ kind: 'column_not_null', manual: { statements: [] } });
    expect(drift[0]!.manual!.note).toContain('driftd plan');
    expect(text).toContain('to fix: a table rebuild');
  });
});

describe('a view or trigger that differs shows a line-by-line diff, not a token stream', () => {
  it('the changed clauses, live as -, declared as +', async () => {
    const live = `CREATE TABLE notebooks (id INTEGER PRIMARY KEY, name TEXT, color TEXT); ${NOTES.replace('tags TEXT', 'tags TEXT, notebook_id INT')}
      CREATE VIEW notebook_counts AS SELECT nb.id, nb.name, count(n.id) AS notes FROM notebooks AS nb LEFT JOIN notes AS n ON n.notebook_id = nb.id GROUP BY nb.id;`;
    const declared = live.replace('nb.name, count', 'nb.name, nb.color, count').replace('GROUP BY', 'WHERE n.tags IS NOT NULL GROUP BY');
    const { drift, text } = await check(createDatabaseWithShell(dir, live), declared);
    expect(drift[0]!.definitionDiff).toEqual([
      '- as select nb.id, nb.name, count(n.id) as notes',
      '+ as select nb.id, nb.name, nb.color, count(n.id) as notes',
      '  from notebooks as nb',
      '  left join notes as n on n.notebook_id = nb.id',
      '+ where n.tags is not null',
      '  group by nb.id',
    ]);
    expect(text).toContain('diff (- live, + declared):');
    expect(text).not.toContain('nb . id');
  });

  it('lays a trigger out one statement per line', () => {
    expect(sqlLines("after insert on notes begin insert into f ( rowid , title ) values ( new . id , new . title ) ; delete from log where x in ( select 1 ) ; end")).toEqual([
      'after insert on notes',
      'begin',
      '  insert into f(rowid, title) values (new.id, new.title);',
      '  delete from log',
      '  where x in (select 1);',
      'end',
    ]);
  });

  it('diffs by longest common subsequence', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c', 'd'])).toEqual(['  a', '- b', '+ x', '  c', '+ d']);
  });
});
