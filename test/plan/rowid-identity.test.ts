// Rebuilds that change which column is the rowid (issue 15 follow-up): a column becoming the
// INTEGER PRIMARY KEY, losing it, the key moving to another column, WITHOUT ROWID on either side.
// Each live table has rows whose ids are not their rowids and deleted rows leaving gaps; each runs
// through `driftd plan` + `driftd apply` on a real file, and every row's values must stay together.
// (A declared INTEGER PRIMARY KEY the rows cannot have is refused at plan time: data-loss-corpus.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createDatabase, tempDir } from '../support/temp-db.js';
import { contents, driftd, inDatabase, shellReadsEverything } from './plan-support.js';

interface IdentityCase {
  readonly name: string;
  readonly live: string;
  readonly declared: string;
  /** What the plan says of the rows' rowids. */
  readonly rowids: 'kept' | 'changed';
  /** The join key apply's value check uses. */
  readonly key: unknown;
  /** After apply: what the application reads (the rows by rowid, the AUTOINCREMENT counter). */
  readonly after?: (db: Database.Database) => void;
}

// Ids 10, 3, 7, 12 (under rowids 1-4 where the rowid is implicit), then id 3 deleted: ids and rowids differ, and both have gaps.
const ROWS = "INSERT INTO t (id, name) VALUES (10, 'a'), (3, 'b'), (7, 'c'), (12, 'd'); DELETE FROM t WHERE id = 3;";

const CASES: readonly IdentityCase[] = [
  {
    name: 'gaining an INTEGER PRIMARY KEY: the rowid becomes the id',
    live: `CREATE TABLE t (id INTEGER NOT NULL, name TEXT); ${ROWS}`,
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['id'] },
    after: (db) => {
      expect(db.prepare('SELECT rowid AS r, id, name FROM t ORDER BY rowid').all()).toEqual([
        { r: 7, id: 7, name: 'c' },
        { r: 10, id: 10, name: 'a' },
        { r: 12, id: 12, name: 'd' },
      ]);
    },
  },
  {
    name: 'gaining an INTEGER PRIMARY KEY AUTOINCREMENT: sqlite_sequence starts at the largest id',
    live: `CREATE TABLE t (id INTEGER, name TEXT); ${ROWS}`,
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['id'] },
    after: (db) => {
      expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 't'").get()).toEqual({ seq: 12 });
      expect(db.prepare("INSERT INTO t (name) VALUES ('e')").run().lastInsertRowid).toBe(13);
    },
  },
  {
    name: 'losing the INTEGER PRIMARY KEY: the rowids stay the old ids (not renumbered 1, 2, 3)',
    live: `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); ${ROWS}`,
    declared: 'CREATE TABLE t (id INTEGER, name TEXT);',
    rowids: 'kept',
    key: { kind: 'rowid' },
    after: (db) => {
      expect(db.prepare('SELECT rowid AS r, id, name FROM t ORDER BY rowid').all()).toEqual([
        { r: 7, id: 7, name: 'c' },
        { r: 10, id: 10, name: 'a' },
        { r: 12, id: 12, name: 'd' },
      ]);
    },
  },
  {
    name: 'an INTEGER PRIMARY KEY that becomes INT PRIMARY KEY (no longer the rowid)',
    live: `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT); ${ROWS}`,
    declared: 'CREATE TABLE t (id INT PRIMARY KEY, name TEXT);',
    rowids: 'kept',
    key: { kind: 'rowid' },
  },
  {
    name: 'the INTEGER PRIMARY KEY moved to another column',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, name TEXT); INSERT INTO t VALUES (1, 30, 'a'), (2, 20, 'b'), (5, 1, 'c'), (9, 2, 'd'); DELETE FROM t WHERE id = 2;",
    declared: 'CREATE TABLE t (id INTEGER, n INTEGER PRIMARY KEY, name TEXT);',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['n'] },
    after: (db) => {
      expect(db.prepare('SELECT rowid AS r, id, n, name FROM t ORDER BY rowid').all()).toEqual([
        { r: 1, id: 5, n: 1, name: 'c' },
        { r: 2, id: 9, n: 2, name: 'd' },
        { r: 30, id: 1, n: 30, name: 'a' },
      ]);
    },
  },
  {
    name: 'the AUTOINCREMENT key moved to another column: the counter is the new key\'s',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER NOT NULL, name TEXT); INSERT INTO t VALUES (1, 30, 'a'), (2, 20, 'b'), (50, 1, 'c'); DELETE FROM t WHERE id = 50;",
    declared: 'CREATE TABLE t (id INTEGER, n INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['n'] },
    after: (db) => {
      expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 't'").get()).toEqual({ seq: 30 });
    },
  },
  {
    name: 'an implicit rowid table made WITHOUT ROWID on its id',
    live: `CREATE TABLE t (id INTEGER NOT NULL, name TEXT); ${ROWS}`,
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT) WITHOUT ROWID;',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['id'] },
  },
  {
    name: 'a WITHOUT ROWID table made a rowid table whose INTEGER PRIMARY KEY is its key',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT) WITHOUT ROWID; INSERT INTO t VALUES (10, 'a'), (3, 'b'), (7, 'c');",
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['id'] },
    after: (db) => {
      expect(db.prepare('SELECT rowid AS r, name FROM t ORDER BY rowid').all()).toEqual([
        { r: 3, name: 'b' },
        { r: 7, name: 'c' },
        { r: 10, name: 'a' },
      ]);
    },
  },
  {
    name: 'a WITHOUT ROWID table made a rowid table with a text key (rowids are new)',
    live: "CREATE TABLE t (k TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID; INSERT INTO t VALUES ('z', 'a'), ('b', 'b'), ('m', 'c');",
    declared: 'CREATE TABLE t (k TEXT PRIMARY KEY, name TEXT);',
    rowids: 'changed',
    key: { kind: 'primary-key', columns: ['k'] },
  },
  {
    name: 'an INTEGER PRIMARY KEY on both sides (the rowid is the key, kept)',
    live: `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, w REAL); ${ROWS}`,
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, w INTEGER);',
    rowids: 'kept',
    key: { kind: 'rowid' },
  },
  {
    name: 'an implicit rowid on both sides, the id column unchanged (the rowid carried explicitly)',
    live: `CREATE TABLE t (id INTEGER, name TEXT, w REAL); ${ROWS}`,
    declared: 'CREATE TABLE t (id INTEGER, name TEXT, w INTEGER);',
    rowids: 'kept',
    key: { kind: 'rowid' },
    after: (db) => {
      expect(db.prepare('SELECT rowid AS r, id FROM t ORDER BY rowid').all()).toEqual([
        { r: 1, id: 10 },
        { r: 3, id: 7 },
        { r: 4, id: 12 },
      ]);
    },
  },
];

