import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { diff } from '../../src/diff/diff.js';
import type { Drift } from '../../src/diff/drift.js';
import { assessSafety, type SafetyContext } from '../../src/repair/assess-safety.js';
import { planRepair } from '../../src/repair/plan-repair.js';
import { createDatabase, introspectFile, tempDir } from '../support/temp-db.js';

/**
 * Every ALTER TABLE ADD COLUMN rule (lang_altertable.html#altertabaddcol): the
 * predicate's verdict, and what real SQLite does when the column is added to a
 * table that HAS ROWS. The declaration runs through the real loader; the live
 * database is a real file with three rows.
 */
const dir = tempDir('driftd-safety-');

const PARENT = 'CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO p (id, code) VALUES (1, \'a\'), (2, \'b\');';
const LIVE_T = 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);';
const ROWS = "INSERT INTO t (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three');";
const withRows = createDatabase(dir, `${PARENT} ${LIVE_T} ${ROWS}`, { name: 'with-rows.sqlite' });

type SqliteVerdict = 'accepts' | 'refuses' | 'refuses-at-apply';

interface Case {
  readonly what: string;
  /** The declared table t: id, name and the missing column c (or a table-level constraint on it). */
  readonly declared: string;
  readonly safe: boolean;
  /** What SQLite does with `ALTER TABLE t ADD COLUMN <probe>` on the table with rows. */
  readonly sqlite: SqliteVerdict;
  /** The column as ADD COLUMN would have to write it; defaults to the declared definition of c. */
  readonly probe?: string;
  readonly context?: SafetyContext;
}

const t = (columnAndConstraints: string): string => `CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, ${columnAndConstraints})`;

