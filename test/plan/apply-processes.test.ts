// `driftd apply` as a real process: against an application writing at the same time (no write
// lost: it waits on the lock or retries), and SIGKILLed at random instants (the database is either
// exactly before or exactly after — never between — its content is intact either way, and the audit
// trail, once the next start has resolved it, says which). APPLY_KILL_TRIALS sets the number of
// kill trials (default 6; the figures in PROOF.md come from 120), APPLY_KILL_SEED the seed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { resolvePending } from '../../src/audit/resolve-pending.js';
import { CLI, runCliAsync } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';
import { prng } from '../torture/crash-harness.js';
import { contents, driftd, schemaText, shellReadsEverything } from './plan-support.js';

const WRITER = join(import.meta.dirname, 'children/items-writer.mjs');

function liveSql(rows: number, journalMode: 'delete' | 'wal'): string {
  return `
    PRAGMA journal_mode = ${journalMode};
    CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, qty REAL, note TEXT);
    CREATE TABLE notes (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items(id) ON DELETE CASCADE, body TEXT);
    CREATE INDEX items_name ON items (name);
    CREATE INDEX items_qty_partial ON items (qty) WHERE qty > 3;
    CREATE TRIGGER items_touch AFTER UPDATE ON items BEGIN UPDATE notes SET body = body WHERE item_id = new.id; END;
    CREATE VIEW item_notes AS SELECT i.name, n.body FROM items AS i JOIN notes AS n ON n.item_id = i.id;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${rows})
      INSERT INTO items (name, qty, note) SELECT 'item ' || i, i % 5, printf('%.*c', 40 + i % 60, 'x') FROM k;
    INSERT INTO notes (item_id, body) SELECT id, 'note of ' || id FROM items WHERE id % 3 = 0;
    DELETE FROM items WHERE id > ${rows - 5};`;
}

const DECLARED = `
  CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, qty INTEGER, note TEXT);
  CREATE TABLE notes (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items(id) ON DELETE CASCADE, body TEXT);
  CREATE INDEX items_name ON items (name);
  CREATE INDEX items_qty_partial ON items (qty) WHERE qty > 3;
  CREATE TRIGGER items_touch AFTER UPDATE ON items BEGIN UPDATE notes SET body = body WHERE item_id = new.id; END;
  CREATE VIEW item_notes AS SELECT i.name, n.body FROM items AS i JOIN notes AS n ON n.item_id = i.id;`;

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
}

function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((done, fail) => {
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.split('\n').includes(line)) done();
    });
    child.once('exit', (code) => fail(new Error(`child exited (${code}) before "${line}"`)));
  });
}

/** The environment of a driftd child: its journal and backups under `home` (no inherited state directory). */
function childEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, HOME: home, XDG_STATE_HOME: '', STATE_DIRECTORY: '' };
}

/**
 * Runs `driftd apply` as a process; with `kill`, SIGKILLs it `afterMs` after its start or after its
 * first audit journal line appears (polled every millisecond). Returns when it ended, with timings.
 */
async function spawnApply(planPath: string, home: string, kill: { afterMs: number; fromFirstIntent: boolean } | null): Promise<{ code: number | null; exitMs: number; firstIntentMs: number | null }> {
  const journalPath = join(home, '.local/state/driftd/audit/audit.jsonl');
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'apply', planPath], { env: childEnv(home), stdio: 'ignore' });
  let firstIntentMs: number | null = null;
  let killTimer: NodeJS.Timeout | null = null;
  const arm = (): void => {
    if (kill && killTimer === null) killTimer = setTimeout(() => child.kill('SIGKILL'), kill.afterMs);
  };
  if (kill && !kill.fromFirstIntent) arm();
  const poll = setInterval(() => {
    if (firstIntentMs !== null) return;
    try {
      if (statSync(journalPath).size > 0) {
        firstIntentMs = performance.now() - started;
        if (kill?.fromFirstIntent) arm();
      }
    } catch {
      // not yet
    }
  }, 1);
  const { code } = await exited(child);
  clearInterval(poll);
  if (killTimer) clearTimeout(killTimer);
  return { code, exitMs: performance.now() - started, firstIntentMs };
}

