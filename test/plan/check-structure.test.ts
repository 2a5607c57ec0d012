import { openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { indexEntryProblems, partialWhere, structureProblems } from '../../src/plan/check-structure.js';
import { schemaFingerprint } from '../../src/plan/schema-fingerprint.js';
import { verifyCopy } from '../../src/plan/verify-copy.js';
import { createDatabase, tempDir } from '../support/temp-db.js';
import { contents, driftd } from './plan-support.js';

const TABLE = `
  CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT UNIQUE);
  CREATE INDEX t_a ON t (a);
  CREATE INDEX t_b_big ON t (b) WHERE b > 50;
  CREATE INDEX t_expr ON t (lower(a), b DESC);
  WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 100)
  INSERT INTO t (a, b, c) SELECT 'a' || (i % 7), i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'c' || i END FROM k;`;

/** Edits sqlite_schema behind SQLite's back (writable_schema), as a damaged or tampered file would read. */
function rewriteSchema(path: string, sql: string): void {
  const db = new Database(path);
  db.unsafeMode(true);
  db.exec(`PRAGMA writable_schema = ON; ${sql}; PRAGMA writable_schema = OFF;`);
  db.close();
}

describe('the structure checks of apply: quick_check and the index entry counts find what they must', () => {
  const dir = tempDir('driftd-check-structure-');

  it('a sound table, with a full, a partial, an expression and a UNIQUE index: no problem, at either depth', () => {
    const db = new Database(createDatabase(dir, TABLE, { name: 'sound.db' }));
    expect(indexEntryProblems(db, 't')).toEqual([]);
    expect(indexEntryProblems(db, 'T')).toEqual([]);
    expect(structureProblems(db, 'quick', 't')).toEqual([]);
    expect(structureProblems(db, 'full', 't')).toEqual([]);
    expect(structureProblems(db, 'quick')).toEqual([]);
    db.close();
  });

  it('an index missing entries, and one holding entries for rows it does not cover, are each named', () => {
    const path = createDatabase(dir, TABLE, { name: 'miscounted.db' });
    // The full index now claims to be partial (it holds all 100 rows, covers 50); the partial one
    // claims to be full (it holds 50 entries for 100 rows). SQLite 3.53's quick_check counts the
    // entries of a full index only: it sees the second, not the first.
    rewriteSchema(path, `UPDATE sqlite_schema SET sql = 'CREATE INDEX t_a ON t (a) WHERE b > 50' WHERE name = 't_a'; UPDATE sqlite_schema SET sql = 'CREATE INDEX t_b_big ON t (b)' WHERE name = 't_b_big'`);
    const db = new Database(path);
    expect(structureProblems(db, 'quick', 't')).toEqual(['PRAGMA quick_check: wrong # of entries in index t_b_big']);
    expect(indexEntryProblems(db, 't')).toEqual(['index "t_a" holds 100 entries for 50 rows', 'index "t_b_big" holds 50 entries for 100 rows']);
    // integrity_check finds it too, by looking every row up.
    expect(structureProblems(db, 'full', 't').length).toBeGreaterThan(0);
    db.close();
  });

  it('a damaged page: quick_check of the table and of the whole file both say so', () => {
    const path = createDatabase(dir, TABLE, { name: 'damaged.db' });
    const db0 = new Database(path);
    const { page_size: pageSize } = db0.prepare('PRAGMA page_size').get() as { page_size: number };
    const { rootpage } = db0.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 't'").get() as { rootpage: number };
    db0.close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xee), 0, 64, (rootpage - 1) * pageSize + 8);
    closeSync(fd);
    const db = new Database(path, { readonly: true });
    expect(structureProblems(db, 'quick', 't')[0]).toMatch(/^PRAGMA quick_check: /);
    expect(structureProblems(db, 'quick').length).toBeGreaterThan(0);
    db.close();
  });

  it('the backup copy: page count, schema fingerprint, rows of each rebuilt table, quick_check', () => {
    const path = createDatabase(dir, TABLE, { name: 'copy.db' });
    const pages = statSync(path).size / 4096;
    const db = new Database(path, { readonly: true });
    const fingerprint = schemaFingerprint(db);
    db.close();
    const expected = { pages, fingerprint, counts: new Map([['t', 100]]), depth: 'quick' as const };
    expect(verifyCopy(path, expected)).toBeNull();
    expect(verifyCopy(path, { ...expected, depth: 'full' })).toBeNull();
    expect(verifyCopy(path, { ...expected, pages: pages + 1 })).toBe(`the copy has ${pages} pages, the database ${pages + 1}`);
    expect(verifyCopy(path, { ...expected, fingerprint: `sha256:${'0'.repeat(64)}` })).toBe(`the copy's schema is ${fingerprint}, the database's sha256:${'0'.repeat(64)}`);
    expect(verifyCopy(path, { ...expected, counts: new Map([['t', 99]]) })).toBe('the copy holds 100 rows of "t", the database 99');
    const bytes = readFileSync(path);
    bytes.fill(0xee, 4096 + 8, 4096 + 72);
    const damaged = join(dir, 'copy-damaged.db');
    writeFileSync(damaged, bytes);
    expect(verifyCopy(damaged, expected)).toMatch(/^the copy fails PRAGMA quick_check: /);
  });

  it.each([
    ['CREATE INDEX i ON t (a)', null],
    ['CREATE INDEX i ON t (a) WHERE b > 5', '(b > 5)'],
    ['CREATE UNIQUE INDEX "w" ON t (a, (CASE WHEN b THEN 1 END)) where (a IS NOT NULL) AND b IN (SELECT 1)', '((a IS NOT NULL) AND b IN (SELECT 1))'],
    ['CREATE INDEX "where" ON "where" ("where")', null],
  ])('partialWhere(%s)', (sql, where) => {
    expect(partialWhere(sql)).toBe(where);
  });
});

