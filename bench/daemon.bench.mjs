// The daemon's costs, each against a baseline measured in the same run:
//  1. tick cost on an unchanged database (the fast path: one PRAGMA) with 1 table vs 1,000 tables,
//     against a full check of the same database;
//  2. detection latency from an external ALTER TABLE to "repair applied", watching on vs schedule only;
//  3. GET /metrics latency at 500 requests/s for 10 s (autocannon) while cycles run;
//  4. resident memory after 10,000 cycles vs after 100.
// Run: npm run bench:daemon   (BENCH_QUICK=1 shortens 2 and 3; BENCH_SMOKE=1 runs every section at
// tiny sizes in seconds — the test suite's smoke mode, which proves the script still runs)
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { checkDatabase } from '../dist/check/check-database.js';
import { validateConfigFile } from '../dist/config/validate-config.js';
import { Daemon } from '../dist/daemon/daemon.js';
import { TargetRunner, noReconcile } from '../dist/daemon/target-runner.js';
import { loadDeclaredSchema } from '../dist/declared/load-declared-schema.js';
import { DaemonMetrics } from '../dist/metrics/daemon-metrics.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const QUICK = SMOKE || process.env.BENCH_QUICK === '1';
/** Sizes: the full run's, or the smoke run's. */
const SIZE = SMOKE
  ? { largeTables: 20, ticks: 20, fullChecks: 3, trials: 1, schedule: '*/2 * * * * *', loadSeconds: 1, cycles: [10, 20, 40] }
  : { largeTables: 1000, ticks: 2000, fullChecks: null, trials: QUICK ? 3 : 6, schedule: '*/5 * * * * *', loadSeconds: QUICK ? 3 : 10, cycles: [100, 1000, 10_000] };