function fingerprintState(dbPath: string, plan: { fingerprint: { before: string; after: string } }): 'before' | 'after' | 'neither' {
  // Read-write: a killed apply leaves a hot journal that only a writer's connection rolls back.
  const db = new Database(dbPath, { timeout: 10_000 });
  try {
    const rows = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").all() as { type: string; name: string; tbl_name: string; sql: string | null }[];
    return rows.length > 0 ? stateOf(rows, plan) : 'neither';
  } finally {
    db.close();
  }
}

function stateOf(rows: { type: string; name: string; tbl_name: string; sql: string | null }[], plan: { fingerprint: { before: string; after: string } }): 'before' | 'after' | 'neither' {
  // The same digest as src/plan/schema-fingerprint.ts, computed here independently.
  const digest = `sha256:${createHash('sha256').update(JSON.stringify(rows.map((o) => [o.type, o.name, o.tbl_name, o.sql]))).digest('hex')}`;
  return digest === plan.fingerprint.before ? 'before' : digest === plan.fingerprint.after ? 'after' : 'neither';
}

describe('driftd apply against a real application writing at the same time', () => {
  const dir = tempDir('driftd-plan-writer-');

  it.each(['delete', 'wal'] as const)('journal mode %s: every row the application committed is there, before and after', async (journalMode) => {
    const dbPath = createDatabase(dir, liveSql(20_000, journalMode), { name: `writer-${journalMode}.db` });
    const schemaPath = join(dir, `writer-${journalMode}.sql`);
    writeFileSync(schemaPath, DECLARED);
    const planPath = join(dir, `writer-${journalMode}.plan.json`);
    const home = join(dir, `home-${journalMode}`);
    expect((await driftd(home, ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    const log = join(dir, `writer-${journalMode}.log`);
    writeFileSync(log, '');
    const writer = spawn(process.execPath, [WRITER, dbPath, log], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await waitForLine(writer, 'ready');
      const applied = await runCliAsync(['apply', planPath], { env: childEnv(home) });
      expect(applied.stderr).toBe('');
      expect(applied.status).toBe(0);
      // A few more commits after the rebuild, through the application's prepared statements.
      const committedAt = readFileSync(log, 'utf8').split('\n').length;
      while (readFileSync(log, 'utf8').split('\n').length < committedAt + 10) await new Promise((r) => setTimeout(r, 20));
    } finally {
      writer.kill('SIGKILL');
      await exited(writer);
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' '));
    // Read-write: the writer was SIGKILLed and may have left a hot journal only a writer's connection rolls back.
    const db = new Database(dbPath, { timeout: 10_000 });
    try {
      for (const table of ['items', 'notes']) {
        const ids = lines.filter((line) => line[0] === table).map((line) => Number(line[1]));
        expect(ids.length).toBeGreaterThan(10);
        const found = db.prepare(`SELECT count(*) AS n FROM ${table} WHERE id IN (${ids.join(',')})`).get() as { n: number };
        expect({ table, found: found.n }).toEqual({ table, found: ids.length });
      }
      expect(db.prepare("SELECT typeof(qty) AS t, count(*) AS n FROM items GROUP BY 1").all()).toEqual([{ t: 'integer', n: expect.any(Number) }]);
    } finally {
      db.close();
    }
    expect(shellReadsEverything(dbPath).split('\n')[0]).toBe('ok');
  }, 120_000);
});

describe('driftd apply SIGKILLed at random instants: before or after, never between; the audit trail says which', () => {
  const dir = tempDir('driftd-plan-kill-');
  const trials = Number(process.env.APPLY_KILL_TRIALS ?? 6);
  const seed = Number(process.env.APPLY_KILL_SEED ?? 20261203);

  it(`${trials} trials`, async () => {
    const random = prng(seed);
    const schemaPath = join(dir, 'declared.sql');
    writeFileSync(schemaPath, DECLARED);
    const templates = { delete: createDatabase(dir, liveSql(30_000, 'delete'), { name: 'template-delete.db' }), wal: createDatabase(dir, liveSql(30_000, 'wal'), { name: 'template-wal.db' }) };
    const dbPath = join(dir, 'trial.db');
    const planPath = join(dir, 'trial.plan.json');
    const reset = (mode: 'delete' | 'wal'): void => {
      for (const suffix of ['', '-journal', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
      copyFileSync(templates[mode], dbPath);
    };
    reset('delete');
    const reference = contents(dbPath, ['items.qty']);
    expect((await driftd(join(dir, 'home-plan'), ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    // Calibrate: how long an uninterrupted apply takes as a process (start-up included), and how long
    // from its first journal line (the backup's intent, written under the write lock) to its exit.
    const calibrationHome = join(dir, 'home-calibrate');
    const calibration = await spawnApply(planPath, calibrationHome, null);
    const applyMs = calibration.exitMs;
    const tailMs = calibration.exitMs - (calibration.firstIntentMs ?? 0);
    expect(calibration.code).toBe(0);
    const tally = { before: 0, after: 0, resolvedApplied: 0, resolvedNotApplied: 0, noIntent: 0, killedInTransaction: 0 };
    const problems: string[] = [];
    for (let trial = 0; trial < trials; trial++) {
      const mode = trial % 2 === 0 ? 'delete' : 'wal';
      reset(mode);
      const home = join(dir, `home-${trial}`);
      // Half the kills land anywhere in the process's life; half after it holds the write lock, where the rebuild runs.
      const inTransaction = trial % 4 >= 2;
      const killAfterMs = random() * (inTransaction ? tailMs : applyMs);
      if (inTransaction) tally.killedInTransaction++;
      await spawnApply(planPath, home, { afterMs: killAfterMs, fromFirstIntent: inTransaction });
      const state = fingerprintState(dbPath, plan);
      const where = `trial ${trial} (${mode}, kill ${killAfterMs.toFixed(0)} ms after ${inTransaction ? 'the first intent' : 'the start'})`;
      if (state === 'neither') {
        problems.push(`${where}: the schema is neither before nor after`);
        continue;
      }
      tally[state]++;
      const now = contents(dbPath, ['items.qty']);
      if (JSON.stringify(now) !== JSON.stringify(reference)) problems.push(`${where}: the content differs from before (state ${state})`);
      const integrity = shellReadsEverything(dbPath).split('\n')[0];
      if (integrity !== 'ok') problems.push(`${where}: integrity_check says ${integrity}`);
      if (schemaText(dbPath).includes('driftd_new_')) problems.push(`${where}: a scratch table is left`);
      // The next start answers the killed apply's intents from the database.
      const journal = new AuditJournal({ dir: join(home, '.local/state/driftd/audit'), maxBytes: 8 * 1024 * 1024, keep: 5 });
      resolvePending(journal);
      const rebuild = journal.entries({}).filter((entry) => entry.kind === 'rebuild' && entry.item === 0);
      if (rebuild.length === 0) {
        tally.noIntent++;
        if (state !== 'before') problems.push(`${where}: the rebuild committed without an intent in the trail`);
      } else {
        const outcome = rebuild[0]!.outcome;
        if (outcome === 'applied') tally.resolvedApplied++;
        if (outcome === 'not-applied') tally.resolvedNotApplied++;
        if ((outcome === 'applied') !== (state === 'after') || outcome === 'pending') problems.push(`${where}: the trail says ${outcome}, the database is ${state}`);
      }
      // And the plan still completes (or is already applied).
      const resumed = await runCliAsync(['apply', planPath], { env: childEnv(home) });
      if (resumed.status !== 0) problems.push(`${where}: apply after the kill exited ${resumed.status}: ${resumed.stderr}`);
      if (fingerprintState(dbPath, plan) !== 'after') problems.push(`${where}: not after once applied again`);
      if (JSON.stringify(contents(dbPath, ['items.qty'])) !== JSON.stringify(reference)) problems.push(`${where}: the content differs after the resumed apply`);
    }
    console.log(`apply kill trials: ${trials} (seed ${seed}, apply ≈ ${applyMs.toFixed(0)} ms as a process, ${tailMs.toFixed(0)} ms of it after the first intent): ${JSON.stringify(tally)}`);
    expect(problems).toEqual([]);
    expect(tally.before + tally.after).toBe(trials);
  }, 3_600_000);
});
