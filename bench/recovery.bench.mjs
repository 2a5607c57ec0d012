// Issue 16's measurements, each against a baseline measured in the same run:
//  wake   — time from removing a failed repair's cause to the repair, watching on, schedule once a minute:
//           a freed disk (real tmpfs; root), a released write lock, restored write permission (the daemon runs
//           as uid 65534, since root ignores modes); baseline: the back-off's retry time (30 s) it used to wait;
//  fleet  — repair attempts per minute for a fleet of 1,000 files on a full disk, schedule every 10 s, watching on,
//           the application inserting into one file once a second (baseline: the sweeps that ran; DRIFTD_BASELINE_DIST
//           adds a baseline build, e.g. main, which storms);
//  flood  — GET /livez latency for a new client while a local client holds 2,000 idle keep-alive connections and
//           re-opens what the server closes (server, flooder and client in three processes; baseline: no flood).
//  rename — a tenant renaming a junk file in its own directory as fast as it can: the longest gap of the daemon's
//           1 s beat and /livez p99 (baseline: no flood; DRIFTD_BASELINE_DIST adds the baseline build under the flood).
// Run: npm run build && node bench/recovery.bench.mjs [wake|fleet|flood|rename]   Quick: BENCH_QUICK=1; smoke: BENCH_SMOKE=1.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const SMOKE = process.env.BENCH_SMOKE === '1';
const QUICK = SMOKE || process.env.BENCH_QUICK === '1';
const DIST = resolve(import.meta.dirname, '../dist');
const BASELINE = process.env.DRIFTD_BASELINE_DIST ? resolve(process.env.DRIFTD_BASELINE_DIST) : null;
const work = mkdtempSync(join(tmpdir(), 'driftd-recovery-bench-'));
chmodSync(work, 0o755);
const sections = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['wake', 'fleet', 'flood', 'rename'];
const load = (dist, path) => import(pathToFileURL(join(dist, path)).href);
const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));
const quiet = () => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };
const root = process.getuid() === 0;
const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)';
const DECLARED = `${TABLE};\nCREATE INDEX t_payload ON t(payload);\n`;
const BETTER_SQLITE3 = resolve(import.meta.dirname, '../node_modules/better-sqlite3');

function fillDatabase(dbPath, rows) {
  const db = new Database(dbPath);
  db.exec(TABLE);
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
  db.transaction(() => { for (let i = 0; i < rows; i++) insert.run(`${i}-${'p'.repeat(1000)}`); })();
  db.close();
}

