import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { loadDeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { diff } from '../../src/diff/diff.js';
import { ROOT, runCli } from '../support/run-cli.js';
import { createDatabase, fileBytes, introspectFile, tempDir } from '../support/temp-db.js';

/**
 * The seed's three scenarios: a new database created from the declaration, a
 * legacy ModelForge database (before 0.2.1) repaired, and the same through the CLI.
 */
const dir = tempDir('driftd-seed-');
const SCHEMA = join(ROOT, 'schemas/modelforge.sql');
const declared = loadDeclaredSchema(SCHEMA).schema;

// fine_tuned_models before 0.2.1: no is_custom_base_model.
const LEGACY = `${readFileSync(join(ROOT, 'demo/fixtures/modelforge-0.2.0.sql'), 'utf8')}
INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path) VALUES
  ('sentiment-v1', 'bert-base-uncased', 'text-classification', 'first run', '2025-01-04T10:00:00', '/models/sentiment-v1'),
  ('summarize-v2', 't5-small', 'summarization', NULL, '2025-02-11T08:30:00', '/models/summarize-v2'),
  ('qa-v3', 'distilbert-base', 'question-answering', 'squad', '2025-03-20T17:45:00', '/models/qa-v3');
`;

// ModelForge 0.2.1's INSERT, which failed on every legacy database after training had finished.
const MODELFORGE_INSERT = `INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path, is_custom_base_model)
VALUES ('ner-v4', 'roberta-base', 'token-classification', 'after upgrade', '2025-04-01T12:00:00', '/models/ner-v4', 1)`;

const ADD_COLUMN_SQL = 'ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model BOOLEAN DEFAULT 0;';

function withDb<T>(path: string, run: (db: Database.Database) => T): T {
  const db = new Database(path, { fileMustExist: true });
  try {
    return run(db);
  } finally {
    db.close();
  }
}

const objects = (path: string): string[] =>
  withDb(path, (db) => (db.prepare('SELECT type, name FROM sqlite_schema ORDER BY type, name').all() as Array<{ type: string; name: string }>).map((row) => `${row.type} ${row.name}`));
const journalMode = (path: string): string => withDb(path, (db) => db.pragma('journal_mode', { simple: true }) as string);
const insertFails = (path: string): string | null =>
  withDb(path, (db) => {
    try {
      db.exec('BEGIN');
      db.prepare(MODELFORGE_INSERT).run();
      return null;
    } catch (error) {
      return (error as Error).message;
    } finally {
      if (db.inTransaction) db.exec('ROLLBACK');
    }
  });

describe('(a) a new, empty database is created from the declaration', () => {
  it('a 0-byte file gets exactly the declared objects', async () => {
    const path = join(dir, 'new.sqlite');
    writeFileSync(path, '');
    const report = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.drift.map((item) => [item.kind, item.safe])).toEqual([['missing_table', true]]);
    expect(report.applied.map((step) => step.kind)).toEqual(['missing_table']);
    expect(report.inSync).toBe(true);
    expect(diff(declared, introspectFile(path))).toEqual({ drift: [], extras: [] });
    // The declared objects and the sqlite_sequence AUTOINCREMENT needs: nothing of driftd's own.
    expect(objects(path)).toEqual(['table fine_tuned_models', 'table sqlite_sequence']);
    expect(journalMode(path)).toBe('delete');
    expect(insertFails(path)).toBeNull();
  });
});