const MAIN = resolve(import.meta.dirname, '../dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'driftd-bench-'));

function schemaSql(tables) {
  const statements = [];
  for (let t = 0; t < tables; t++) {
    statements.push(`CREATE TABLE table_${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL DEFAULT '', size INTEGER DEFAULT 0, note TEXT, flag BOOLEAN DEFAULT 0);`);
    statements.push(`CREATE INDEX table_${t}_name ON table_${t} (name);`);
  }
  return statements.join('\n');
}

function makeTarget(name, tables) {
  const dir = join(work, name);
  mkdirSync(dir);
  const sql = schemaSql(tables);
  writeFileSync(join(dir, 'schema.sql'), sql);
  const db = new Database(join(dir, 'app.db'));
  db.exec(sql);
  db.close();
  return { dir, database: join(dir, 'app.db'), schema: join(dir, 'schema.sql') };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

// ── 1. tick cost on an unchanged database ────────────────────────────────────────────────
async function tickCost(tables) {
  const target = makeTarget(`tick-${tables}`, tables);
  const declared = loadDeclaredSchema(target.schema);
  const targetConfig = { name: 'bench', database: target.database, schema: target.schema, repair: 'auto', ignoreTables: [], foreignKeysEnforced: true, reconcile: [] };
  const runner = new TargetRunner('bench', { reconcile: noReconcile, clock: () => performance.now(), now: () => new Date() });
  const settings = { busyTimeoutMs: 5000, backup: null };
  await runner.run(targetConfig, declared, settings); // the first run is the full check that records the state
  const ticks = [];
  for (let i = 0; i < SIZE.ticks; i++) {
    const start = performance.now();
    const report = await runner.run(targetConfig, declared, settings);
    ticks.push(performance.now() - start);
    if (!report.fastPath) throw new Error('expected the fast path');
  }
  const full = [];
  for (let i = 0; i < (SIZE.fullChecks ?? (tables > 100 ? 7 : 201)); i++) {
    const start = performance.now();
    await checkDatabase({ dbPath: target.database, declared: declared.schema, mode: 'check', busyTimeoutMs: 5000 });
    full.push(performance.now() - start);
  }
  runner.close();
  return { tick: median(ticks), full: median(full) };
}

// ── daemon process helpers ───────────────────────────────────────────────────────────────
function startDaemon(configPath) {
  const child = spawn(process.execPath, [MAIN, 'run', '--config', configPath, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  let buffer = '';
  let onLine = () => undefined;
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      onLine(line);
    }
  });
  const waitFor = (predicate, timeoutMs = 60_000) =>
    new Promise((done, fail) => {
      const found = lines.find(predicate);
      if (found) return done(found);
      const timer = setTimeout(() => fail(new Error('timed out waiting for a log line')), timeoutMs);
      const previous = onLine;
      onLine = (line) => {
        previous(line);
        if (predicate(line)) {
          clearTimeout(timer);
          done(line);
        }
      };
    });
  const stop = () => new Promise((done) => (child.exitCode !== null ? done() : (child.on('exit', done), child.kill('SIGTERM'))));
  return { child, lines, waitFor, stop };
}

// ── 2. detection latency ─────────────────────────────────────────────────────────────────
async function detectionLatency(watch, trials) {
  const target = makeTarget(`latency-${watch ? 'watch' : 'schedule'}`, 1);
  const config = join(target.dir, 'driftd.json');
  writeFileSync(config, JSON.stringify({ schedule: SIZE.schedule, watch, debounceMs: 50, http: { port: 0 }, targets: [{ name: 'bench', database: target.database, schema: target.schema, repair: 'auto' }] }));
  const daemon = startDaemon(config);
  await daemon.waitFor((line) => line.msg === 'listening');
  await sleep(SMOKE ? 300 : 1500);
  const latencies = [];
  for (let trial = 0; trial < trials; trial++) {
    const before = daemon.lines.length;
    const db = new Database(target.database);
    db.exec('ALTER TABLE table_0 DROP COLUMN note');
    const altered = Date.now();
    db.close();
    const repaired = await daemon.waitFor((line) => line.msg === 'repair applied' && daemon.lines.indexOf(line) >= before);
    latencies.push(repaired.time - altered);
    // Land the next ALTER at a different point of the schedule.
    if (trial + 1 < trials) await sleep(1100 + trial * 700);
  }
  await daemon.stop();
  return latencies;
}

// ── 3. /metrics under load while cycles run ──────────────────────────────────────────────
async function metricsUnderLoad(durationS) {
  const small = makeTarget('load-small', 1);
  const large = makeTarget('load-large', SIZE.largeTables);
  const config = join(work, 'load.json');
  writeFileSync(
    config,
    JSON.stringify({
      schedule: '* * * * * *',
      debounceMs: 50,
      http: { port: 0 },
      targets: [
        { name: 'small', database: small.database, schema: small.schema, repair: 'auto' },
        { name: 'large', database: large.database, schema: large.schema, repair: 'auto' },
      ],
    }),
  );
  const daemon = startDaemon(config);
  const { address } = await daemon.waitFor((line) => line.msg === 'listening');
  await sleep(SMOKE ? 200 : 2000);
  // An application writing rows meanwhile: every write wakes the watcher and runs a cycle, on top of the schedule.
  const writer = new Database(small.database);
  const insert = writer.prepare('INSERT INTO table_0 (name) VALUES (?)');
  const writes = setInterval(() => insert.run(`row ${Date.now()}`), 100);
  // Warm up (JIT, connection setup) so the measured runs see the steady state.
  await autocannon({ url: `${address}/metrics`, connections: 10, overallRate: 500, duration: SMOKE ? 1 : 2 });
  // Baseline: the same load on /livez, the floor of fastify + HTTP on this machine right now.
  const baseline = await autocannon({ url: `${address}/livez`, connections: 10, overallRate: 500, duration: durationS });
  const result = await autocannon({ url: `${address}/metrics`, connections: 10, overallRate: 500, duration: durationS });
  clearInterval(writes);
  writer.close();
  const status = await (await fetch(`${address}/status`)).json();
  await daemon.stop();
  return { result, baseline, cycles: status.cycles.completed };
}

// ── 4. memory after many cycles ──────────────────────────────────────────────────────────
async function memoryAfterCycles() {
  const target = makeTarget('memory', 1);
  const models = join(target.dir, 'models');
  mkdirSync(models);
  const db = new Database(target.database);
  db.exec('CREATE TABLE models (id INTEGER PRIMARY KEY, path TEXT NOT NULL)');
  for (let i = 0; i < 20; i++) {
    mkdirSync(join(models, `model-${i}`));
    writeFileSync(join(models, `model-${i}`, 'adapter_config.json'), '{}');
    db.prepare('INSERT INTO models (path) VALUES (?)').run(join(models, `model-${i}`));
  }
  db.close();
  writeFileSync(target.schema, `${schemaSql(1)}\nCREATE TABLE models (id INTEGER PRIMARY KEY, path TEXT NOT NULL);`);
  const config = join(target.dir, 'driftd.json');
  writeFileSync(
    config,
    JSON.stringify({
      http: { port: 0 },
      targets: [{ name: 'bench', database: target.database, schema: target.schema, repair: 'auto', reconcile: [{ table: 'models', root: models, markers: ['adapter_config.json'], keyColumn: 'path', settleSeconds: 0, columns: { path: { from: 'path' } } }] }],
    }),
  );
  const loaded = validateConfigFile(config, process.env);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const daemon = new Daemon({ configPath: config, initial: loaded.validated, env: process.env, logger: quiet, metrics: new DaemonMetrics({ version: 'bench', nodeVersion: process.version }) });
  const rss = () => {
    globalThis.gc?.();
    return process.memoryUsage().rss / 1024 / 1024;
  };
  let cycles = 0;
  const runTo = async (count) => {
    for (; cycles < count; cycles++) {
      const report = await daemon.runCycle('manual');
      if (!report.targets[0].ok) throw new Error(JSON.stringify(report.targets[0].error));
    }
  };
  await runTo(SIZE.cycles[0]);
  const after100 = rss();
  await runTo(SIZE.cycles[1]);
  const after1000 = rss();
  await runTo(SIZE.cycles[2]);
  const after10000 = rss();
  await daemon.stop();
  return { after100, after1000, after10000 };
}

console.log(`driftd daemon benchmark — Node.js ${process.version}, ${SMOKE ? 'smoke' : QUICK ? 'quick' : 'full'} run\n`);
// BENCH_ONLY=1,3 runs only those sections.
const only = new Set((process.env.BENCH_ONLY ?? '1,2,3,4').split(',').map(Number));

if (only.has(1)) {
  const one = await tickCost(1);
  const thousand = await tickCost(SIZE.largeTables);
  console.log('1. tick on an unchanged database (fast path: PRAGMA schema_version + declaration hash), median');
  console.log(`   1 table:      tick ${fmt(one.tick)}   full check ${fmt(one.full)}   (full/tick ${(one.full / one.tick).toFixed(0)}x)`);
  console.log(`   ${SIZE.largeTables} tables: tick ${fmt(thousand.tick)}   full check ${fmt(thousand.full)}   (full/tick ${(thousand.full / thousand.tick).toFixed(0)}x)`);
  console.log(`   tick ${SIZE.largeTables} tables / tick 1 table: ${(thousand.tick / one.tick).toFixed(2)}x   (full check: ${(thousand.full / one.full).toFixed(0)}x)\n`);

}

if (only.has(2)) {
  const trials = SIZE.trials;
  const watching = await detectionLatency(true, trials);
  const scheduled = await detectionLatency(false, trials);
  console.log(`2. external ALTER TABLE → repair applied, schedule ${SIZE.schedule}, ${trials} trials`);
  console.log(`   watching on:   median ${median(watching)} ms   max ${Math.max(...watching)} ms   [${watching.join(', ')}]`);
  console.log(`   schedule only: median ${median(scheduled)} ms   max ${Math.max(...scheduled)} ms   [${scheduled.join(', ')}]`);
  console.log(`   schedule only / watching: ${(median(scheduled) / median(watching)).toFixed(1)}x\n`);

}

if (only.has(3)) {
  const { result, baseline, cycles } = await metricsUnderLoad(SIZE.loadSeconds);
  console.log(`3. GET /metrics at 500 req/s for ${SIZE.loadSeconds} s (autocannon, 10 connections) while cycles run (1-table and ${SIZE.largeTables}-table targets, every second + on writes)`);
  console.log(`   requests ${result.requests.total}   errors ${result.errors}   non-2xx ${result.non2xx}   timeouts ${result.timeouts}   cycles completed ${cycles}`);
  console.log(`   latency p50 ${result.latency.p50} ms   p90 ${result.latency.p90} ms   p99 ${result.latency.p99} ms   max ${result.latency.max} ms   (target p99 < 20 ms)`);
  console.log(`   baseline GET /livez, same load: p50 ${baseline.latency.p50} ms   p90 ${baseline.latency.p90} ms   p99 ${baseline.latency.p99} ms   errors ${baseline.errors}   (metrics/livez p99 ${(result.latency.p99 / Math.max(1, baseline.latency.p99)).toFixed(1)}x)\n`);

}

if (only.has(4)) {
  const memory = await memoryAfterCycles();
  console.log(`4. resident memory, in-process daemon, 1 target with a 20-directory reconcile rule${globalThis.gc ? ' (after gc)' : ''}`);
  const [c0, c1, c2] = SIZE.cycles;
  console.log(`   after ${c0} cycles ${memory.after100.toFixed(1)} MiB   after ${c1} ${memory.after1000.toFixed(1)} MiB   after ${c2} ${memory.after10000.toFixed(1)} MiB   (${c2}/${c0}: ${(memory.after10000 / memory.after100).toFixed(2)}x)`);
}