const mounted = [];
function smallDisk(kib) {
  const dir = mkdtempSync(join(work, 'disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}

function fill(path) {
  const fd = openSync(path, 'w');
  try { for (;;) writeSync(fd, Buffer.alloc(4096)); } catch { /* ENOSPC */ } finally { closeSync(fd); }
}

async function inProcessDaemon(dist, config) {
  const { validateConfigFile } = await load(dist, 'config/validate-config.js');
  const { Daemon } = await load(dist, 'daemon/daemon.js');
  const { DaemonMetrics } = await load(dist, 'metrics/daemon-metrics.js');
  const dir = mkdtempSync(join(work, 'config-'));
  writeFileSync(join(dir, 'schema.sql'), DECLARED);
  writeFileSync(join(dir, 'driftd.json'), JSON.stringify({ http: { port: 0 }, ...config, targets: config.targets.map((t) => ({ schema: 'schema.sql', repair: 'auto', ...t })) }));
  const loaded = validateConfigFile(join(dir, 'driftd.json'), {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const metrics = new DaemonMetrics({ version: 'bench', nodeVersion: process.version });
  const daemon = new Daemon({ configPath: join(dir, 'driftd.json'), initial: loaded.validated, env: {}, logger, metrics });
  return { daemon, metrics };
}

const hasIndex = (dbPath) => {
  const db = new Database(dbPath, { readonly: true });
  try { return db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 't_payload'").get() !== undefined; } finally { db.close(); }
};

async function untilRepaired(dbPath, limitMs) {
  const t0 = performance.now();
  while (performance.now() - t0 < limitMs) {
    if (hasIndex(dbPath)) return performance.now() - t0;
    await sleep(20);
  }
  return null;
}

async function wakeAfterFreedDisk() {
  const disk = smallDisk(8192);
  try {
    const dbPath = join(disk, 'app.db');
    fillDatabase(dbPath, 400);
    fill(join(disk, 'filler'));
    const { daemon } = await inProcessDaemon(DIST, { schedule: '0 * * * * *', watch: true, targets: [{ name: 'app', database: dbPath }] });
    daemon.start();
    const first = (await daemon.runCycle('start')).targets[0];
    if (first.error?.code !== 'DB_DISK_FULL') throw new Error(`expected DB_DISK_FULL, got ${first.error?.code}`);
    await sleep(1500);
    rmSync(join(disk, 'filler'));
    const ms = await untilRepaired(dbPath, 40_000);
    await daemon.stop();
    return ms;
  } finally {
    spawnSync('umount', [disk]);
  }
}

async function wakeAfterReleasedLock() {
  const dir = mkdtempSync(join(work, 'lock-'));
  const dbPath = join(dir, 'app.db');
  fillDatabase(dbPath, 10);
  const holder = spawn(process.execPath, ['-e', `const D=require(${JSON.stringify(BETTER_SQLITE3)});const db=new D(process.argv[1],{timeout:0});db.exec('BEGIN IMMEDIATE');process.stdout.write('locked\\n');process.stdin.once('data',()=>{db.exec('COMMIT');db.close();process.exit(0);});`, dbPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise((ok) => holder.stdout.once('data', ok));
  const { daemon } = await inProcessDaemon(DIST, { schedule: '0 * * * * *', watch: true, busyTimeoutMs: 1000, targets: [{ name: 'app', database: dbPath }] });
  daemon.start();
  const first = (await daemon.runCycle('start')).targets[0];
  if (first.error?.code !== 'DB_BUSY') throw new Error(`expected DB_BUSY, got ${first.error?.code}`);
  await sleep(1500);
  const exited = new Promise((ok) => holder.once('exit', ok));
  holder.stdin.write('release\n');
  await exited;
  const ms = await untilRepaired(dbPath, 40_000);
  await daemon.stop();
  return ms;
}

/** The daemon runs as uid 65534 (root ignores file modes): chmod 0444 makes the repair fail DB_READONLY. */
async function wakeAfterRestoredPermission() {
  const dir = mkdtempSync(join(work, 'perm-'));
  chmodSync(dir, 0o755);
  const dbDir = join(dir, 'db');
  mkdirSync(dbDir);
  const dbPath = join(dbDir, 'app.db');
  fillDatabase(dbPath, 10);
  chownSync(dbDir, 65534, 65534);
  chownSync(dbPath, 65534, 65534);
  mkdirSync(join(dir, 'audit'));
  chownSync(join(dir, 'audit'), 65534, 65534);
  chmodSync(dbPath, 0o444);
  writeFileSync(join(dir, 'schema.sql'), DECLARED);
  const port = 19_000 + Math.floor(Math.random() * 1000);
  writeFileSync(join(dir, 'driftd.json'), JSON.stringify({ schedule: '0 * * * * *', watch: true, http: { port }, audit: { dir: join(dir, 'audit') }, targets: [{ name: 'app', database: dbPath, schema: 'schema.sql', repair: 'auto' }] }));
  const child = spawn(process.execPath, [join(DIST, 'cli/main.js'), 'run', '--config', join(dir, 'driftd.json')], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_STATE_HOME: join(dir, 'state') } });
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  try {
    const t0 = performance.now();
    while (!log.includes('DB_READONLY')) {
      if (performance.now() - t0 > 20_000 || child.exitCode !== null) throw new Error(`no DB_READONLY from the daemon: ${log.slice(-2000)}`);
      await sleep(50);
    }
    await sleep(1500);
    chmodSync(dbPath, 0o644);
    return await untilRepaired(dbPath, 40_000);
  } finally {
    child.kill('SIGTERM');
    await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
  }
}

async function benchWake() {
  const rows = [];
  if (root) rows.push({ cause: 'disk freed (tmpfs, rm filler)', msToRepair: (await wakeAfterFreedDisk())?.toFixed(0) ?? '> 40000' });
  rows.push({ cause: 'write lock released (held > busy timeout)', msToRepair: (await wakeAfterReleasedLock())?.toFixed(0) ?? '> 40000' });
  if (root) rows.push({ cause: 'write permission restored (chmod 0644; daemon as uid 65534)', msToRepair: (await wakeAfterRestoredPermission())?.toFixed(0) ?? '> 40000' });
  console.log('\n== time from the cause going to the repair (watching on, schedule once a minute; baseline: the 30 s first back-off)');
  console.table(rows.map((row) => ({ ...row, baselineMs: 30_000, ratio: row.msToRepair.startsWith('>') ? '—' : (Number(row.msToRepair) / 30_000).toFixed(3) })));
}

async function fleetOnFullDisk(dist, files, seconds) {
  const disk = smallDisk(16384);
  const template = join(work, `template-${Math.random()}.db`);
  fillDatabase(template, 2);
  const bytes = execFileSync('cat', [template]);
  const tenants = join(disk, 'tenants');
  for (let i = 0; i < files; i++) {
    mkdirSync(join(tenants, `t${i}`), { recursive: true });
    writeFileSync(join(tenants, `t${i}`, 'app.db'), bytes);
  }
  fill(join(disk, 'filler'));
  const app = spawn(process.execPath, ['-e', `const D=require(${JSON.stringify(BETTER_SQLITE3)});const db=new D(process.argv[1]);db.pragma('busy_timeout=5000');const s=db.prepare('UPDATE t SET payload = ? WHERE id = 1');const lat=[];let n=0;setInterval(()=>{const t0=performance.now();try{s.run('w'+n++)}catch{}lat.push(performance.now()-t0)},1000);process.on('message',()=>{lat.sort((a,b)=>a-b);process.send(lat[Math.floor(lat.length/2)]??0)});`, join(tenants, 't0', 'app.db')], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const { daemon, metrics } = await inProcessDaemon(dist, { schedule: '*/10 * * * * *', watch: true, targets: [{ name: 'tenants', databases: `${tenants}/*/app.db` }] });
  // Attempts counted the same way for any build (a baseline does not count fleet failures in its metrics): a
  // freshly checked file whose repair failed on the full disk. A backed-off file is checked, not repaired, and
  // carries its last failure: this build's sweep report says how many attempts really failed.
  const { FleetRunner } = await load(dist, 'fleet/fleet-runner.js');
  const sweep = FleetRunner.prototype.sweep;
  let attemptsSeen = 0;
  let attemptsAt60 = 0;
  setTimeout(() => (attemptsAt60 = attemptsSeen), 60_000).unref();
  FleetRunner.prototype.sweep = async function (...args) {
    const report = await sweep.apply(this, args);
    attemptsSeen += report.repairFailures ?? report.fresh.filter((file) => file.error?.code === 'DB_DISK_FULL').length;
    return report;
  };
  try {
    daemon.start();
    void daemon.runCycle('start');
    await sleep(seconds * 1000);
    await daemon.stop();
    const text = await metrics.text();
    const appP50 = await new Promise((ok) => { app.once('message', ok); app.send('p50'); });
    const attempts = Number(/driftd_repair_failures_total\{target="tenants"\} (\d+)/.exec(text)?.[1] ?? NaN);
    const afterFirstMinute = seconds > 60 ? attemptsSeen - attemptsAt60 : null;
    const sweeps = Number(/driftd_checks_total\{target="tenants"\} (\d+)/.exec(text)?.[1] ?? NaN);
    // A baseline build does not count fleet failures: count its attempts from the files' errors instead.
    const failing = daemon.fleetFiles({ target: 'tenants', state: 'all', limit: 1, offset: 0 })?.totals;
    FleetRunner.prototype.sweep = sweep;
    return { files, sweeps, repairAttempts: attemptsSeen, ...(afterFirstMinute === null ? {} : { attemptsAfterFirstMinute: afterFirstMinute, perMinuteAfterFirst: ((afterFirstMinute * 60) / (seconds - 60)).toFixed(1) }), attemptsPerMinute: ((attemptsSeen * 60) / seconds).toFixed(1), countedInRepairFailuresTotal: attempts, sweepsPerMinute: ((sweeps * 60) / seconds).toFixed(1), filesRepairFailing: failing?.repair_failing ?? '—', filesError: failing?.error ?? '—', appUpdateP50Ms: Number(appP50).toFixed(2) };
  } finally {
    const exited = new Promise((ok) => (app.exitCode !== null ? ok() : app.once('exit', ok)));
    app.kill();
    await exited;
    spawnSync('umount', [disk]);
  }
}

async function benchFleet() {
  if (!root) return console.log('\n== fleet on a full disk: skipped (needs root to mount a tmpfs)');
  // FLEET_SECONDS / FLEET_FILES (comma-separated) for longer runs: the back-off's later periods (90 s, 210 s …).
  const seconds = Number(process.env.FLEET_SECONDS ?? (SMOKE ? 4 : QUICK ? 20 : 60));
  const rows = [];
  for (const files of process.env.FLEET_FILES ? process.env.FLEET_FILES.split(',').map(Number) : SMOKE ? [1, 20] : [1, 1000]) {
    rows.push({ build: 'this', ...(await fleetOnFullDisk(DIST, files, seconds)) });
    if (BASELINE) rows.push({ build: 'baseline', ...(await fleetOnFullDisk(BASELINE, files, seconds)) });
  }
  console.log(`\n== a fleet on a full disk, schedule every 10 s, watching on, the application writing one file once a second, ${seconds} s (back-off: one attempt per file at 0 s and 30 s in the first minute)`);
  console.table(rows);
}

async function livez(held, dist = DIST) {
  const port = 20_000 + Math.floor(Math.random() * 1000);
  const server = spawn(process.execPath, ['--input-type=module', '-e', `
    const { createHttpServer, registerRoutes } = await import(${JSON.stringify(pathToFileURL(join(dist, 'http/http-server.js')).href)});
    const app = createHttpServer('error', { maxConnections: 256, keepAliveTimeoutMs: 60000 });
    registerRoutes(app, { metricsText: async () => '', metricsContentType: 'text/plain', health: () => ({ status: 'pass', checks: {} }), status: () => ({}), checkNow: async () => ({}), token: () => null, auditEntries: () => null, journalPath: null, fleetFiles: () => null });
    await app.listen({ host: '127.0.0.1', port: ${port} });
    process.stdout.write('listening\\n');`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((ok) => server.stdout.once('data', ok));
  const flooder = held === 0 ? null : spawn(process.execPath, ['-e', `
    const net = require('node:net'); let open = 0; let stop = false;
    const hold = () => { if (stop) return; const s = net.connect(${port}, '127.0.0.1'); open++;
      s.on('error', () => {}); s.on('close', () => { open--; setTimeout(hold, 10); });
      s.write('GET /livez HTTP/1.1\\r\\nHost: x\\r\\nConnection: keep-alive\\r\\n\\r\\n'); s.resume(); };
    for (let i = 0; i < ${held}; i++) hold();
    process.stdout.write('flooding\\n');`], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (flooder) { await new Promise((ok) => flooder.stdout.once('data', ok)); await sleep(2000); }
  const latencies = [];
  let failed = 0;
  const requests = SMOKE ? 20 : 300;
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/livez`, { signal: AbortSignal.timeout(5000) });
      await response.text();
      latencies.push(performance.now() - t0);
    } catch {
      failed++;
    }
    await sleep(10);
  }
  flooder?.kill();
  server.kill();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1) ?? '—';
  return { requests, failedOrTimedOut: failed, p50: at(0.5), p99: at(0.99), max: at(1) };
}

async function benchFlood() {
  const held = SMOKE ? 300 : 2000;
  const rows = [{ case: 'no flood (baseline)', ...(await livez(0)) }, { case: `${held} idle keep-alive connections held, re-opened when closed`, ...(await livez(held)) }];
  if (BASELINE) rows.push({ case: 'same, baseline build', ...(await livez(held, BASELINE)) });
  console.log('\n== GET /livez for a new client (ms), maxConnections 256');
  console.table(rows);
}

/**
 * A tenant renaming a junk file in its own directory as fast as it can (another process) while the daemon
 * watches a fleet of 200 tenants: the longest gap of a 1 s interval timer in the daemon's process (what the
 * systemd watchdog beat rides on) and /livez from a third process.
 */
async function renameFlood(dist, withFlood, seconds) {
  const dir = mkdtempSync(join(work, 'rename-'));
  const tenants = join(dir, 'tenants');
  const template = join(dir, 'template.db');
  fillDatabase(template, 1);
  const bytes = execFileSync('cat', [template]);
  for (let i = 0; i < 200; i++) {
    mkdirSync(join(tenants, `t${i}`), { recursive: true });
    writeFileSync(join(tenants, `t${i}`, 'app.db'), bytes);
  }
  const { daemon } = await inProcessDaemon(dist, { schedule: '*/10 * * * * *', watch: true, targets: [{ name: 'tenants', databases: `${tenants}/*/app.db` }] });
  const { createHttpServer, registerRoutes } = await load(DIST, 'http/http-server.js');
  const app = createHttpServer('error');
  registerRoutes(app, { metricsText: async () => '', metricsContentType: 'text/plain', health: () => daemon.health(), status: () => ({}), checkNow: async () => ({}), token: () => null, auditEntries: () => null, journalPath: null, fleetFiles: () => null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${app.server.address().port}/livez`;
  daemon.start();
  await daemon.runCycle('start');
  await sleep(1000);
  let last = performance.now();
  let longestGap = 0;
  const beat = setInterval(() => { const now = performance.now(); longestGap = Math.max(longestGap, now - last); last = now; }, 1000);
  const flooder = !withFlood ? null : spawn('python3', ['-c', `
import os, sys
a, b = sys.argv[1], sys.argv[2]
open(a, 'w').close()
while True:
    os.rename(a, b); os.rename(b, a)`, join(tenants, 't7', 'junk-a'), join(tenants, 't7', 'junk-b')], { stdio: 'ignore' });
  const client = spawn(process.execPath, ['-e', `
    const http = require('node:http'); const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const latencies = []; let stop = false; process.on('message', () => { stop = true; });
    const one = () => { if (stop) { process.send(latencies); return; } const t0 = performance.now();
      const req = http.get(${JSON.stringify(url)}, { agent, timeout: 10000 }, (res) => { res.resume(); res.on('end', () => { latencies.push(performance.now() - t0); setTimeout(one, 20); }); });
      req.on('timeout', () => { latencies.push(10000); req.destroy(); setTimeout(one, 20); }); req.on('error', () => {}); };
    one();`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await sleep(seconds * 1000);
  const latencies = await new Promise((ok) => { client.once('message', ok); client.send('stop'); });
  client.kill();
  flooder?.kill();
  clearInterval(beat);
  longestGap = Math.max(longestGap, performance.now() - last);
  await daemon.stop();
  await app.close();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1) ?? '—';
  return { livezRequests: latencies.length, livezP50: at(0.5), livezP99: at(0.99), longestBeatGapMs: longestGap.toFixed(0) };
}

async function benchRename() {
  const seconds = SMOKE ? 3 : QUICK ? 15 : 40;
  const rows = [{ case: 'no flood (baseline)', ...(await renameFlood(DIST, false, seconds)) }, { case: 'one tenant renaming a junk file in a loop', ...(await renameFlood(DIST, true, seconds)) }];
  if (BASELINE) rows.push({ case: 'same, baseline build', ...(await renameFlood(BASELINE, true, seconds)) });
  console.log(`\n== a fleet of 200 tenants watched, ${seconds} s: the 1 s beat's longest gap (the watchdog's rides on it) and /livez (ms)`);
  console.table(rows);
}

const benches = { wake: benchWake, fleet: benchFleet, flood: benchFlood, rename: benchRename };
try {
  for (const name of sections) await benches[name]();
} finally {
  for (const dir of mounted) spawnSync('umount', ['-l', dir]);
  rmSync(work, { recursive: true, force: true });
}
process.exit(0);
