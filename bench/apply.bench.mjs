// What `driftd apply` costs for a column type change (REAL → INTEGER) on a 1,000,000-row table
// with 3 indexes, against the stock sqlite3 shell running the same 12 steps by hand
// (lang_altertable.html#otheralter: foreign keys off, BEGIN, CREATE new, INSERT … SELECT, DROP,
// RENAME, the 3 CREATE INDEX, foreign_key_check, COMMIT) on an identical copy. Both are whole
// processes, timed wall-clock, interleaved run by run so both see the same machine load; the ratio
// is the median of the per-run ratios. driftd's run includes what the shell's does not do: the
// verified backup (SQLite's online backup of the file, then on a worker thread its page count,
// quick_check and the rebuilt table's row count), the row and value checks, the checks before
// COMMIT (foreign_key_check, quick_check of the table and its indexes, every index's entry count,
// re-introspection, the fingerprint) and the audit journal; its own breakdown (--json timings) is
// printed beside. `driftd apply --full-integrity-check` (integrity_check of the copy and of the
// table instead of quick_check and the entry counts) runs too, on its own copy.
// Peak memory: maximum resident set size of each process (/usr/bin/time -f %M).
// Run: npm run build && node bench/apply.bench.mjs   (BENCH_ROWS, BENCH_RUNS)
// DRIFTD_BASELINE_DIST=<dist of another build>: that build's plan + apply as a same-run baseline.
// BENCH_SMOKE=1: 2,000 rows, 1 run — proves the script runs (the test suite's smoke mode).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

const SMOKE = process.env.BENCH_SMOKE === '1';
const ROWS = SMOKE ? 2_000 : Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const SQLITE3 = process.env.SQLITE3 ?? '/usr/bin/sqlite3';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
// The driftd command as installed (package.json "bin": the bundle); a baseline build's own, or its dist/cli/main.js when it has none.
const CLI = resolve(import.meta.dirname, '../dist/bundle/driftd.cjs');
const BASELINE = process.env.DRIFTD_BASELINE_DIST ? [resolve(process.env.DRIFTD_BASELINE_DIST, 'bundle/driftd.cjs'), resolve(process.env.DRIFTD_BASELINE_DIST, 'cli/main.js')].find((path) => existsSync(path)) : null;

const TABLE = (qtyType) => `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty ${qtyType}, created INTEGER, note TEXT)`;
const INDEXES = ['CREATE INDEX items_name ON items (name)', 'CREATE INDEX items_qty ON items (qty)', 'CREATE INDEX items_created_name ON items (created, name)'];

