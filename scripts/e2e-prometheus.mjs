#!/usr/bin/env node
// End to end with a real Prometheus: `npm run e2e:prometheus`.
// Starts `driftd run` on two ModelForge databases (one in repair mode "auto" with a reconcile rule,
// one in "report" mode with unsafe drift), starts Prometheus on loopback scraping it every second
// with deploy/prometheus/alerts.yml loaded, introduces drift and an orphan model directory from
// another process, and asserts through Prometheus's HTTP query API that the drift, the repair, the
// recovered row and the pending alerts show up. Installs Debian's `prometheus` package when the
// binary is missing (as root). Exit 0 when every assertion held; 1 otherwise.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHIPPED_RULE = JSON.parse(readFileSync(join(repo, 'config.example.json'), 'utf8')).targets[0].reconcile[0];
/** The `driftd` command as installed (package.json "bin": the bundle). */
const main = join(repo, JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).bin.driftd);
const work = mkdtempSync(join(tmpdir(), 'driftd-e2e-prometheus-'));
const children = [];
const log = (line) => process.stdout.write(`e2e-prometheus: ${line}\n`);

function ensurePrometheus() {
  if (spawnSync('prometheus', ['--version']).status === 0) return;
  if (process.getuid?.() !== 0 || spawnSync('sh', ['-c', 'command -v apt-get']).status !== 0) {
    throw new Error('prometheus is not installed; install it with `apt-get install prometheus` (Debian) and rerun');
  }
  log("installing Debian's prometheus package");
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus'], { stdio: 'inherit' });
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

const sleep = (ms) => new Promise((wake) => setTimeout(wake, ms));

async function eventually(what, probe, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s (last: ${JSON.stringify(last)})`);
    await sleep(500);
  }
}

function start(name, command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { text: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk) => (output.text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (output.text += chunk));
  children.push({ name, child, output });
  return { child, output };
}

/** Runs SQL from another process, as the application would. */
function sqlInChild(dbPath, sql) {
  execFileSync(process.execPath, ['-e', 'const D = require("better-sqlite3"); const db = new D(process.argv[1]); db.exec(process.argv[2]); db.close();', dbPath, sql], { cwd: repo });
}

const SCHEMA = `
CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL, task TEXT NOT NULL,
  description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0
);
CREATE INDEX fine_tuned_models_name ON fine_tuned_models (model_name);
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL DEFAULT '');
`;

async function run() {
  ensurePrometheus();
  // Two databases that match the declaration, except that "report" has a `notes` table whose
  // column differs in a way driftd must never repair on its own (unsafe drift).
  const schemaPath = join(work, 'schema.sql');
  writeFileSync(schemaPath, SCHEMA);
  const autoDb = join(work, 'auto.db');
  const reportDb = join(work, 'report.db');
  for (const path of [autoDb, reportDb]) {
    const db = new Database(path);
    db.exec(path === reportDb ? SCHEMA.replace("body TEXT NOT NULL DEFAULT ''", 'body BLOB') : SCHEMA);
    db.close();
  }
  const models = join(work, 'models');
  mkdirSync(models);
  const driftdPort = await freePort();
  const promPort = await freePort();
  const configPath = join(work, 'driftd.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        schedule: '*/1 * * * * *',
        http: { port: driftdPort },
        targets: [
          {
            name: 'auto',
            database: autoDb,
            schema: schemaPath,
            repair: 'auto',
            // ModelForge's mapping exactly as config.example.json ships it, settling at once.
            reconcile: [{ ...SHIPPED_RULE, root: models, settleSeconds: 0 }],
          },
          { name: 'report', database: reportDb, schema: schemaPath, repair: 'report' },
        ],
      },
      null,
      2,
    ),
  );
  const driftd = start('driftd', process.execPath, [main, 'run', '--config', configPath, '--log-level', 'info']);
  await eventually('driftd listening', () => driftd.output.text.includes('"msg":"listening"'), 20_000);

  writeFileSync(
    join(work, 'prometheus.yml'),
    `global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - ${join(repo, 'deploy/prometheus/alerts.yml')}
scrape_configs:
  - job_name: driftd
    static_configs:
      - targets: ['127.0.0.1:${driftdPort}']
