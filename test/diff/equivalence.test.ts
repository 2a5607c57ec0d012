import { describe, expect, it } from 'vitest';
import { declaredSchemaFromJson, declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { diff } from '../../src/diff/diff.js';
import type { DriftKind } from '../../src/diff/drift.js';
import { DRIFT_KINDS } from '../../src/repair/drift-kind-rules.js';
import { createDatabase, createDatabaseWithShell, introspectFile, tempDir } from '../support/temp-db.js';

/**
 * Declarations go through the real loader (executed in an in-memory SQLite and
 * introspected); live databases are real files. A pair is equivalent when the
 * diff finds neither drift nor extras, in both directions.
 */
const dir = tempDir('driftd-equivalence-');

function compare(declaredSql: string, liveSql: string) {
  const declared = declaredSchemaFromSql(declaredSql, 'declared.sql');
  const live = introspectFile(createDatabase(dir, liveSql));
  return diff(declared, live);
}

const PARENT = 'CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE);';

// [what, one spelling, another spelling]
const EQUIVALENT: ReadonlyArray<readonly [string, string, string]> = [
  ['keyword case', 'create table t (a integer not null default 1)', 'CREATE TABLE t (a INTEGER NOT NULL DEFAULT 1)'],
  ['identifier case', 'CREATE TABLE Models (Name TEXT)', 'CREATE TABLE models (name TEXT)'],
  ['double-quoted identifiers', 'CREATE TABLE "t" ("a" TEXT, "b" INT)', 'CREATE TABLE t (a TEXT, b INT)'],
  ['backtick identifiers', 'CREATE TABLE `t` (`a` TEXT, `b` INT)', 'CREATE TABLE t (a TEXT, b INT)'],
  ['bracket identifiers', 'CREATE TABLE [t] ([a] TEXT, [b] INT)', 'CREATE TABLE t (a TEXT, b INT)'],
  ['white space and comments', 'CREATE TABLE t(\n  a   TEXT , -- the name\n  /* a count */ b\tINT\n)', 'CREATE TABLE t (a TEXT, b INT)'],
  ['IF NOT EXISTS', 'CREATE TABLE IF NOT EXISTS t (a TEXT)', 'CREATE TABLE t (a TEXT)'],
  ['named constraints', 'CREATE TABLE t (a TEXT CONSTRAINT a_nn NOT NULL CONSTRAINT a_d DEFAULT \'x\')', "CREATE TABLE t (a TEXT NOT NULL DEFAULT 'x')"],
  ['INTEGER PRIMARY KEY inline vs table constraint', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)', 'CREATE TABLE t (id INTEGER, a TEXT, PRIMARY KEY (id))'],
  ['INTEGER PRIMARY KEY ASC', 'CREATE TABLE t (id INTEGER PRIMARY KEY ASC, a TEXT)', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)'],
  ['integer primary key in lower case', 'CREATE TABLE t (id integer primary key, a TEXT)', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)'],
  ['table-level PRIMARY KEY (id DESC) is still a rowid alias', 'CREATE TABLE t (id INTEGER, a TEXT, PRIMARY KEY (id DESC))', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)'],
  ['AUTOINCREMENT spelled differently', 'CREATE TABLE t (id integer primary key autoincrement, a TEXT)', 'CREATE TABLE t ("id" INTEGER CONSTRAINT pk PRIMARY KEY AUTOINCREMENT, a TEXT)'],
  ['composite primary key spacing', 'CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY(a,b))', 'CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY ( "a" , b ))'],
  ['INT vs INTEGER (not a key)', 'CREATE TABLE t (a INT)', 'CREATE TABLE t (a INTEGER)'],
  ['BIGINT vs INTEGER', 'CREATE TABLE t (a BIGINT)', 'CREATE TABLE t (a INTEGER)'],
  ['VARCHAR(n) vs TEXT', 'CREATE TABLE t (a VARCHAR(255))', 'CREATE TABLE t (a TEXT)'],
  ['NVARCHAR vs CLOB', 'CREATE TABLE t (a NVARCHAR(10))', 'CREATE TABLE t (a CLOB)'],
  ['DOUBLE PRECISION vs REAL', 'CREATE TABLE t (a DOUBLE PRECISION)', 'CREATE TABLE t (a REAL)'],
  ['FLOAT vs REAL', 'CREATE TABLE t (a FLOAT)', 'CREATE TABLE t (a REAL)'],
  ['BOOLEAN vs NUMERIC', 'CREATE TABLE t (a BOOLEAN)', 'CREATE TABLE t (a NUMERIC)'],
  ['DECIMAL(10,5) vs DATETIME (both NUMERIC)', 'CREATE TABLE t (a DECIMAL(10,5))', 'CREATE TABLE t (a DATETIME)'],
  ['no type vs BLOB', 'CREATE TABLE t (a)', 'CREATE TABLE t (a BLOB)'],
  ['STRICT INT vs INTEGER', 'CREATE TABLE t (a INT) STRICT', 'CREATE TABLE t (a integer) strict'],
  ['STRICT and WITHOUT ROWID in any case and order', 'CREATE TABLE t (a TEXT PRIMARY KEY) without rowid, strict', 'CREATE TABLE t (a TEXT PRIMARY KEY) STRICT, WITHOUT ROWID'],
  ['DEFAULT 0 vs +0', 'CREATE TABLE t (a INT DEFAULT 0)', 'CREATE TABLE t (a INT DEFAULT +0)'],
  ['DEFAULT 0 vs 0x0', 'CREATE TABLE t (a INT DEFAULT 0)', 'CREATE TABLE t (a INT DEFAULT 0x0)'],
  ['DEFAULT 0 vs (0)', 'CREATE TABLE t (a INT DEFAULT 0)', 'CREATE TABLE t (a INT DEFAULT (0))'],
  ['DEFAULT 0 vs ((0))', 'CREATE TABLE t (a INT DEFAULT 0)', 'CREATE TABLE t (a INT DEFAULT ((0)))'],
  ['DEFAULT -1 vs (-1) vs -0x1', 'CREATE TABLE t (a INT DEFAULT -1, b INT DEFAULT -1)', 'CREATE TABLE t (a INT DEFAULT (-1), b INT DEFAULT -0x1)'],
  ['DEFAULT 1.5 vs 15e-1', 'CREATE TABLE t (a REAL DEFAULT 1.5)', 'CREATE TABLE t (a REAL DEFAULT 15e-1)'],
  ["DEFAULT 'a' vs ('a')", "CREATE TABLE t (a TEXT DEFAULT 'a')", "CREATE TABLE t (a TEXT DEFAULT ('a'))"],
  ["DEFAULT 'it''s' vs ('it''s')", "CREATE TABLE t (a TEXT DEFAULT 'it''s')", "CREATE TABLE t (a TEXT DEFAULT ('it''s'))"],
  ['DEFAULT TRUE vs 1, FALSE vs 0', 'CREATE TABLE t (a BOOLEAN DEFAULT TRUE, b BOOLEAN DEFAULT FALSE)', 'CREATE TABLE t (a BOOLEAN DEFAULT 1, b BOOLEAN DEFAULT 0)'],
  ["DEFAULT x'00' vs X'00'", "CREATE TABLE t (a BLOB DEFAULT x'00')", "CREATE TABLE t (a BLOB DEFAULT X'00')"],
  ['DEFAULT NULL vs no default', 'CREATE TABLE t (a TEXT DEFAULT NULL, b TEXT DEFAULT (NULL))', 'CREATE TABLE t (a TEXT, b TEXT)'],
  ['CURRENT_TIMESTAMP case', 'CREATE TABLE t (a TEXT DEFAULT current_timestamp)', 'CREATE TABLE t (a TEXT DEFAULT CURRENT_TIMESTAMP)'],
  ['expression default spacing and case', 'CREATE TABLE t (a INT DEFAULT (abs( -1 )+1))', 'CREATE TABLE t (a INT DEFAULT (ABS(-1) + 1))'],
  ['COLLATE nocase vs NOCASE', 'CREATE TABLE t (a TEXT COLLATE nocase)', 'CREATE TABLE t (a TEXT COLLATE NOCASE)'],
  ['COLLATE BINARY vs none', 'CREATE TABLE t (a TEXT COLLATE BINARY)', 'CREATE TABLE t (a TEXT)'],
  ['UNIQUE inline vs table constraint', 'CREATE TABLE t (a TEXT UNIQUE, b TEXT)', 'CREATE TABLE t (a TEXT, b TEXT, UNIQUE (a))'],
  ['REFERENCES p vs REFERENCES p(id)', `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p)`, `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id))`],
  ['inline REFERENCES vs table FOREIGN KEY', `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id))`, `${PARENT} CREATE TABLE c (p_id INTEGER, FOREIGN KEY (p_id) REFERENCES p (id))`],
  ['ON DELETE action case', `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id) on delete cascade)`, `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES "p"("id") ON DELETE CASCADE)`],
  ['index column spacing', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(a,b)', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t ( "a" , b )'],
  ['index ASC is the default', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(a ASC, b DESC)', 'CREATE TABLE t (a TEXT, b TEXT); create index "i" on "t" (a, b desc)'],
  ['unique index keyword case', 'CREATE TABLE t (a TEXT); CREATE UNIQUE INDEX i ON t(a)', 'CREATE TABLE t (a TEXT); create unique index I on T(A)'],
  ['partial index WHERE spelled differently', 'CREATE TABLE t (a INT); CREATE INDEX i ON t(a) WHERE a>0', 'CREATE TABLE t (a INT); CREATE INDEX i ON t(a) where ( "A" > 0 )'],
  ['index COLLATE case', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a COLLATE nocase)', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a collate NOCASE)'],
  ['expression index spelling', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(lower(a))', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t( LOWER( "a" ) )'],
  ['generated column spelling', 'CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL)', 'CREATE TABLE t (a INT, b INT AS (a*2))'],
  ['generated expression case and quoting', 'CREATE TABLE t (a INT, b INT AS ("A" + 1) STORED)', 'CREATE TABLE t (a INT, b INT GENERATED ALWAYS AS (a+1) STORED)'],
  ['CHECK on the column vs on the table', 'CREATE TABLE t (qty INT CHECK (qty > 0))', 'CREATE TABLE t (qty INT, CHECK (qty > 0))'],
  ['CHECK named vs unnamed', 'CREATE TABLE t (qty INT, CONSTRAINT qty_positive CHECK (qty > 0))', 'CREATE TABLE t (qty INT CHECK (qty > 0))'],
  ['CHECK spacing, case and quoting', 'CREATE TABLE t (qty INT CHECK ("QTY">0 AND qty<100))', 'CREATE TABLE t (qty INT check ( qty > 0 and [qty] < 100 ))'],
  ['CHECK enclosing parentheses', 'CREATE TABLE t (qty INT CHECK ((qty > 0)))', 'CREATE TABLE t (qty INT CHECK (qty > 0))'],
  ['CHECK literal spellings 0x10 / 16, 1.0 / 1e0, == / =, <> / !=', 'CREATE TABLE t (a INT CHECK (a < 0x10), b REAL CHECK (b >= 1.0), c INT CHECK (c == 1 OR c <> 2))', 'CREATE TABLE t (a INT CHECK (a < 16), b REAL CHECK (b >= 1e0), c INT CHECK (c = 1 OR c != 2))'],
  ['CHECKs in another order', 'CREATE TABLE t (a INT, b INT, CHECK (a > 0), CHECK (b > 0))', 'CREATE TABLE t (a INT CHECK (a > 0), b INT CHECK (b > 0))'],
  ['statement order of tables and indexes', 'CREATE TABLE t (a TEXT); CREATE TABLE u (b TEXT); CREATE INDEX i ON t(a)', 'CREATE TABLE u (b TEXT); CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a)'],
];

describe('equivalent spellings produce no drift and no extras', () => {
  it('has at least 30 pairs', () => {
    expect(EQUIVALENT.length).toBeGreaterThanOrEqual(30);
  });

  it.each(EQUIVALENT)('%s', (_what, one, other) => {
    expect(compare(one, other)).toEqual({ drift: [], extras: [] });
    expect(compare(other, one)).toEqual({ drift: [], extras: [] });
  });
});

// [what, declared, live, expected drift kinds in order, expected extra kinds]
const DIFFERENT: ReadonlyArray<readonly [string, string, string, readonly DriftKind[], readonly string[]]> = [
  ['missing table (and its index)', 'CREATE TABLE t (a TEXT); CREATE TABLE u (b TEXT); CREATE INDEX ub ON u(b)', 'CREATE TABLE t (a TEXT)', ['missing_table', 'missing_index'], []],
  ['missing column', 'CREATE TABLE t (a TEXT, b INT)', 'CREATE TABLE t (a TEXT)', ['missing_column'], []],
  ['columns in another order', 'CREATE TABLE t (a TEXT, b INT)', 'CREATE TABLE t (b INT, a TEXT)', ['column_order'], []],
  ['a missing column declared before another: ADD COLUMN would append it', 'CREATE TABLE t (a TEXT, x INT, b INT)', 'CREATE TABLE t (a TEXT, b INT)', ['missing_column', 'column_order'], []],
  ['an undeclared column between declared ones: an extra, the declared order holds', 'CREATE TABLE t (a TEXT, b INT)', 'CREATE TABLE t (a TEXT, x, b INT)', [], ['extra_column']],
  ['missing index', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a)', 'CREATE TABLE t (a TEXT)', ['missing_index'], []],
  ['type affinity INTEGER vs TEXT', 'CREATE TABLE t (a INTEGER)', 'CREATE TABLE t (a TEXT)', ['column_type'], []],
  ['type affinity REAL vs NUMERIC', 'CREATE TABLE t (a REAL)', 'CREATE TABLE t (a DECIMAL)', ['column_type'], []],
  ['STRICT exact type INTEGER vs ANY', 'CREATE TABLE t (a INTEGER) STRICT', 'CREATE TABLE t (a ANY) STRICT', ['column_type'], []],
  ['NOT NULL vs nullable', 'CREATE TABLE t (a TEXT NOT NULL)', 'CREATE TABLE t (a TEXT)', ['column_not_null'], []],
  ['default 0.0 (real) vs 0 (integer)', 'CREATE TABLE t (a INT DEFAULT 0.0)', 'CREATE TABLE t (a INT DEFAULT 0)', ['column_default'], []],
  ["default '0' (text) vs 0 (integer)", "CREATE TABLE t (a INT DEFAULT '0')", 'CREATE TABLE t (a INT DEFAULT 0)', ['column_default'], []],
  ['default 1 vs 2', 'CREATE TABLE t (a INT DEFAULT 1)', 'CREATE TABLE t (a INT DEFAULT 2)', ['column_default'], []],
  ['default 0 vs none', 'CREATE TABLE t (a INT DEFAULT 0)', 'CREATE TABLE t (a INT)', ['column_default'], []],
  ['default CURRENT_TIMESTAMP vs CURRENT_DATE', 'CREATE TABLE t (a TEXT DEFAULT CURRENT_TIMESTAMP)', 'CREATE TABLE t (a TEXT DEFAULT CURRENT_DATE)', ['column_default'], []],
  ['default expression differs', 'CREATE TABLE t (a INT DEFAULT (abs(-1)))', 'CREATE TABLE t (a INT DEFAULT (abs(-2)))', ['column_default'], []],
  ['rowid alias vs INT PRIMARY KEY', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)', 'CREATE TABLE t (id INT PRIMARY KEY, a TEXT)', ['column_primary_key'], []],
  ['INTEGER PRIMARY KEY DESC is not a rowid alias', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)', 'CREATE TABLE t (id INTEGER PRIMARY KEY DESC, a TEXT)', ['column_primary_key'], []],
  ['AUTOINCREMENT vs not', 'CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT)', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)', ['column_primary_key'], []],
  ['primary key column vs plain column', 'CREATE TABLE t (a TEXT PRIMARY KEY)', 'CREATE TABLE t (a TEXT)', ['column_primary_key'], []],
  ['composite key order', 'CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY (a, b))', 'CREATE TABLE t (a TEXT, b TEXT, PRIMARY KEY (b, a))', ['column_primary_key', 'column_primary_key'], []],
  ['collation NOCASE vs BINARY', 'CREATE TABLE t (a TEXT COLLATE NOCASE)', 'CREATE TABLE t (a TEXT)', ['column_collation'], []],
  ['generated VIRTUAL vs STORED', 'CREATE TABLE t (a INT, b INT AS (a * 2) VIRTUAL)', 'CREATE TABLE t (a INT, b INT AS (a * 2) STORED)', ['column_generated'], []],
  ['generated vs plain column', 'CREATE TABLE t (a INT, b INT AS (a * 2))', 'CREATE TABLE t (a INT, b INT)', ['column_generated'], []],
  ['generated expression differs', 'CREATE TABLE t (a INT, b INT AS (a + 1))', 'CREATE TABLE t (a INT, b INT AS (a + 2))', ['column_generated'], []],
  ['UNIQUE constraint declared, absent', 'CREATE TABLE t (a TEXT UNIQUE)', 'CREATE TABLE t (a TEXT)', ['unique_constraint'], []],
  ['UNIQUE constraint on other columns', 'CREATE TABLE t (a TEXT, b TEXT, UNIQUE (a, b))', 'CREATE TABLE t (a TEXT, b TEXT, UNIQUE (b, a))', ['unique_constraint', 'unique_constraint'], []],
  ['index on other columns', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(a)', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(a, b)', ['index_definition'], []],
  ['index column order', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(a, b)', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(b, a)', ['index_definition'], []],
  ['index uniqueness', 'CREATE TABLE t (a TEXT); CREATE UNIQUE INDEX i ON t(a)', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a)', ['index_definition'], []],
  ['index DESC', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a DESC)', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a)', ['index_definition'], []],
  ['index collation', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a COLLATE NOCASE)', 'CREATE TABLE t (a TEXT); CREATE INDEX i ON t(a)', ['index_definition'], []],
  ['partial vs full index', 'CREATE TABLE t (a INT); CREATE INDEX i ON t(a) WHERE a > 0', 'CREATE TABLE t (a INT); CREATE INDEX i ON t(a)', ['index_definition'], []],
  ['partial index WHERE differs', 'CREATE TABLE t (a INT); CREATE INDEX i ON t(a) WHERE a > 0', 'CREATE TABLE t (a INT); CREATE INDEX i ON t(a) WHERE a >= 0', ['index_definition'], []],
  ['foreign key declared, absent', `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id))`, `${PARENT} CREATE TABLE c (p_id INTEGER)`, ['foreign_key'], []],
  ['foreign key to another column', `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id))`, `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(code))`, ['foreign_key', 'foreign_key'], []],
  ['foreign key action', `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id) ON DELETE CASCADE)`, `${PARENT} CREATE TABLE c (p_id INTEGER REFERENCES p(id))`, ['foreign_key', 'foreign_key'], []],
  ['STRICT vs not', 'CREATE TABLE t (a TEXT) STRICT', 'CREATE TABLE t (a TEXT)', ['table_option'], []],
  ['WITHOUT ROWID vs rowid', 'CREATE TABLE t (a TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID', 'CREATE TABLE t (a TEXT PRIMARY KEY NOT NULL)', ['table_option'], []],
  ['CHECK declared, absent (column constraint)', 'CREATE TABLE t (qty INT CHECK (qty > 0))', 'CREATE TABLE t (qty INT)', ['missing_check'], []],
  ['CHECK declared, absent (table constraint)', 'CREATE TABLE t (a INT, b INT, CHECK (a < b))', 'CREATE TABLE t (a INT, b INT)', ['missing_check'], []],
  ['CHECK in the database, undeclared', 'CREATE TABLE t (qty INT)', 'CREATE TABLE t (qty INT CONSTRAINT qty_positive CHECK (qty > 0))', ['undeclared_check'], []],
  ['CHECK on the same column with another expression', 'CREATE TABLE t (qty INT CHECK (qty > 0))', 'CREATE TABLE t (qty INT CHECK (qty >= 0))', ['check_definition'], []],
  ['named CHECK with another expression', 'CREATE TABLE t (a INT, CONSTRAINT c CHECK (a > 0))', 'CREATE TABLE t (a INT, CONSTRAINT c CHECK (a > 1))', ['check_definition'], []],
  ["CHECK string case matters: 'a' vs 'A'", "CREATE TABLE t (s TEXT CHECK (s IN ('a', 'b')))", "CREATE TABLE t (s TEXT CHECK (s IN ('A', 'b')))", ['check_definition'], []],
  ['CHECK 1 (integer) vs 1.0 (real) differ', 'CREATE TABLE t (a INT CHECK (typeof(a + 1) = typeof(1)))', 'CREATE TABLE t (a INT CHECK (typeof(a + 1) = typeof(1.0)))', ['check_definition'], []],
  ['the CHECK of an undeclared column is part of that extra, left alone', 'CREATE TABLE t (a INT)', 'CREATE TABLE t (a INT, b INT CONSTRAINT b_pos CHECK (b > 0), CHECK (b < a))', [], ['extra_column']],
  ['missing column beside an undeclared one: possible rename, never added', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', 'CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT)', ['possible_rename'], ['extra_column']],
  ['missing table beside an undeclared one of the same shape: possible rename', 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born TEXT)', 'CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT, born TEXT)', ['possible_rename'], ['extra_table']],
  ['missing table beside an undeclared one of another shape: missing', 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born TEXT)', 'CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT, what TEXT)', ['missing_table'], ['extra_table']],
  ['a column declared @new beside an undeclared one is missing', 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @new\n)', 'CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT)', ['missing_column'], ['extra_column']],
  ['a generated column beside an undeclared one is missing (it holds no data)', 'CREATE TABLE t (a INT, b INT AS (a * 2))', 'CREATE TABLE t (a INT, c INT)', ['missing_column'], ['extra_column']],
  ['column declared renamed, database has the old name', 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=mail\n)', 'CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT)', ['renamed_column'], []],
  ['column declared renamed, already renamed: no drift', 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=mail\n)', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT)', [], []],
  ['table declared renamed, database has the old name', 'CREATE TABLE people ( -- @renamed from=persons\n  id INTEGER PRIMARY KEY,\n  name TEXT\n)', 'CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT)', ['renamed_table'], []],
  ['index declared renamed, same definition', 'CREATE TABLE t (a TEXT);\nCREATE INDEX t_a ON t (a); -- @renamed from=old_a', 'CREATE TABLE t (a TEXT); CREATE INDEX old_a ON t (a)', ['renamed_index'], []],
  ['declared rename with both names present', 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=mail\n)', 'CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT, email TEXT)', ['rename_conflict'], ['extra_column']],
  ['declared rename with neither name present', 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=mail\n)', 'CREATE TABLE users (id INTEGER PRIMARY KEY)', ['rename_conflict'], []],
  ['extra table, column and index', 'CREATE TABLE t (a TEXT)', 'CREATE TABLE t (a TEXT, b TEXT); CREATE INDEX i ON t(b); CREATE TABLE audit (x)', [], ['extra_column', 'extra_index', 'extra_table']],
  ['sqlite_sequence is never an extra', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)', 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT); CREATE TABLE x (id INTEGER PRIMARY KEY AUTOINCREMENT); INSERT INTO x DEFAULT VALUES', [], ['extra_table']],
];

