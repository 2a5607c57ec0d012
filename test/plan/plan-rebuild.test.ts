import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/open-sqlite.js';
import { declaredSchemaFromSql } from '../../src/declared/declared-schema-from-sql.js';
import { diff } from '../../src/diff/diff.js';
import { carriedEqual, identical, insertsWithoutColumnList, numericallyEqual, planRebuilds, renameInCreate } from '../../src/plan/plan-rebuild.js';
import { PLAN_ROLE } from '../../src/plan/rebuild-kinds.js';

/** Plans from two declarations (both read by the same introspection): plain data in, plain data out. */
function planFor(live: string, declared: string) {
  const liveSchema = declaredSchemaFromSql(live, 'live.sql');
  const declaredSchema = declaredSchemaFromSql(declared, 'declared.sql');
  return planRebuilds(declaredSchema, liveSchema, diff(declaredSchema, liveSchema).drift);
}

describe('renameInCreate: only the table name changes, the rest stays verbatim', () => {
  it.each([
    ['CREATE TABLE t (a INTEGER)', 'CREATE TABLE "driftd_new_t" (a INTEGER)'],
    ['CREATE TABLE "a b"(x TEXT, "t" INT)', 'CREATE TABLE "driftd_new_t"(x TEXT, "t" INT)'],
    ['CREATE TABLE IF NOT EXISTS main.t(a) STRICT', 'CREATE TABLE IF NOT EXISTS "driftd_new_t"(a) STRICT'],
    ['create temp table [t] (a)', 'create temp table "driftd_new_t" (a)'],
    ['CREATE TABLE `t`(a REFERENCES t(a))', 'CREATE TABLE "driftd_new_t"(a REFERENCES t(a))'],
  ])('%s', (sql, expected) => {
    expect(renameInCreate(sql, 'driftd_new_t')).toBe(expected);
  });
});

describe('insertsWithoutColumnList: an INSERT into the table that fills its columns by position', () => {
  it.each([
    ['CREATE TRIGGER r AFTER INSERT ON log BEGIN INSERT INTO t VALUES (1, 2); END', true],
    ['CREATE TRIGGER r AFTER INSERT ON log BEGIN INSERT OR REPLACE INTO "T" SELECT * FROM log; END', true],
    ['CREATE TRIGGER r AFTER INSERT ON log BEGIN REPLACE INTO main.t VALUES (1, 2); END', true],
    ['CREATE TRIGGER r AFTER INSERT ON log BEGIN INSERT INTO t (a, b) VALUES (1, 2); END', false],
    ['CREATE TRIGGER r AFTER INSERT ON log BEGIN INSERT INTO t DEFAULT VALUES; END', false],
    ['CREATE TRIGGER r AFTER INSERT ON log BEGIN INSERT INTO tt VALUES (1, 2); END', false],
    ["CREATE TRIGGER r AFTER INSERT ON log BEGIN INSERT INTO log2 VALUES ('INSERT INTO t VALUES (1)'); END", false],
  ])('%s', (sql, expected) => {
    expect(insertsWithoutColumnList(sql, 't')).toBe(expected);
  });
});

