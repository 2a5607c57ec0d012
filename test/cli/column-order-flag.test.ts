import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { driftd } from '../plan/plan-support.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

/**
 * `--column-order report|ignore` with `--db/--schema` (docs/cli.md): "ignore" leaves out
 * `column_order` drift and nothing else; the default still reports it. `driftd plan` with "ignore"
 * plans no rebuild for the order alone; a table rebuilt for another reason is created as declared.
 */
const dir = tempDir('driftd-column-order-flag-');
const SWAPPED = "CREATE TABLE t (id INTEGER PRIMARY KEY, b INTEGER, a TEXT); INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y');";
const DECLARED = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER);';
let n = 0;

function fixture(live: string, declared: string): { path: string; schema: string; home: string } {
  const id = ++n;
  const path = createDatabase(dir, live, { name: `flag-${id}.db` });
  const schema = join(dir, `flag-${id}.sql`);
  writeFileSync(schema, declared);
  return { path, schema, home: join(dir, `home-${id}`) };
}

const kinds = (stdout: string): string[] => (JSON.parse(stdout) as { drift: { kind: string }[] }).drift.map((item) => item.kind);

describe('--column-order on check and repair', () => {
  it.each([
    { flag: [], command: 'check', code: 1, drift: ['column_order'] },
    { flag: ['--column-order', 'report'], command: 'check', code: 1, drift: ['column_order'] },
    { flag: ['--column-order', 'ignore'], command: 'check', code: 0, drift: [] },
    { flag: [], command: 'repair', code: 1, drift: ['column_order'] },
    { flag: ['--column-order', 'ignore'], command: 'repair', code: 0, drift: [] },
  ])('$command $flag → exit $code, drift $drift', async ({ flag, command, code, drift }) => {
    const { path, schema, home } = fixture(SWAPPED, DECLARED);
    const before = readFileSync(path);
    const run = await driftd(home, [command, '--db', path, '--schema', schema, '--json', ...flag]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(code);
    expect(kinds(run.stdout)).toEqual(drift);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('with "ignore" every other drift item is still found and repaired', async () => {
    const { path, schema, home } = fixture(SWAPPED, `${DECLARED} CREATE INDEX t_a ON t (a);`);
    const checked = await driftd(home, ['check', '--db', path, '--schema', schema, '--json', '--column-order', 'ignore']);
    expect(checked.code).toBe(1);
    expect(kinds(checked.stdout)).toEqual(['missing_index']);
    const repaired = await driftd(home, ['repair', '--db', path, '--schema', schema, '--json', '--column-order', 'ignore']);
    expect(repaired.code).toBe(0);
    expect((await driftd(home, ['check', '--db', path, '--schema', schema, '--column-order', 'ignore'])).code).toBe(0);
    expect((await driftd(home, ['check', '--db', path, '--schema', schema])).code).toBe(1);
  });

  it.each([
    [['--column-order', 'off'], '--column-order takes "report" or "ignore", got "off"'],
    [['--column-order', 'IGNORE'], '--column-order takes "report" or "ignore", got "IGNORE"'],
  ])('%j is a usage error', async (flag, message) => {
    const { path, schema, home } = fixture(SWAPPED, DECLARED);
    const run = await driftd(home, ['check', '--db', path, '--schema', schema, ...flag]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('with --config it is refused: the target says it with its "columnOrder" key', async () => {
    const { path, schema, home } = fixture(SWAPPED, DECLARED);
    const config = join(dir, 'flag-config.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'app', database: path, schema, columnOrder: 'ignore' }] }));
    const refused = await driftd(home, ['check', '--config', config, '--column-order', 'ignore']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--column-order goes with --db/--schema');
    // The key itself: the target is in sync.
    expect((await driftd(home, ['check', '--config', config])).code).toBe(0);
  });
});

describe('driftd plan --column-order ignore', () => {
  const columns = (path: string): string[] => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare("SELECT name FROM pragma_table_info('t')").all() as { name: string }[]).map((row) => row.name);
    } finally {
      db.close();
    }
  };

  it('the order alone needs no rebuild: nothing planned, no file', async () => {
    const { path, schema, home } = fixture(SWAPPED, DECLARED);
    const planPath = join(dir, 'ignore-only.plan.json');
    const run = await driftd(home, ['plan', '--db', path, '--schema', schema, '--out', planPath, '--column-order', 'ignore']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('nothing needs a table rebuild');
    // The default plans the reorder.
    expect((await driftd(home, ['plan', '--db', path, '--schema', schema, '--out', planPath])).code).toBe(0);
    expect(JSON.parse(readFileSync(planPath, 'utf8')).tables[0].because.some((line: string) => line.includes('another order'))).toBe(true);
  });

  it('a table rebuilt for another reason is created as declared (its order too), every value under its name', async () => {
    const { path, schema, home } = fixture(SWAPPED, 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER NOT NULL);');
    const planPath = join(dir, 'ignore-rebuild.plan.json');
    const planned = await driftd(home, ['plan', '--db', path, '--schema', schema, '--out', planPath, '--column-order', 'ignore']);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const because: string[] = JSON.parse(readFileSync(planPath, 'utf8')).tables[0].because;
    expect(because.some((line) => line.includes('NOT NULL'))).toBe(true);
    expect(because.some((line) => line.includes('another order'))).toBe(false);
    const applied = await driftd(home, ['apply', planPath]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(columns(path)).toEqual(['id', 'a', 'b']);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.prepare('SELECT id, a, b FROM t ORDER BY id').all()).toEqual([{ id: 1, a: 'x', b: 10 }, { id: 2, a: 'y', b: 20 }]);
    } finally {
      db.close();
    }
    expect((await driftd(home, ['check', '--db', path, '--schema', schema])).code).toBe(0);
  });
});
