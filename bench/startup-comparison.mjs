// Whole-process start-up, shared by `npm run bench:cli` and `npm run bench` so both print the same
// two ratios side by side in one run (issue 18):
//   - `driftd check --db --schema` of a 10-table file  vs  `node -e 0` (Node's own start-up);
//   - `driftd check --db --schema` of a 1,000-table declaration  vs  the stock shell's compile of the
//     same declaration (`sqlite3 :memory: < FILE.sql`) + its `sqlite3 FILE .schema`, two processes.
// Commands are spawned interleaved, run by run, so all see the same machine load; each ratio is the
// median of the per-run ratios. Wall time is the target's measure; CPU time (user + sys, from
// /usr/bin/time when present) is printed beside it: on a busy machine the wall ratio moves with the load.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The `driftd` command as installed (package.json "bin": the bundle scripts/bundle-cli.mjs writes). */
export const DRIFTD_BIN = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin.driftd);
/** tsc's unbundled output of the same CLI, which the library's modules are (for the comparison). */
export const UNBUNDLED_CLI = join(ROOT, 'dist/cli/main.js');

const TIME = '/usr/bin/time';
const HAVE_TIME = existsSync(TIME);

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** One process to exit; `expect` is its exit status. Returns wall and CPU ms (CPU null without /usr/bin/time). */
export function runProcess({ command, args, stdin = null, expect = 0 }) {
  const input = stdin === null ? 'ignore' : openSync(stdin, 'r');
  try {
    const timed = HAVE_TIME ? [TIME, ['-f', '\n%U %S', command, ...args]] : [command, args];
    const start = process.hrtime.bigint();
    const run = spawnSync(timed[0], timed[1], { stdio: [input, 'ignore', 'pipe'], encoding: 'utf8' });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== expect) throw new Error(`${command} ${args.join(' ')} exited with ${run.status}, expected ${expect}: ${run.stderr}`);
    let cpuMs = null;
    if (HAVE_TIME) {
      const [user, system] = run.stderr.trim().split('\n').pop().split(' ').map(Number);
      cpuMs = (user + system) * 1000;
    }
    return { wallMs, cpuMs };
  } finally {
    if (typeof input === 'number') closeSync(input);
  }
}

/** Runs each named command once per round, `runs` rounds after one warm-up round; returns samples by name. */
export function interleaved(commands, runs) {
  for (const spec of Object.values(commands)) runProcess(spec);
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let run = 0; run < runs; run++) for (const [name, spec] of Object.entries(commands)) samples[name].push(runProcess(spec));
  return samples;
}

/** Median over runs of measured / (sum of the baselines), per run, for `key` (wallMs or cpuMs). */
export function ratio(samples, name, baselines, key = 'wallMs') {
  if (samples[name][0][key] === null) return null;
  return median(samples[name].map((sample, i) => sample[key] / baselines.reduce((sum, base) => sum + samples[base][i][key], 0)));
}

const COLUMN_TYPES = ['INTEGER NOT NULL DEFAULT 0', 'TEXT', "TEXT NOT NULL DEFAULT ''", 'REAL DEFAULT 0.0', 'BLOB', 'NUMERIC', "VARCHAR(64) DEFAULT 'x'"];

/** The engine bench's shape: `tables` tables of 20 columns, each with a two-column index and a unique index (partial on every 5th). */
export function largeSchemaSql(tables) {
  const statements = [];
  for (let t = 0; t < tables; t++) {
    const columns = ['id INTEGER PRIMARY KEY AUTOINCREMENT'];
    for (let c = 1; c < 20; c++) columns.push(`c${c} ${COLUMN_TYPES[(t + c) % COLUMN_TYPES.length]}`);
    statements.push(`CREATE TABLE table_${t} (\n  ${columns.join(',\n  ')}\n);`);
    statements.push(`CREATE INDEX table_${t}_c1 ON table_${t} (c1, c2);`);
    statements.push(`CREATE UNIQUE INDEX table_${t}_c3 ON table_${t} (c3)${t % 5 === 0 ? ' WHERE c3 IS NOT NULL' : ''};`);
  }
  return statements.join('\n');
}