describe('non-equivalent declarations produce exactly the right drift', () => {
  it.each(DIFFERENT)('%s', (_what, declaredSql, liveSql, kinds, extraKinds) => {
    const result = compare(declaredSql, liveSql);
    expect(result.drift.map((item) => item.kind)).toEqual(kinds);
    expect(result.extras.map((item) => item.kind)).toEqual(extraKinds);
  });
});

/** Views and triggers: declarations through the real loader, live databases real files. */
const declareSql = (sql: string) => declaredSchemaFromSql(sql, 'declared.sql');

function compareObjects(declaredSql: string, liveSql: string) {
  return diff(declareSql(declaredSql), introspectFile(createDatabase(dir, liveSql)));
}

const T = 'CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INT); CREATE TABLE log (x TEXT, at INT);';
const FTS =
  "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); CREATE VIRTUAL TABLE notes_fts USING fts5(body, content='notes', content_rowid='id');";
const FTS_INSERT = 'CREATE TRIGGER notes_ai AFTER INSERT ON notes BEGIN INSERT INTO notes_fts(rowid, body) VALUES (new.id, new.body); END;';
const FTS_DELETE =
  "CREATE TRIGGER notes_ad AFTER DELETE ON notes BEGIN INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', old.id, old.body); END;";

const OBJECT_EQUIVALENT: ReadonlyArray<readonly [string, string, string]> = [
  ['view keyword and identifier case', `${T} CREATE VIEW v AS SELECT a FROM t`, `${T} create view V as select A from T`],
  ['view identifier quoting', `${T} CREATE VIEW "v" AS SELECT "a", [b] FROM \`t\``, `${T} CREATE VIEW v AS SELECT a, b FROM t`],
  ['view white space and comments', `${T} CREATE VIEW v AS\n  SELECT a -- the a\n  FROM t /* all rows */ WHERE b>0`, `${T} CREATE VIEW v AS SELECT a FROM t WHERE b > 0`],
  ['view IF NOT EXISTS and main. prefix', `${T} CREATE VIEW IF NOT EXISTS main.v AS SELECT a FROM t`, `${T} CREATE VIEW v AS SELECT a FROM t`],
  ['view "x" that names nothing is the string \'x\'', `${T} CREATE VIEW v AS SELECT a FROM t WHERE a = "open"`, `${T} CREATE VIEW v AS SELECT a FROM t WHERE a = 'open'`],
  ['views in another creation order', `${T} CREATE VIEW v1 AS SELECT a FROM t; CREATE VIEW v2 AS SELECT b FROM t`, `${T} CREATE VIEW v2 AS SELECT b FROM t; CREATE VIEW v1 AS SELECT a FROM t`],
  ['trigger FOR EACH ROW is the default', `${T} CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW BEGIN INSERT INTO log VALUES (new.a, 1); END`, `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a, 1); END`],
  ['trigger BEFORE is the default timing', `${T} CREATE TRIGGER tr INSERT ON t BEGIN INSERT INTO log VALUES (new.a, 1); END`, `${T} CREATE TRIGGER tr BEFORE INSERT ON t BEGIN INSERT INTO log VALUES (new.a, 1); END`],
  [
    'trigger case, quoting and white space',
    `${T} create trigger "TR" after update of a on "T" begin\n  update log set x = NEW."a" where at = 1;\nend`,
    `${T} CREATE TRIGGER tr AFTER UPDATE OF a ON t BEGIN UPDATE log SET x = new.a WHERE at = 1; END`,
  ],
  ['trigger WHEN with "x" as a string', `${T} CREATE TRIGGER tr AFTER INSERT ON t WHEN new.a = "done" BEGIN DELETE FROM log; END`, `${T} CREATE TRIGGER tr AFTER INSERT ON t WHEN new.a = 'done' BEGIN DELETE FROM log; END`],
  ['FTS5 external-content sync triggers, IF NOT EXISTS', `${FTS} ${FTS_INSERT.replace('CREATE TRIGGER', 'CREATE TRIGGER IF NOT EXISTS')} ${FTS_DELETE}`, `${FTS} ${FTS_INSERT} ${FTS_DELETE}`],
];

