#!/usr/bin/env node
// Peer comparison: driftd vs drizzle-kit (pull/push) vs sqldiff --schema, as whole processes on the
// same files. Run with `npm run bench:peers` (builds first). Prints a Markdown report for
// BENCHMARKS.md (section "peers"). Runs alternate between tools so drift in machine load hits both.
//
// Options (env): PEERS_RUNS_SMALL (default 11), PEERS_RUNS_LARGE (default 5), PEERS_ROWS (default 1000).
// BENCH_SMOKE=1: 1 run each, 3 tables, 20 rows (the test suite's smoke mode: it proves the script runs).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const driftdMain = join(repo, 'dist/cli/main.js');
const drizzleBin = join(repo, 'node_modules/drizzle-kit/bin.cjs');
const drizzleSchema = join(repo, 'bench/peers/modelforge.drizzle.ts');
const modelforgeSql = join(repo, 'schemas/modelforge.sql');
const SMOKE = process.env.BENCH_SMOKE === '1';
const runsSmall = SMOKE ? 1 : Number(process.env.PEERS_RUNS_SMALL ?? 11);
const runsLarge = SMOKE ? 1 : Number(process.env.PEERS_RUNS_LARGE ?? 5);
const legacyRows = SMOKE ? 20 : Number(process.env.PEERS_ROWS ?? 1000);

const work = mkdtempSync(join(tmpdir(), 'driftd-peers-'));
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasSqldiff = have('sqldiff');
const hasScript = have('script');

/** One whole process, timed from spawn to exit. */
function timed(cmd, args, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, cwd: repo, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  return { ms, status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** A generated schema: `tables` tables × 20 columns, two indexes each (same shape as the engine bench). */
function generatedSchemaSql(tables) {
  const statements = [];
  for (let t = 0; t < tables; t++) {
    const columns = ['id INTEGER PRIMARY KEY'];
    for (let c = 1; c < 20; c++) {
      const type = ['TEXT', 'INTEGER', 'REAL', 'BLOB', 'NUMERIC'][c % 5];
      const notNull = c % 3 === 0 ? ` NOT NULL DEFAULT ${type === 'TEXT' ? "''" : 0}` : '';
      columns.push(`c${c} ${type}${notNull}`);
    }
    statements.push(`CREATE TABLE t${t} (${columns.join(', ')});`);
    statements.push(`CREATE INDEX t${t}_c1 ON t${t} (c1);`);
    statements.push(`CREATE UNIQUE INDEX t${t}_c2_c4 ON t${t} (c2, c4);`);
  }
  return statements.join('\n') + '\n';
}

function makeDb(file, sql) {
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

const LEGACY_SQL = readFileSync(new URL('../demo/fixtures/modelforge-0.2.0.sql', import.meta.url), 'utf8');

function makeLegacy(file) {
  const db = new Database(file);
  db.exec(LEGACY_SQL);
  const insert = db.prepare(
    'INSERT INTO fine_tuned_models (model_name, base_model, task, description, creation_date, model_path) VALUES (?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let i = 0; i < legacyRows; i++) {
      insert.run(`model-${i}`, 'EleutherAI/gpt-neo-1.3B', 'text-generation', `Fine-tuned ${i}`, '2024-05-01T00:00:00Z', `/data/models/model-${i}`);
    }
  })();
  db.close();
}

/** Fingerprint of the legacy columns of every row, so "preserved" means byte-for-byte the same values. */
function legacyFingerprint(file) {
  const db = new Database(file, { readonly: true });
  try {
    const table = db.prepare("SELECT name FROM sqlite_schema WHERE type='table' AND name='fine_tuned_models'").get();
    if (!table) return { rows: 0, hash: 'no table' };
    const rows = db
      .prepare('SELECT id, model_name, base_model, task, description, creation_date, model_path FROM fine_tuned_models ORDER BY id')
      .all();
    return { rows: rows.length, hash: createHash('sha256').update(JSON.stringify(rows)).digest('hex').slice(0, 16) };
  } finally {
    db.close();
  }
}

function inspect(file) {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .all()
      .map((row) => row.name);
    const hasColumn = tables.includes('fine_tuned_models')
      ? db.prepare("SELECT count(*) AS n FROM pragma_table_info('fine_tuned_models') WHERE name='is_custom_base_model'").get().n === 1
      : false;
    const flagValues = hasColumn
      ? db
          .prepare('SELECT quote(is_custom_base_model) AS v, count(*) AS n FROM fine_tuned_models GROUP BY 1')
          .all()
          .map((row) => `${row.v}×${row.n}`)
          .join(', ')
      : '—';
    const integrity = db.prepare('PRAGMA integrity_check').pluck().get();
    return { tables, hasColumn, flagValues, integrity };
  } finally {
    db.close();
  }
}

