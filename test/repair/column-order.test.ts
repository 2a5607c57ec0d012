import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { createDatabase, runShell, tempDir } from '../support/temp-db.js';
import { driftd } from '../plan/plan-support.js';

/**
 * Column order (docs/drift-kinds.md#column-order), on real files: the declared columns in another
 * order than the table's is `column_order`, unsafe, planned by `driftd plan` as a rebuild; an
 * undeclared column anywhere is an extra and does not count; a declared column that ADD COLUMN
 * would append somewhere else than declared is reported before the repair as after it; a new column
 * declared last (ModelForge's case) is added and in sync. Debian's sqlite3 shell reads every result.
 */
const dir = tempDir('driftd-column-order-');

async function check(path: string, declaredSql: string, mode: 'check' | 'repair', columnOrder?: 'report' | 'ignore') {
  return await checkDatabase({ dbPath: path, declared: declaredSchemaFromSql(declaredSql, 'declared.sql'), mode, busyTimeoutMs: 1000, ...(columnOrder ? { diff: { columnOrder } } : {}) });
}

function columns(path: string, table: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM pragma_table_xinfo(?)').all(table) as { name: string }[]).map((row) => row.name);
  } finally {
    db.close();
  }
}

const MODELFORGE_LIVE = `CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL, task TEXT, description TEXT, creation_date TEXT, model_path TEXT NOT NULL);
INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path) VALUES ('m', 'b', 't', 'd', '2024-01-01', '/m');`;

interface Case {
  readonly name: string;
  readonly live: string;
  readonly declared: string;
  /** Drift kinds found before the repair, and left after it. */
  readonly before: readonly string[];
  readonly afterRepair: readonly string[];
  readonly extras?: readonly string[];
  /** The table's columns once driftd plan + apply have run (none: nothing to plan). */
  readonly rebuilt?: readonly string[];
  readonly table: string;
}

const CASES: readonly Case[] = [
  {
    name: "ModelForge: a new defaulted column declared last is appended where it is declared, in sync",
    live: MODELFORGE_LIVE,
    declared: MODELFORGE_LIVE.split('\n')[0]!.replace('model_path TEXT NOT NULL)', 'model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0)'),
    before: ['missing_column'],
    afterRepair: [],
    table: 'fine_tuned_models',
  },
  {
    name: 'two columns swapped: column_order, unsafe; the plan rebuilds the table in the declared order',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY, b INTEGER, a TEXT); INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y');",
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);',
    before: ['column_order'],
    afterRepair: ['column_order'],
    rebuilt: ['id', 'a', 'b'],
    table: 't',
  },
  {
    name: 'a missing column declared in the middle: reported before the repair, which appends it, and after; the plan puts it in its place',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); INSERT INTO t VALUES (1, 'x', 10);",
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, x INTEGER DEFAULT 0, b INTEGER);',
    before: ['missing_column', 'column_order'],
    afterRepair: ['column_order'],
    rebuilt: ['id', 'a', 'x', 'b'],
    table: 't',
  },
  {
    name: 'an undeclared column between declared ones: an extra, the declared columns are in order',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, legacy TEXT, b INTEGER); INSERT INTO t VALUES (1, 'x', 'old', 10);",
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);',
    before: [],
    afterRepair: [],
    extras: ['extra_column'],
    table: 't',
  },
  {
    name: 'a declared rename keeps the column in its place: in sync after RENAME COLUMN',
    live: "CREATE TABLE t (id INTEGER PRIMARY KEY, mail TEXT, name TEXT); INSERT INTO t VALUES (1, 'a@x', 'Ada');",
    declared: 'CREATE TABLE t (\n  id INTEGER PRIMARY KEY,\n  email TEXT, -- @renamed from=mail\n  name TEXT\n);',
    before: ['renamed_column'],
    afterRepair: [],
    table: 't',
  },
  {
    name: 'a generated column in another place counts (SELECT * returns it there)',
    live: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, s INTEGER AS (a + b)); INSERT INTO t (id, a, b) VALUES (1, 2, 3);',
    declared: 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, s INTEGER AS (a + b), b INTEGER);',
    before: ['column_order'],
    afterRepair: ['column_order'],
    rebuilt: ['id', 'a', 's', 'b'],
    table: 't',
  },
];