`,
  );
  const prometheus = start('prometheus', 'prometheus', [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(work, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
    '--web.console.templates=/nonexistent',
    '--web.console.libraries=/nonexistent',
  ]);
  const api = `http://127.0.0.1:${promPort}/api/v1`;
  await eventually('prometheus ready', async () => (await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok, 30_000);
  log(`prometheus ${promPort} scraping driftd ${driftdPort}`);

  /** The value of an instant query when it returns exactly one sample, else undefined. */
  const query = async (promql) => {
    const response = await fetch(`${api}/query?query=${encodeURIComponent(promql)}`);
    const body = await response.json();
    if (body.status !== 'success') throw new Error(`${promql}: ${JSON.stringify(body)}`);
    return body.data.result;
  };
  const value = async (promql) => {
    const result = await query(promql);
    return result.length === 1 ? Number(result[0].value[1]) : undefined;
  };
  const checks = [];
  const expectSeen = async (what, promql, predicate) => {
    const seen = await eventually(what, async () => {
      const v = await value(promql);
      return v !== undefined && predicate(v) ? { v } : false;
    });
    checks.push(`${what}: ${promql} = ${seen.v}`);
    log(`ok  ${what}: ${promql} = ${seen.v}`);
  };

  await expectSeen('driftd scraped', 'up{job="driftd"}', (v) => v === 1);
  await expectSeen('build info exported', 'driftd_build_info', (v) => v === 1);
  await expectSeen('auto target in sync at start', 'driftd_in_sync{target="auto"}', (v) => v === 1);
  await expectSeen('unsafe drift of the report target', 'sum(driftd_drift_items{target="report",table="notes",safety="unsafe"})', (v) => v >= 1);
  await expectSeen('report target out of sync', 'driftd_in_sync{target="report"}', (v) => v === 0);
  await expectSeen('DriftdUnsafeDrift alert pending', 'count(ALERTS{alertname="DriftdUnsafeDrift",alertstate="pending",target="report"})', (v) => v >= 1);
  await expectSeen('DriftdSchemaDrift alert pending', 'count(ALERTS{alertname="DriftdSchemaDrift",alertstate="pending",target="report"})', (v) => v === 1);

  // Drift introduced by another process: the application's index disappears from both databases.
  sqlInChild(autoDb, 'DROP INDEX fine_tuned_models_name');
  sqlInChild(reportDb, 'DROP INDEX fine_tuned_models_name');
  await expectSeen('repair of the auto target', 'driftd_repairs_total{target="auto",table="fine_tuned_models",kind="missing_index"}', (v) => v >= 1);
  await expectSeen('auto target back in sync', 'driftd_in_sync{target="auto"}', (v) => v === 1);
  await expectSeen('safe drift reported, not repaired, in report mode', 'driftd_drift_items{target="report",table="fine_tuned_models",kind="missing_index",safety="safe"}', (v) => v === 1);
  await expectSeen('checks counted', 'driftd_checks_total{target="auto"}', (v) => v >= 3);
  await expectSeen('check duration histogram', 'driftd_check_duration_seconds_count{target="auto"}', (v) => v >= 1);
  await expectSeen('recent successful check', 'time() - driftd_last_successful_check_timestamp_seconds{target="auto"}', (v) => v < 60);

  // A model directory appears without a row: reconcile recovers it.
  const model = join(models, 'recovered-model_5d0f3c2a');
  mkdirSync(model);
  writeFileSync(join(model, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'EleutherAI/gpt-neo-1.3B', task_type: 'CAUSAL_LM' }));
  const old = new Date(Date.now() - 3600_000);
  utimesSync(join(model, 'adapter_config.json'), old, old);
  utimesSync(model, old, old);
  await expectSeen('orphan recovered', 'driftd_recovered_rows_total{target="auto",table="fine_tuned_models"}', (v) => v === 1);
  await expectSeen('no orphans left', 'sum(driftd_orphan_directories{target="auto"})', (v) => v === 0);
  await expectSeen('config reload gauge', 'driftd_config_last_reload_successful', (v) => v === 1);

  const rows = new Database(autoDb, { readonly: true }).prepare('SELECT count(*) FROM fine_tuned_models WHERE model_path = ?').pluck().get(model);
  if (rows !== 1) throw new Error(`the recovered model is in the table ${rows} times`);
  log(`all ${checks.length} checks passed through Prometheus's query API`);
  return prometheus;
}

let failed = false;
try {
  await run();
} catch (error) {
  failed = true;
  process.stderr.write(`e2e-prometheus: FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  for (const { name, output } of children) process.stderr.write(`--- ${name} output (last 3000 chars):\n${output.text.slice(-3000)}\n`);
} finally {
  for (const { child } of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  }
  if (!failed) rmSync(work, { recursive: true, force: true });
  else process.stderr.write(`e2e-prometheus: files kept in ${work}\n`);
}
process.exitCode = failed ? 1 : 0;
