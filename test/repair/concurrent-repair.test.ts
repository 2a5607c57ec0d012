import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { diff } from '../../src/diff/diff.js';
import { holdLock, type LockHolder } from '../support/lock-holder.js';
import { CLI, runCliAsync } from '../support/run-cli.js';
import { createDatabase, fileBytes, tempDir } from '../support/temp-db.js';
import Database from 'better-sqlite3';
import { introspect } from '../../src/introspect/introspect.js';

/**
 * Another real process holds a write transaction while driftd repairs: the
 * outcome is a clean DB_BUSY with nothing applied, or success after the other
 * process releases — never a half-applied schema. The plan has four steps: a
 * missing table, two missing columns and a missing index.
 */
const dir = tempDir('driftd-concurrent-');

const LIVE = `
CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, model_path TEXT NOT NULL);
INSERT INTO fine_tuned_models (model_name, model_path) VALUES ('a', '/a'), ('b', '/b'), ('c', '/c');`;
const DECLARED = `
CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, model_path TEXT NOT NULL,
  is_custom_base_model BOOLEAN DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'ready'
);
CREATE INDEX fine_tuned_models_status ON fine_tuned_models (status, model_name);
CREATE TABLE training_runs (id INTEGER PRIMARY KEY, model_id INTEGER REFERENCES fine_tuned_models (id), started_at TEXT);`;
const schemaPath = join(dir, 'declared.sql');
writeFileSync(schemaPath, DECLARED);
const declared = declaredSchemaFromSql(DECLARED, 'declared.sql');
const ALL_STEPS = ['missing_column', 'missing_column', 'missing_index', 'missing_table'];

/** 'none' (nothing applied) or 'all' (in sync); anything else is a half-applied schema. */
function repairState(dbPath: string): 'none' | 'all' | string {
  // A read-write connection, as the application's: it rolls back the hot journal a killed repair leaves.
  const db = new Database(dbPath, { fileMustExist: true });
  let live;
  try {
    live = introspect(db);
  } finally {
    db.close();
  }
  const kinds = diff(declared, live).drift.map((item) => item.kind).sort();
  if (kinds.length === 0) return 'all';
  if (JSON.stringify(kinds) === JSON.stringify(ALL_STEPS)) return 'none';
  return `half-applied: ${kinds.join(', ')}`;
}

describe('repair while another process holds a write transaction', () => {
  let holder: LockHolder | null = null;
  afterEach(async () => {
    await holder?.kill();
    holder = null;
  });

  it('the starting point needs all four steps', () => {
    expect(repairState(createDatabase(dir, LIVE))).toBe('none');
  });

  it('a busy timeout shorter than the lock: DB_BUSY, nothing applied, bytes unchanged', async () => {
    const db = createDatabase(dir, LIVE);
    const before = fileBytes(db);
    holder = await holdLock(db, 'BEGIN IMMEDIATE', "UPDATE fine_tuned_models SET model_path = model_path || '/'");
    const result = await runCliAsync(['repair', '--db', db, '--schema', schemaPath, '--busy-timeout', '300']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^driftd repair: DB_BUSY: .*stayed locked/);
    await holder.kill(); // its transaction rolls back too
    expect(fileBytes(db).equals(before)).toBe(true);
    expect(repairState(db)).toBe('none');
  });

  it('a busy timeout longer than the lock: the repair waits, then applies all four steps', async () => {
    const db = createDatabase(dir, LIVE);
    holder = await holdLock(db, 'BEGIN IMMEDIATE', "UPDATE fine_tuned_models SET model_path = model_path || '/'");
    const repair = runCliAsync(['repair', '--db', db, '--schema', schemaPath, '--busy-timeout', '30000', '--json']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.release();
    const result = await repair;
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as { applied: Array<{ kind: string }> }).applied.map((step) => step.kind).sort()).toEqual(ALL_STEPS);
    expect(repairState(db)).toBe('all');
  });

  /** Another process adds one declared column in a transaction it holds while driftd's repair waits for the lock. */
  async function repairWhileOtherAdds(column: string): Promise<{ db: string; status: number | null; applied: string[] }> {
    const db = createDatabase(dir, LIVE);
    holder = await holdLock(db, 'BEGIN IMMEDIATE', `ALTER TABLE fine_tuned_models ADD COLUMN ${column}`);
    const repair = runCliAsync(['repair', '--db', db, '--schema', schemaPath, '--busy-timeout', '30000', '--json']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await holder.release();
    const result = await repair;
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as { applied: Array<{ kind: string; column?: string }> };
    // Either the repair read the schema before the release (and re-planned under the lock) or after.
    return { db, status: result.status, applied: report.applied.map((step) => step.column ?? step.kind).sort() };
  }

  it('the other process adds one of the columns itself meanwhile: the plan is recomputed inside the transaction', async () => {
    // The first of the two declared columns: driftd's ADD COLUMN of the second then appends it in the declared order.
    const { db, status, applied } = await repairWhileOtherAdds('is_custom_base_model BOOLEAN DEFAULT 0');
    expect(status).toBe(0);
    expect(applied).toEqual(['missing_index', 'missing_table', 'status']);
    expect(repairState(db)).toBe('all');
  });

  it('the other process adds the last declared column itself meanwhile: driftd appends the other after it, and reports the order', async () => {
    const { db, status, applied } = await repairWhileOtherAdds("status TEXT NOT NULL DEFAULT 'ready'");
    // Exit 1: unsafe drift is left.
    expect(status).toBe(1);
    expect(applied).toEqual(['is_custom_base_model', 'missing_index', 'missing_table']);
    // ADD COLUMN only appends: (…, status, is_custom_base_model) is not the declared order, which a positional INSERT relies on.
    expect(repairState(db)).toBe('half-applied: column_order');
  });

  it.each([0, 40, 80, 120, 160])('a repair killed after %i ms leaves none or all of the plan', async (delayMs) => {
    const db = createDatabase(dir, LIVE);
    const child = spawn(process.execPath, [CLI, 'repair', '--db', db, '--schema', schemaPath], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.kill('SIGKILL');
    await exited;
    expect(['none', 'all']).toContain(repairState(db));
  });
});
