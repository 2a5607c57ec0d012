import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { TargetRunner, noReconcile } from '../../src/daemon/target-runner.js';
import type { TargetConfig } from '../../src/config/parse-config.js';
import { SCHEMA_SQL, createMatchingDatabase, sqlInChild, tempDir } from '../helpers/daemon-process.js';

const declared = { schema: declaredSchemaFromSql(SCHEMA_SQL, 'schema.sql'), path: 'schema.sql', contentHash: createHash('sha256').update(SCHEMA_SQL).digest('hex') };
const settings = { busyTimeoutMs: 1000, backup: null };
const deps = { reconcile: noReconcile, clock: () => performance.now(), now: () => new Date() };

function target(database: string, repair: 'auto' | 'report' = 'auto'): TargetConfig {
  return { name: 'app', database, schema: 'schema.sql', repair, ignoreTables: [], foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [] };
}

describe('TargetRunner fast path', () => {
  it.each(['delete', 'wal'])('sees schema changes made by another process on its kept connection (journal_mode=%s)', async (mode) => {
    const db = join(tempDir(), 'app.db');
    createMatchingDatabase(db);
    sqlInChild(db, `PRAGMA journal_mode=${mode};`);
    const config = target(db, 'report');
    const runner = new TargetRunner('app', deps);
    const first = await runner.run(config, declared, settings);
    expect(first).toMatchObject({ ok: true, fastPath: false });
    expect(first.check?.inSync).toBe(true);
    const second = await runner.run(config, declared, settings);
    expect(second.fastPath).toBe(true);
    expect(second.check).toBe(first.check);
    // Another process changes the schema while our connection stays open.
    sqlInChild(db, 'DROP INDEX idx_models_name;');
    const third = await runner.run(config, declared, settings);
    expect(third.fastPath).toBe(false);
    expect(third.check?.drift.map((item) => item.kind)).toEqual(['missing_index']);
    expect((await runner.run(config, declared, settings)).fastPath).toBe(true);
    runner.close();
  });

  it('re-checks fully when the declaration changes, and after its own repair', async () => {
    const db = join(tempDir(), 'app.db');
    createMatchingDatabase(db);
    const config = target(db);
    const runner = new TargetRunner('app', deps);
    await runner.run(config, declared, settings);
    expect((await runner.run(config, declared, settings)).fastPath).toBe(true);
    const withExtra = SCHEMA_SQL + 'CREATE INDEX idx_models_custom ON fine_tuned_models(is_custom_base_model);';
    const changed = { schema: declaredSchemaFromSql(withExtra, 'schema.sql'), path: 'schema.sql', contentHash: 'other' };
    const repaired = await runner.run(config, changed, settings);
    expect(repaired.fastPath).toBe(false);
    expect(repaired.applied.map((step) => step.kind)).toEqual(['missing_index']);
    const after = await runner.run(config, changed, settings);
    expect(after.fastPath).toBe(false);
    expect(after.check?.inSync).toBe(true);
    expect((await runner.run(config, changed, settings)).fastPath).toBe(true);
    runner.close();
  });

  it('reopens when the file is replaced by another one (new inode), and reports a missing file without throwing', async () => {
    const dir = tempDir();
    const db = join(dir, 'app.db');
    createMatchingDatabase(db);
    const config = target(db, 'report');
    const runner = new TargetRunner('app', deps);
    await runner.run(config, declared, settings);
    const replacement = join(dir, 'other.db');
    new Database(replacement).exec('CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL);').close();
    const { renameSync, rmSync } = await import('node:fs');
    renameSync(replacement, db);
    const replaced = await runner.run(config, declared, settings);
    expect(replaced.fastPath).toBe(false);
    expect(replaced.check?.drift.map((item) => item.kind).sort()).toEqual(['missing_column', 'missing_index']);
    rmSync(db);
    const missing = await runner.run(config, declared, settings);
    expect(missing).toMatchObject({ ok: false, up: false, error: { code: 'DB_NOT_FOUND' } });
    runner.close();
  });
});

describe('TargetRunner run snapshot', () => {
  it('uses only the target it is handed: another database for the same name starts over on that database', async () => {
    const dir = tempDir();
    const [first, second] = [join(dir, 'a.db'), join(dir, 'b.db')];
    createMatchingDatabase(first);
    sqlInChild(second, 'CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL);');
    const runner = new TargetRunner('app', deps);
    expect(await runner.run(target(first, 'report'), declared, settings)).toMatchObject({ database: first, fastPath: false, ok: true });
    expect((await runner.run(target(first, 'report'), declared, settings)).fastPath).toBe(true);
    const moved = await runner.run(target(second, 'report'), declared, settings);
    expect(moved).toMatchObject({ database: second, fastPath: false, ok: true });
    expect(moved.check?.database).toBe(second);
    expect(moved.check?.drift.map((item) => item.kind).sort()).toEqual(['missing_column', 'missing_index']);
    // And back: the first database's state was not kept for the second.
    expect(await runner.run(target(first, 'report'), declared, settings)).toMatchObject({ database: first, fastPath: false });
    runner.close();
  });
});

