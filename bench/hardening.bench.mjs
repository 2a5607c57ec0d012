// Issue 9's measurements, each printed against a baseline measured in the same run:
//  swap   — reconcile under a real directory/symlink swap race (renameat2 RENAME_EXCHANGE in a python3
//           process): rows with values from outside the root, over ≥ 10,000 out-and-back swaps
//           (baseline: the same race against DRIFTD_BASELINE_DIST, e.g. a build of main, when given);
//  reload — delay from a config edit to the switch while an application commits every 10 ms
//           (baseline: the same edit with no writer);
//  full   — repair attempts per minute on a full disk (a real tmpfs; needs root) on a 1 s schedule with
//           watching on (baseline: the cycles that ran in the same minute);
//  cpu    — CPU of an idle daemon with a 50 MB schema file on a 1 s schedule (baseline: a 1 KB schema);
//  livez  — GET /livez latency (real HTTP) while reconcile rounds scan a root of 50,000 directories without
//           the marker (baseline: /livez with nothing running; DRIFTD_BASELINE_DIST adds the baseline build).
// Run: npm run build && node bench/hardening.bench.mjs [swap|reload|full|cpu ...]
// Quick: BENCH_QUICK=1 (fewer swaps, shorter runs); smoke: BENCH_SMOKE=1 (tiny, seconds; run by test/bench). Compare with main: DRIFTD_BASELINE_DIST=/path/to/main/dist
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

// BENCH_SMOKE=1 (test/bench/bench-smoke.test.ts, tiny sizes, a few seconds) ⊂ BENCH_QUICK=1 (shorter runs).
const SMOKE = process.env.BENCH_SMOKE === '1';
const QUICK = SMOKE || process.env.BENCH_QUICK === '1';
const DIST = resolve(import.meta.dirname, '../dist');
const BASELINE = process.env.DRIFTD_BASELINE_DIST ? resolve(process.env.DRIFTD_BASELINE_DIST) : null;
const work = mkdtempSync(join(tmpdir(), 'driftd-hardening-bench-'));
const sections = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['swap', 'reload', 'full', 'cpu', 'livez'];
const load = (dist, path) => import(pathToFileURL(join(dist, path)).href);
const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));
const quiet = () => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

const RULE = JSON.parse(execFileSync('cat', [resolve(import.meta.dirname, '../config.example.json')], { encoding: 'utf8' })).targets[0].reconcile[0];
const MODELFORGE_SQL = `CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL UNIQUE, base_model TEXT NOT NULL,
  task TEXT NOT NULL, description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0)`;

function writeModel(dir, base) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: base, task_type: 'CAUSAL_LM', peft_type: 'LORA' }));
  writeFileSync(join(dir, 'adapter_model.safetensors'), Buffer.alloc(16));
  writeFileSync(join(dir, 'modelforge_config.json'), JSON.stringify({ model_class: 'AutoPeftModelForCausalLM', pipeline_task: 'text-generation' }));
  const old = new Date('2025-01-01T00:00:00Z');
  for (const file of ['adapter_config.json', 'adapter_model.safetensors', 'modelforge_config.json', '.']) spawnSync('touch', ['-h', '-d', old.toISOString(), join(dir, file)]);
}

/** The swap-race test's swapper (renameat2 RENAME_EXCHANGE in a loop; prints 'ready', counts, 'stopped N'). */
const SWAPPER = join(import.meta.dirname, '../test/support/rename-exchange-swapper.py');