describe('equivalent view and trigger spellings produce no drift and no extras', () => {
  it.each(OBJECT_EQUIVALENT)('%s', (_what, one, other) => {
    expect(compareObjects(one, other)).toEqual({ drift: [], extras: [] });
    expect(compareObjects(other, one)).toEqual({ drift: [], extras: [] });
  });
});

const OBJECT_DIFFERENT: ReadonlyArray<readonly [string, string, string, readonly DriftKind[], readonly string[]]> = [
  ['missing view', `${T} CREATE VIEW v AS SELECT a FROM t`, T, ['missing_view'], []],
  ['missing trigger', `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END`, T, ['missing_trigger'], []],
  ['view reads another column', `${T} CREATE VIEW v AS SELECT a FROM t`, `${T} CREATE VIEW v AS SELECT b FROM t`, ['view_definition'], []],
  ['view gained a WHERE', `${T} CREATE VIEW v AS SELECT a FROM t`, `${T} CREATE VIEW v AS SELECT a FROM t WHERE b > 0`, ['view_definition'], []],
  ['view column list', `${T} CREATE VIEW v (x) AS SELECT a FROM t`, `${T} CREATE VIEW v AS SELECT a FROM t`, ['view_definition'], []],
  ["string case matters: 'open' vs 'Open'", `${T} CREATE VIEW v AS SELECT a FROM t WHERE a = 'open'`, `${T} CREATE VIEW v AS SELECT a FROM t WHERE a = 'Open'`, ['view_definition'], []],
  ['"a" that names a column is not the string \'a\'', `${T} CREATE VIEW v AS SELECT a FROM t WHERE b = "a"`, `${T} CREATE VIEW v AS SELECT a FROM t WHERE b = 'a'`, ['view_definition'], []],
  ['trigger timing AFTER vs BEFORE', `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END`, `${T} CREATE TRIGGER tr BEFORE INSERT ON t BEGIN DELETE FROM log; END`, ['trigger_definition'], []],
  ['trigger event', `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END`, `${T} CREATE TRIGGER tr AFTER DELETE ON t BEGIN DELETE FROM log; END`, ['trigger_definition'], []],
  ['trigger on another table', `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END`, `${T} CREATE TRIGGER tr AFTER INSERT ON log BEGIN DELETE FROM log; END`, ['trigger_definition'], []],
  ['trigger body', `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a, 1); END`, `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a, 2); END`, ['trigger_definition'], []],
  ['trigger WHEN', `${T} CREATE TRIGGER tr AFTER INSERT ON t WHEN new.b > 0 BEGIN DELETE FROM log; END`, `${T} CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END`, ['trigger_definition'], []],
  ['extra view and trigger', T, `${T} CREATE VIEW v AS SELECT a FROM t; CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM log; END`, [], ['extra_view', 'extra_trigger']],
  ['FTS sync triggers missing: the index misses rows', `${FTS} ${FTS_INSERT} ${FTS_DELETE}`, FTS, ['missing_trigger', 'missing_trigger', 'stale_fts_index'], []],
  ['FTS table missing over a content table with rows: re-created empty', FTS, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('x');", ['missing_table', 'stale_fts_index'], []],
  ['a non-FTS trigger missing is only a missing trigger', `${FTS} CREATE TRIGGER notes_log AFTER INSERT ON notes BEGIN DELETE FROM notes WHERE id < 0; END`, FTS, ['missing_trigger'], []],
];

describe('non-equivalent views and triggers produce exactly the right drift', () => {
  it.each(OBJECT_DIFFERENT)('%s', (_what, declaredSql, liveSql, kinds, extraKinds) => {
    const result = compareObjects(declaredSql, liveSql);
    expect(result.drift.map((item) => item.kind)).toEqual(kinds);
    expect(result.extras.map((item) => item.kind)).toEqual(extraKinds);
  });

  it('ignore patterns apply to views and triggers, and to the triggers of an ignored table', () => {
    const live = introspectFile(
      createDatabase(
        dir,
        `${T} CREATE TABLE _litestream_seq (id INT); CREATE VIEW _litestream_v AS SELECT 1; CREATE TRIGGER _litestream_tr AFTER INSERT ON t BEGIN DELETE FROM log; END;
         CREATE TRIGGER on_seq AFTER INSERT ON _litestream_seq BEGIN DELETE FROM log; END; CREATE VIEW kept AS SELECT 1`,
      ),
    );
    const result = diff(declareSql(T), live, { ignoreTables: ['_litestream_%'] });
    expect(result.extras.map((item) => [item.kind, item.view ?? item.trigger ?? item.table])).toEqual([['extra_view', 'kept']]);
  });
});

/**
 * Virtual tables (issue 17): compared by module and module arguments, by meaning — the
 * argument list in order, `key = value` options in any order and however the value is quoted
 * (fts5.html#fts5_table_creation_and_initialization).
 */
const NOTES = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT, body TEXT, tags TEXT);';
const VIRTUAL_EQUIVALENT: ReadonlyArray<readonly [string, string, string]> = [
  ['module and column case', `${NOTES} CREATE VIRTUAL TABLE f USING FTS5(Title, BODY)`, `${NOTES} create virtual table F using fts5(title, body)`],
  ['quoted column names', `${NOTES} CREATE VIRTUAL TABLE f USING fts5("title", [body], \`tags\`)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body, tags)`],
  ["tokenize='porter' vs \"porter\" vs bare", `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize='porter')`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize = "porter")`],
  ['tokenize bare word', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize=porter)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize='porter')`],
  ['options in another order', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, content='notes', content_rowid='id')`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, content_rowid=id, content=notes)`],
  ['white space, comments, IF NOT EXISTS', `${NOTES} CREATE VIRTUAL TABLE IF NOT EXISTS f USING fts5(\n  title, -- the title\n  body UNINDEXED\n)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body unindexed)`],
  ['R*Tree column spelling', 'CREATE VIRTUAL TABLE r USING rtree(id,minX,maxX)', 'CREATE VIRTUAL TABLE r USING RTREE( id , minx , MAXX )'],
  ['fts4 options', `${NOTES} CREATE VIRTUAL TABLE f USING fts4(title, tokenize=porter)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts4(TITLE, TOKENIZE=porter)`],
];

