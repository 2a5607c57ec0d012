import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import type { Schema } from '../../src/schema/schema-model.js';
import { createDatabase, fileBytes, tempDir } from '../support/temp-db.js';

/**
 * Repairs of views and triggers against real files with rows: what is created,
 * in which order, what waits and why, and what is never touched.
 */
const dir = tempDir('driftd-views-triggers-');

const declare = (sql: string): Schema => declaredSchemaFromSql(sql, 'declared.sql');

function query<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const repair = (path: string, declared: Schema) => checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });

const ORDERS = 'CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL);';
const ROWS = "INSERT INTO orders (customer, total) VALUES ('ann', 10), ('bob', 20), ('ann', 5);";

describe('missing views and triggers', () => {
  it('are created after the tables and columns they read, views before the triggers and views that use them', async () => {
    const declared = declare(`
      ${ORDERS.replace('total REAL', 'total REAL, status TEXT DEFAULT \'open\'')}
      CREATE TABLE audit (order_id INT, at TEXT);
      CREATE VIEW open_orders AS SELECT id, customer FROM orders WHERE status = 'open';
      CREATE VIEW ann_open AS SELECT id FROM open_orders WHERE customer = 'ann';
      CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit (order_id, at) VALUES (new.id, 'now'); END;
      CREATE TRIGGER ann_open_insert INSTEAD OF INSERT ON ann_open BEGIN INSERT INTO orders (customer) VALUES ('ann'); END;`);
    const path = createDatabase(dir, `${ORDERS} ${ROWS}`);
    const report = await repair(path, declared);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table', 'missing_column', 'missing_view', 'missing_view', 'missing_trigger', 'missing_trigger']);
    expect(report.applied.map((step) => step.view ?? step.trigger ?? step.table)).toEqual(['audit', 'orders', 'open_orders', 'ann_open', 'orders_audit', 'ann_open_insert']);
    expect(report.inSync).toBe(true);
    expect(query(path, 'SELECT count(*) AS n FROM ann_open')).toEqual([{ n: 2 }]);
    // The re-created triggers work: an insert through the view lands in orders and is audited.
    const db = new Database(path);
    db.exec('INSERT INTO ann_open (id) VALUES (NULL)');
    db.close();
    expect(query(path, 'SELECT count(*) AS n FROM audit')).toEqual([{ n: 1 }]);
    expect(query(path, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('a view or trigger over a column that cannot be added waits, unsafe, with the reason; the rest applies', async () => {
    const declared = declare(`
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL, region TEXT NOT NULL, note TEXT);
      CREATE VIEW by_region AS SELECT region, sum(total) AS total FROM orders GROUP BY region;
      CREATE VIEW big_by_region AS SELECT * FROM by_region WHERE total > 100;
      CREATE VIEW customers AS SELECT DISTINCT customer FROM orders;
      CREATE TRIGGER region_upper AFTER INSERT ON orders BEGIN UPDATE orders SET region = upper(new.region) WHERE id = new.id; END;`);
    const path = createDatabase(dir, `${ORDERS} ${ROWS}`);
    const report = await repair(path, declared);
    expect(report.applied.map((step) => step.column ?? step.view ?? step.trigger)).toEqual(['note', 'customers']);
    const waiting = report.remaining.filter((item) => !item.safe).map((item) => [item.kind, item.view ?? item.trigger ?? item.column, item.reason]);
    expect(waiting).toEqual([
      ['missing_column', 'region', expect.stringContaining('NOT NULL column without a non-NULL default')],
      // "note" was added and "region" cannot be: ADD COLUMN would append it after "note", not before as declared.
      ['column_order', undefined, expect.stringContaining('an INSERT without a column list')],
      ['missing_view', 'by_region', 'view "by_region" names column "orders"."region", which is missing and cannot be added automatically; it waits for that column'],
      ['missing_view', 'big_by_region', 'view "big_by_region" needs view "by_region", which is missing and cannot be created automatically; it waits for it'],
      ['missing_trigger', 'region_upper', 'trigger "region_upper" names column "orders"."region", which is missing and cannot be added automatically; it waits for that column'],
    ]);
    expect(query(path, "SELECT name FROM sqlite_schema WHERE type IN ('view', 'trigger') ORDER BY name")).toEqual([{ name: 'customers' }]);
    expect(query(path, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  });

  it('a view that does not compile against the database is left out under a savepoint; the other steps commit', async () => {
    // The declaration names a table it does not declare: CREATE VIEW accepts that (names resolve when read).
    const declared = declare(`${ORDERS.replace('total REAL', 'total REAL, note TEXT')} CREATE VIEW v AS SELECT * FROM customers_elsewhere;`);
    const path = createDatabase(dir, `${ORDERS} ${ROWS}`);
    const report = await repair(path, declared);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_column']);
    const left = report.remaining.find((item) => item.kind === 'missing_view');
    expect(left?.safe).toBe(false);
    expect(left?.reason).toMatch(/^view "v" does not compile against this database \(no such table: (main\.)?customers_elsewhere\); it was left out/);
    expect(query(path, "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'view'")).toEqual([{ n: 0 }]);
    expect(query(path, 'SELECT note FROM orders LIMIT 1')).toEqual([{ note: null }]);
  });
});

describe('views and triggers that differ or are undeclared', () => {
  it('are reported and never touched: repair leaves the file byte-identical', async () => {
    const declared = declare(`${ORDERS}
      CREATE VIEW totals AS SELECT customer, sum(total) AS total FROM orders GROUP BY customer;
      CREATE TRIGGER no_negative BEFORE INSERT ON orders WHEN new.total < 0 BEGIN SELECT raise(ABORT, 'negative'); END;`);
    const path = createDatabase(
      dir,
      `${ORDERS} ${ROWS}
       CREATE VIEW totals AS SELECT customer, count(*) AS total FROM orders GROUP BY customer;
       CREATE TRIGGER no_negative BEFORE INSERT ON orders WHEN new.total <= 0 BEGIN SELECT raise(ABORT, 'negative'); END;
       CREATE VIEW report AS SELECT 1;
       CREATE TRIGGER app_own AFTER DELETE ON orders BEGIN SELECT 1; END;`,
    );
    const before = fileBytes(path);
    const report = await repair(path, declared);
    expect(report.drift.map((item) => [item.kind, item.safe])).toEqual([
      ['view_definition', false],
      ['trigger_definition', false],
    ]);
    expect(report.drift[0]!.reason).toContain('driftd never drops');
    expect(report.extras.map((item) => item.kind)).toEqual(['extra_view', 'extra_trigger']);
    expect(report.applied).toEqual([]);
    expect(fileBytes(path).equals(before)).toBe(true);
  });
});

describe('FTS5 external-content sync triggers', () => {
  const FTS = `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
    CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');`;
  const TRIGGERS = `
    CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body); END;
    CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.id, old.body); END;`;

  it('re-created: the rows written meanwhile are reported as their own unsafe item with the rebuild statement, which restores them', async () => {
    const path = createDatabase(dir, `${FTS} ${TRIGGERS} INSERT INTO notes (body) VALUES ('apple pie');
      DROP TRIGGER notes_ai; DROP TRIGGER notes_ad; INSERT INTO notes (body) VALUES ('banana split');`);
    const search = (word: string) => query<{ id: number }>(path, `SELECT rowid AS id FROM notes_fts WHERE notes_fts MATCH '${word}'`);
    expect(search('banana')).toEqual([]);

    const report = await repair(path, declare(`${FTS} ${TRIGGERS}`));
    expect(report.drift.map((item) => [item.kind, item.safe])).toEqual([
      ['missing_trigger', true],
      ['missing_trigger', true],
      ['stale_fts_index', false],
    ]);
    const stale = report.remaining.find((item) => item.kind === 'stale_fts_index');
    expect(stale?.hint).toBe(`INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');`);
    expect(stale?.reason).toContain('"notes_ai", "notes_ad" were missing');
    expect(report.applied.map((step) => step.trigger)).toEqual(['notes_ai', 'notes_ad']);
    expect(report.inSync).toBe(false);

    const db = new Database(path);
    db.exec(stale!.hint!);
    db.exec("INSERT INTO notes (body) VALUES ('cherry tart')");
    db.exec("INSERT INTO notes_fts(notes_fts, rank) VALUES ('integrity-check', 1)");
    db.close();
    expect(search('banana')).toEqual([{ id: 2 }]);
    expect(search('cherry')).toEqual([{ id: 3 }]);
    expect((await checkDatabase({ dbPath: path, declared: declare(`${FTS} ${TRIGGERS}`), mode: 'check', busyTimeoutMs: 1000 })).inSync).toBe(true);
  });

  it('the FTS table itself missing over rows: created empty, reported with the rebuild statement, which indexes them', async () => {
    const path = createDatabase(dir, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('apple pie'), ('banana split');");
    const report = await repair(path, declare(`${FTS} ${TRIGGERS}`));
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table', 'missing_trigger', 'missing_trigger']);
    const stale = report.remaining.find((item) => item.kind === 'stale_fts_index');
    expect(stale?.detail).toBe('full-text index "notes_fts" misses rows of "notes": it is missing, and created from the declaration it starts empty, and its sync triggers "notes_ai", "notes_ad" were missing (it indexes 0 of 2 rows)');
    const db = new Database(path);
    db.exec(stale!.hint!);
    db.close();
    expect(query(path, "SELECT rowid AS id FROM notes_fts WHERE notes_fts MATCH 'banana'")).toEqual([{ id: 2 }]);
  });

  // Issue 16, defect 8: judged from the structure alone, re-creating a dropped sync trigger reported a stale
  // index over an empty content table (whose index is whole: the repair exited 1 for nothing), and the next
  // check said nothing of an index that really missed rows. Judged from the rows: honest, and persistent.
  it('an empty content table whose trigger was re-created: nothing stale, in sync after the repair', async () => {
    const path = createDatabase(dir, `${FTS} ${TRIGGERS} DROP TRIGGER notes_ai;`);
    const report = await repair(path, declare(`${FTS} ${TRIGGERS}`));
    expect(report.applied.map((step) => step.trigger)).toEqual(['notes_ai']);
    expect(report.remaining).toEqual([]);
    expect(report.inSync).toBe(true);
  });

  it('an index that misses rows is reported by every later check, triggers back or not, until it is rebuilt', async () => {
    const path = createDatabase(dir, `${FTS} ${TRIGGERS} INSERT INTO notes (body) VALUES ('apple pie');
      DROP TRIGGER notes_ai; INSERT INTO notes (body) VALUES ('banana split');`);
    const declared = declare(`${FTS} ${TRIGGERS}`);
    await repair(path, declared);
    const check = () => checkDatabase({ dbPath: path, declared, mode: 'check', busyTimeoutMs: 1000 });
    for (let i = 0; i < 2; i++) {
      const later = await check();
      expect(later.drift.map((item) => [item.kind, item.table])).toEqual([['stale_fts_index', 'notes_fts']]);
      expect(later.drift[0]!.detail).toContain('it indexes 1 of 2 rows');
      expect(later.drift[0]!.hint).toBe(`INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');`);
    }
    const db = new Database(path);
    db.exec(`INSERT INTO "notes_fts"("notes_fts") VALUES('rebuild');`);
    db.close();
    expect((await check()).inSync).toBe(true);
  });
});
