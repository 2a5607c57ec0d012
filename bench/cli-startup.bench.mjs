// What the CLI costs as a whole process, against `node -e 0` (Node's own start-up) measured in the
// same run: `driftd help` and `driftd check --db FILE --schema FILE.sql` on a 10-table database
// (targets: ≤ 1.3× and ≤ 1.6×). Run: npm run build && npm run bench:cli
//
// The three are measured interleaved, run by run, so all see the same machine load; each ratio is
// the median of the per-run ratios. BENCH_RUNS (default 31); BENCH_SMOKE=1: 3 runs (the test suite's
// smoke mode: it only proves the script runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const SMOKE = process.env.BENCH_SMOKE === '1';
const RUNS = SMOKE ? 3 : Number(process.env.BENCH_RUNS ?? 31);
// BENCH_CLI: another build's dist/cli/main.js, to compare (e.g. the previous release's).
const CLI = process.env.BENCH_CLI ?? new URL('../dist/cli/main.js', import.meta.url).pathname;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Wall ms of one process, output discarded; it must exit with `status`. */
function wallMs(args, status = 0) {
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== status) throw new Error(`node ${args.join(' ')} exited with ${run.status}, expected ${status}`);
  return ms;
}

const work = mkdtempSync(join(tmpdir(), 'driftd-cli-bench-'));
try {
  const schemaPath = join(work, 'schema.sql');
  const dbPath = join(work, 'app.sqlite');
  const statements = [];
  for (let t = 0; t < 10; t++) {
    const columns = ['id INTEGER PRIMARY KEY'];
    for (let c = 1; c < 20; c++) columns.push(`c${c} ${c % 3 === 0 ? 'INTEGER NOT NULL DEFAULT 0' : 'TEXT'}`);
    statements.push(`CREATE TABLE table_${t} (${columns.join(', ')});`, `CREATE INDEX table_${t}_c1 ON table_${t} (c1, c2);`);
  }
  writeFileSync(schemaPath, statements.join('\n'));
  const db = new Database(dbPath);
  db.exec(statements.join('\n'));
  db.close();

  const commands = {
    baseline: ['-e', '0'],
    help: [CLI, 'help'],
    check: [CLI, 'check', '--db', dbPath, '--schema', schemaPath],
  };
  for (const args of Object.values(commands)) wallMs(args); // warm-up: file cache
  const samples = { baseline: [], help: [], check: [] };
  for (let run = 0; run < RUNS; run++) for (const [name, args] of Object.entries(commands)) samples[name].push(wallMs(args));
  const ratio = (name) => median(samples[name].map((ms, i) => ms / samples.baseline[i]));

  console.log(`CLI start-up of ${CLI}, whole process, ${RUNS} interleaved runs (load ${loadavg()[0].toFixed(2)}, node ${process.version})`);
  console.log(`  node -e 0                          median ${median(samples.baseline).toFixed(1)} ms`);
  console.log(`  driftd help                        median ${median(samples.help).toFixed(1)} ms   ${ratio('help').toFixed(2)}× node -e 0 (target ≤ 1.3×)`);
  console.log(`  driftd check --db --schema (10 t.) median ${median(samples.check).toFixed(1)} ms   ${ratio('check').toFixed(2)}× node -e 0 (target ≤ 1.6×)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
