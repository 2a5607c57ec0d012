import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { openSqlite } from '../../src/db/open-sqlite.js';
import { createDatabase, runShell, tempDir } from '../support/temp-db.js';

/**
 * NOT NULL and CHECK changed in place with SQLite 3.53's ALTER TABLE (issue 15 item 3), and one
 * refused step never taking the others down (issue 17 item 5), on real files. After every change
 * Debian's sqlite3 shell (3.40) opens the file, checks it and reads the table.
 */
const dir = tempDir('driftd-in-place-');

const ORDERS = `CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT);
INSERT INTO orders (qty, note) VALUES (1, 'a'), (2, 'b'), (3, NULL);`;

function repair(path: string, declaredSql: string) {
  return checkDatabase({ dbPath: path, declared: declaredSchemaFromSql(declaredSql, 'declared.sql'), mode: 'repair', busyTimeoutMs: 1000 });
}

function tableSql(path: string, table: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT sql FROM sqlite_schema WHERE name = ?').get(table) as { sql: string }).sql;
  } finally {
    db.close();
  }
}

/** The stock shell opens the file, finds it sound and reads every row. */
function shellReads(path: string, table: string, rows: number): void {
  expect(runShell(path, `PRAGMA integrity_check; SELECT count(*) FROM "${table}";`)).toBe(`ok\n${rows}\n`);
}

describe('the bundled SQLite has the in-place ALTER TABLE forms', () => {
  it('is 3.53 or later, and SET/DROP NOT NULL, ADD CHECK and DROP CONSTRAINT work as relied on', () => {
    const db = openSqlite(':memory:');
    try {
      const version = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      const [major, minor] = version.split('.').map(Number);
      expect(major! > 3 || (major === 3 && minor! >= 53)).toBe(true);
      db.exec('CREATE TABLE t (a INT, b INT); INSERT INTO t VALUES (1, NULL);');
      db.exec('ALTER TABLE t ALTER COLUMN a SET NOT NULL');
      expect(() => db.exec('ALTER TABLE t ALTER COLUMN b SET NOT NULL')).toThrow(/constraint failed/);
      db.exec('ALTER TABLE t ALTER COLUMN a DROP NOT NULL');
      db.exec('ALTER TABLE t ADD CONSTRAINT pos CHECK (a > 0)');
      expect(() => db.exec('ALTER TABLE t ADD CHECK (a > 5)')).toThrow(/constraint failed/);
      db.exec('ALTER TABLE t DROP CONSTRAINT pos');
      expect((db.prepare("SELECT sql FROM sqlite_schema WHERE name = 't'").get() as { sql: string }).sql).toBe('CREATE TABLE t (a INT, b INT)');
    } finally {
      db.close();
    }
  });
});

// [what, declared, starting SQL, expected applied kinds, the table's SQL after]
const APPLIED: ReadonlyArray<readonly [string, string, string, readonly string[], string]> = [
  ['SET NOT NULL when no row holds NULL', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT NOT NULL, note TEXT);', ORDERS, ['column_not_null'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT NOT NULL, note TEXT)'],
  ['DROP NOT NULL: the declaration is looser', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT);', ORDERS.replace('qty INT', 'qty INT NOT NULL'), ['column_not_null'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT)'],
  ['a column CHECK added as a table constraint', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT CHECK (qty > 0), note TEXT);', ORDERS, ['missing_check'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, CHECK (qty > 0))'],
  ['a named table CHECK added with its name', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, CONSTRAINT qty_small CHECK (qty < 10));', ORDERS, ['missing_check'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, CONSTRAINT qty_small CHECK (qty < 10))'],
  ['a named undeclared CHECK dropped', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT);', ORDERS.replace('qty INT', 'qty INT CONSTRAINT qty_pos CHECK (qty > 0)'), ['undeclared_check'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT)'],
  ['a named CHECK with another expression replaced', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, CONSTRAINT qty_range CHECK (qty BETWEEN 1 AND 5));', ORDERS.replace('note TEXT)', 'note TEXT, CONSTRAINT qty_range CHECK (qty > 0))'), ['check_definition'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, CONSTRAINT qty_range CHECK (qty BETWEEN 1 AND 5))'],
  ['a CHECK with a stock-SQLite "string" literal', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT CHECK (note <> "x"));', ORDERS.replace(', NULL)', ", 'c')"), ['missing_check'], 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, CHECK (note <> "x"))'],
];

describe('in-place changes apply when no row violates them, and the check after is in sync', () => {
  it.each(APPLIED)('%s', async (_what, declaredSql, liveSql, kinds, after) => {
    const path = createDatabase(dir, liveSql);
    const checked = await checkDatabase({ dbPath: path, declared: declaredSchemaFromSql(declaredSql, 'declared.sql'), mode: 'check', busyTimeoutMs: 1000 });
    expect(checked.drift.map((item) => [item.kind, item.safe])).toEqual(kinds.map((kind) => [kind, true]));
    const report = await repair(path, declaredSql);
    expect(report.applied.map((step) => step.kind)).toEqual(kinds);
    expect(report.inSync).toBe(true);
    expect(tableSql(path, 'orders')).toBe(after);
    expect((await repair(path, declaredSql)).applied).toEqual([]);
    shellReads(path, 'orders', 3);
  });
});