describe('equivalent virtual-table spellings produce no drift and no extras', () => {
  it.each(VIRTUAL_EQUIVALENT)('%s', (_what, one, other) => {
    expect(compareObjects(one, other)).toEqual({ drift: [], extras: [] });
    expect(compareObjects(other, one)).toEqual({ drift: [], extras: [] });
  });
});

const VIRTUAL_DIFFERENT: ReadonlyArray<readonly [string, string, string, readonly DriftKind[], readonly string[]]> = [
  ['fts5 column list gained a column', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body, tags)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body)`, ['virtual_table_definition'], []],
  ['fts5 columns in another order', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(body, title)`, ['virtual_table_definition'], []],
  ['tokenize declared, live default', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize='porter unicode61')`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title)`, ['virtual_table_definition'], []],
  ['tokenize differs', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize='porter')`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, tokenize='trigram')`, ['virtual_table_definition'], []],
  ['UNINDEXED column option', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body UNINDEXED)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body)`, ['virtual_table_definition'], []],
  ['external content vs own content', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, content='notes', content_rowid='id')`, `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title)`, ['virtual_table_definition'], []],
  ['fts5 vs fts4', `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title)`, `${NOTES} CREATE VIRTUAL TABLE f USING fts4(title)`, ['virtual_table_definition'], []],
  ['R*Tree gained dimensions', 'CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx, miny, maxy)', 'CREATE VIRTUAL TABLE r USING rtree(id, minx, maxx)', ['virtual_table_definition'], []],
  ['virtual table declared, ordinary table live', 'CREATE VIRTUAL TABLE f USING fts5(title)', 'CREATE TABLE f (title TEXT)', ['virtual_table_definition'], []],
  ['ordinary table declared, virtual table live', 'CREATE TABLE f (title TEXT)', 'CREATE VIRTUAL TABLE f USING fts5(title)', ['virtual_table_definition'], []],
];

