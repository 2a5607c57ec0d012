// What the CLI costs as a whole process: `driftd help` and `driftd check --db FILE --schema FILE.sql`
// on a 10-table database against `node -e 0` (Node's own start-up), and `driftd check` of a
// 1,000-table declaration against the stock shell's compile of it plus its `.schema` — all measured
// in the same run (bench/startup-comparison.mjs; `npm run bench` prints the same two ratios).
// Targets: help ≤ 1.3×, 10-table check ≤ 1.6×, 1,000-table check ≤ 2×. Run: npm run bench:cli
//
// The command measured is the installed one (package.json "bin": the bundle, scripts/bundle-cli.mjs);
// the small round also runs tsc's unbundled dist/cli/main.js, the same code through Node's loader.
// BENCH_RUNS (default 31) for the small round, BENCH_LARGE_RUNS (default 7) for the 1,000-table one;
// BENCH_CLI: another build's CLI script, to compare (e.g. the previous release's dist/cli/main.js);
// SQLITE3: the stock shell (default /usr/bin/sqlite3); BENCH_SMOKE=1: 3 runs and 30 tables (the
// test suite's smoke mode: it only proves the script runs).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DRIFTD_BIN, startupComparison, UNBUNDLED_CLI } from './startup-comparison.mjs';

const SMOKE = process.env.BENCH_SMOKE === '1';
const CLI = process.env.BENCH_CLI ?? DRIFTD_BIN;

const work = mkdtempSync(join(tmpdir(), 'driftd-cli-bench-'));
try {
  console.log(`CLI start-up (load ${loadavg()[0].toFixed(2)} at the start)`);
  startupComparison({
    dir: work,
    cli: CLI,
    smoke: SMOKE,
    sqlite3: process.env.SQLITE3 ?? '/usr/bin/sqlite3',
    smallRuns: SMOKE ? 3 : Number(process.env.BENCH_RUNS ?? 31),
    largeRuns: SMOKE ? 1 : Number(process.env.BENCH_LARGE_RUNS ?? 7),
    extra: (small) => ({
      help: { command: process.execPath, args: [CLI, 'help'] },
      'check, 10 tables, unbundled': { command: process.execPath, args: [UNBUNDLED_CLI, 'check', '--db', small.db, '--schema', small.schema] },
    }),
  });
  console.log(`  (load ${loadavg()[0].toFixed(2)} at the end; help target ≤ 1.3×)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