/** The CLI bench's 10-table file: 20 columns and an index per table. */
export function smallSchemaSql(tables = 10) {
  const statements = [];
  for (let t = 0; t < tables; t++) {
    const columns = ['id INTEGER PRIMARY KEY'];
    for (let c = 1; c < 20; c++) columns.push(`c${c} ${c % 3 === 0 ? 'INTEGER NOT NULL DEFAULT 0' : 'TEXT'}`);
    statements.push(`CREATE TABLE table_${t} (${columns.join(', ')});`, `CREATE INDEX table_${t}_c1 ON table_${t} (c1, c2);`);
  }
  return statements.join('\n');
}

/** A database file made from `sql` and the same text as a declaration file, in `dir`. */
export function writeScenario(dir, name, sql) {
  const schema = join(dir, `${name}.sql`);
  const db = join(dir, `${name}.sqlite`);
  writeFileSync(schema, sql);
  const handle = new Database(db);
  handle.exec(sql);
  handle.close();
  return { schema, db };
}

/**
 * Measures and prints both start-up ratios. `cli` is the CLI script to run (DRIFTD_BIN); `extra`
 * more commands measured in the small round, or a function of the 10-table scenario (`{ db, schema }`)
 * returning them (bench:cli adds `driftd help` and the unbundled check); returns the figures.
 */
export function startupComparison({ dir, cli, smoke, sqlite3 = '/usr/bin/sqlite3', smallRuns, largeRuns, extra: extraOf = {} }) {
  const small = writeScenario(dir, 'startup-10', smallSchemaSql(10));
  const extra = typeof extraOf === 'function' ? extraOf(small) : extraOf;
  const largeTables = smoke ? 30 : 1000;
  const large = writeScenario(dir, `startup-${largeTables}`, largeSchemaSql(largeTables));
  const node = process.execPath;
  const smallSamples = interleaved(
    {
      baseline: { command: node, args: ['-e', '0'] },
      ...extra,
      check: { command: node, args: [cli, 'check', '--db', small.db, '--schema', small.schema] },
    },
    smallRuns,
  );
  const fmt = (samples, name) => `median ${median(samples[name].map((s) => s.wallMs)).toFixed(1)} ms${samples[name][0].cpuMs === null ? '' : ` (CPU ${median(samples[name].map((s) => s.cpuMs)).toFixed(0)} ms)`}`;
  const both = (samples, name, baselines) => {
    const wall = ratio(samples, name, baselines);
    const cpu = ratio(samples, name, baselines, 'cpuMs');
    return `${wall.toFixed(2)}× wall${cpu === null ? '' : `, ${cpu.toFixed(2)}× CPU`}`;
  };
  console.log(`\nwhole-process start-up of ${cli}, interleaved runs (node ${process.version})`);
  console.log(`  node -e 0                                   ${fmt(smallSamples, 'baseline')}   (${smallRuns} runs)`);
  for (const name of Object.keys(extra)) console.log(`  driftd ${name.padEnd(37)}${fmt(smallSamples, name)}   ${both(smallSamples, name, ['baseline'])} node -e 0`);
  console.log(`  driftd check, 10 tables                     ${fmt(smallSamples, 'check')}   ${both(smallSamples, 'check', ['baseline'])} node -e 0 (target ≤ 1.6×)`);
  const figures = { small: ratio(smallSamples, 'check', ['baseline']), smallCpu: ratio(smallSamples, 'check', ['baseline'], 'cpuMs'), large: null, largeCpu: null };
  if (!existsSync(sqlite3)) {
    console.log(`  (the ${largeTables}-table comparison needs the stock shell at ${sqlite3}: apt-get install sqlite3, or set SQLITE3)`);
    return figures;
  }
  const largeSamples = interleaved(
    {
      compile: { command: sqlite3, args: [':memory:'], stdin: large.schema },
      schema: { command: sqlite3, args: [large.db, '.schema'] },
      check: { command: node, args: [cli, 'check', '--db', large.db, '--schema', large.schema] },
    },
    largeRuns,
  );
  console.log(`  sqlite3 :memory: < FILE.sql (compile)       ${fmt(largeSamples, 'compile')}   (${largeTables} tables, ${largeRuns} runs)`);
  console.log(`  sqlite3 FILE .schema                        ${fmt(largeSamples, 'schema')}`);
  console.log(`  driftd check, ${String(largeTables).padEnd(5)} tables                  ${fmt(largeSamples, 'check')}   ${both(largeSamples, 'check', ['compile', 'schema'])} compile + .schema (target ≤ 2×)`);
  return { ...figures, large: ratio(largeSamples, 'check', ['compile', 'schema']), largeCpu: ratio(largeSamples, 'check', ['compile', 'schema'], 'cpuMs') };
}