/** One race: reconcile rounds (apply, rows deleted after each) while the swapper runs; counts outside rows. */
async function swapRace(dist, label, minSwaps, minRounds) {
  const { reconcileTarget } = await load(dist, 'reconcile/reconcile-target.js');
  const { reconcileRuleFormat, resolveRule } = await load(dist, 'reconcile/rule/reconcile-rule-format.js');
  const dir = mkdtempSync(join(work, `swap-${label}-`));
  const models = join(dir, 'models');
  writeModel(join(models, 'victim_1'), 'inside/base-model');
  writeModel(join(dir, 'outside', 'secret_1'), 'OUTSIDE/secret-model');
  mkdirSync(join(dir, 'parked'));
  symlinkSync(join(dir, 'outside', 'secret_1'), join(dir, 'parked', 'victim_1'));
  const dbPath = join(dir, 'app.db');
  new Database(dbPath).exec(MODELFORGE_SQL);
  const rule = resolveRule(reconcileRuleFormat.parse(RULE), () => models, models);
  const swapper = spawn('python3', [SWAPPER, join(models, 'victim_1'), join(dir, 'parked', 'victim_1')], { stdio: ['ignore', 'pipe', 'inherit'] });
  let swaps = 0;
  swapper.stdout.on('data', (chunk) => (swaps = Math.max(swaps, ...chunk.toString().split('\n').map((line) => Number(line.replace('stopped ', ''))).filter(Number.isFinite))));
  const db = new Database(dbPath);
  let rounds = 0;
  let inside = 0;
  let outside = 0;
  const t0 = performance.now();
  while (swaps < minSwaps || rounds < minRounds) {
    await reconcileTarget({ dbPath, rules: [rule], mode: 'apply', busyTimeoutMs: 2000 });
    rounds++;
    for (const row of db.prepare('SELECT base_model FROM fine_tuned_models').all()) row.base_model.startsWith('OUTSIDE') ? outside++ : inside++;
    db.exec('DELETE FROM fine_tuned_models');
    await new Promise((resolve) => setImmediate(resolve));
  }
  swapper.kill('SIGTERM');
  await new Promise((resolve) => swapper.once('exit', resolve));
  db.close();
  return { label, swaps, rounds, insideRows: inside, outsideRows: outside, seconds: ((performance.now() - t0) / 1000).toFixed(1) };
}

async function benchSwap() {
  // Both bounds: the swapper is fast, and what finds the race is the number of inspections it overlaps.
  const minSwaps = SMOKE ? 200 : QUICK ? 2_000 : Number(process.env.SWAPS ?? 10_000);
  const minRounds = SMOKE ? 10 : QUICK ? 50 : Number(process.env.ROUNDS ?? 2_000);
  const results = [await swapRace(DIST, 'this build', minSwaps, minRounds)];
  if (BASELINE) results.push(await swapRace(BASELINE, 'baseline', minSwaps, minRounds));
  console.log('\n== swap race: rows from outside the root (must be 0 for this build)');
  console.table(results);
}

async function reloadDelay(writerIntervalMs) {
  const { validateConfigFile } = await load(DIST, 'config/validate-config.js');
  const { Daemon } = await load(DIST, 'daemon/daemon.js');
  const { DaemonMetrics } = await load(DIST, 'metrics/daemon-metrics.js');
  const dir = mkdtempSync(join(work, 'reload-'));
  const sql = 'CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL);';
  writeFileSync(join(dir, 'schema.sql'), sql);
  new Database(join(dir, 'app.db')).exec(sql);
  const config = join(dir, 'driftd.json');
  const body = (hour) => JSON.stringify({ schedule: `0 ${hour} * * *`, http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] });
  writeFileSync(config, body(0));
  const loaded = validateConfigFile(config, {});
  const daemon = new Daemon({ configPath: config, initial: loaded.validated, env: {}, logger, metrics: new DaemonMetrics({ version: 'bench', nodeVersion: process.version }) });
  let writer = null;
  if (writerIntervalMs) {
    writer = spawn(process.execPath, ['-e', `const D=require('better-sqlite3');const db=new D(process.argv[1]);db.pragma('busy_timeout=5000');const s=db.prepare('INSERT INTO fine_tuned_models (model_name) VALUES (?)');let n=0;setInterval(()=>s.run('w'+n++),${writerIntervalMs});`, join(dir, 'app.db')], { cwd: resolve(import.meta.dirname, '..'), stdio: 'ignore' });
    await sleep(300);
  }
  daemon.start();
  await sleep(500);
  const delays = [];
  for (let i = 1; i <= (SMOKE ? 1 : QUICK ? 3 : 10); i++) {
    const temp = `${config}.tmp`;
    writeFileSync(temp, body(i));
    const t0 = performance.now();
    renameSync(temp, config);
    while (daemon.config.schedule !== `0 ${i} * * *`) {
      if (performance.now() - t0 > 30_000) break;
      await sleep(5);
    }
    delays.push(performance.now() - t0);
    await sleep(300);
  }
  writer?.kill();
  await daemon.stop();
  delays.sort((a, b) => a - b);
  return { median: delays[Math.floor(delays.length / 2)], max: delays[delays.length - 1] };
}