describe('a rebuild that changes which column is the rowid carries every row whole', () => {
  const dir = tempDir('driftd-plan-rowid-');

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', async (_name, index) => {
    const identity = CASES[index]!;
    const home = join(dir, `home-${index}`);
    const dbPath = createDatabase(dir, identity.live, { name: `case-${index}.db` });
    const schemaPath = join(dir, `case-${index}.sql`);
    writeFileSync(schemaPath, identity.declared);
    const planPath = join(dir, `case-${index}.plan.json`);
    // Rows compared by their values only (the rowid may change): every row's values stay together.
    // (sqlite_sequence aside: where the key moves, its counter is the new key's, checked in `after`.)
    const before = contents(dbPath, [], ['t']).t;
    const beforeRowids = contents(dbPath);

    const planned = await driftd(home, ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath]);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const [rebuild] = JSON.parse(readFileSync(planPath, 'utf8')).tables;
    expect(rebuild.key).toEqual(identity.key);
    expect(rebuild.rowids.kept).toBe(identity.rowids === 'kept');
    if (identity.rowids === 'changed') expect(rebuild.rowids.why).toMatch(/row identity changes|no rowid/);
    expect(planned.stdout).toContain(rebuild.rowids.why);

    const applied = await driftd(home, ['apply', planPath]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(contents(dbPath, [], ['t']).t).toEqual(before);
    if (identity.rowids === 'kept') expect(contents(dbPath)).toEqual(beforeRowids);
    const checked = await driftd(home, ['check', '--db', dbPath, '--schema', schemaPath]);
    expect(checked.stdout).toContain('in sync');
    expect(shellReadsEverything(dbPath).split('\n')[0]).toBe('ok');
    if (identity.after) inDatabase(dbPath, identity.after);
  });
});