const lines = [];
const say = (line = '') => {
  lines.push(line);
  process.stderr.write(line + '\n');
};

// ---------------------------------------------------------------- introspection timing
const pairs = [];
for (const tables of SMOKE ? [3] : [10, 1000]) {
  const sql = generatedSchemaSql(tables);
  const dbFile = join(work, `gen-${tables}.db`);
  const declaredSql = join(work, `gen-${tables}.sql`);
  const declaredDb = join(work, `gen-${tables}-declared.db`);
  makeDb(dbFile, sql);
  makeDb(declaredDb, sql);
  writeFileSync(declaredSql, sql);
  pairs.push({ label: `generated, ${tables} tables × 20 columns, 2 indexes each (in sync)`, dbFile, declaredSql, declaredDb, runs: tables > 100 ? runsLarge : runsSmall });
}
{
  const dbFile = join(work, 'modelforge-legacy.db');
  const declaredDb = join(work, 'modelforge-declared.db');
  makeLegacy(dbFile);
  makeDb(declaredDb, readFileSync(modelforgeSql, 'utf8'));
  pairs.push({ label: `ModelForge legacy (no is_custom_base_model, ${legacyRows} rows)`, dbFile, declaredSql: modelforgeSql, declaredDb, runs: runsSmall });
}

const tools = [
  {
    name: 'driftd check',
    command: (pair) => ['node', [driftdMain, 'check', '--db', pair.dbFile, '--schema', pair.declaredSql]],
    ok: (r) => r.status === 0 || r.status === 1,
  },
  {
    name: 'drizzle-kit pull',
    command: (pair, i) => ['node', [drizzleBin, 'pull', '--dialect', 'sqlite', '--url', pair.dbFile, '--out', join(work, `pull-${i}`)]],
    ok: (r) => r.status === 0,
  },
  ...(hasSqldiff
    ? [{ name: 'sqldiff --schema', command: (pair) => ['sqldiff', ['--schema', pair.dbFile, pair.declaredDb]], ok: (r) => r.status === 0 }]
    : []),
];

say('| database | runs | driftd check (median ms) | drizzle-kit pull (median ms) | pull / check | sqldiff --schema (median ms) | sqldiff / check |');
say('|---|---:|---:|---:|---:|---:|---:|');
let counter = 0;
for (const pair of pairs) {
  const samples = Object.fromEntries(tools.map((tool) => [tool.name, []]));
  // one warm-up round (disk cache, esbuild cache), then alternating measured rounds
  for (let round = -1; round < pair.runs; round++) {
    const order = round % 2 === 0 ? tools : [...tools].reverse();
    for (const tool of order) {
      const [cmd, args] = tool.command(pair, counter++);
      const result = timed(cmd, args);
      if (!tool.ok(result)) {
        throw new Error(`${tool.name} failed on ${pair.dbFile} (exit ${result.status}): ${result.stderr.slice(0, 2000)}`);
      }
      if (round >= 0) samples[tool.name].push(result.ms);
    }
  }
  const check = median(samples['driftd check']);
  const pull = median(samples['drizzle-kit pull']);
  const sqldiff = hasSqldiff ? median(samples['sqldiff --schema']) : NaN;
  say(
    `| ${pair.label} | ${pair.runs} | ${check.toFixed(0)} | ${pull.toFixed(0)} | ${(pull / check).toFixed(2)}× | ${
      hasSqldiff ? sqldiff.toFixed(0) : 'n/a'
    } | ${hasSqldiff ? (sqldiff / check).toFixed(2) + '×' : 'n/a'} |`,
  );
}