describe('column order: reported where INSERT without a column list and SELECT * would read it differently', () => {
  let n = 0;
  it.each(CASES)('$name', async (c) => {
    const id = ++n;
    const path = createDatabase(dir, c.live, { name: `order-${id}.db` });
    const before = readFileSync(path);
    const checked = await check(path, c.declared, 'check');
    expect(checked.drift.map((item) => item.kind)).toEqual(c.before);
    expect(checked.extras.map((item) => item.kind)).toEqual(c.extras ?? []);
    const order = checked.drift.find((item) => item.kind === 'column_order');
    if (order) {
      expect(order.safe).toBe(false);
      expect(order.reason).toContain('driftd plan');
    }
    // A target's `columnOrder: "ignore"` leaves out column_order and nothing else; "report" is the default.
    expect((await check(path, c.declared, 'check', 'report')).drift).toEqual(checked.drift);
    const ignoring = await check(path, c.declared, 'check', 'ignore');
    expect(ignoring.drift).toEqual(checked.drift.filter((item) => item.kind !== 'column_order'));
    expect(ignoring.extras).toEqual(checked.extras);
    const repaired = await check(path, c.declared, 'repair');
    const left = await check(path, c.declared, 'check');
    expect(left.drift.map((item) => item.kind)).toEqual(c.afterRepair);
    if (c.before.every((kind) => kind === 'column_order')) expect(readFileSync(path).equals(before)).toBe(true);
    expect(repaired.applied.some((step) => step.kind === 'column_order')).toBe(false);
    expect(runShell(path, 'PRAGMA integrity_check;')).toBe('ok\n');
    if (c.rebuilt === undefined) return;

    // The plan rebuilds the table in the declared order, every value under its own name.
    const home = join(dir, `home-${id}`);
    const schemaPath = join(dir, `order-${id}.sql`);
    writeFileSync(schemaPath, c.declared);
    const planPath = join(dir, `order-${id}.plan.json`);
    const valuesBefore = runShell(path, `.mode json\nSELECT * FROM ${c.table} ORDER BY id;`);
    const planned = await driftd(home, ['plan', '--db', path, '--schema', schemaPath, '--out', planPath]);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    expect(JSON.parse(readFileSync(planPath, 'utf8')).tables[0].because.some((line: string) => line.includes('another order'))).toBe(true);
    const applied = await driftd(home, ['apply', planPath]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(columns(path, c.table)).toEqual(c.rebuilt);
    expect((await check(path, c.declared, 'check')).drift).toEqual([]);
    // Same rows, each value under its name (JSON objects compare by key, not position).
    const byName = (json: string): unknown => JSON.parse(json || '[]');
    expect(byName(runShell(path, `.mode json\nSELECT * FROM ${c.table} ORDER BY id;`))).toEqual(byName(valuesBefore));
    expect(runShell(path, 'PRAGMA integrity_check;')).toBe('ok\n');
  });

  it('after the rebuild an INSERT without a column list lands in the declared columns', async () => {
    const path = createDatabase(dir, "CREATE TABLE t (id INTEGER PRIMARY KEY, b INTEGER, a TEXT); INSERT INTO t VALUES (1, 10, 'x');", { name: 'positional.db' });
    const declared = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);';
    // Before: the application's positional INSERT (written for the declared order) puts 'y' in b and 20 in a, silently.
    runShell(path, "INSERT INTO t VALUES (2, 'y', 20);");
    expect(runShell(path, 'SELECT a, b FROM t WHERE id = 2;')).toBe('20|y\n');
    const home = join(dir, 'home-positional');
    const schemaPath = join(dir, 'positional.sql');
    writeFileSync(schemaPath, declared);
    const planPath = join(dir, 'positional.plan.json');
    expect((await driftd(home, ['plan', '--db', path, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    expect((await driftd(home, ['apply', planPath])).code).toBe(0);
    runShell(path, "INSERT INTO t VALUES (3, 'z', 30);");
    expect(runShell(path, 'SELECT id, a, b FROM t ORDER BY id;')).toBe('1|x|10\n2|20|y\n3|z|30\n');
  });

  describe('views and triggers over a table the plan reorders', () => {
    const LIVE = "CREATE TABLE t (id INTEGER PRIMARY KEY, b INTEGER, a TEXT); INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'); CREATE TABLE log (id INTEGER, a TEXT, b INTEGER);";
    const DECLARED = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER); CREATE TABLE log (id INTEGER, a TEXT, b INTEGER);';
    let k = 0;
    async function plan(extra: string): Promise<{ path: string; home: string; planPath: string; code: number; stderr: string }> {
      const id = ++k;
      const path = createDatabase(dir, `${LIVE} ${extra}`, { name: `objects-${id}.db` });
      const home = join(dir, `home-objects-${id}`);
      const schemaPath = join(dir, `objects-${id}.sql`);
      writeFileSync(schemaPath, `${DECLARED} ${extra}`);
      const planPath = join(dir, `objects-${id}.plan.json`);
      const run = await driftd(home, ['plan', '--db', path, '--schema', schemaPath, '--out', planPath]);
      return { path, home, planPath, code: run.code, stderr: run.stderr };
    }

    it('a view of SELECT * follows the table, every column still read from its own: planned, applied, in sync', async () => {
      const planned = await plan('CREATE VIEW every AS SELECT * FROM t;');
      expect(planned.stderr).toBe('');
      const before = runShell(planned.path, '.mode json\nSELECT * FROM every ORDER BY id;');
      expect((await driftd(planned.home, ['apply', planned.planPath])).code).toBe(0);
      expect(columns(planned.path, 'every')).toEqual(['id', 'a', 'b']);
      expect(JSON.parse(runShell(planned.path, '.mode json\nSELECT * FROM every ORDER BY id;'))).toEqual(JSON.parse(before));
      expect((await check(planned.path, `${DECLARED} CREATE VIEW every AS SELECT * FROM t;`, 'check')).drift).toEqual([]);
    });

    it('a view naming its columns by position over SELECT *: refused at plan time, naming what would move', async () => {
      const planned = await plan('CREATE VIEW renamed (k, first, second) AS SELECT * FROM t;');
      expect(planned.code).toBe(2);
      expect(planned.stderr).toContain('PLAN_REFUSED');
      expect(planned.stderr).toContain('view "renamed" would read other columns: first (was t.b, now t.a), second (was t.a, now t.b)');
    });

    it('a trigger inserting into the table without a column list: refused; with one: applied, and it still writes the right columns', async () => {
      const positional = await plan("CREATE TRIGGER copy_in AFTER INSERT ON log BEGIN INSERT INTO t VALUES (new.id + 100, new.b, new.a); END;");
      expect(positional.code).toBe(2);
      expect(positional.stderr).toContain('trigger "copy_in" inserts into it without a column list');
      const named = await plan('CREATE TRIGGER copy_in AFTER INSERT ON log BEGIN INSERT INTO t (id, b, a) VALUES (new.id + 100, new.b, new.a); END;');
      expect(named.stderr).toBe('');
      expect((await driftd(named.home, ['apply', named.planPath])).code).toBe(0);
      runShell(named.path, "INSERT INTO log VALUES (3, 'z', 30);");
      expect(runShell(named.path, 'SELECT id, a, b FROM t ORDER BY id;')).toBe('1|x|10\n2|y|20\n103|z|30\n');
    });
  });
});