describe('non-equivalent virtual tables produce exactly the right drift', () => {
  it.each(VIRTUAL_DIFFERENT)('%s', (_what, declaredSql, liveSql, kinds, extraKinds) => {
    const result = compareObjects(declaredSql, liveSql);
    expect(result.drift.map((item) => item.kind)).toEqual(kinds);
    expect(result.extras.map((item) => item.kind)).toEqual(extraKinds);
  });

  it('names what differs, one phrase per difference', () => {
    const [item] = compareObjects(
      `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body, tags, tokenize='porter unicode61')`,
      `${NOTES} CREATE VIRTUAL TABLE f USING fts5(title, body)`,
    ).drift;
    expect(item?.detail).toBe(`virtual table "f" differs: arguments: declared (title, body, tags), actual (title, body); tokenize: declared 'porter unicode61', actual (not set)`);
  });
});

describe('every drift kind is covered', () => {
  it('by a non-equivalent pair', () => {
    const covered = new Set([...DIFFERENT, ...OBJECT_DIFFERENT, ...VIRTUAL_DIFFERENT].flatMap(([, , , kinds]) => kinds));
    expect(DRIFT_KINDS.filter((kind) => !covered.has(kind))).toEqual([]);
  });
});

/**
 * Literal spellings (issue 8): stock SQLite reads a double-quoted token that names no column as a
 * string (quirks.html#dblquote). The live side is built by Debian's sqlite3 shell, the oracle; the
 * declared side goes through driftd's loader. Equal meaning → no drift, in both directions.
 */