const dir = mkdtempSync(join(tmpdir(), 'driftd-bench-apply-'));
try {
  const template = join(dir, 'template.db');
  const db = new Database(template);
  db.exec(`${TABLE('REAL')}; ${INDEXES.join('; ')};`);
  db.exec(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ${ROWS})
    INSERT INTO items (name, qty, created, note) SELECT 'item ' || (i * 7919 % ${ROWS}), (i % 1000) * 1.0, 1700000000 + i, printf('%.*c', 20 + i % 40, 'x') FROM k`);
  db.close();
  const schemaPath = join(dir, 'declared.sql');
  writeFileSync(schemaPath, `${TABLE('INTEGER')};\n${INDEXES.join(';\n')};\n`);
  const shellScript = [
    'PRAGMA foreign_keys = OFF;',
    'BEGIN IMMEDIATE;',
    `${TABLE('INTEGER').replace('CREATE TABLE items', 'CREATE TABLE new_items')};`,
    'INSERT INTO new_items (id, name, qty, created, note) SELECT id, name, qty, created, note FROM items;',
    'DROP TABLE items;',
    'ALTER TABLE new_items RENAME TO items;',
    ...INDEXES.map((sql) => `${sql};`),
    'PRAGMA foreign_key_check;',
    'COMMIT;',
    'PRAGMA foreign_keys = ON;',
  ].join('\n');

  const shellDb = join(dir, 'shell.db');
  const home = join(dir, 'home');
  const fresh = (path) => {
    for (const suffix of ['', '-journal', '-wal']) rmSync(path + suffix, { force: true });
    copyFileSync(template, path);
  };
  // Each driftd variant applies its own plan to its own copy (a plan names its database).
  const variants = [
    { name: 'driftd', cli: CLI, args: [] },
    ...(SMOKE ? [] : [{ name: 'driftd --full-integrity-check', cli: CLI, args: ['--full-integrity-check'] }]),
    ...(BASELINE ? [{ name: 'baseline', cli: BASELINE, args: [] }] : []),
  ].map((variant, i) => ({ ...variant, db: join(dir, `driftd-${i}.db`), plan: join(dir, `plan-${i}.json`) }));
  let planMs = 0;
  for (const variant of variants) {
    fresh(variant.db);
    const planStart = performance.now();
    execFileSync(process.execPath, [variant.cli, 'plan', '--db', variant.db, '--schema', schemaPath, '--out', variant.plan], { env: { ...process.env, HOME: home } });
    if (variant === variants[0]) planMs = performance.now() - planStart;
  }

  /** Runs a command under /usr/bin/time: wall ms and peak RSS in kB. */
  const timed = (command, args, options = {}) => {
    const argv = TIME ? [TIME, ['-f', '%M', command, ...args]] : [command, args];
    const start = performance.now();
    const run = spawnSync(argv[0], argv[1], { encoding: 'utf8', ...options });
    const ms = performance.now() - start;
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
    const rssKb = TIME ? Number(run.stderr.trim().split('\n').at(-1)) : NaN;
    return { ms, rssKb, stdout: run.stdout };
  };

  const results = [];
  for (let run = 0; run < RUNS; run++) {
    for (const variant of variants) fresh(variant.db);
    fresh(shellDb);
    const order = ['shell', ...variants];
    if (run % 2 === 0) order.reverse();
    const result = {};
    for (const who of order) {
      rmSync(join(home, '.local/state/driftd/backups'), { recursive: true, force: true });
      if (who === 'shell') {
        result.shell = timed(SQLITE3, ['-bail', shellDb], { input: shellScript });
      } else {
        const r = timed(process.execPath, [who.cli, 'apply', who.plan, '--json', ...who.args], { env: { ...process.env, HOME: home } });
        result[who.name] = { ...r, timings: JSON.parse(r.stdout).timings };
      }
    }
    results.push(result);
  }
  // Both did the same thing: the same rows, the same types.
  const read = (path) => {
    const d = new Database(path, { readonly: true });
    const summary = d.prepare('SELECT count(*) AS n, sum(qty) AS s, group_concat(DISTINCT typeof(qty)) AS t FROM items').get();
    d.close();
    return summary;
  };
  const b = read(shellDb);
  for (const variant of variants) {
    const a = read(variant.db);
    if (JSON.stringify(a) !== JSON.stringify(b) || a.n !== ROWS || a.t !== 'integer') throw new Error(`${variant.name} and the shell disagree: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }

  const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
  const ms = (value) => `${value.toFixed(0)} ms`;
  const mb = (kb) => (Number.isNaN(kb) ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
  console.log(`apply: type change REAL → INTEGER on ${ROWS.toLocaleString('en-US')} rows with 3 indexes (file ${(statSync(template).size / 1048576).toFixed(0)} MB), ${RUNS} run(s), load ${loadavg()[0].toFixed(1)}`);
  console.log(`  driftd plan (reads every row through the declared types, dry run on a schema copy): ${ms(planMs)}`);
  for (const [i, r] of results.entries()) {
    console.log(`  run ${i + 1}: sqlite3 12 steps ${ms(r.shell.ms)}, peak RSS ${mb(r.shell.rssKb)}`);
    for (const { name } of variants) {
      const t = r[name].timings;
      console.log(
        `    ${name} apply ${ms(r[name].ms)} (backup copy ${ms(t.backupMs)}, statements+row/value checks ${ms(t.rebuildMs)}, checks before COMMIT ${ms(t.verifyMs)}, then waiting for the copy's check ${ms(t.backupVerifyWaitMs)}, COMMIT ${ms(t.commitMs)}), peak RSS ${mb(r[name].rssKb)} | ratio ${(r[name].ms / r.shell.ms).toFixed(2)}×`,
      );
    }
  }
  for (const { name } of variants) {
    const ratio = median(results.map((r) => r[name].ms / r.shell.ms));
    const peak = Math.max(...results.map((r) => r[name].rssKb));
    console.log(`  ${name} apply / sqlite3 shell (median of per-run ratios): ${ratio.toFixed(2)}×${name === 'driftd' ? ' (goal ≤ 1.5×)' : ''}; without its backup copy ${median(results.map((r) => (r[name].ms - r[name].timings.backupMs) / r.shell.ms)).toFixed(2)}×; peak RSS ${mb(peak)}`);
  }
  console.log(`  sqlite3 shell peak RSS ${mb(Math.max(...results.map((r) => r.shell.rssKb)))}`);
  void readFileSync;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
