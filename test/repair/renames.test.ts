import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromJson, declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { DriftdError } from '../../src/errors/driftd-error.js';
import { createDatabase, runShell, tempDir } from '../support/temp-db.js';

/**
 * Renames (issue 15 items 1 and 2), on real files: without declared intent a missing column or
 * table beside an undeclared one is never added (adding it would split the data); with a declared
 * rename the repair is ALTER TABLE … RENAME, the data and every object that names it follow, and
 * Debian's sqlite3 shell reads the result.
 */
const dir = tempDir('driftd-renames-');

function rows(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

function repair(path: string, declaredSql: string) {
  return checkDatabase({ dbPath: path, declared: declaredSchemaFromSql(declaredSql, 'declared.sql'), mode: 'repair', busyTimeoutMs: 1000 });
}

const USERS_LIVE = `
CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT NOT NULL DEFAULT '', name TEXT);
CREATE INDEX users_mail ON users (mail);
CREATE VIEW user_mails AS SELECT id, mail FROM users WHERE mail <> '';
CREATE TABLE mail_log (user_id INTEGER, mail TEXT);
CREATE TRIGGER users_mail_changed AFTER UPDATE OF mail ON users BEGIN INSERT INTO mail_log VALUES (new.id, new.mail); END;
INSERT INTO users (mail, name) VALUES ('a@example.org', 'Ada'), ('b@example.org', 'Bob');
`;

const usersDeclared = (annotation: string): string => `
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL DEFAULT '',${annotation}
  name TEXT
);
CREATE INDEX users_mail ON users (email);
CREATE VIEW user_mails AS SELECT id, email FROM users WHERE email <> '';
CREATE TABLE mail_log (user_id INTEGER, mail TEXT);
CREATE TRIGGER users_mail_changed AFTER UPDATE OF email ON users BEGIN INSERT INTO mail_log VALUES (new.id, new.email); END;
`;

describe('a rename is never repaired by splitting the data', () => {
  it('a declared column missing beside an undeclared one is a possible_rename: nothing is added, the annotations are named', async () => {
    const path = createDatabase(dir, USERS_LIVE);
    const before = readFileSync(path);
    const report = await repair(path, usersDeclared(''));
    const item = report.drift.find((entry) => entry.kind === 'possible_rename');
    expect(item).toMatchObject({ table: 'users', column: 'email', safe: false });
    expect(item!.detail).toContain('"mail"');
    expect(item!.reason).toContain('-- @renamed from=mail');
    expect(item!.reason).toContain('-- @new');
    expect(report.applied).toEqual([]);
    expect(readFileSync(path).equals(before)).toBe(true);
    // The index, view and trigger over the new name wait for it instead of failing.
    expect(report.remaining.filter((entry) => entry.safe)).toEqual([]);
  });

  it('a declared table missing beside an undeclared table of the same shape is a possible_rename, not an empty new table', async () => {
    const path = createDatabase(dir, "CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT, born TEXT); INSERT INTO persons (name) VALUES ('Ada');");
    const report = await repair(path, 'CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, born TEXT, email TEXT);');
    expect(report.drift.map((entry) => [entry.kind, entry.safe])).toEqual([['possible_rename', false]]);
    expect(report.applied).toEqual([]);
    expect(rows(path, "SELECT name FROM sqlite_schema WHERE type = 'table'")).toEqual([{ name: 'persons' }]);
  });

  it('ModelForge 0.2.1 on a 0.2.0 database: a new defaulted column and no undeclared one is still added automatically', async () => {
    const legacy = readFileSync(new URL('../../demo/fixtures/modelforge-0.2.0.sql', import.meta.url), 'utf8');
    const path = createDatabase(dir, `${legacy}\nINSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES ('m', 'b', 't', '2025-01-01', '/m');`);
    for (const schemaFile of ['modelforge.sql', 'modelforge.json']) {
      const text = readFileSync(new URL(`../../schemas/${schemaFile}`, import.meta.url), 'utf8');
      const declared = schemaFile.endsWith('.sql') ? declaredSchemaFromSql(text, schemaFile) : declaredSchemaFromJson(text, schemaFile);
      const checked = await checkDatabase({ dbPath: path, declared, mode: 'check', busyTimeoutMs: 1000 });
      if (schemaFile === 'modelforge.json' && checked.inSync) continue; // the .sql pass already repaired it
      expect(checked.drift.map((entry) => [entry.kind, entry.column, entry.safe])).toEqual([['missing_column', 'is_custom_base_model', true]]);
      const report = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
      expect(report.applied.map((step) => [step.kind, step.column])).toEqual([['missing_column', 'is_custom_base_model']]);
      expect(report.inSync).toBe(true);
    }
    expect(rows(path, 'SELECT model_name, is_custom_base_model FROM fine_tuned_models')).toEqual([{ model_name: 'm', is_custom_base_model: 0 }]);
  });
});

describe('declared renames are repaired in place', () => {
  // Every accepted spelling of the annotation on the column's line.
  it.each([
    ['sqldef line comment', ' -- @renamed from=mail'],
    ['sqldef block comment', ' /* @renamed from=mail */'],
    ['Atlas', ' -- atlas:renamed_from mail'],
    ['double-quoted name', ' -- @renamed from="mail"'],
    ['bracketed name', ' -- @renamed from=[mail]'],
    ['backquoted name, other case', ' -- @renamed from=`MAIL`'],
  ])('RENAME COLUMN with %s: data, index, view and trigger follow; idempotent; the stock shell reads it', async (_what, annotation) => {
    const path = createDatabase(dir, USERS_LIVE);
    const declaredSql = usersDeclared(annotation);
    const checked = await checkDatabase({ dbPath: path, declared: declaredSchemaFromSql(declaredSql, 'declared.sql'), mode: 'check', busyTimeoutMs: 1000 });
    expect(checked.drift.map((entry) => [entry.kind, entry.safe, entry.sql])).toEqual([['renamed_column', true, 'ALTER TABLE "users" RENAME COLUMN "mail" TO "email";']]);
    const report = await repair(path, declaredSql);
    expect(report.applied.map((step) => step.kind)).toEqual(['renamed_column']);
    expect(report.inSync).toBe(true);
    expect(report.extras).toEqual([]);
    expect(rows(path, 'SELECT id, email FROM user_mails ORDER BY id')).toEqual([
      { id: 1, email: 'a@example.org' },
      { id: 2, email: 'b@example.org' },
    ]);
    // SQLite rewrote the index (it quotes the new name).
    expect(rows(path, "SELECT sql FROM sqlite_schema WHERE name = 'users_mail'")).toEqual([{ sql: 'CREATE INDEX users_mail ON users ("email")' }]);
    // The trigger follows the renamed column: it fires on the new name.
    const db = new Database(path);
    db.exec("UPDATE users SET email = 'c@example.org' WHERE id = 1");
    db.close();
    expect(rows(path, 'SELECT user_id, mail FROM mail_log')).toEqual([{ user_id: 1, mail: 'c@example.org' }]);
    const again = await repair(path, declaredSql);
    expect(again.drift).toEqual([]);
    expect(again.applied).toEqual([]);
    expect(runShell(path, "PRAGMA integrity_check; SELECT email FROM users ORDER BY id;")).toBe('ok\nc@example.org\nb@example.org\n');
  });

  it('RENAME TO for a table: its rows, indexes, views, triggers and the foreign keys of other tables follow', async () => {
    const path = createDatabase(
      dir,
      `CREATE TABLE persons (id INTEGER PRIMARY KEY, name TEXT);
       CREATE INDEX persons_name ON persons (name);
       CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES persons (id) ON DELETE CASCADE);
       CREATE VIEW named AS SELECT name FROM persons;
       CREATE TABLE log (what TEXT);
       CREATE TRIGGER persons_ins AFTER INSERT ON persons BEGIN INSERT INTO log VALUES (new.name); END;
       INSERT INTO persons (name) VALUES ('Ada'), ('Bob'); INSERT INTO pets (owner) VALUES (1), (2);`,
    );
    const declaredSql = `CREATE TABLE people ( -- @renamed from=persons
         id INTEGER PRIMARY KEY,
         name TEXT
       );
       CREATE INDEX persons_name ON people (name);
       CREATE TABLE pets (id INTEGER PRIMARY KEY, owner INTEGER REFERENCES people (id) ON DELETE CASCADE);
       CREATE VIEW named AS SELECT name FROM people;
       CREATE TABLE log (what TEXT);
       CREATE TRIGGER persons_ins AFTER INSERT ON people BEGIN INSERT INTO log VALUES (new.name); END;`;
    const report = await repair(path, declaredSql);
    expect(report.drift.map((entry) => entry.kind)).toEqual(['renamed_table']);
    expect(report.applied.map((step) => step.sql)).toEqual(['ALTER TABLE "persons" RENAME TO "people";']);
    expect(report.inSync).toBe(true);
    expect(report.extras).toEqual([]);
    expect(rows(path, 'SELECT name FROM named ORDER BY name')).toEqual([{ name: 'Ada' }, { name: 'Bob' }]);
    expect(rows(path, 'SELECT "table" FROM pragma_foreign_key_list(\'pets\')')).toEqual([{ table: 'people' }]);
    expect((await repair(path, declaredSql)).applied).toEqual([]);
    expect(runShell(path, 'PRAGMA foreign_keys = ON; PRAGMA integrity_check; PRAGMA foreign_key_check; SELECT count(*) FROM pets JOIN people ON people.id = pets.owner;')).toBe('ok\n2\n');
  });

  it('an index declared renamed is created under its new name and the old one, of the same definition, dropped', async () => {
    const path = createDatabase(dir, "CREATE TABLE t (a TEXT); CREATE UNIQUE INDEX old_a ON t (a); INSERT INTO t VALUES ('x');");
    const declaredSql = 'CREATE TABLE t (a TEXT);\nCREATE UNIQUE INDEX t_a ON t (a); -- @renamed from=old_a';
    const report = await repair(path, declaredSql);
    expect(report.applied.map((step) => step.kind)).toEqual(['renamed_index']);
    expect(report.inSync).toBe(true);
    expect(rows(path, "SELECT name FROM sqlite_schema WHERE type = 'index'")).toEqual([{ name: 't_a' }]);
    expect((await repair(path, declaredSql)).applied).toEqual([]);
  });

  it('renamedFrom in a JSON declaration renames a table and a column', async () => {
    const path = createDatabase(dir, "CREATE TABLE persons (id INTEGER PRIMARY KEY, mail TEXT); INSERT INTO persons (mail) VALUES ('a@example.org');");
    const json = JSON.stringify({
      tables: { people: { renamedFrom: 'persons', columns: { id: { type: 'INTEGER', primaryKey: true }, email: { type: 'TEXT', renamedFrom: 'mail' }, note: { type: 'TEXT', new: true } } } },
    });
    const declared = declaredSchemaFromJson(json, 'people.json');
    const report = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.applied.map((step) => step.kind)).toEqual(['renamed_table', 'renamed_column', 'missing_column']);
    expect(report.inSync).toBe(true);
    expect(rows(path, 'SELECT email, note FROM people')).toEqual([{ email: 'a@example.org', note: null }]);
  });

  it('renamedFrom on a JSON index; a JSON former name with a line break is refused by the format', async () => {
    const path = createDatabase(dir, "CREATE TABLE t (a TEXT); CREATE INDEX old_a ON t (a); INSERT INTO t VALUES ('x');");
    const json = (from: string) => JSON.stringify({ tables: { t: { columns: { a: { type: 'TEXT' } }, indexes: { t_a: { columns: ['a'], renamedFrom: from } } } } });
    const report = await checkDatabase({ dbPath: path, declared: declaredSchemaFromJson(json('old_a'), 't.json'), mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.applied.map((step) => step.kind)).toEqual(['renamed_index']);
    expect(report.inSync).toBe(true);
    expect(() => declaredSchemaFromJson(json('old\nDROP TABLE t'), 't.json')).toThrow(/line break/);
  });

  it.each([
    ['both names present', 'CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT, email TEXT)', 'both'],
    ['neither name present', 'CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT)', 'neither'],
  ])('%s: reported as rename_conflict, never guessed, nothing written', async (_what, liveSql, word) => {
    const path = createDatabase(dir, `${liveSql}; INSERT INTO users (id) VALUES (1);`);
    const before = readFileSync(path);
    const report = await repair(path, 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT -- @renamed from=mail\n);');
    const conflict = report.drift.find((entry) => entry.kind === 'rename_conflict');
    expect(conflict).toMatchObject({ safe: false, column: 'email' });
    expect(conflict!.detail).toContain(word);
    expect(report.drift.filter((entry) => entry.kind !== 'rename_conflict')).toEqual([]);
    expect(report.applied).toEqual([]);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe('annotations that attach to nothing or contradict are refused, naming the line', () => {
  it.each([
    ['malformed', 'CREATE TABLE t (\n  a TEXT -- @renamed mail\n);', 2, /malformed/],
    ['on no object', 'CREATE TABLE t (a TEXT);\n-- @renamed from=b\nCREATE TABLE u (b TEXT);', 2, /on no column/],
    ['on a line with two columns', 'CREATE TABLE t (\n  a TEXT, b TEXT -- @renamed from=c\n);', 2, /shared by/],
    ['renamed from its own name', 'CREATE TABLE t (\n  a TEXT -- @renamed from=A\n);', 2, /its own name/],
    ['renamed from a name the table declares', 'CREATE TABLE t (\n  a TEXT, \n  b TEXT -- @renamed from=a\n);', 3, /also declares/],
    ['two renamed from one name', 'CREATE TABLE t (\n  a TEXT, -- @renamed from=x\n  b TEXT -- @renamed from=x\n);', 3, /both renamed from/],
    ['@new and renamed', 'CREATE TABLE t (\n  a TEXT -- @new @renamed from=x\n);', 2, /malformed/],
  ])('%s', (_what, sql, line, message) => {
    let error: unknown;
    try {
      declaredSchemaFromSql(sql, 'declared.sql');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DriftdError);
    expect((error as DriftdError).code).toBe('SCHEMA_ANNOTATION_INVALID');
    expect((error as DriftdError).where).toEqual({ file: 'declared.sql', line });
    expect((error as DriftdError).message).toMatch(message);
  });

  it('an annotation-like text inside a string literal is no annotation', () => {
    const schema = declaredSchemaFromSql("CREATE TABLE t (\n  a TEXT DEFAULT '-- @renamed from=b'\n);", 'declared.sql');
    expect(schema.tables[0]!.columns[0]!.renamedFrom).toBeUndefined();
  });
});
