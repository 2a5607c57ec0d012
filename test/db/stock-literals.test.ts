import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { COMPAT_EXTENSION_PATH, openSqlite } from '../../src/db/open-sqlite.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { reconcileTarget } from '../../src/reconcile/reconcile-target.js';
import { CURRENT_TABLE, LEGACY_TABLE, modelforgeRule, writeModel } from '../reconcile/modelforge-fixture.js';
import { ROOT } from '../support/run-cli.js';
import { runShell } from '../support/temp-db.js';

/**
 * Item 2 of issue 8: a database whose schema uses double-quoted string literals, made by Debian's
 * stock sqlite3 shell (which accepts them), is checkable, repairable — ALTER TABLE ADD COLUMN
 * re-parses the whole schema — and reconcile writes into it, its CHECK reading "…" as strings.
 */
const dir = mkdtempSync(join(tmpdir(), 'driftd-literals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ModelForge's table, as an application built against stock SQLite might write it.
const withLiterals = (table: string): string =>
  table.replace('task TEXT NOT NULL,', 'task TEXT NOT NULL CHECK (task IN ("text-generation", "summarization", "extractive-question-answering")),') +
  `;\nCREATE INDEX summaries ON fine_tuned_models (creation_date) WHERE task = "summarization";` +
  `\nCREATE TABLE model_stats (model_id INTEGER, props TEXT DEFAULT "{}", version INT AS (json_extract(props, "$.version")) STORED);` +
  // Trigger and view bodies are compiled when they run, under the connection's rules for statements:
  // this trigger is what makes a plain INSERT fail in the bundled SQLite.
  `\nCREATE TRIGGER fine_tuned_models_stats AFTER INSERT ON fine_tuned_models BEGIN INSERT INTO model_stats (model_id, props) VALUES (new.id, "{}"); END;` +
  `\nCREATE VIEW summaries_view AS SELECT model_name FROM fine_tuned_models WHERE task = "summarization";`;

describe('a live schema with double-quoted string literals (made by the stock shell)', () => {
  it('cannot even be written through the bundled SQLite without driftd\'s extension (why it exists)', () => {
    const path = join(dir, 'bare.sqlite');
    runShell(path, withLiterals(CURRENT_TABLE));
    const bare = new Database(path);
    try {
      expect(() =>
        bare.prepare("INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES ('m', 'b', 'summarization', 'd', '/m')").run(),
      ).toThrow(/no such column: "\{\}"/);
      expect(() => bare.prepare('SELECT * FROM summaries_view').all()).toThrow(/no such column/);
    } finally {
      bare.close();
    }
  });

  it('is checked, repaired (ADD COLUMN re-parses the schema), and reconciled into', async () => {
    const data = join(dir, 'app');
    const models = join(data, 'models');
    mkdirSync(models, { recursive: true });
    const dbPath = join(data, 'modelforge.sqlite');
    runShell(dbPath, withLiterals(LEGACY_TABLE));
    // The declaration spells the literals the other way: compared by meaning, only the column differs.
    const declared = declaredSchemaFromSql(withLiterals(CURRENT_TABLE).replace(/"(text-generation|summarization|extractive-question-answering|\{\}|\$\.version)"/g, "'$1'"), 'modelforge.sql');

    const checked = await checkDatabase({ dbPath, declared, mode: 'check', busyTimeoutMs: 2000 });
    expect(checked.drift.map((item) => `${item.kind} ${item.table}.${item.column}`)).toEqual(['missing_column fine_tuned_models.is_custom_base_model']);

    const repaired = await checkDatabase({ dbPath, declared, mode: 'repair', busyTimeoutMs: 2000 });
    expect(repaired.inSync).toBe(true);
    expect(runShell(dbPath, 'PRAGMA integrity_check;').trim()).toBe('ok');
    // The stock shell still reads the repaired schema with its literals as it did.
    expect(runShell(dbPath, '.schema fine_tuned_models')).toContain('"summarization"');

    writeModel(models, 'summarizer_8e1f', { base: 'google/flan-t5-base', taskType: 'SEQ_2_SEQ_LM', pipelineTask: 'summarization' });
    const [report] = await reconcileTarget({ dbPath, rules: [modelforgeRule(models)], mode: 'apply', busyTimeoutMs: 2000 });
    expect(report!.error ?? null).toBeNull();
    expect(report!.recovered.map((item) => item.directory)).toEqual(['summarizer_8e1f']);
    const db = openSqlite(dbPath, { readonly: true });
    try {
      expect(db.prepare('SELECT model_name, task FROM fine_tuned_models').all()).toEqual([{ model_name: 'summarizer_8e1f', task: 'summarization' }]);
      // The CHECK still holds: "…" are strings, not a column that happens to be missing.
      expect(db.prepare('SELECT model_name FROM summaries_view').all()).toEqual([{ model_name: 'summarizer_8e1f' }]);
      expect(db.prepare('SELECT props, version FROM model_stats').all()).toEqual([{ props: '{}', version: null }]);
    } finally {
      db.close();
    }
    expect(runShell(dbPath, 'PRAGMA integrity_check;').trim()).toBe('ok');
  });
});

describe('without the compatibility extension', () => {
  it('driftd refuses to open anything, with SQLITE_COMPAT_MISSING naming the file and how to build it', () => {
    // A copy of the built package without dist/native, as an install whose build step never ran.
    const pkg = join(dir, 'pkg');
    cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true, filter: (source) => !source.includes(`${sep}native`) });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    const db = join(dir, 'untouched.sqlite');
    runShell(db, 'CREATE TABLE t (a TEXT);');
    const schema = join(dir, 'untouched.sql');
    writeFileSync(schema, 'CREATE TABLE t (a TEXT, b TEXT);');
    const before = readFileSync(db);
    const run = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), 'repair', '--db', db, '--schema', schema], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('SQLITE_COMPAT_MISSING');
    expect(run.stderr).toContain(join(pkg, 'dist', 'native'));
    expect(run.stderr).toContain('native/build-native.mjs');
    expect(readFileSync(db).equals(before)).toBe(true);

    // Present but writable by every user: refused too, as code anyone could replace.
    mkdirSync(join(pkg, 'dist', 'native'));
    const copy = join(pkg, 'dist', 'native', basename(COMPAT_EXTENSION_PATH));
    cpSync(COMPAT_EXTENSION_PATH, copy);
    chmodSync(copy, 0o777);
    const writable = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), 'check', '--db', db, '--schema', schema], { encoding: 'utf8' });
    expect(writable.status).toBe(2);
    expect(writable.stderr).toContain('writable by every user');
    chmodSync(copy, 0o755);
    expect(spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), 'check', '--db', db, '--schema', schema], { encoding: 'utf8' }).status).toBe(1);
  });
});
