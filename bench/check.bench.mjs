// What a full check costs (introspect + diff of a 1,000-table × 20-column database with
// indexes, of the same with 300 views and 1,000 triggers, and of a 10-table one) against the
// floor of SQLite reading its own schema: `sqlite3 FILE .schema`, whole process. What loading
// the declaration costs against the stock shell executing the same file into `:memory:`. Also
// what noticing an unchanged database costs (PRAGMA schema_version on an open connection).
// Last, the CLI's whole-process start-up (10-table check vs `node -e 0`, 1,000-table check vs the
// stock shell's compile + `.schema`; bench/startup-comparison.mjs, also in bench:cli).
// Run: npm run build && npm run bench
//
// Check and floor are measured interleaved, run by run, so both see the same machine load;
// the ratio is the median of the per-run ratios. The check's CPU time (user + system) is
// printed beside its wall time: on a busy machine the gap shows how much was waiting.
// BENCH_SMOKE=1: 3 tables, and 20 with 6 views and 20 triggers, 3 runs — proves the script runs (the test suite's smoke mode).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { declaredSchemaFromSql } from '../dist/declared/load-declared-schema.js';
import { diff } from '../dist/diff/diff.js';
import { introspect, schemaVersion } from '../dist/introspect/introspect.js';
import { DRIFTD_BIN, largeSchemaSql, startupComparison } from './startup-comparison.mjs';

const SMOKE = process.env.BENCH_SMOKE === '1';
const RUNS = SMOKE ? 3 : Number(process.env.BENCH_RUNS ?? 21);
/** Scenarios: tables (× 20 columns, 2 indexes each), views, triggers. */
const SIZES = SMOKE
  ? [{ tables: 3, views: 0, triggers: 0 }, { tables: 20, views: 6, triggers: 20 }]
  : [{ tables: 10, views: 0, triggers: 0 }, { tables: 1000, views: 0, triggers: 0 }, { tables: 1000, views: 300, triggers: 1000 }];
const SQLITE3 = process.env.SQLITE3 ?? '/usr/bin/sqlite3';
const HAVE_SQLITE3 = existsSync(SQLITE3);
/** CREATE statements: `tables` tables of 20 columns, each with a two-column index and a unique index (partial on every 5th table). */
const schemaSql = largeSchemaSql;

/**
 * `views` views (a filter of one table, every third a join of two) and `triggers` triggers (one
 * per table, round robin: an UPDATE OF … WHEN that writes its own table, or an AFTER INSERT that
 * writes the next table), in the shapes real schemas use.
 */
function objectsSql(tables, views, triggers) {
  const statements = [];
  for (let v = 0; v < views; v++) {
    const t = (v * 3) % tables;
    const u = (t + 1) % tables;
    statements.push(
      v % 3 === 2
        ? `CREATE VIEW view_${v} AS SELECT a.id, a.c1, b.c2 AS other FROM table_${t} AS a JOIN table_${u} AS b ON b.id = a.id WHERE a.c4 IS NOT NULL;`
        : `CREATE VIEW view_${v} AS SELECT id, c1, c2, c3 FROM table_${t} WHERE c3 IS NOT NULL AND c1 <> 'archived';`,
    );
  }
  for (let g = 0; g < triggers; g++) {
    const t = g % tables;
    statements.push(
      g % 2 === 0
        ? `CREATE TRIGGER table_${t}_touch_${g} AFTER UPDATE OF c1 ON table_${t} FOR EACH ROW WHEN new.c1 IS NOT old.c1 BEGIN\n  UPDATE table_${t} SET c5 = c5 WHERE id = new.id;\nEND;`
        : `CREATE TRIGGER table_${t}_copy_${g} AFTER INSERT ON table_${t} BEGIN\n  INSERT INTO table_${(t + 1) % tables} (c2) VALUES (new.c2);\nEND;`,
    );
  }
  return statements.join('\n');
}