async function benchReload() {
  const baseline = await reloadDelay(0);
  const busy = await reloadDelay(10);
  console.log('\n== reload delay: config edit → switched (debounce 250 ms, max wait 4 × 250 ms)');
  console.table([
    { case: 'no writer (baseline)', medianMs: baseline.median.toFixed(0), maxMs: baseline.max.toFixed(0) },
    { case: 'writer committing every 10 ms', medianMs: busy.median.toFixed(0), maxMs: busy.max.toFixed(0), ratio: (busy.median / baseline.median).toFixed(2) },
  ]);
}

async function benchFullDisk() {
  if (process.getuid() !== 0) return console.log('\n== full disk: skipped (needs root to mount a tmpfs)');
  const { validateConfigFile } = await load(DIST, 'config/validate-config.js');
  const { Daemon } = await load(DIST, 'daemon/daemon.js');
  const { DaemonMetrics } = await load(DIST, 'metrics/daemon-metrics.js');
  const disk = mkdtempSync(join(work, 'disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8192k', 'tmpfs', disk]);
  try {
    const dbPath = join(disk, 'app.db');
    const db = new Database(dbPath);
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
    db.transaction(() => { for (let i = 0; i < 400; i++) insert.run(`${i}-${'p'.repeat(1000)}`); })();
    db.close();
    const fd = openSync(join(disk, 'filler'), 'w');
    try { for (;;) writeSync(fd, Buffer.alloc(4096)); } catch { /* ENOSPC */ } finally { closeSync(fd); }
    const dir = mkdtempSync(join(work, 'disk-config-'));
    writeFileSync(join(dir, 'schema.sql'), 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL);\nCREATE INDEX t_payload ON t(payload);\n');
    writeFileSync(join(dir, 'driftd.json'), JSON.stringify({ schedule: '* * * * * *', http: { port: 0 }, targets: [{ name: 'app', database: dbPath, schema: 'schema.sql', repair: 'auto' }] }));
    const loaded = validateConfigFile(join(dir, 'driftd.json'), {});
    const metrics = new DaemonMetrics({ version: 'bench', nodeVersion: process.version });
    const daemon = new Daemon({ configPath: join(dir, 'driftd.json'), initial: loaded.validated, env: {}, logger, metrics });
    const seconds = SMOKE ? 3 : QUICK ? 15 : 65;
    daemon.start();
    void daemon.runCycle('start');
    await sleep(seconds * 1000);
    await daemon.stop();
    const text = await metrics.text();
    const attempts = Number(/driftd_repair_failures_total\{target="app"\} (\d+)/.exec(text)[1]);
    const cycles = Number(/driftd_checks_total\{target="app"\} (\d+)/.exec(text)?.[1] ?? NaN);
    console.log(`\n== full disk (tmpfs 8 MiB, filled), schedule every 1 s, watching on, ${seconds} s`);
    console.table([{ cycles, failedRepairAttempts: attempts, attemptsPerMinute: ((attempts * 60) / seconds).toFixed(1), cyclesPerMinute: ((cycles * 60) / seconds).toFixed(1), ratio: (attempts / cycles).toFixed(3), schedule: 'back-off 30 s, 60 s, 120 s … ≤ 1 h' }]);
  } finally {
    spawnSync('umount', [disk]);
  }
}

async function idleCpu(schemaBytes, dist = DIST) {
  const { validateConfigFile } = await load(dist, 'config/validate-config.js');
  const { Daemon } = await load(dist, 'daemon/daemon.js');
  const { DaemonMetrics } = await load(dist, 'metrics/daemon-metrics.js');
  const dir = mkdtempSync(join(work, 'cpu-'));
  const sql = 'CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL);\n';
  const line = `-- ${'x'.repeat(1021)}\n`;
  writeFileSync(join(dir, 'schema.sql'), sql + line.repeat(Math.max(0, Math.floor((schemaBytes - sql.length) / line.length))));
  new Database(join(dir, 'app.db')).exec(sql);
  writeFileSync(join(dir, 'driftd.json'), JSON.stringify({ schedule: '* * * * * *', watch: false, http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] }));
  const loaded = validateConfigFile(join(dir, 'driftd.json'), {});
  const daemon = new Daemon({ configPath: join(dir, 'driftd.json'), initial: loaded.validated, env: {}, logger, metrics: new DaemonMetrics({ version: 'bench', nodeVersion: process.version }) });
  daemon.start();
  await daemon.runCycle('start');
  await sleep(SMOKE ? 100 : 3_000); // past the racy window: the schema file's identity is trusted from here on
  const seconds = SMOKE ? 1 : QUICK ? 5 : 30;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  await daemon.stop();
  return ((cpu.user + cpu.system) / 1000 / wall) * 100;
}