function compareWithShell(declaredSql: string, liveSql: string) {
  const declared = declaredSchemaFromSql(declaredSql, 'declared.sql');
  const live = introspectFile(createDatabaseWithShell(dir, liveSql));
  return diff(declared, live);
}

const LITERAL_EQUIVALENT: ReadonlyArray<readonly [string, string, string]> = [
  ['CHECK with "x" vs \'x\'', `CREATE TABLE t (s TEXT CHECK (s IN ("open", "closed")))`, `CREATE TABLE t (s TEXT CHECK (s IN ('open', 'closed')))`],
  ['generated json path "$.v" vs \'$.v\'', `CREATE TABLE t (props TEXT, v INT AS (json_extract(props, "$.version")) STORED)`, `CREATE TABLE t (props TEXT, v INT AS (json_extract(props, '$.version')) STORED)`],
  ['partial index WHERE state = "done" vs \'done\'', `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE state = "done"`, `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE state = 'done'`],
  ['partial index with a quoted column and a quoted string', `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE "state" <> "gone"`, `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE state <> 'gone'`],
  ['expression index with a "x" literal', `CREATE TABLE t (a TEXT); CREATE INDEX i ON t(coalesce(a, "none"))`, `CREATE TABLE t (a TEXT); CREATE INDEX i ON t(coalesce(a, 'none'))`],
  ['DEFAULT "draft" vs \'draft\'', `CREATE TABLE t (s TEXT DEFAULT "draft")`, `CREATE TABLE t (s TEXT DEFAULT 'draft')`],
  ['DEFAULT draft (bare word) vs \'draft\'', `CREATE TABLE t (s TEXT DEFAULT draft)`, `CREATE TABLE t (s TEXT DEFAULT 'draft')`],
  ['DEFAULT [x] vs "x"', `CREATE TABLE t (s TEXT DEFAULT [x])`, `CREATE TABLE t (s TEXT DEFAULT "x")`],
  ['"it\'s" vs \'it\'\'s\'', `CREATE TABLE t (a TEXT, b INT AS (a = "it's"))`, `CREATE TABLE t (a TEXT, b INT AS (a = 'it''s'))`],
];

