// Introspect+diff cost of a full check against the floor of SQLite reading its own
// schema (`sqlite3 FILE .schema`, whole process), and the cost of noticing that a
// database is unchanged (PRAGMA schema_version). Run: npm run build && npm run bench
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { declaredSchemaFromSql } from '../dist/declared/load-declared-schema.js';
import { diff } from '../dist/diff/diff.js';
import { introspect, schemaVersion } from '../dist/introspect/introspect.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const SQLITE3 = process.env.SQLITE3 ?? '/usr/bin/sqlite3';
const COLUMN_TYPES = ['INTEGER NOT NULL DEFAULT 0', 'TEXT', "TEXT NOT NULL DEFAULT ''", 'REAL DEFAULT 0.0', 'BLOB', 'NUMERIC', "VARCHAR(64) DEFAULT 'x'"];

/** CREATE statements for `tables` tables of 20 columns, each with two indexes (one unique, one partial every 5th table). */
function schemaSql(tables) {
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

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function measure(fn, runs = RUNS) {
  fn(); // warm-up: JIT and SQLite page cache, the state a daemon runs in
  return median(Array.from({ length: runs }, () => time(fn)));
}

/** Median CPU time (user + system, ms) of `fn` in this process: steadier than wall time on a busy machine. */
function measureCpu(fn, runs = RUNS) {
  fn();
  return median(
    Array.from({ length: runs }, () => {
      const start = process.cpuUsage();
      fn();
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    }),
  );
}

/** Mean CPU time (ms) of `sqlite3 FILE .schema`, from a shell's accumulated child times (Linux /proc, 10 ms ticks over all runs). */
function floorCpu(path, runs) {
  if (!existsSync('/proc/self/stat')) return null;
  const script = `i=0; while [ $i -lt ${runs} ]; do "$0" "$1" .schema >/dev/null; i=$((i+1)); done; cat /proc/$$/stat`;
  const stat = execFileSync('sh', ['-c', script, SQLITE3, path], { encoding: 'utf8' });
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[13]) + Number(fields[14]); // cutime + cstime (proc(5): fields 16 and 17)
  const hz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return (ticks * 1000) / hz / runs;
}

/** The first check in a fresh process: cold JIT, nothing memoised. Timed inside the child, so Node's start-up is excluded. */
function coldCheckMs(sqlPath, dbPath) {
  const script = `
    const { readFileSync } = await import('node:fs');
    const Database = (await import('better-sqlite3')).default;
    const { declaredSchemaFromSql } = await import(${JSON.stringify(new URL('../dist/declared/load-declared-schema.js', import.meta.url).href)});
    const { diff } = await import(${JSON.stringify(new URL('../dist/diff/diff.js', import.meta.url).href)});
    const { introspect } = await import(${JSON.stringify(new URL('../dist/introspect/introspect.js', import.meta.url).href)});
    const declared = declaredSchemaFromSql('CREATE TABLE unrelated (x)', 'warm-up.sql') && declaredSchemaFromSql(readFileSync(process.argv[1], 'utf8'), 'bench.sql');
    const db = new Database(process.argv[2], { readonly: true });
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    const start = process.hrtime.bigint();
    diff(declared, introspect(db));
    process.stdout.write(String(Number(process.hrtime.bigint() - start) / 1e6));`;
  return Number(execFileSync(process.execPath, ['--input-type=module', '-e', script, sqlPath, dbPath], { encoding: 'utf8', cwd: new URL('..', import.meta.url) }));
}

function benchOne(dir, tables) {
  const sql = schemaSql(tables);
  const path = join(dir, `bench-${tables}.sqlite`);
  const db = new Database(path);
  db.exec(sql);
  db.close();
  const sqlPath = join(dir, `bench-${tables}.sql`);
  writeFileSync(sqlPath, sql);

  let declared;
  const loadMs = measure(() => {
    declared = declaredSchemaFromSql(sql, 'bench.sql');
  }, Math.max(5, Math.floor(RUNS / 3)));

  const live = new Database(path, { readonly: true, fileMustExist: true });
  let result;
  const introspectMs = measure(() => introspect(live));
  const checkMs = measure(() => {
    result = diff(declared, introspect(live));
  });
  if (result.drift.length !== 0 || result.extras.length !== 0) throw new Error(`bench database with ${tables} tables shows drift: ${JSON.stringify(result.drift[0] ?? result.extras[0])}`);
  const liveSchema = introspect(live);
  const diffMs = measure(() => diff(declared, liveSchema));
  const checkCpuMs = measureCpu(() => diff(declared, introspect(live)));
  const coldMs = median(Array.from({ length: 5 }, () => coldCheckMs(sqlPath, path)));

  // The unchanged-database check: one pragma on an already-open read-only connection.
  const versionUs = measure(() => schemaVersion(live), RUNS * 50) * 1000;
  live.close();

  let floorMs = null;
  let floorCpuMs = null;
  if (existsSync(SQLITE3)) {
    floorMs = measure(() => {
      const run = spawnSync(SQLITE3, [path, '.schema'], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (run.status !== 0) throw new Error(`${SQLITE3} exited with ${run.status}`);
    });
    floorCpuMs = floorCpu(path, RUNS);
  }
  return { tables, loadMs, introspectMs, diffMs, checkMs, checkCpuMs, coldMs, versionUs, floorMs, floorCpuMs };
}

const dir = mkdtempSync(join(tmpdir(), 'driftd-bench-'));
try {
  if (!existsSync(SQLITE3)) {
    console.log(`sqlite3 CLI not found at ${SQLITE3}: install the Debian package \`sqlite3\` (or set SQLITE3=/path) to measure the floor`);
  }
  const floorVersion = existsSync(SQLITE3) ? execFileSync(SQLITE3, ['--version'], { encoding: 'utf8' }).split(' ')[0] : 'n/a';
  console.log(`median of ${RUNS} runs (after one warm-up); Node ${process.version}, SQLite ${new Database(':memory:').prepare('SELECT sqlite_version() AS v').get().v} (better-sqlite3), sqlite3 CLI ${floorVersion}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const tables of [10, 1000]) {
    const r = benchOne(dir, tables);
    const fmt = (ms) => `${ms.toFixed(2)} ms`;
    console.log(`\n${tables} tables x 20 columns, ${tables * 2} indexes`);
    console.log(`  declared schema load (once per file change): ${fmt(r.loadMs)}`);
    console.log(`  introspect:                                  ${fmt(r.introspectMs)}`);
    console.log(`  diff:                                        ${fmt(r.diffMs)}`);
    console.log(`  introspect+diff (full check):                ${fmt(r.checkMs)}`);
    console.log(`  first check in a fresh process (cold):       ${fmt(r.coldMs)}`);
    if (r.floorMs !== null) {
      console.log(`  sqlite3 FILE .schema (whole process, floor): ${fmt(r.floorMs)}`);
      console.log(`  ratio full check / floor:                    ${(r.checkMs / r.floorMs).toFixed(2)}x wall (target <= 2x); cold ${(r.coldMs / r.floorMs).toFixed(2)}x`);
    }
    if (r.floorCpuMs !== null) {
      console.log(`  CPU time: full check ${fmt(r.checkCpuMs)}, floor ${fmt(r.floorCpuMs)} -> ${(r.checkCpuMs / r.floorCpuMs).toFixed(2)}x`);
    }
    console.log(`  unchanged check (PRAGMA schema_version):     ${r.versionUs.toFixed(1)} us (${(r.checkMs * 1000 / r.versionUs).toFixed(0)}x cheaper than a full check)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