describe('planRebuilds', () => {
  it('covers the kinds only a rebuild changes, and lists the rest as left', () => {
    const planning = planFor(
      'CREATE TABLE t (id INTEGER PRIMARY KEY, a REAL, b TEXT); CREATE TABLE u (x TEXT);',
      'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT, c TEXT DEFAULT 1); CREATE TABLE u (x TEXT, y TEXT); CREATE TABLE v (z);',
    );
    expect(planning.rebuilds.map((r) => r.table)).toEqual(['t']);
    expect(planning.rebuilds[0]!.added).toEqual(['c']);
    expect(planning.left.map((item) => `${item.kind} ${item.table}`).sort()).toEqual(['missing_column u', 'missing_table v']);
    expect(Object.entries(PLAN_ROLE).filter(([, role]) => role === 'rebuild').map(([kind]) => kind)).toContain('column_type');
  });

  it('copies the rowid explicitly unless an INTEGER PRIMARY KEY is it; a WITHOUT ROWID table is matched by its primary key', () => {
    const [implicit] = planFor('CREATE TABLE t (a REAL)', 'CREATE TABLE t (a INTEGER)').rebuilds;
    expect(implicit!.steps[1]!.sql).toBe('INSERT INTO "driftd_new_t" (rowid, "a") SELECT rowid, "a" FROM "t";');
    expect(implicit!.key).toEqual({ kind: 'rowid' });
    const [alias] = planFor('CREATE TABLE t (id INTEGER PRIMARY KEY, a REAL)', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER)').rebuilds;
    expect(alias!.steps[1]!.sql).toBe('INSERT INTO "driftd_new_t" ("id", "a") SELECT "id", "a" FROM "t";');
    // An INTEGER PRIMARY KEY the declaration drops: the rowid is still copied, so each row's stays its id.
    const [lost] = planFor('CREATE TABLE t (id INTEGER PRIMARY KEY, a REAL)', 'CREATE TABLE t (id INTEGER, a INTEGER)').rebuilds;
    expect(lost!.steps[1]!.sql).toBe('INSERT INTO "driftd_new_t" (rowid, "id", "a") SELECT rowid, "id", "a" FROM "t";');
    expect(lost!.rowids.kept).toBe(true);
    // One the declaration moves to another column: its values become the rowids, and rows are matched by them.
    const [moved] = planFor('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER)', 'CREATE TABLE t (id INTEGER, n INTEGER PRIMARY KEY AUTOINCREMENT)').rebuilds;
    expect(moved!.steps[1]!.sql).toBe('INSERT INTO "driftd_new_t" ("id", "n") SELECT "id", "n" FROM "t";');
    expect(moved!.key).toEqual({ kind: 'primary-key', columns: ['n'] });
    expect(moved!.valueCheckSql).toContain('LEFT JOIN "driftd_new_t" AS n ON n."n" = o."n"');
    expect(moved!.rowids).toEqual({ kept: false, why: expect.stringMatching(/^row identity changes: the rowid was "id", it becomes "n"/) });
    expect(moved!.keepsSequence).toBe(false);
    const [withoutRowid] = planFor('CREATE TABLE t (k TEXT PRIMARY KEY, v)', 'CREATE TABLE t (k TEXT PRIMARY KEY, v) WITHOUT ROWID').rebuilds;
    expect(withoutRowid!.key).toEqual({ kind: 'primary-key', columns: ['k'] });
    expect(withoutRowid!.steps.map((s) => s.role)).toEqual(['create', 'copy', 'drop', 'rename']);
  });

  it('re-creates the live indexes and triggers of the table from their text, and carries the AUTOINCREMENT counter', () => {
    const live = `CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a REAL); CREATE INDEX t_a ON t (a) WHERE a > 0;
      CREATE TABLE log (x); CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.id); END;`;
    const [rebuild] = planFor(live, live.replace('a REAL', 'a INTEGER')).rebuilds;
    expect(rebuild!.steps.map((s) => s.role)).toEqual(['create', 'copy', 'drop', 'rename', 'index', 'trigger', 'sequence', 'sequence']);
    expect(rebuild!.steps[4]!.sql).toBe('CREATE INDEX t_a ON t (a) WHERE a > 0;');
    expect(rebuild!.keepsSequence).toBe(true);
  });

  it.each([
    ['a live column the declaration lacks', 'CREATE TABLE t (a REAL, b TEXT)', 'CREATE TABLE t (a INTEGER)', /would drop the undeclared column "b"/],
    ['a new NOT NULL column without a default', 'CREATE TABLE t (a REAL)', 'CREATE TABLE t (a INTEGER, b TEXT NOT NULL)', /"t"."b" is NOT NULL without a default/],
    ['a stored column made generated', 'CREATE TABLE t (a INTEGER, b INTEGER)', 'CREATE TABLE t (a INTEGER, b INTEGER AS (a + 1) STORED)', /would replace the values stored there/],
    ['a virtual table', "CREATE VIRTUAL TABLE t USING fts5(a)", "CREATE VIRTUAL TABLE t USING fts5(a, b)", null],
  ])('refuses %s', (_name, live, declared, reason) => {
    const planning = planFor(live, declared);
    expect(planning.rebuilds).toEqual([]);
    if (reason) expect(planning.refusals[0]!.reason).toMatch(reason);
  });

  it('never takes a scratch name a live object has', () => {
    const [rebuild] = planFor('CREATE TABLE t (a REAL); CREATE TABLE driftd_new_t (x);', 'CREATE TABLE t (a INTEGER); CREATE TABLE driftd_new_t (x);').rebuilds;
    expect(rebuild!.scratch).toBe('driftd_new_t_2');
  });
});