describe('literal spellings of stock SQLite (live databases made by the sqlite3 shell)', () => {
  it.each(LITERAL_EQUIVALENT)('%s', (_what, one, other) => {
    expect(compareWithShell(one, other)).toEqual({ drift: [], extras: [] });
    expect(compareWithShell(other, one)).toEqual({ drift: [], extras: [] });
  });

  const LITERAL_DIFFERENT: ReadonlyArray<readonly [string, string, string, readonly DriftKind[]]> = [
    ['"state" (the column) vs \'state\' (a string) in a partial index', `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE "state" = 'x'`, `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE 'state' = 'x'`, ['index_definition']],
    ['"a" (the column) vs \'a\' (a string) in a generated column', `CREATE TABLE t (a TEXT, b TEXT AS (upper("a")))`, `CREATE TABLE t (a TEXT, b TEXT AS (upper('a')))`, ['column_generated']],
    ['"x" vs \'y\' as a default', `CREATE TABLE t (s TEXT DEFAULT "x")`, `CREATE TABLE t (s TEXT DEFAULT 'y')`, ['column_default']],
    ['"Done" vs \'done\': string case matters', `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE state = "Done"`, `CREATE TABLE t (state TEXT); CREATE INDEX i ON t(state) WHERE state = 'done'`, ['index_definition']],
  ];
  it.each(LITERAL_DIFFERENT)('%s', (_what, declaredSql, liveSql, kinds) => {
    expect(compareWithShell(declaredSql, liveSql).drift.map((item) => item.kind)).toEqual(kinds);
  });
});

describe('literal spellings in a JSON declaration', () => {
  it('check, partial-index where and generated expressions with "…" compare by meaning with the live file', () => {
    const json = JSON.stringify({
      tables: {
        t: {
          columns: {
            state: { type: 'TEXT', check: 'state IN ("open", "done")', default: 'open' },
            props: { type: 'TEXT' },
            v: { type: 'INT', generated: { expression: 'json_extract(props, "$.v")', stored: true } },
          },
          indexes: { t_open: { columns: ['state'], where: 'state = "open"' } },
        },
      },
    });
    const live = introspectFile(
      createDatabaseWithShell(dir, `CREATE TABLE t (state TEXT DEFAULT 'open' CHECK (state IN ('open', 'done')), props TEXT, v INT AS (json_extract(props, '$.v')) STORED); CREATE INDEX t_open ON t (state) WHERE state = 'open';`),
    );
    expect(diff(declaredSchemaFromJson(json, 'literals.json'), live)).toEqual({ drift: [], extras: [] });
  });
});