describe('apply: a copy that does not carry every row and value is caught before COMMIT', () => {
  const dir = tempDir('driftd-apply-value-check-');
  const LIVE = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, qty REAL); CREATE INDEX items_name ON items (name);
    INSERT INTO items VALUES (1, 'a', 1.0), (2, 'b', 2.0), (3, 'c', NULL), (4, 'd', 4.0);`;
  const DECLARED = 'CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE, qty INTEGER);\nCREATE INDEX items_name ON items (name);\n';
  let n = 0;

  /** Plans the type change, then edits the plan's copy step (a reviewer's slip, a bug). */
  async function applyEdited(edit: (sql: string) => string): Promise<{ code: number; stderr: string; before: unknown; after: unknown }> {
    const id = ++n;
    const home = join(dir, `home-${id}`);
    const dbPath = createDatabase(dir, LIVE, { name: `v-${id}.db` });
    const schemaPath = join(dir, `v-${id}.sql`);
    writeFileSync(schemaPath, DECLARED);
    const planPath = join(dir, `v-${id}.plan.json`);
    expect((await driftd(home, ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    const copy = plan.tables[0].steps.find((step: { role: string }) => step.role === 'copy');
    copy.sql = edit(copy.sql);
    writeFileSync(planPath, JSON.stringify(plan));
    const before = contents(dbPath);
    const run = await driftd(home, ['apply', planPath]);
    return { code: run.code, stderr: run.stderr, before, after: contents(dbPath) };
  }

  it('the plan as made applies (the edits below are what fails)', async () => {
    const run = await applyEdited((sql) => sql);
    expect(run.code).toBe(0);
  });

  it.each([
    ['a value changed', (sql: string) => sql.replace('SELECT "id", "name", "qty"', 'SELECT "id", "name", CASE WHEN "id" = 2 THEN 3 ELSE "qty" END'), /2 rows were not carried with equal values|1 rows were not carried with equal values \(rowids 2\)/],
    ['text changed in case only (the column is NOCASE: equal to SQLite, not to the check)', (sql: string) => sql.replace('SELECT "id", "name", "qty"', 'SELECT "id", upper("name"), "qty"'), /4 rows were not carried with equal values \(rowids 1, 2, 3, 4\)/],
    ['a NULL written where there was a value', (sql: string) => sql.replace('SELECT "id", "name", "qty"', 'SELECT "id", "name", CASE WHEN "id" = 4 THEN NULL ELSE "qty" END'), /1 rows were not carried with equal values \(rowids 4\)/],
    ['a row left out', (sql: string) => sql.replace(/;$/, ' WHERE "id" <> 3;'), /row counts differ: 4 before, 4 in the old table and 3 in the new one/],
  ])('%s: APPLY_VERIFY_FAILED, exit 2, nothing changed', async (_name, edit, message) => {
    const run = await applyEdited(edit);
    expect(run.stderr).toMatch(/APPLY_VERIFY_FAILED/);
    expect(run.stderr).toMatch(message);
    expect(run.code).toBe(2);
    expect(run.after).toEqual(run.before);
  });
});
