import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { declaredSchemaFromJson, declaredSchemaFromSql, loadDeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { diff } from '../../src/diff/diff.js';
import { DriftdError, type ErrorCode } from '../../src/errors/driftd-error.js';
import { tempDir } from '../support/temp-db.js';

const ROOT = resolve(__dirname, '../..');
const dir = tempDir('driftd-declared-');

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function failure(run: () => unknown): DriftdError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DriftdError);
    return error as DriftdError;
  }
  throw new Error('expected a DriftdError');
}

describe('the bundled ModelForge declarations', () => {
  const sql = loadDeclaredSchema(join(ROOT, 'schemas/modelforge.sql'));
  const json = loadDeclaredSchema(join(ROOT, 'schemas/modelforge.json'));

  it('load, and declare fine_tuned_models as of 0.2.1', () => {
    for (const loaded of [sql, json]) {
      const table = loaded.schema.tables.find((candidate) => candidate.name === 'fine_tuned_models');
      expect(table?.columns.map((column) => column.name)).toEqual([
        'id', 'model_name', 'base_model', 'task', 'description', 'creation_date', 'model_path', 'is_custom_base_model',
      ]);
      expect(table?.rowidAlias).toBe(true);
      expect(table?.autoincrement).toBe(true);
      const flag = table?.columns.find((column) => column.name === 'is_custom_base_model');
      expect(flag?.default).toMatchObject({ storageClass: 'integer', quoted: '0' });
    }
  });

  it('are equivalent: no drift and no extras in either direction', () => {
    expect(diff(sql.schema, json.schema)).toEqual({ drift: [], extras: [] });
    expect(diff(json.schema, sql.schema)).toEqual({ drift: [], extras: [] });
  });

  it('hash their content', () => {
    expect(sql.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(sql.contentHash).not.toBe(json.contentHash);
  });
});

describe('SQL declarations: errors name the file and the line', () => {
  it('a syntax error', () => {
    const path = write('syntax.sql', 'CREATE TABLE a (x TEXT);\n\n-- the broken one:\nCREATE TABLE b (\n  y TEXT,\n  z TEXT,,\n);\n');
    const error = failure(() => loadDeclaredSchema(path));
    expect(error.code).toBe('SCHEMA_SQL_ERROR');
    // The line SQLite stopped on (the doubled comma), not the statement's first line (issue 17).
    expect(error.message).toContain(`${path}:6:`);
    expect(error.message).toContain('syntax error');
    expect(error.where).toEqual({ file: path, line: 6 });
  });

  it('an unknown table in CREATE INDEX', () => {
    const error = failure(() => declaredSchemaFromSql('CREATE TABLE a (x);\nCREATE INDEX i ON missing (x);', 'idx.sql'));
    expect(error.code).toBe('SCHEMA_SQL_ERROR');
    expect(error.message).toMatch(/^idx\.sql:2: .*missing/);
  });

  it.each([
    ['ATTACH', "CREATE TABLE a (x);\nATTACH DATABASE '/tmp/evil.db' AS evil;", 2],
    ['INSERT', 'CREATE TABLE a (x);\nINSERT INTO a VALUES (1);', 2],
    ['DROP', 'DROP TABLE IF EXISTS a;\nCREATE TABLE a (x);', 1],
    ['PRAGMA', 'PRAGMA journal_mode = WAL;\nCREATE TABLE a (x);', 1],
    ['CREATE TEMP TRIGGER', 'CREATE TABLE a (x);\n\nCREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;', 3],
    ['CREATE TEMP VIEW', 'CREATE TABLE a (x);\nCREATE TEMPORARY VIEW v AS SELECT * FROM a;', 2],
    ['a view in another schema', 'CREATE TABLE a (x);\nCREATE VIEW aux.v AS SELECT * FROM a;', 2],
    ['ROLLBACK (a .dump that failed)', 'CREATE TABLE a (x);\nROLLBACK; -- due to errors', 2],
    ['other pragmas', 'PRAGMA foreign_keys=OFF;\nPRAGMA writable_schema=ON;\nPRAGMA user_version=7;\nCREATE TABLE a (x);', 3],
    ['a writable_schema insert that is not a virtual table', "PRAGMA writable_schema=ON;\nINSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql) VALUES('table','x','x',0,'CREATE TABLE x(a)');", 2],
    ['CREATE TEMP TABLE', 'CREATE TEMP TABLE a (x);', 1],
    ['VACUUM INTO', "CREATE TABLE a (x);\nVACUUM INTO '/tmp/copy.db';", 2],
  ] as const)('rejects %s with SCHEMA_SQL_FORBIDDEN', (_what, text, line) => {
    const error = failure(() => declaredSchemaFromSql(text, 'forbidden.sql'));
    expect(error.code).toBe<ErrorCode>('SCHEMA_SQL_FORBIDDEN');
    expect(error.message).toContain(`forbidden.sql:${line}:`);
  });

  it('a file without tables', () => {
    expect(failure(() => declaredSchemaFromSql('-- nothing here\n', 'empty.sql')).code).toBe('SCHEMA_EMPTY');
  });

  it('missing files and other extensions', () => {
    expect(failure(() => loadDeclaredSchema(join(dir, 'nope.sql'))).code).toBe('SCHEMA_NOT_FOUND');
    expect(failure(() => loadDeclaredSchema(write('schema.yaml', 'tables: {}'))).code).toBe('SCHEMA_UNSUPPORTED_FORMAT');
    expect(failure(() => loadDeclaredSchema(dir + '/')).code).toBe('SCHEMA_UNREADABLE');
  });
});

describe('JSON declarations: errors name the file, the table and the column', () => {
  const declaration = (column: Record<string, unknown>): string =>
    JSON.stringify({ tables: { fine_tuned_models: { columns: { id: { type: 'INTEGER', primaryKey: true }, model_name: column } } } });

  it('a wrong type', () => {
    const error = failure(() => declaredSchemaFromJson(declaration({ type: 'TEXT', notNull: 'yes' }), 'mf.json'));
    expect(error.code).toBe('SCHEMA_JSON_INVALID');
    expect(error.message).toContain('"mf.json"');
    expect(error.message).toContain('table "fine_tuned_models" column "model_name" field "notNull"');
  });

  it('an unknown field', () => {
    const error = failure(() => declaredSchemaFromJson(declaration({ type: 'TEXT', nullable: false }), 'mf.json'));
    expect(error.code).toBe('SCHEMA_JSON_INVALID');
    expect(error.message).toContain('table "fine_tuned_models" column "model_name"');
    expect(error.message).toContain('nullable');
  });

  it('an unknown table-level field and a bad type name, all reported at once', () => {
    const text = JSON.stringify({ tables: { t: { columns: { a: { type: 'TEXT; DROP TABLE x' } }, strictt: true } } });
    const error = failure(() => declaredSchemaFromJson(text, 'multi.json'));
    expect(error.message).toContain('table "t" column "a" field "type"');
    expect(error.message).toContain('strictt');
  });

  it('invalid JSON', () => {
    expect(failure(() => declaredSchemaFromJson('{"tables": ', 'broken.json')).code).toBe('SCHEMA_JSON_SYNTAX');
  });

  it('SQL smuggled into an expression field is still only CREATE statements', () => {
    const text = JSON.stringify({ tables: { t: { columns: { a: { type: 'INT', check: "a > 0)); ATTACH DATABASE '/tmp/x.db' AS x; --" } } } } });
    const error = failure(() => declaredSchemaFromJson(text, 'smuggle.json'));
    expect(['SCHEMA_SQL_FORBIDDEN', 'SCHEMA_SQL_ERROR']).toContain(error.code);
  });

  it('every field of the format reaches the model', () => {
    const schema = declaredSchemaFromJson(
      JSON.stringify({
        tables: {
          parent: { columns: { id: { type: 'INTEGER', primaryKey: true } } },
          child: {
            columns: {
              a: { type: 'TEXT', notNull: true, default: 'x', collate: 'NOCASE', check: "a <> ''" },
              b: { type: 'INTEGER', references: { table: 'parent', column: 'id', onDelete: 'CASCADE' } },
              c: { type: 'INTEGER', generated: { expression: 'b * 2', stored: true } },
              d: { type: 'TEXT', unique: true, default: null },
              e: { type: 'REAL', default: 1.5 },
              f: { type: 'BOOLEAN', default: true },
              g: { type: 'TEXT', default: { expression: 'CURRENT_TIMESTAMP' } },
            },
            unique: [['a', 'b']],
            indexes: { child_b: { columns: ['b'], where: 'b IS NOT NULL' }, child_e: { columns: ['e', 'a'], unique: true } },
          },
          pairs: { columns: { k: { type: 'TEXT' }, v: { type: 'TEXT' } }, primaryKey: ['k', 'v'], withoutRowid: true, strict: true },
        },
      }),
      'full.json',
    );
    const sql = `
      CREATE TABLE parent (id INTEGER PRIMARY KEY);
      CREATE TABLE child (
        a TEXT NOT NULL DEFAULT 'x' COLLATE NOCASE CHECK (a <> ''),
        b INTEGER REFERENCES parent (id) ON DELETE CASCADE,
        c INTEGER AS (b * 2) STORED,
        d TEXT UNIQUE,
        e REAL DEFAULT 1.5,
        f BOOLEAN DEFAULT 1,
        g TEXT DEFAULT CURRENT_TIMESTAMP,
        UNIQUE (a, b)
      );
      CREATE INDEX child_b ON child (b) WHERE b IS NOT NULL;
      CREATE UNIQUE INDEX child_e ON child (e, a);
      CREATE TABLE pairs (k TEXT, v TEXT, PRIMARY KEY (k, v)) WITHOUT ROWID, STRICT;`;
    const fromSql = declaredSchemaFromSql(sql, 'full.sql');
    expect(diff(schema, fromSql)).toEqual({ drift: [], extras: [] });
    expect(diff(fromSql, schema)).toEqual({ drift: [], extras: [] });
  });
});

describe('the published JSON Schema', () => {
  it('equals what scripts/gen-json-schema.mjs generates (run `npm run gen:json-schema` when this fails)', async () => {
    // The script reads the zod format from dist/: `npm test` builds first.
    const script = (await import(pathToFileURL(join(ROOT, 'scripts/gen-json-schema.mjs')).href)) as { declaredJsonSchemaText: () => string };
    expect(readFileSync(join(ROOT, 'schemas/declared-schema.schema.json'), 'utf8')).toBe(script.declaredJsonSchemaText());
  });
});

describe('declarations that would not be compared', () => {
  it.each([
    ['a temp table', 'CREATE TABLE temp.t (a INT);'],
    ['a table in another schema', 'CREATE TABLE aux.t (a INT);'],
    ['a table created AS SELECT', 'CREATE TABLE t AS SELECT 1 AS a;'],
    ['a temp index', 'CREATE TABLE t (a INT); CREATE INDEX temp.i ON t (a);'],
  ])('rejects %s with SCHEMA_SQL_FORBIDDEN', (_name, sql) => {
    expect(() => declaredSchemaFromSql(sql, 'x.sql')).toThrow(expect.objectContaining({ code: 'SCHEMA_SQL_FORBIDDEN' }));
  });

  it('accepts main-qualified names', () => {
    expect(declaredSchemaFromSql('CREATE TABLE main.t (a INT); CREATE INDEX IF NOT EXISTS main.i ON t (a);', 'x.sql').tables.map((t) => t.name)).toEqual(['t']);
  });
});

describe('views and triggers in the JSON form', () => {
  it('mean what the same CREATE VIEW / CREATE TRIGGER statements mean in a .sql declaration', () => {
    const schema = declaredSchemaFromJson(
      JSON.stringify({
        tables: {
          notes: { columns: { id: { type: 'INTEGER', primaryKey: true }, body: { type: 'TEXT' }, done: { type: 'INT', default: 0 } } },
          log: { columns: { note: { type: 'INTEGER' }, what: { type: 'TEXT' } } },
        },
        views: {
          open_notes: { select: 'SELECT id, body FROM notes WHERE done = 0;' },
          open_count: { columns: ['n'], select: 'SELECT count(*) FROM open_notes' },
        },
        triggers: {
          notes_log: { on: 'notes', timing: 'AFTER', event: 'UPDATE', columns: ['done'], when: 'new.done = 1', statements: ["INSERT INTO log VALUES (new.id, 'done')"] },
          open_insert: { on: 'open_notes', timing: 'INSTEAD OF', event: 'INSERT', statements: ['INSERT INTO notes (body) VALUES (new.body);', 'DELETE FROM log WHERE note IS NULL'] },
          notes_check: { on: 'notes', event: 'INSERT', statements: ["SELECT raise(ABORT, 'empty') WHERE new.body = ''"] },
        },
      }),
      'objects.json',
    );
    const fromSql = declaredSchemaFromSql(
      `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, done INT DEFAULT 0);
       CREATE TABLE log (note INTEGER, what TEXT);
       CREATE VIEW open_notes AS SELECT id, body FROM notes WHERE done = 0;
       CREATE VIEW open_count (n) AS SELECT count(*) FROM open_notes;
       CREATE TRIGGER notes_log AFTER UPDATE OF done ON notes WHEN new.done = 1 BEGIN INSERT INTO log VALUES (new.id, 'done'); END;
       CREATE TRIGGER open_insert INSTEAD OF INSERT ON open_notes BEGIN INSERT INTO notes (body) VALUES (new.body); DELETE FROM log WHERE note IS NULL; END;
       CREATE TRIGGER notes_check BEFORE INSERT ON notes BEGIN SELECT raise(ABORT, 'empty') WHERE new.body = ''; END;`,
      'objects.sql',
    );
    expect(schema.views.map((view) => view.name)).toEqual(['open_notes', 'open_count']);
    expect(schema.triggers.map((trigger) => [trigger.name, trigger.table])).toEqual([['notes_log', 'notes'], ['open_insert', 'open_notes'], ['notes_check', 'notes']]);
    expect(diff(schema, fromSql)).toEqual({ drift: [], extras: [] });
    expect(diff(fromSql, schema)).toEqual({ drift: [], extras: [] });
  });

  it('names the trigger and field of a mistake', () => {
    const text = JSON.stringify({
      tables: { t: { columns: { a: { type: 'INT' } } } },
      triggers: { t_ins: { on: 't', event: 'INSERT', columns: ['a'], statements: ['SELECT 1'] } },
    });
    const error = failure(() => declaredSchemaFromJson(text, 'bad.json'));
    expect(error.code).toBe('SCHEMA_JSON_INVALID');
    expect(error.message).toContain('trigger "t_ins" field "columns": columns (UPDATE OF) only go with event UPDATE');
  });
});