// ---------------------------------------------------------------- behaviour on the legacy database
say();
say(`What each tool does to a copy of the legacy ModelForge database (${legacyRows} rows) when asked to bring it to 0.2.1:`);
say();
say('| tool and mode | exit | prompted? | tables afterwards | is_custom_base_model of legacy rows | legacy rows preserved | integrity |');
say('|---|---:|---|---|---|---|---|');
const legacy = pairs[pairs.length - 1].dbFile;
const before = legacyFingerprint(legacy);
const transcripts = [];

function behaviour(name, run, source = legacy) {
  const copy = join(work, `behaviour-${transcripts.length}.db`);
  copyFileSync(source, copy);
  const result = run(copy);
  const after = inspect(copy);
  const print = legacyFingerprint(copy);
  const preserved = print.rows === before.rows && print.hash === before.hash ? `yes (${print.rows}/${before.rows})` : `NO (${print.rows}/${before.rows}, hash ${print.hash})`;
  const output = (result.stdout + result.stderr).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
  // drizzle-kit's interactive prompts (hanji) draw a ❯ selector or ask "Do you still want to push changes?"
  const prompted = /❯|want to push|Yes, I want|\(y\/N\)/i.test(output) ? 'yes' : 'no';
  say(`| ${name} | ${result.status} | ${prompted} | ${after.tables.join(', ')} | ${after.flagValues} | ${preserved} | ${after.integrity} |`);
  transcripts.push({ name, output });
}

behaviour('`driftd repair`', (copy) => timed('node', [driftdMain, 'repair', '--db', copy, '--schema', modelforgeSql]));
const pushArgs = (copy) => [drizzleBin, 'push', '--dialect', 'sqlite', '--schema', drizzleSchema, '--url', copy, '--verbose'];
behaviour('`drizzle-kit push`, no TTY (stdin /dev/null)', (copy) => timed('node', pushArgs(copy), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }));
if (hasScript) {
  const quoted = (args) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  behaviour('`drizzle-kit push` in a pseudo-terminal (`script -qec`)', (copy) =>
    timed('script', ['-qec', `node ${quoted(pushArgs(copy))}`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }),
  );
  behaviour('`drizzle-kit push --force` in a pseudo-terminal', (copy) =>
    timed('script', ['-qec', `node ${quoted([...pushArgs(copy), '--force'])}`, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }),
  );
}
// Control: the same legacy table and rows, but with `id` spelled NOT NULL the way drizzle-kit itself
// creates it, to separate "drizzle rebuilds because of the id spelling" from "drizzle rebuilds always".
const drizzleSpelled = join(work, 'modelforge-legacy-drizzle-spelling.db');
copyFileSync(legacy, drizzleSpelled);
{
  const db = new Database(drizzleSpelled);
  db.exec(`BEGIN; CREATE TABLE ftm_copy AS SELECT * FROM fine_tuned_models; DROP TABLE fine_tuned_models;
    ${LEGACY_SQL.replace('id INTEGER PRIMARY KEY AUTOINCREMENT', 'id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL')}
    INSERT INTO fine_tuned_models SELECT * FROM ftm_copy; DROP TABLE ftm_copy; COMMIT;`);
  db.close();
}
behaviour(
  '`drizzle-kit push`, no TTY, legacy table with `id … NOT NULL` (control)',
  (copy) => timed('node', pushArgs(copy), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }),
  drizzleSpelled,
);
if (hasSqldiff) {
  behaviour('`sqldiff --schema legacy declared`, its output executed as-is', (copy) => {
    const diffOut = timed('sqldiff', ['--schema', copy, pairs[pairs.length - 1].declaredDb]);
    const db = new Database(copy);
    db.exec(diffOut.stdout);
    db.close();
    return diffOut;
  });
}

say();
say('Transcripts (ANSI colours stripped, first 40 lines each):');
const shown = new Set();
for (const { name, output } of transcripts) {
  if (shown.has(output)) {
    say();
    say(`${name}: same output as above.`);
    continue;
  }
  shown.add(output);
  say();
  say(`${name}:`);
  say('```');
  for (const line of output.trim().split('\n').filter((l) => !/Unknown user config|^\s*$|^\s+at /.test(l)).slice(0, 40)) say(line);
  say('```');
}

if (!process.env.PEERS_KEEP) rmSync(work, { recursive: true, force: true });
process.stdout.write(lines.join('\n') + '\n');