/** Wall ms of one stock-shell process executing `sqlPath` into `:memory:` (the declaration-load floor). */
function shellLoadRun(sqlPath) {
  const input = openSync(sqlPath, 'r');
  try {
    const start = process.hrtime.bigint();
    const run = spawnSync(SQLITE3, [':memory:'], { stdio: [input, 'ignore', 'inherit'] });
    if (run.status !== 0) throw new Error(`${SQLITE3} :memory: < ${sqlPath} exited with ${run.status}`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  } finally {
    closeSync(input);
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Wall ms and CPU ms of one call. */
function timed(fn) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  fn();
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

function measure(fn, runs = RUNS) {
  fn(); // warm-up: JIT and SQLite page cache, the state a daemon runs in
  return median(Array.from({ length: runs }, () => timed(fn).wallMs));
}

/** Wall ms of one `sqlite3 FILE .schema` process, output discarded. */
function floorRun(path) {
  const start = process.hrtime.bigint();
  const run = spawnSync(SQLITE3, [path, '.schema'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`${SQLITE3} exited with ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The first check in a fresh process: cold JIT, nothing memoised. Timed inside the child (Node's start-up excluded). */
function coldCheckMs(sqlPath, dbPath) {
  const module = (name) => JSON.stringify(new URL(`../dist/${name}`, import.meta.url).href);
  const script = `
    const { readFileSync } = await import('node:fs');
    const Database = (await import('better-sqlite3')).default;
    const { declaredSchemaFromSql } = await import(${module('declared/load-declared-schema.js')});
    const { diff } = await import(${module('diff/diff.js')});
    const { introspect } = await import(${module('introspect/introspect.js')});
    const declared = declaredSchemaFromSql(readFileSync(process.argv[1], 'utf8'), 'bench.sql');
    const db = new Database(process.argv[2], { readonly: true });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    const start = process.hrtime.bigint();
    diff(declared, introspect(db));
    process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script, sqlPath, dbPath], { encoding: 'utf8', cwd: new URL('..', import.meta.url) }));
}

function benchOne(dir, { tables, views, triggers }) {
  const sql = `${schemaSql(tables)}\n${objectsSql(tables, views, triggers)}`;
  const name = `bench-${tables}-${views}-${triggers}`;
  const path = join(dir, `${name}.sqlite`);
  const sqlPath = join(dir, `${name}.sql`);
  const db = new Database(path);
  db.exec(sql);
  db.close();
  writeFileSync(sqlPath, sql);

  // Declaration load and the shell executing the same file into :memory:, interleaved.
  let declared;
  const load = () => {
    declared = declaredSchemaFromSql(sql, 'bench.sql');
  };
  load();
  if (HAVE_SQLITE3) shellLoadRun(sqlPath);
  const loadRuns = Math.max(SMOKE ? 1 : 5, Math.floor(RUNS / 3));
  const loads = [];
  const shellLoads = [];
  for (let i = 0; i < loadRuns; i++) {
    loads.push(timed(load).wallMs);
    if (HAVE_SQLITE3) shellLoads.push(shellLoadRun(sqlPath));
  }
  const loadMs = median(loads);
  const shellLoadMs = HAVE_SQLITE3 ? median(shellLoads) : null;
  const loadRatio = HAVE_SQLITE3 ? median(loads.map((ms, i) => ms / shellLoads[i])) : null;
  if (declared.views.length !== views || declared.triggers.length !== triggers) throw new Error(`the declaration of ${name} lost views or triggers`);

  const live = new Database(path, { readonly: true, fileMustExist: true });
  const result = diff(declared, introspect(live));
  if (result.drift.length !== 0 || result.extras.length !== 0) throw new Error(`the ${tables}-table bench database shows drift: ${JSON.stringify(result.drift[0] ?? result.extras[0])}`);
  const liveSchema = introspect(live);
  const introspectMs = measure(() => introspect(live));
  const diffMs = measure(() => diff(declared, liveSchema));

  // Full check and floor, interleaved.
  const check = () => diff(declared, introspect(live));
  check();
  if (HAVE_SQLITE3) floorRun(path);
  const checks = [];
  const floors = [];
  for (let i = 0; i < RUNS; i++) {
    checks.push(timed(check));
    if (HAVE_SQLITE3) floors.push(floorRun(path));
  }
  const checkMs = median(checks.map((run) => run.wallMs));
  const checkCpuMs = median(checks.map((run) => run.cpuMs));
  const floorMs = HAVE_SQLITE3 ? median(floors) : null;
  const ratio = HAVE_SQLITE3 ? median(checks.map((run, i) => run.wallMs / floors[i])) : null;

  const coldMs = median(Array.from({ length: SMOKE ? 1 : 5 }, () => coldCheckMs(sqlPath, path)));
  // The unchanged-database check: one pragma on an already-open read-only connection.
  const versionUs = measure(() => schemaVersion(live), SMOKE ? 10 : RUNS * 50) * 1000;
  live.close();
  return { tables, views, triggers, loadMs, shellLoadMs, loadRatio, introspectMs, diffMs, checkMs, checkCpuMs, coldMs, versionUs, floorMs, ratio };
}

const dir = mkdtempSync(join(tmpdir(), 'driftd-bench-'));
try {
  if (!HAVE_SQLITE3) console.log(`sqlite3 CLI not found at ${SQLITE3}: install the Debian package \`sqlite3\` (or set SQLITE3=/path/to/sqlite3) to measure the floor`);
  const floorVersion = HAVE_SQLITE3 ? execFileSync(SQLITE3, ['--version'], { encoding: 'utf8' }).split(' ')[0] : 'n/a';
  const engine = new Database(':memory:').prepare('SELECT sqlite_version() AS v').get().v;
  console.log(`median of ${RUNS} runs after one warm-up; Node ${process.version}, SQLite ${engine} (better-sqlite3), sqlite3 CLI ${floorVersion}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  const fmt = (ms) => `${ms.toFixed(2)} ms`;
  for (const size of SIZES) {
    const r = benchOne(dir, size);
    const objects = size.views + size.triggers > 0 ? `, ${size.views} views, ${size.triggers} triggers` : '';
    console.log(`\n${size.tables} tables x 20 columns, ${size.tables * 2} indexes${objects}`);
    console.log(`  declared schema load (once per file change): ${fmt(r.loadMs)}`);
    if (r.shellLoadMs !== null) {
      console.log(`  sqlite3 :memory: < FILE (whole process):     ${fmt(r.shellLoadMs)} wall`);
      console.log(`  ratio load / shell load:                     ${r.loadRatio.toFixed(2)}x wall (target <= 2x)`);
    }
    console.log(`  introspect:                                  ${fmt(r.introspectMs)}`);
    console.log(`  diff:                                        ${fmt(r.diffMs)}`);
    console.log(`  full check (introspect + diff):              ${fmt(r.checkMs)} wall, ${fmt(r.checkCpuMs)} CPU`);
    console.log(`  first check in a fresh process (cold):       ${fmt(r.coldMs)}`);
    if (r.floorMs !== null) {
      console.log(`  sqlite3 FILE .schema (whole process, floor): ${fmt(r.floorMs)} wall`);
      console.log(`  ratio full check / floor:                    ${r.ratio.toFixed(2)}x wall (target <= 2x); cold check ${(r.coldMs / r.floorMs).toFixed(2)}x`);
    }
    console.log(`  unchanged check (PRAGMA schema_version):     ${r.versionUs.toFixed(1)} us, ${(r.checkMs * 1000 / r.versionUs).toFixed(0)}x cheaper than a full check`);
  }
  // The CLI as a whole process, side by side with bench:cli (bench/startup-comparison.mjs).
  startupComparison({
    dir,
    cli: DRIFTD_BIN,
    smoke: SMOKE,
    sqlite3: SQLITE3,
    smallRuns: SMOKE ? 3 : Number(process.env.BENCH_STARTUP_RUNS ?? 21),
    largeRuns: SMOKE ? 1 : Number(process.env.BENCH_LARGE_RUNS ?? 7),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