describe('TargetRunner reconcile step', () => {
  it('runs after the schema step on every cycle, except fast-path cycles woken by a database write', async () => {
    const db = join(tempDir(), 'app.db');
    createMatchingDatabase(db);
    const calls: string[] = [];
    const config = target(db);
    const runner = new TargetRunner('app', {
      ...deps,
      reconcile: async (config, options) => {
        calls.push(options.mode);
        return [{ rule: 'models', table: 'fine_tuned_models', blockedBy: null, orphans: 1, recovered: [{ directory: 'm', path: '/x/m' }], raced: 0, dangling: 0, skipped: [], timings: { scanMs: 0, diffMs: 0, applyMs: 0 } }];
      },
    });
    expect((await runner.run(config, declared, settings)).reconciled).toBe(true);
    expect((await runner.run(config, declared, settings)).reconciled).toBe(true);
    const woken = await runner.run(config, declared, { ...settings, reconcileOnlyAfterChange: true });
    expect(woken).toMatchObject({ fastPath: true, reconciled: false });
    expect(woken.reconcile).toHaveLength(1);
    sqlInChild(db, 'DROP INDEX idx_models_name;');
    expect((await runner.run(config, declared, { ...settings, reconcileOnlyAfterChange: true })).reconciled).toBe(true);
    expect(calls).toEqual(['apply', 'apply', 'apply']);
    runner.close();
  });
});

describe('TargetRunner on a locked database', () => {
  it('waits for the lock on timers (the event loop keeps running) and reports DB_BUSY with the target up', async () => {
    const db = join(tempDir(), 'app.db');
    createMatchingDatabase(db);
    const { spawn } = await import('node:child_process');
    const holder = spawn('python3', ['-c', 'import sqlite3,sys,time\nc=sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute("BEGIN EXCLUSIVE")\nprint("locked", flush=True)\ntime.sleep(60)', db], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((ready) => holder.stdout!.once('data', () => ready()));
      const config = target(db, 'report');
      const runner = new TargetRunner('app', deps);
      let timerTicks = 0;
      const ticker = setInterval(() => timerTicks++, 20);
      const report = await runner.run(config, declared, { ...settings, busyTimeoutMs: 400 });
      clearInterval(ticker);
      expect(report).toMatchObject({ ok: false, up: true, error: { code: 'DB_BUSY' } });
      expect(timerTicks).toBeGreaterThan(3);
      holder.kill('SIGKILL');
      await new Promise((done) => holder.once('exit', done));
      expect(await runner.run(config, declared, settings)).toMatchObject({ ok: true, fastPath: false });
      runner.close();
    } finally {
      holder.kill('SIGKILL');
    }
  });
});

describe('TargetRunner under a migration tool', () => {
  it('holds an automatic repair and says why in the status report, until the target sets repairUnderMigrationTool', async () => {
    const db = join(tempDir(), 'app.db');
    createMatchingDatabase(db);
    sqlInChild(db, "DROP INDEX idx_models_name; CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY); INSERT INTO alembic_version VALUES ('4c1d2e');");
    const runner = new TargetRunner('app', deps);
    const held = await runner.run(target(db, 'auto'), declared, settings);
    expect(held.ok).toBe(true);
    expect(held.applied).toEqual([]);
    expect(held.check?.migrationTools.map((tool) => tool.id)).toEqual(['alembic']);
    expect(held.check?.repairHeld).toMatch(/repairUnderMigrationTool/);
    expect(held.check?.drift.map((item) => item.kind)).toEqual(['missing_index']);
    // The key is part of what a fast path compares: setting it re-checks and repairs at once.
    const allowed = await runner.run({ ...target(db, 'auto'), repairUnderMigrationTool: true }, declared, settings);
    expect(allowed.fastPath).toBe(false);
    expect(allowed.applied.map((step) => step.kind)).toEqual(['missing_index']);
    runner.close();
  });

  it('re-checks fully when a reload changes columnOrder: "ignore" drops column_order at once, "report" brings it back', async () => {
    const db = join(tempDir(), 'app.db');
    // The table's columns in another order than SCHEMA_SQL's (the application names its columns).
    const swapped = SCHEMA_SQL.replace('  model_name TEXT NOT NULL,\n  is_custom_base_model BOOLEAN DEFAULT 0\n', '  is_custom_base_model BOOLEAN DEFAULT 0,\n  model_name TEXT NOT NULL\n');
    expect(swapped).not.toBe(SCHEMA_SQL);
    sqlInChild(db, swapped);
    const runner = new TargetRunner('app', deps);
    const reported = await runner.run(target(db, 'report'), declared, settings);
    expect(reported.check?.drift.map((item) => item.kind)).toEqual(['column_order']);
    expect((await runner.run(target(db, 'report'), declared, settings)).fastPath).toBe(true);
    const ignored = await runner.run({ ...target(db, 'report'), columnOrder: 'ignore' }, declared, settings);
    expect(ignored.fastPath).toBe(false);
    expect(ignored.check?.inSync).toBe(true);
    expect((await runner.run({ ...target(db, 'report'), columnOrder: 'ignore' }, declared, settings)).fastPath).toBe(true);
    const back = await runner.run({ ...target(db, 'report'), columnOrder: 'report' }, declared, settings);
    expect(back.fastPath).toBe(false);
    expect(back.check?.drift.map((item) => item.kind)).toEqual(['column_order']);
    runner.close();
  });
});