async function benchCpu() {
  const small = await idleCpu(1024);
  const largeBytes = SMOKE ? 1024 * 1024 : 50 * 1024 * 1024;
  const large = await idleCpu(largeBytes);
  const rows = [
    { schema: '1 KB (baseline)', cpuPercentOfACore: small.toFixed(2) },
    { schema: `${largeBytes / 1024 / 1024} MB`, cpuPercentOfACore: large.toFixed(2), ratio: (large / small).toFixed(2) },
  ];
  if (BASELINE) {
    const before = await idleCpu(largeBytes, BASELINE);
    rows.push({ schema: `${largeBytes / 1024 / 1024} MB, baseline build`, cpuPercentOfACore: before.toFixed(2), ratio: (before / small).toFixed(2) });
  }
  console.log('\n== idle CPU, schedule every 1 s, unchanged database and schema');
  console.table(rows);
}

async function livezDuringScan(dist, entries, withScan) {
  const { reconcileTarget } = await load(dist, 'reconcile/reconcile-target.js');
  const { reconcileRuleFormat, resolveRule } = await load(dist, 'reconcile/rule/reconcile-rule-format.js');
  const { createHttpServer, registerRoutes } = await load(DIST, 'http/http-server.js');
  const dir = mkdtempSync(join(work, 'livez-'));
  const models = join(dir, 'models');
  mkdirSync(models);
  for (let i = 0; i < entries; i++) mkdirSync(join(models, `dir-${i}`));
  const dbPath = join(dir, 'app.db');
  new Database(dbPath).exec(MODELFORGE_SQL);
  const rule = resolveRule(reconcileRuleFormat.parse(RULE), () => models, models);
  const app = createHttpServer('error');
  registerRoutes(app, { metricsText: async () => '', metricsContentType: 'text/plain', health: () => ({ status: 'pass', checks: {} }), status: () => ({}), checkNow: async () => ({}), token: () => null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${app.server.address().port}/livez`;
  // The client runs in another process, so its timing is not stalled by the loop under test.
  const client = spawn(process.execPath, ['-e', `
    const http = require('node:http'); const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const latencies = []; let stop = false; process.on('message', () => { stop = true; });
    const one = () => { if (stop) { process.send(latencies); return; } const t0 = performance.now();
      http.get(${JSON.stringify(url)}, { agent }, (res) => { res.resume(); res.on('end', () => { latencies.push(performance.now() - t0); setTimeout(one, 5); }); }); };
    one();`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const rounds = QUICK ? 1 : 3;
  const t0 = performance.now();
  if (withScan) for (let i = 0; i < rounds; i++) await reconcileTarget({ dbPath, rules: [rule], mode: 'dry-run', busyTimeoutMs: 2000 });
  else await sleep(SMOKE ? 300 : QUICK ? 2000 : 5000);
  const scanMs = performance.now() - t0;
  const latencies = await new Promise((resolve) => {
    client.once('message', resolve);
    client.send('stop');
  });
  client.kill();
  await app.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { requests: latencies.length, p50: at(0.5).toFixed(1), p99: at(0.99).toFixed(1), max: latencies[latencies.length - 1].toFixed(1), scanMsPerRound: withScan ? (scanMs / rounds).toFixed(0) : '' };
}

async function benchLivez() {
  const entries = SMOKE ? 500 : QUICK ? 10_000 : 50_000;
  const rows = [{ case: 'idle (baseline)', ...(await livezDuringScan(DIST, entries, false)) }];
  rows.push({ case: `reconcile over ${entries} non-model directories`, ...(await livezDuringScan(DIST, entries, true)) });
  if (BASELINE) rows.push({ case: `same, baseline build`, ...(await livezDuringScan(BASELINE, entries, true)) });
  console.log('\n== GET /livez latency (ms) while reconcile scans');
  console.table(rows);
}

const benches = { swap: benchSwap, reload: benchReload, full: benchFullDisk, cpu: benchCpu, livez: benchLivez };
try {
  for (const name of sections) await benches[name]();
} finally {
  rmSync(work, { recursive: true, force: true });
}
// Watchers and timers of the daemons under test may still be closing: the figures are printed, exit now.
process.exit(0);