const CASES: readonly Case[] = [
  { what: 'plain nullable column', declared: t('c TEXT'), safe: true, sqlite: 'accepts' },
  { what: 'inline PRIMARY KEY', declared: 'CREATE TABLE t (id INTEGER, name TEXT, c TEXT PRIMARY KEY)', safe: false, sqlite: 'refuses' },
  { what: 'table-level PRIMARY KEY including the column', declared: 'CREATE TABLE t (id INTEGER, name TEXT, c TEXT, PRIMARY KEY (c))', safe: false, sqlite: 'refuses', probe: 'c TEXT PRIMARY KEY' },
  { what: 'inline UNIQUE', declared: t('c TEXT UNIQUE'), safe: false, sqlite: 'refuses' },
  { what: 'table-level UNIQUE', declared: t('c TEXT, UNIQUE (c)'), safe: false, sqlite: 'refuses', probe: 'c TEXT UNIQUE' },
  { what: 'table-level composite UNIQUE', declared: t('c TEXT, UNIQUE (name, c)'), safe: false, sqlite: 'refuses', probe: 'c TEXT UNIQUE' },
  { what: 'NOT NULL without default', declared: t('c TEXT NOT NULL'), safe: false, sqlite: 'refuses' },
  { what: 'NOT NULL DEFAULT NULL', declared: t('c TEXT NOT NULL DEFAULT NULL'), safe: false, sqlite: 'refuses' },
  { what: 'NOT NULL with a non-NULL default', declared: t("c TEXT NOT NULL DEFAULT 'x'"), safe: true, sqlite: 'accepts' },
  { what: 'NOT NULL DEFAULT 0 (the ModelForge shape)', declared: t('c BOOLEAN NOT NULL DEFAULT 0'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT CURRENT_TIMESTAMP', declared: t('c TEXT DEFAULT CURRENT_TIMESTAMP'), safe: false, sqlite: 'refuses' },
  { what: 'DEFAULT current_date (lower case)', declared: t('c TEXT DEFAULT current_date'), safe: false, sqlite: 'refuses' },
  { what: 'DEFAULT CURRENT_TIME', declared: t('c TEXT DEFAULT CURRENT_TIME'), safe: false, sqlite: 'refuses' },
  { what: 'DEFAULT (CURRENT_TIMESTAMP)', declared: t('c TEXT DEFAULT (CURRENT_TIMESTAMP)'), safe: false, sqlite: 'refuses' },
  { what: 'DEFAULT (0): parenthesised constant', declared: t('c INT DEFAULT (0)'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT ((-1)): nested parentheses, signed', declared: t('c INT DEFAULT ((-1))'), safe: true, sqlite: 'accepts' },
  { what: "DEFAULT ('a')", declared: t("c TEXT DEFAULT ('a')"), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT (TRUE)', declared: t('c BOOLEAN DEFAULT (TRUE)'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT (NULL)', declared: t('c TEXT DEFAULT (NULL)'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT (1 + 1): parenthesised expression', declared: t('c INT DEFAULT (1 + 1)'), safe: false, sqlite: 'refuses' },
  { what: 'DEFAULT (abs(-1)): function call', declared: t('c INT DEFAULT (abs(-1))'), safe: false, sqlite: 'refuses' },
  { what: 'DEFAULT (+1): unary plus in parentheses', declared: t('c INT DEFAULT (+1)'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT (NOT 0): operator other than a sign', declared: t('c INT DEFAULT (NOT 0)'), safe: false, sqlite: 'refuses' },
  { what: "DEFAULT (-'a'): signed text", declared: t("c TEXT DEFAULT (-'a')"), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT -1: signed literal', declared: t('c INT DEFAULT -1'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT +1: signed literal', declared: t('c INT DEFAULT +1'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT -1.5e3', declared: t('c REAL DEFAULT -1.5e3'), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT 0x10', declared: t('c INT DEFAULT 0x10'), safe: true, sqlite: 'accepts' },
  { what: "DEFAULT x'00'", declared: t("c BLOB DEFAULT x'00'"), safe: true, sqlite: 'accepts' },
  { what: 'DEFAULT TRUE', declared: t('c BOOLEAN DEFAULT TRUE'), safe: true, sqlite: 'accepts' },
  { what: 'REFERENCES with no default, foreign keys ON', declared: t('c INTEGER REFERENCES p(id)'), safe: true, sqlite: 'accepts' },
  { what: 'REFERENCES with DEFAULT NULL, foreign keys ON', declared: t('c INTEGER DEFAULT NULL REFERENCES p(id)'), safe: true, sqlite: 'accepts' },
  { what: 'REFERENCES with a non-NULL default, foreign keys ON', declared: t('c INTEGER DEFAULT 1 REFERENCES p(id)'), safe: false, sqlite: 'refuses' },
  {
    what: 'REFERENCES with a non-NULL default, foreign keys OFF',
    declared: t('c INTEGER DEFAULT 1 REFERENCES p(id)'),
    safe: true,
    sqlite: 'accepts',
    context: { foreignKeysEnforced: false },
  },
  {
    what: 'table-level FOREIGN KEY on the column (ADD COLUMN cannot add a table constraint)',
    declared: t('c INTEGER, FOREIGN KEY (c) REFERENCES p(id)'),
    safe: false,
    sqlite: 'refuses',
    // The closest ADD COLUMN can do is an inline REFERENCES; with a default that fails on rows.
    probe: 'c INTEGER DEFAULT 1 REFERENCES p(id)',
  },
  { what: 'GENERATED ... STORED', declared: t('c INT AS (id * 2) STORED'), safe: false, sqlite: 'refuses' },
  { what: 'GENERATED ... VIRTUAL', declared: t('c INT GENERATED ALWAYS AS (id * 2) VIRTUAL'), safe: true, sqlite: 'accepts' },
  { what: 'VIRTUAL generated NOT NULL, holds for every row', declared: t('c INT AS (id * 2) NOT NULL'), safe: true, sqlite: 'accepts' },
  { what: 'VIRTUAL generated NOT NULL, NULL for existing rows', declared: t('c INT AS (NULL) NOT NULL'), safe: true, sqlite: 'refuses-at-apply' },
  { what: 'CHECK that existing rows pass (NULL)', declared: t('c INT CHECK (c > 0)'), safe: true, sqlite: 'accepts' },
  { what: 'CHECK that existing rows pass (default)', declared: t('c INT DEFAULT 5 CHECK (c > 0)'), safe: true, sqlite: 'accepts' },
  { what: 'CHECK that existing rows fail', declared: t('c INT DEFAULT 0 CHECK (c > 0)'), safe: true, sqlite: 'refuses-at-apply' },
  {
    what: 'table-level CHECK on the column (ADD COLUMN cannot add it)',
    declared: t('c INT DEFAULT 0, CHECK (c >= 0)'),
    safe: false,
    sqlite: 'refuses',
    // Nothing ADD COLUMN accepts carries a table-level CHECK: the verbatim column would lose it silently.
    probe: 'c INT DEFAULT 0, CHECK (c >= 0)',
  },
  { what: 'COLLATE NOCASE', declared: t('c TEXT COLLATE NOCASE'), safe: true, sqlite: 'accepts' },
  { what: 'named constraints', declared: t("c TEXT CONSTRAINT c_nn NOT NULL CONSTRAINT c_d DEFAULT 'x'"), safe: true, sqlite: 'accepts' },
];

function missingColumn(declaredSql: string): Drift {
  const declared = declaredSchemaFromSql(`${PARENT.split(';')[0]}; ${declaredSql}`, 'declared.sql');
  const found = diff(declared, introspectFile(withRows)).drift.filter((item) => item.kind === 'missing_column');
  expect(found).toHaveLength(1);
  return found[0]!;
}

function columnText(drift: Drift): string {
  if (drift.kind !== 'missing_column' || drift.declaredColumn.definition === null) throw new Error('expected a missing column with its definition');
  return drift.declaredColumn.definition;
}

/** What SQLite does with ADD COLUMN on a copy of the table with rows (better-sqlite3 enforces foreign keys by default). */
function sqliteAddColumn(columnSql: string, context: SafetyContext | undefined): 'accepts' | 'refuses' {
  const copy = join(dir, `probe-${Math.random().toString(36).slice(2)}.sqlite`);
  copyFileSync(withRows, copy);
  const db = new Database(copy);
  try {
    if (context?.foreignKeysEnforced === false) db.pragma('foreign_keys = OFF');
    db.exec(`ALTER TABLE t ADD COLUMN ${columnSql}`);
    return 'accepts';
  } catch {
    return 'refuses';
  } finally {
    db.close();
  }
}

describe('assessSafety for missing columns, against real SQLite on a table with rows', () => {
  it.each(CASES)('$what', ({ declared, safe, sqlite, probe, context }) => {
    const drift = missingColumn(declared);
    const verdict = assessSafety(drift, context);
    expect(verdict.safe).toBe(safe);
    expect(verdict.reason).toMatch(/\S/);
    const observed = sqliteAddColumn(probe ?? columnText(drift), context);
    // "Safe" for CHECK and VIRTUAL NOT NULL means SQLite decides at apply and a violation rolls back.
    expect(observed).toBe(sqlite === 'refuses-at-apply' ? 'refuses' : sqlite);
    expect(safe).toBe(sqlite !== 'refuses');
  });

  it.each(CASES.filter((c) => c.safe && c.sqlite === 'accepts'))('applying the plan repairs it: $what', ({ declared, context }) => {
    const copy = join(dir, `apply-${Math.random().toString(36).slice(2)}.sqlite`);
    copyFileSync(withRows, copy);
    const schema = declaredSchemaFromSql(`${PARENT.split(';')[0]}; ${declared}`, 'declared.sql');
    const db = new Database(copy);
    try {
      if (context?.foreignKeysEnforced === false) db.pragma('foreign_keys = OFF');
      const outcome = applyRepairFor(db, schema, context);
      expect(outcome.applied.map((step) => step.drift.kind)).toEqual(['missing_column']);
      expect(outcome.after.drift).toEqual([]);
      expect((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(3);
    } finally {
      db.close();
    }
  });
});

describe('a constraint SQLite checks at apply time leaves that step out, and the others apply (issue 17)', () => {
  it.each(CASES.filter((c) => c.sqlite === 'refuses-at-apply'))('$what', async ({ declared }) => {
    // A multi-step plan: a missing table, the failing column and a missing index. Before issue 17
    // the failing column rolled all three back (REPAIR_STEP_FAILED) on every cycle.
    const copy = join(dir, `rollback-${Math.random().toString(36).slice(2)}.sqlite`);
    copyFileSync(withRows, copy);
    const schema = declaredSchemaFromSql(
      `${PARENT.split(';')[0]}; ${declared}; CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT); CREATE INDEX t_name ON t (name);`,
      'declared.sql',
    );
    const plan = planRepair(diff(schema, introspectFile(copy)).drift);
    expect(plan.steps.map((step) => step.drift.kind)).toEqual(['missing_table', 'missing_column', 'missing_index']);
    const report = await checkDatabase({ dbPath: copy, declared: schema, mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table', 'missing_index']);
    expect(report.remaining).toEqual([expect.objectContaining({ kind: 'missing_column', safe: false, reason: expect.stringContaining('it was left out and the rest applied') })]);
    const columns = introspectFile(copy).tables.find((table) => table.name === 't')!.columns.map((column) => column.name);
    expect(columns).toEqual(['id', 'name']);
  });
});

import { applyRepair } from '../../src/repair/apply-repair.js';
import type { Schema } from '../../src/schema/schema-model.js';

function applyRepairFor(db: Database.Database, schema: Schema, context: SafetyContext | undefined) {
  return applyRepair(db, schema, context ? { safety: context } : {});
}

describe('tables, indexes and changed objects', () => {
  it('a missing UNIQUE index is safe; on duplicate rows SQLite refuses it, it is left out and the rest applies', async () => {
    const path = createDatabase(dir, `${LIVE_T} INSERT INTO t (id, name) VALUES (1, 'same'), (2, 'same');`);
    const schema = declaredSchemaFromSql(`${LIVE_T} CREATE TABLE extra (id INTEGER PRIMARY KEY); CREATE UNIQUE INDEX t_name ON t (name);`, 'declared.sql');
    const plan = planRepair(diff(schema, introspectFile(path)).drift);
    expect(plan.unsafe).toEqual([]);
    expect(plan.steps.map((step) => step.drift.kind)).toEqual(['missing_table', 'missing_index']);
    const report = await checkDatabase({ dbPath: path, declared: schema, mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table']);
    expect(report.remaining).toEqual([expect.objectContaining({ kind: 'missing_index', index: 't_name', safe: false, reason: expect.stringMatching(/duplicates.*UNIQUE constraint failed/) })]);
    expect(introspectFile(path).tables.map((table) => table.name)).toEqual(['t', 'extra']);
  });

  // Every kind other than a missing object needs a table rebuild or a DROP: never repaired automatically.
  it.each([
    ['column_type', 'CREATE TABLE t (id INTEGER PRIMARY KEY, name INTEGER)'],
    ['column_default', "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT DEFAULT 'x')"],
    ['column_primary_key', 'CREATE TABLE t (id INT PRIMARY KEY, name TEXT)'],
    ['column_collation', 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT COLLATE NOCASE)'],
    ['unique_constraint', 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)'],
    ['table_option', 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT) STRICT'],
    ['foreign_key', 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT REFERENCES p (code))'],
  ] as const)('%s is unsafe, with a reason', (kind, declaredSql) => {
    const schema = declaredSchemaFromSql(`${PARENT.split(';')[0]}; ${declaredSql}`, 'declared.sql');
    const drift = diff(schema, introspectFile(withRows)).drift;
    expect(drift.map((item) => item.kind)).toEqual([kind]);
    const verdict = assessSafety(drift[0]!);
    expect(verdict.safe).toBe(false);
    expect(verdict.reason).toMatch(/rebuild|drop/i);
    expect(planRepair(drift).steps).toEqual([]);
  });
});
