import { describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/declared/declaration-statements.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { diff } from '../../src/diff/diff.js';
import { DriftdError } from '../../src/errors/driftd-error.js';
import { createDatabaseWithShell, introspectFile, runShell, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-verbatim-');

function failure(run: () => unknown): DriftdError {
  try {
    run();
  } catch (error) {
    if (error instanceof DriftdError) return error;
    throw error;
  }
  throw new Error('expected a DriftdError');
}

function tableNames(sql: string): string[] {
  return declaredSchemaFromSql(sql, 'x.sql').tables.map((table) => table.name);
}

describe('statement splitting', () => {
  it('keeps a trigger body, with CASE … END inside, in its trigger', () => {
    const statements = splitStatements(`CREATE TABLE a (x);
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  UPDATE a SET x = CASE WHEN new.x > 0 THEN 1 ELSE CASE new.x WHEN 0 THEN 0 END END WHERE rowid = new.rowid;
  INSERT INTO a VALUES (1);
END;
CREATE INDEX i ON a (x);`);
    expect(statements.map((statement) => [statement.line, statement.text.split(' ').slice(0, 2).join(' ')])).toEqual([
      [1, 'CREATE TABLE'],
      [2, 'CREATE TRIGGER'],
      [6, 'CREATE INDEX'],
    ]);
  });

  it('tells a column named end from the END of a trigger body', () => {
    const sql = `CREATE TABLE spans (id INTEGER PRIMARY KEY, start INT, end INT);
CREATE TRIGGER spans_fix AFTER INSERT ON spans BEGIN
  UPDATE spans SET end = CASE WHEN new.end < new.start THEN new.start ELSE new.end END WHERE id = new.id;
END;
CREATE INDEX spans_end ON spans (end);`;
    expect(splitStatements(sql).map((statement) => statement.line)).toEqual([1, 2, 5]);
    expect(declaredSchemaFromSql(sql, 'spans.sql').tables[0]!.indexes.map((index) => index.name)).toEqual(['spans_end']);
  });

  it('splits CREATE statements that lack semicolons (SQLAlchemy CreateTable output)', () => {
    const sql = '\nCREATE TABLE users (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(30), \n\tPRIMARY KEY (id)\n)\n\n\nCREATE INDEX ix_users_name ON users (name)\n';
    expect(splitStatements(sql).map((statement) => statement.line)).toEqual([2, 9]);
    expect(declaredSchemaFromSql(sql, 'sa.sql').tables[0]!.indexes.map((index) => index.name)).toEqual(['ix_users_name']);
  });
});

describe('what the stock shell prints is a declaration, verbatim', () => {
  const APP = `
    CREATE TABLE note (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT, state TEXT CHECK (state IN ("draft", "done")) DEFAULT "draft");
    CREATE INDEX note_open ON note (title) WHERE state = "draft";
    CREATE VIRTUAL TABLE note_fts USING fts5 (title, body, content = 'note', content_rowid = 'id');
    CREATE VIRTUAL TABLE note_fts4 USING fts4 (title);
    CREATE VIRTUAL TABLE place USING rtree (id, min_x, max_x);
    CREATE TRIGGER note_ai AFTER INSERT ON note BEGIN INSERT INTO note_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END;
    CREATE VIEW open_notes AS SELECT id, title FROM note WHERE state = "draft";
    INSERT INTO note (title, body) VALUES ('a', 'b');
    ANALYZE;`;

  it('.schema, with sqlite_sequence, sqlite_stat1, shadow tables, views and triggers, declares what the database has', () => {
    const db = createDatabaseWithShell(dir, APP);
    const schemaText = runShell(db, '.schema');
    expect(schemaText).toContain('CREATE TABLE sqlite_sequence');
    expect(schemaText).toContain("CREATE TABLE IF NOT EXISTS 'note_fts_data'");
    expect(schemaText).toContain('CREATE TABLE sqlite_stat1');
    const declared = declaredSchemaFromSql(schemaText, 'app.schema.sql');
    expect(declared.tables.map((table) => table.name)).toEqual(['note', 'note_fts', 'note_fts4', 'place']);
    expect(diff(declared, introspectFile(db))).toEqual({ drift: [], extras: [] });
  });

  it('.schema --indent too', () => {
    const db = createDatabaseWithShell(dir, APP);
    expect(diff(declaredSchemaFromSql(runShell(db, '.schema --indent'), 'indent.sql'), introspectFile(db))).toEqual({ drift: [], extras: [] });
  });

  it('.dump of a database without rows: framing, writable_schema virtual tables, sqlite_stat1 and sqlite_sequence rows', () => {
    const db = createDatabaseWithShell(dir, `${APP} DELETE FROM note;`);
    const dumpText = runShell(db, '.dump');
    expect(dumpText).toMatch(/^PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;/);
    expect(dumpText).toContain('INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)');
    expect(dumpText).toContain('INSERT INTO sqlite_sequence');
    const declared = declaredSchemaFromSql(dumpText.replace(/^INSERT INTO (note_fts\w*|place\w*)\b.*$/gm, ''), 'dump.sql');
    expect(diff(declared, introspectFile(db))).toEqual({ drift: [], extras: [] });
  });

  it('.dump with the application rows is refused at the first row, with the line and the hint', () => {
    const db = createDatabaseWithShell(dir, APP);
    const dumpText = runShell(db, '.dump');
    const line = dumpText.split('\n').findIndex((text) => text.startsWith('INSERT INTO note VALUES')) + 1;
    const error = failure(() => declaredSchemaFromSql(dumpText, 'full-dump.sql'));
    expect(error.code).toBe('SCHEMA_SQL_FORBIDDEN');
    expect(error.message).toContain(`full-dump.sql:${line}:`);
    expect(error.hint).toContain('use `sqlite3 FILE .schema`, not `.dump`');
  });

  it.each([
    ['UPDATE', 'CREATE TABLE a (x);\nUPDATE a SET x = 1;'],
    ['DELETE', 'CREATE TABLE a (x);\nDELETE FROM a;'],
    ['REPLACE', 'CREATE TABLE a (x);\nREPLACE INTO a VALUES (1);'],
    ['INSERT OR IGNORE', 'CREATE TABLE a (x);\nINSERT OR IGNORE INTO a VALUES (1);'],
  ])('refuses %s as data with the .dump hint', (_what, sql) => {
    const error = failure(() => declaredSchemaFromSql(sql, 'data.sql'));
    expect(error.code).toBe('SCHEMA_SQL_FORBIDDEN');
    expect(error.message).toContain('data.sql:2:');
    expect(error.hint).toContain('.dump');
  });
});

describe('internal objects and framing, statement by statement', () => {
  it.each([
    ['sqlite_sequence', 'CREATE TABLE sqlite_sequence(name,seq);'],
    ['sqlite_stat1', 'CREATE TABLE sqlite_stat1(tbl,idx,stat);'],
    ['sqlite_stat4 (a build with STAT4)', 'CREATE TABLE sqlite_stat4(tbl,idx,neq,nlt,ndlt,sample);'],
    ['ANALYZE', 'ANALYZE;'],
    ['ANALYZE sqlite_schema', 'ANALYZE sqlite_schema;'],
    ['stat rows', "INSERT INTO sqlite_stat1 VALUES('a',NULL,'1');"],
    ['sequence rows', "DELETE FROM sqlite_sequence;\nINSERT INTO sqlite_sequence VALUES('a',7);"],
    ['BEGIN IMMEDIATE / END TRANSACTION', 'BEGIN IMMEDIATE;\nEND TRANSACTION;'],
    ['PRAGMA foreign_keys = ON', 'PRAGMA foreign_keys = ON;'],
  ])('skips %s', (_what, sql) => {
    expect(tableNames(`CREATE TABLE a (x);\n${sql}`)).toEqual(['a']);
  });

  it('refuses a PRAGMA that is not framing even in .dump spelling', () => {
    expect(failure(() => declaredSchemaFromSql('CREATE TABLE a (x);\nPRAGMA journal_mode=WAL;', 'p.sql')).code).toBe('SCHEMA_SQL_FORBIDDEN');
  });

  it('runs only the CREATE VIRTUAL TABLE text of a .dump schema insert, nothing smuggled beside it', () => {
    const sql = "PRAGMA writable_schema=ON;\nINSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)VALUES('table','f','f',0,'CREATE VIRTUAL TABLE f USING fts5(a); ATTACH ''/tmp/x.db'' AS x');\nPRAGMA writable_schema=OFF;\nCREATE TABLE a (x);";
    expect(failure(() => declaredSchemaFromSql(sql, 'smuggle.sql')).code).toBe('SCHEMA_SQL_FORBIDDEN');
  });
});

describe('generators', () => {
  it('drizzle-kit: statement breakpoints, backquotes', () => {
    const sql = 'CREATE TABLE `users` (\n\t`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,\n\t`email` text NOT NULL\n);\n--> statement-breakpoint\nCREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);';
    expect(tableNames(sql)).toEqual(['users']);
  });

  it('Django sqlmigrate: BEGIN;/COMMIT; and comments', () => {
    const sql = 'BEGIN;\n--\n-- Create model Card\n--\nCREATE TABLE "deck_card" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "front" text NOT NULL);\nCREATE INDEX "deck_card_front_1a2b" ON "deck_card" ("front");\nCOMMIT;';
    expect(tableNames(sql)).toEqual(['deck_card']);
  });

  it('Rails structure.sql: IF NOT EXISTS tables and the schema_migrations version rows it appends', () => {
    const sql = `CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" varchar NOT NULL PRIMARY KEY);
CREATE TABLE IF NOT EXISTS "ar_internal_metadata" ("key" varchar NOT NULL PRIMARY KEY, "value" varchar, "created_at" datetime(6) NOT NULL, "updated_at" datetime(6) NOT NULL);
CREATE TABLE IF NOT EXISTS "rooms" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "name" varchar);
CREATE TABLE sqlite_sequence(name,seq);
INSERT INTO "schema_migrations" (version) VALUES
('20240102000000'),
('20240101000000');
`;
    expect(tableNames(sql)).toEqual(['schema_migrations', 'ar_internal_metadata', 'rooms']);
  });

  it('a shadow table declared before its virtual table fails as it does in the stock shell', () => {
    const sql = "CREATE TABLE IF NOT EXISTS 'docs_fts_data'(id INTEGER PRIMARY KEY, block BLOB);\nCREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT);\nCREATE VIRTUAL TABLE docs_fts USING fts5(body);";
    const error = failure(() => declaredSchemaFromSql(sql, 'order.sql'));
    expect(error.code).toBe('SCHEMA_SQL_ERROR');
    expect(error.message).toMatch(/^order\.sql:3: .*docs_fts_data/);
  });
});
