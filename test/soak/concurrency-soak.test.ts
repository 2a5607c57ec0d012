// Concurrency soak: a real daemon repairs and reconciles a ModelForge database while an
// application-like writer inserts continuously (the 6-column INSERT until the column exists, then
// the 7-column one that only works after the repair), training jobs keep dropping model
// directories whose INSERT "failed", and another process keeps breaking the schema (dropping the
// declared index). Afterwards: zero lost writes, zero duplicate rows, every model directory present
// exactly once, zero daemon crashes, busy events counted, resident memory and open descriptors flat.
// CI mode: 60 s (SOAK_SECONDS). Longer: `npm run soak` (SOAK_SECONDS=600 by default there).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DaemonProcess, eventually, sqlInChild, tempDir } from '../helpers/daemon-process.js';
import { modelforgeRuleInput } from '../support/modelforge-rule.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const LONG = SECONDS > 120;
const WRITER = resolve(import.meta.dirname, '../torture/children/app-writer.mjs');

const SCHEMA = `
CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL, task TEXT NOT NULL,
  description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0
);
CREATE INDEX fine_tuned_models_path ON fine_tuned_models (model_path);
`;
const LEGACY = `CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL, task TEXT NOT NULL,
  description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL);`;

/** Resident set size (bytes) and open descriptors of a process, straight from /proc. */
function usage(pid: number): { rss: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return { rss: rssKb * 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

describe('concurrency soak', () => {
  const dir = tempDir('driftd-soak-');
  let daemon: DaemonProcess | undefined;
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${SECONDS} s of app writes, orphan models and schema breakage while the daemon repairs and reconciles`, { timeout: (SECONDS + (LONG ? Math.max(60, SECONDS / 5) : 0) + 120) * 1000 }, async () => {
    const dbPath = join(dir, 'modelforge.db');
    const db = new Database(dbPath);
    db.exec(LEGACY);
    db.close();
    writeFileSync(join(dir, 'schema.sql'), SCHEMA);
    const models = join(dir, 'models');
    mkdirSync(models);
    writeFileSync(
      join(dir, 'driftd.json'),
      JSON.stringify({
        schedule: '*/1 * * * * *',
        busyTimeoutMs: 2000,
        http: { port: 0 },
        targets: [
          {
            name: 'modelforge',
            database: dbPath,
            schema: join(dir, 'schema.sql'),
            repair: 'auto',
            reconcile: [modelforgeRuleInput({ root: models, settleSeconds: 0 })],
          },
        ],
      }),
    );
    // The application runs first, on the legacy table (6-column INSERTs), then the daemon starts.
    const writerLog = join(dir, 'writer.log');
    const writer = spawn(process.execPath, [WRITER, dbPath, writerLog, '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let writerErr = '';
    writer.stderr!.setEncoding('utf8').on('data', (chunk: string) => (writerErr += chunk));
    await eventually(() => readFileSync(writerLog, 'utf8').split('\n').length > 20, 30_000, 'the application writing');
    daemon = await DaemonProcess.start(join(dir, 'driftd.json'), { logLevel: 'info' });
    const pid = daemon.child.pid!;

    const samples: Array<{ at: number; rss: number; fds: number }> = [];
    const modelDirs: string[] = [];
    let breakages = 0;
    const started = Date.now();
    const old = new Date(Date.now() - 3600_000);
    for (let tick = 0; Date.now() - started < SECONDS * 1000; tick++) {
      // a training job finishes and its INSERT fails: a model directory without a row
      const model = join(models, `model-${tick}_${(tick * 2654435761 >>> 0).toString(16).padStart(8, '0')}`);
      mkdirSync(model);
      writeFileSync(join(model, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'EleutherAI/gpt-neo-125m', task_type: 'CAUSAL_LM' }));
      utimesSync(join(model, 'adapter_config.json'), old, old);
      modelDirs.push(model);
      // every 5 s another process breaks the schema: the declared index disappears
      if (tick % 25 === 24) {
        try {
          sqlInChild(dbPath, 'DROP INDEX IF EXISTS fine_tuned_models_path');
          breakages++;
        } catch {
          // the database was busy for the whole default timeout: try again next time
        }
      }
      if (tick % 5 === 0) samples.push({ at: Date.now() - started, ...usage(pid) });
      expect(daemon.child.exitCode, 'the daemon is still running').toBeNull();
      await sleep(200);
    }
    writer.kill('SIGKILL');
    await new Promise((done) => writer.once('exit', done));

    // Let the daemon finish its last rounds, then check what the application and the models left.
    await eventually(async () => {
      const check = new Database(dbPath, { readonly: true, timeout: 5000 });
      try {
        const present = check.prepare('SELECT count(*) FROM fine_tuned_models WHERE model_path LIKE ?').pluck().get(`${models}/%`) as number;
        const index = check.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'fine_tuned_models_path'").pluck().get() as number;
        return present === modelDirs.length && index === 1;
      } finally {
        check.close();
      }
    }, 60_000, 'every model directory recovered and the index repaired');

    const metricsText = await (await daemon.get('/metrics')).text();
    // Long mode: with the application stopped the data no longer grows, so memory must stop growing
    // too. (While the table grows, each reconcile round reads every key, so the heap's high-water
    // mark grows with the data: the CI mode's early/late bound covers that span.)
    const settled: number[] = [];
    if (LONG) {
      const settleMs = Math.max(60, SECONDS / 5) * 1000;
      const settleStart = Date.now();
      for (let tick = 0; Date.now() - settleStart < settleMs; tick++) {
        if (tick % 5 === 4) sqlInChild(dbPath, 'DROP INDEX IF EXISTS fine_tuned_models_path');
        settled.push(usage(pid).rss);
        expect(daemon.child.exitCode, 'the daemon is still running').toBeNull();
        await sleep(1000);
      }
    }
    const busy = (await daemon.metric('driftd_database_busy_total{target="modelforge"}')) ?? 0;
    const repairs = (await daemon.metric('driftd_repairs_total{target="modelforge",table="fine_tuned_models",kind="missing_index"}')) ?? 0;
    const recovered = (await daemon.metric('driftd_recovered_rows_total{target="modelforge",table="fine_tuned_models"}')) ?? 0;
    const checks = (await daemon.metric('driftd_checks_total{target="modelforge"}')) ?? 0;
    const exitCode = await daemon.stop('SIGTERM');

    const logLines = readFileSync(writerLog, 'utf8').split('\n').filter(Boolean);
    const committed = logLines.map((line) => Number(line.split(' ')[0]));
    const seven = logLines.filter((line) => line.endsWith(' 7')).length;
    const six = logLines.filter((line) => line.endsWith(' 6')).length;
    const final = new Database(dbPath, { readonly: true });
    const ids = new Set(final.prepare('SELECT id FROM fine_tuned_models').pluck().all() as number[]);
    const duplicates = final.prepare('SELECT model_path, count(*) AS n FROM fine_tuned_models GROUP BY model_path HAVING n > 1').all();
    const integrity = final.prepare('PRAGMA integrity_check').pluck().get();
    final.close();

    const warm = samples.filter((sample) => sample.at >= 10_000);
    const fifth = Math.max(1, Math.floor(warm.length / 5));
    const rssEarly = median(warm.slice(0, fifth).map((s) => s.rss));
    const rssLate = median(warm.slice(-fifth).map((s) => s.rss));
    // The settled level of each window, not its peak: a sample taken while a cycle holds its database,
    // journal and directory descriptors (and reconcile its metadata files) reads a few more for an
    // instant (a run under full-suite load sampled 30 against 24 once); a leak raises the median.
    const fdsEarly = median(warm.slice(0, fifth).map((s) => s.fds));
    const fdsLate = median(warm.slice(-fifth).map((s) => s.fds));
    const summary = {
      seconds: SECONDS,
      writerCommitted: committed.length,
      sixColumnInserts: six,
      sevenColumnInserts: seven,
      modelDirectories: modelDirs.length,
      recoveredRows: recovered,
      schemaBreakages: breakages,
      indexRepairs: repairs,
      checks,
      busyEvents: busy,
      rssEarlyMiB: +(rssEarly / 2 ** 20).toFixed(1),
      rssLateMiB: +(rssLate / 2 ** 20).toFixed(1),
      fdsEarly,
      fdsLate,
      ...(LONG
        ? {
            settledPeakFirstHalfMiB: +(Math.max(...settled.slice(0, settled.length / 2)) / 2 ** 20).toFixed(1),
            settledPeakSecondHalfMiB: +(Math.max(...settled.slice(settled.length / 2)) / 2 ** 20).toFixed(1),
          }
        : {}),
      daemonExit: exitCode,
    };
    console.log(`concurrency soak: ${JSON.stringify(summary)}`);

    expect(writerErr).toBe('');
    expect(integrity).toBe('ok');
    expect(committed.filter((id) => !ids.has(id)), 'committed writes lost').toEqual([]);
    expect(duplicates, 'duplicate rows').toEqual([]);
    expect(six, 'the application wrote on the legacy table first').toBeGreaterThan(0);
    expect(seven, 'the 7-column INSERT works once the column is repaired').toBeGreaterThan(0);
    expect(recovered).toBe(modelDirs.length);
    expect(repairs).toBeGreaterThanOrEqual(breakages); // the first repair added the column and index too
    expect(checks).toBeGreaterThan(SECONDS / 2);
    expect(metricsText, 'busy events are counted').toContain('# TYPE driftd_database_busy_total counter');
    expect(exitCode, 'clean exit on SIGTERM, no crash').toBe(0);
    // Descriptors flat; memory flat (generous bounds for GC's sawtooth).
    expect(fdsLate - fdsEarly).toBeLessThanOrEqual(4);
    if (!LONG) expect(rssLate / rssEarly).toBeLessThan(1.5);
    else {
      const half = settled.length / 2;
      expect(Math.max(...settled.slice(half)) / Math.max(...settled.slice(0, half)), 'peak RSS does not grow once the data stops growing').toBeLessThan(1.25);
    }
  });
});