describe('rows that violate a change keep it out, counted, with rowids; the other steps apply', () => {
  it.each([
    ['SET NOT NULL over NULLs', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT NOT NULL);', 'column_not_null', /1 existing row of "orders" violates NOT NULL on "orders"."note" \(rowid 3\)/],
    ['ADD CHECK over violating rows', 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT CHECK (qty < 2), note TEXT);', 'missing_check', /2 existing rows of "orders" violate CHECK \(qty < 2\) \(rowids 2, 3; ADD CHECK refuses a row where the expression is NULL too\)/],
  ])('%s', async (_what, declaredTable, kind, reason) => {
    const path = createDatabase(dir, ORDERS);
    const declaredSql = `${declaredTable} CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT); CREATE INDEX orders_qty ON orders (qty);`;
    const before = tableSql(path, 'orders');
    const report = await repair(path, declaredSql);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table', 'missing_index']);
    expect(report.remaining).toEqual([expect.objectContaining({ kind, safe: false, reason: expect.stringMatching(reason) })]);
    expect(tableSql(path, 'orders')).toBe(before);
    shellReads(path, 'orders', 3);
  });

  it('a row where the CHECK is NULL: a CHECK lets it through, but ADD CHECK refuses it, so it is counted', async () => {
    const path = createDatabase(dir, ORDERS);
    const report = await repair(path, 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT CHECK (note <> "x"));');
    expect(report.applied).toEqual([]);
    expect(report.remaining).toEqual([expect.objectContaining({ kind: 'missing_check', safe: false, reason: expect.stringMatching(/1 existing row .* \(rowid 3;/) })]);
  });

  it('a CHECK named with a name that needs quotes cannot be dropped in place (SQLite 3.53 does not unquote it): unsafe, with the plan hint', async () => {
    const path = createDatabase(dir, ORDERS.replace('note TEXT)', 'note TEXT, CONSTRAINT "qty positive" CHECK (qty > 0))'));
    const report = await repair(path, 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT);');
    expect(report.drift).toEqual([expect.objectContaining({ kind: 'undeclared_check', safe: false, reason: expect.stringContaining('needs a table rebuild: driftd plan') })]);
  });

  it('an unnamed undeclared CHECK cannot be dropped in place: unsafe, with the plan hint', async () => {
    const path = createDatabase(dir, ORDERS.replace('qty INT', 'qty INT CHECK (qty > 0)'));
    const report = await repair(path, 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT);');
    expect(report.drift).toEqual([expect.objectContaining({ kind: 'undeclared_check', safe: false, reason: expect.stringContaining('needs a table rebuild: driftd plan') })]);
    expect(report.applied).toEqual([]);
  });
});

describe('issue 17: a CHECK existing rows violate is not called safe, and does not take the good steps down', () => {
  const declaredSql = `CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, x INT NOT NULL DEFAULT 9 CHECK (x < 5));
    CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT); CREATE INDEX orders_qty ON orders (qty);`;

  it('ADD COLUMN … NOT NULL DEFAULT 9 CHECK (x < 5) over rows: counted inside the transaction, left out per step, the other two commit', async () => {
    const path = createDatabase(dir, ORDERS);
    const report = await repair(path, declaredSql);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table', 'missing_index']);
    expect(report.remaining).toEqual([
      expect.objectContaining({ kind: 'missing_column', column: 'x', safe: false, reason: expect.stringMatching(/3 existing rows of "orders" violate CHECK \(x < 5\) \(rowids 1, 2, 3\); it was left out and the rest applied/) }),
    ]);
    expect(tableSql(path, 'orders')).toBe('CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT)');
    shellReads(path, 'orders', 3);
  });

  it('on an empty table the same column is added (no row violates)', async () => {
    const path = createDatabase(dir, 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT);');
    const report = await repair(path, declaredSql);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table', 'missing_column', 'missing_index']);
    expect(report.inSync).toBe(true);
  });

  it('a step SQLite refuses for a reason no probe counts is rolled back alone under its savepoint, reported per step', async () => {
    // A VIRTUAL generated NOT NULL column whose expression is NULL for existing rows: SQLite refuses the ADD COLUMN itself.
    const path = createDatabase(dir, ORDERS);
    const report = await repair(path, `CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT, note TEXT, g TEXT AS (note) NOT NULL);
      CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT);`);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table']);
    expect(report.remaining).toEqual([expect.objectContaining({ kind: 'missing_column', column: 'g', safe: false, reason: expect.stringMatching(/SQLite refused step 2 of 2 .*left out and the rest applied/) })]);
    shellReads(path, 'audit', 0);
  });

  it('the file is unchanged byte for byte when every step is refused', async () => {
    const path = createDatabase(dir, ORDERS);
    const before = readFileSync(path);
    const report = await repair(path, 'CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT CHECK (qty > 2), note TEXT NOT NULL);');
    expect(report.applied).toEqual([]);
    expect(report.remaining.map((item) => [item.kind, item.safe])).toEqual([
      ['column_not_null', false],
      ['missing_check', false],
    ]);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('check and --dry-run count too: a change the rows violate is never listed as safe', () => {
  it.each(['check', 'dry-run'] as const)('%s', async (mode) => {
    const path = createDatabase(dir, ORDERS);
    const declared = declaredSchemaFromSql('CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INT CHECK (qty < 3), note TEXT, x INT NOT NULL DEFAULT 9 CHECK (x < 5));', 'declared.sql');
    const report = await checkDatabase({ dbPath: path, declared, mode, busyTimeoutMs: 1000 });
    expect(report.drift.map((item) => [item.kind, item.safe])).toEqual([
      ['missing_column', false],
      ['missing_check', false],
    ]);
    expect(report.drift[0]!.reason).toMatch(/3 existing rows of "orders" violate CHECK \(x < 5\) \(rowids 1, 2, 3\); repair leaves it out and applies the rest/);
    expect(report.drift[1]!.reason).toMatch(/1 existing row of "orders" violates CHECK \(qty < 3\) \(rowid 3;/);
    expect(report.drift.some((item) => 'sql' in item)).toBe(false);
  });
});