describe('carriedEqual and identical: when a carried value counts as equal (evaluated by SQLite)', () => {
  const db = openSqlite(':memory:');
  // The columns as the value check sees them: the old one with a collation (which must not matter).
  db.exec('CREATE TABLE pair (o COLLATE NOCASE, n)');
  // JS numbers bind as REALs: integers are passed as BigInts. Never NULL: under NOT (…) a NULL would hide the row.
  const test = (expression: string, old: unknown, now: unknown): boolean => {
    db.exec('DELETE FROM pair');
    db.prepare('INSERT INTO pair VALUES (?, ?)').run(old, now);
    const { e } = db.prepare(`SELECT ${expression} AS e FROM pair`).get() as { e: number | null };
    expect(e === 0 || e === 1, `${expression} evaluated to ${e}`).toBe(true);
    return e === 1;
  };
  // [name, old, now, carriedEqual (a declared conversion), identical (a column whose affinity stays)]
  it.each([
    ['same text', 'abc', 'abc', true, true],
    ['text differing in case only', 'abc', 'ABC', false, false],
    ["text '12' → integer 12", '12', 12n, true, false],
    ["text '012' → integer 12", '012', 12n, false, false],
    ["text '1e3' → integer 1000", '1e3', 1000n, false, false],
    ['real 3.0 → integer 3', 3.5 - 0.5, 3n, true, false],
    ['real 2.5 kept as real', 2.5, 2.5, true, true],
    ['real -0.0 → 0.0', -0, 0, true, true],
    ['integer 5 → 6', 5n, 6n, false, false],
    ['the same integer', 9007199254740993n, 9007199254740993n, true, true],
    ["integer 7 → text '7'", 7n, '7', true, false],
    ["real 0.1 + 0.2 → text '0.3'", 0.1 + 0.2, '0.3', false, false],
    ['integer 2^53 + 1 → real', 9007199254740993n, 9007199254740992, false, false],
    ['NULL stays NULL', null, null, true, true],
    ['NULL → 0', null, 0, false, false],
    ["NULL → ''", null, '', false, false],
    ["'' → NULL", '', null, false, false],
    ['0 → NULL', 0n, null, false, false],
    ['the same blob', Buffer.from([0, 1]), Buffer.from([0, 1]), true, true],
    ['another blob', Buffer.from([0, 1]), Buffer.from([0, 2]), false, false],
    ['a blob → NULL', Buffer.from([0, 1]), null, false, false],
    ['a blob → text of the same bytes', Buffer.from('ab'), 'ab', false, false],
    ['text → a blob of the same bytes', 'ab', Buffer.from('ab'), false, false],
  ])('%s', (_name, old, now, converted, same) => {
    expect(test(carriedEqual('o', 'n'), old, now)).toBe(converted);
    expect(test(identical('o', 'n'), old, now)).toBe(same);
    // In columns of TEXT or REAL affinity (both sides: identical is for columns whose affinity
    // stays), the values as SQLite stores them there: IS alone answers as the class-checking form.
    for (const affinity of ['TEXT', 'REAL'] as const) {
      const typed = openSqlite(':memory:');
      typed.exec(`CREATE TABLE pair (o ${affinity} COLLATE NOCASE, n ${affinity})`);
      typed.prepare('INSERT INTO pair VALUES (?, ?)').run(old, now);
      const { full, short } = typed.prepare(`SELECT ${identical('o', 'n')} AS full, ${identical('o', 'n', affinity)} AS short FROM pair`).get() as { full: number; short: number };
      expect(short, affinity).toBe(full);
      typed.close();
    }
  });
});

describe('numericallyEqual: the value check of a conversion between numeric affinities (evaluated by SQLite)', () => {
  // Values as an application may write them; each is stored under the old column's affinity first.
  const VALUES: readonly unknown[] = [3n, 3.5 - 0.5, 2.5, -0, 0n, 9007199254740993n, 9007199254740992, 1e20, -7n, '12', '012', ' 12 ', '1e3', '3.0', 'abc', '', 'inf', null, Buffer.from([0, 1]), Buffer.from('12')];
  const AFFINITIES = ['INTEGER', 'REAL', 'NUMERIC'] as const;
  const pairs = AFFINITIES.flatMap((from) => AFFINITIES.filter((to) => to !== from).map((to) => [from, to] as const));

  it.each(pairs)('%s → %s: as carriedEqual on every converted value, and never equal where carriedEqual is not', (from, to) => {
    const db = openSqlite(':memory:');
    try {
      db.exec(`CREATE TABLE o (v ${from} COLLATE NOCASE); CREATE TABLE n (k INTEGER PRIMARY KEY, v ${to})`);
      const insert = db.prepare('INSERT INTO o (rowid, v) VALUES (?, ?)');
      VALUES.forEach((value, i) => insert.run(i + 1, value));
      // The copy: each new value is the old one converted by the declared affinity.
      db.exec('INSERT INTO n (k, v) SELECT rowid, v FROM o');
      const copied = db.prepare(`SELECT ${carriedEqual('o.v', 'n.v')} AS full, ${numericallyEqual('o.v', 'n.v')} AS short FROM o JOIN n ON n.k = o.rowid`).all() as { full: number; short: number }[];
      expect(copied.length).toBe(VALUES.length);
      for (const [i, row] of copied.entries()) expect(row.short, `value ${String(VALUES[i])}`).toBe(row.full);
      // Carried unchanged but for the lossy INTEGER 2^53 + 1 → REAL (which the plan's probe refuses).
      expect(copied.filter((row) => row.full !== 1).length).toBe(to === 'REAL' && from !== 'REAL' ? 1 : 0);
      // Every old value against every new one: numericallyEqual is never looser than carriedEqual.
      const all = db.prepare(`SELECT o.rowid AS a, n.k AS b, ${carriedEqual('o.v', 'n.v')} AS full, ${numericallyEqual('o.v', 'n.v')} AS short FROM o, n`).all() as { a: number; b: number; full: number; short: number }[];
      expect(all.length).toBe(VALUES.length ** 2);
      expect(all.filter((row) => row.short === 1 && row.full !== 1)).toEqual([]);
      expect(all.filter((row) => row.short === 1).length).toBeGreaterThanOrEqual(VALUES.length);
    } finally {
      db.close();
    }
  });
});