describe.each(['delete', 'wal'] as const)('(b) a legacy ModelForge database in %s journal mode', (mode) => {
  it('is repaired in place: rows kept, the new column reads 0, the 7-column INSERT works, a second run does nothing', async () => {
    const path = createDatabase(dir, LEGACY, { journalMode: mode, name: `legacy-${mode}.sqlite` });
    const rowsBefore = withDb(path, (db) => db.prepare('SELECT * FROM fine_tuned_models ORDER BY id').all());
    const objectsBefore = objects(path);
    expect(insertFails(path)).toMatch(/no column named is_custom_base_model/);

    const check = await checkDatabase({ dbPath: path, declared, mode: 'check', busyTimeoutMs: 1000 });
    expect(check.inSync).toBe(false);
    expect(check.drift).toEqual([expect.objectContaining({ kind: 'missing_column', table: 'fine_tuned_models', column: 'is_custom_base_model', safe: true, sql: ADD_COLUMN_SQL })]);

    const repair = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(repair.applied).toEqual([{ kind: 'missing_column', table: 'fine_tuned_models', column: 'is_custom_base_model', sql: ADD_COLUMN_SQL }]);
    expect(repair.inSync).toBe(true);
    expect(repair.remaining).toEqual([]);

    const rowsAfter = withDb(path, (db) => db.prepare('SELECT * FROM fine_tuned_models ORDER BY id').all()) as Array<Record<string, unknown>>;
    expect(rowsAfter).toEqual((rowsBefore as Array<Record<string, unknown>>).map((row) => ({ ...row, is_custom_base_model: 0 })));
    expect(insertFails(path)).toBeNull();
    expect(journalMode(path)).toBe(mode);
    expect(objects(path)).toEqual(objectsBefore);

    const bytes = fileBytes(path);
    const again = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(again.drift).toEqual([]);
    expect(again.applied).toEqual([]);
    expect(again.inSync).toBe(true);
    expect(fileBytes(path).equals(bytes)).toBe(true);
  });
});

describe('(c) the same through the CLI', () => {
  const DRIFT_KEYS = ['detail', 'kind', 'reason', 'safe', 'table'];

  it('check exits 1, repair exits 0, check afterwards exits 0; --json has the documented shape', () => {
    const path = createDatabase(dir, LEGACY, { name: 'legacy-cli.sqlite' });

    const check = runCli(['check', '--db', path, '--schema', SCHEMA, '--json']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(1);
    const checked = JSON.parse(check.stdout) as Record<string, unknown>;
    expect(Object.keys(checked).sort()).toEqual(['database', 'drift', 'extras', 'inSync', 'schemaVersion', 'timings']);
    expect(checked).toMatchObject({ database: path, inSync: false, extras: [] });
    const [item] = checked.drift as Array<Record<string, unknown>>;
    expect(Object.keys(item!).sort()).toEqual([...DRIFT_KEYS, 'column', 'sql'].sort());
    expect(item).toMatchObject({ kind: 'missing_column', table: 'fine_tuned_models', column: 'is_custom_base_model', safe: true, sql: ADD_COLUMN_SQL });

    const repair = runCli(['repair', '--db', path, '--schema', SCHEMA, '--json']);
    expect(repair.stderr).toBe('');
    expect(repair.status).toBe(0);
    const repaired = JSON.parse(repair.stdout) as Record<string, unknown>;
    expect(Object.keys(repaired).sort()).toEqual(['applied', 'database', 'drift', 'extras', 'inSync', 'remaining', 'schemaVersion', 'timings']);
    expect(repaired).toMatchObject({
      inSync: true,
      applied: [{ kind: 'missing_column', table: 'fine_tuned_models', column: 'is_custom_base_model', sql: ADD_COLUMN_SQL }],
      remaining: [],
    });
    expect((repaired.timings as Record<string, number>).applyMs).toBeGreaterThan(0);

    const after = runCli(['check', '--db', path, '--schema', SCHEMA]);
    expect(after.status).toBe(0);
    expect(after.stdout).toContain('result: in sync');
    expect(insertFails(path)).toBeNull();

    const again = runCli(['repair', '--db', path, '--schema', join(ROOT, 'schemas/modelforge.json')]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('in sync after 0 repair steps');
  });

  it('repair --dry-run prints the exact SQL and leaves the file byte-identical', () => {
    const path = createDatabase(dir, LEGACY, { name: 'legacy-dry.sqlite' });
    const before = fileBytes(path);

    const text = runCli(['repair', '--dry-run', '--db', path, '--schema', SCHEMA]);
    expect(text.status).toBe(1);
    expect(text.stdout.split('\n')).toContainEqual(`         would run: ${ADD_COLUMN_SQL}`);
    expect(text.stdout).not.toContain('applied:');

    const json = runCli(['repair', '--dry-run', '--json', '--db', path, '--schema', SCHEMA]);
    expect(json.status).toBe(1);
    const report = JSON.parse(json.stdout) as { applied: unknown[]; drift: Array<{ sql?: string }> };
    expect(report.applied).toEqual([]);
    expect(report.drift.map((item) => item.sql)).toEqual([ADD_COLUMN_SQL]);

    expect(fileBytes(path).equals(before)).toBe(true);
    expect(insertFails(path)).toMatch(/no column named is_custom_base_model/);
  });
});
