// Reconcile benchmark (`npm run bench:reconcile`, after `npm run build`).
//  1. scan + diff: 100,000 model directories against 100,000 rows (all matched).
//  2. one round that inserts 10,000 orphans (each with its metadata files).
// Each is printed beside the floor: the whole-process time of
// `find ROOT -mindepth 1 -maxdepth 1 -type d` on the same tree, measured in the same run,
// interleaved with the measurement; ratios are the median of per-run ratios.
// Targets: (1) within 3x the floor; (2) the insert transaction under 1 s.
// BENCH_DIRS / BENCH_ORPHANS / BENCH_RUNS override the sizes; BENCH_SMOKE=1 runs 300 / 30 / 1
// (the test suite's smoke mode: it proves the script runs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { reconcileTarget } from '../dist/reconcile/reconcile-target.js';
import { scanRoot } from '../dist/reconcile/scan/scan-root.js';
import { nodeReconcileFs } from '../dist/reconcile/scan/node-reconcile-fs.js';
import { diffDirectories } from '../dist/reconcile/diff/diff-directories.js';
import { canonicalRowPaths } from '../dist/reconcile/scan/canonical-row-paths.js';
import { reconcileRuleFormat, resolveRule } from '../dist/reconcile/rule/reconcile-rule-format.js';

const SMOKE = process.env.BENCH_SMOKE === '1';
const DIRS = SMOKE ? 300 : Number(process.env.BENCH_DIRS ?? 100_000);
const ORPHANS = SMOKE ? 30 : Number(process.env.BENCH_ORPHANS ?? 10_000);
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 5);
const OLD = new Date('2025-06-01T10:00:00Z');

const TABLE = `CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL, task TEXT NOT NULL,
  description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0)`;

// ModelForge's mapping exactly as config.example.json ships it, rooted at the generated tree.
const SHIPPED_RULE = JSON.parse(readFileSync(new URL('../config.example.json', import.meta.url), 'utf8')).targets[0].reconcile[0];
const rule = (root) => resolveRule(reconcileRuleFormat.parse(SHIPPED_RULE), () => root, root);


const name = (index) => `model-${index}_${index.toString(16).padStart(8, '0')}-4c5d-4e6f-8a9b-0c1d2e3f4a5b`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(1)} ms`;

/** One whole-process run of find(1) over the root's first level. */
function findOnce(root) {
  const t0 = performance.now();
  const result = spawnSync('find', [root, '-mindepth', '1', '-maxdepth', '1', '-type', 'd'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('find failed');
  return performance.now() - t0;
}

function makeDb(path, rows) {
  const db = new Database(path);
  db.exec(TABLE);
  const insert = db.prepare("INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES (?, 'EleutherAI/gpt-neo-1.3B', 'text-generation', '2025-06-01T10:00:00', ?)");
  db.transaction(() => {
    for (const [model, path] of rows) insert.run(model, path);
  })();
  db.close();
}

const work = mkdtempSync(join(tmpdir(), 'driftd-bench-reconcile-'));
try {
  console.log(`reconcile benchmark: ${DIRS} directories vs ${DIRS} rows; ${ORPHANS} orphans inserted in one round; median of ${RUNS} runs; node ${process.version}`);

  // 1. scan + diff
  const root = join(work, 'models');
  mkdirSync(root);
  const rows = [];
  for (let index = 0; index < DIRS; index++) {
    const model = name(index);
    mkdirSync(join(root, model));
    rows.push([model, join(root, model)]);
  }
  const dbPath = join(work, 'matched.sqlite');
  makeDb(dbPath, rows);
  findOnce(root); // warm the directory cache for both sides

  // Floor and measurement are interleaved run by run, so load from other processes hits both.
  const floors = [];
  const listDiff = [];
  const rounds = [];
  let breakdown;
  for (let run = 0; run < RUNS; run++) {
    floors.push(findOnce(root));
    let t0 = performance.now();
    const listing = await scanRoot(nodeReconcileFs, root, 'models');
    const canonical = await canonicalRowPaths(nodeReconcileFs, rows.map(([, path], index) => [index + 1, path]), { relativeTo: root, root, realRoot: listing.realRoot });
    const found = diffDirectories(listing.directories, canonical);
    listDiff.push(performance.now() - t0);
    if (found.matched !== DIRS || found.orphans.length !== 0) throw new Error(`bench: expected ${DIRS} matched, got ${found.matched}`);
    t0 = performance.now();
    const [report] = await reconcileTarget({ dbPath, rules: [rule(root)], mode: 'dry-run', busyTimeoutMs: 5000 });
    rounds.push(performance.now() - t0);
    breakdown = report.timings;
    if (report.counts.matched !== DIRS || report.orphans.length !== 0) throw new Error('bench: dry run found orphans');
  }
  const floor = median(floors);
  const scanDiff = median(listDiff);
  const round = median(rounds);
  const ratio = (times) => median(times.map((time, run) => time / floors[run]));
  console.log(`\n1. scan + diff, ${DIRS} directories vs ${DIRS} rows`);
  console.log(`   floor: find -maxdepth 1 -type d (whole process)  ${ms(floor)}`);
  console.log(`   scan + diff (listing, key canonicalisation, pure diff)  ${ms(scanDiff)}   ratio ${ratio(listDiff).toFixed(2)}x  (target <= 3x)`);
  console.log(`   whole dry-run round (open, introspect, read 100k keys, scan, diff)  ${ms(round)}   ratio ${ratio(rounds).toFixed(2)}x`);
  console.log(`     last round: scan ${ms(breakdown.scanMs)}, diff ${ms(breakdown.diffMs)}`);
  rmSync(root, { recursive: true, force: true });

  // 2. inserting orphans
  const orphanRoot = join(work, 'orphans');
  mkdirSync(orphanRoot);
  const tasks = [['CAUSAL_LM', 'text-generation'], ['SEQ_2_SEQ_LM', 'summarization'], ['QUESTION_ANS', 'question-answering']];
  for (let index = 0; index < ORPHANS; index++) {
    const dir = join(orphanRoot, name(index));
    mkdirSync(dir);
    const [taskType, pipelineTask] = tasks[index % 3];
    writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'EleutherAI/gpt-neo-1.3B', task_type: taskType, peft_type: 'LORA', r: 16 }));
    writeFileSync(join(dir, 'modelforge_config.json'), JSON.stringify({ model_class: 'AutoPeftModelForCausalLM', pipeline_task: pipelineTask }));
    utimesSync(join(dir, 'adapter_config.json'), OLD, OLD);
    utimesSync(join(dir, 'modelforge_config.json'), OLD, OLD);
    utimesSync(dir, OLD, OLD);
  }
  findOnce(orphanRoot);
  const emptyDb = join(work, 'empty.sqlite');
  makeDb(emptyDb, []);
  const orphanFloors = [];
  const applies = [];
  const wholes = [];
  for (let run = 0; run < RUNS; run++) {
    const target = join(work, `insert-${run}.sqlite`);
    copyFileSync(emptyDb, target);
    orphanFloors.push(findOnce(orphanRoot));
    const t0 = performance.now();
    const [report] = await reconcileTarget({ dbPath: target, rules: [rule(orphanRoot)], mode: 'apply', busyTimeoutMs: 5000 });
    wholes.push(performance.now() - t0);
    applies.push(report.timings.applyMs);
    if (report.recovered.length !== ORPHANS) throw new Error(`bench: recovered ${report.recovered.length} of ${ORPHANS}`);
  }
  const orphanFloor = median(orphanFloors);
  const orphanRatio = (times) => median(times.map((time, run) => time / orphanFloors[run]));
  const apply = median(applies);
  const whole = median(wholes);
  console.log(`\n2. one round inserting ${ORPHANS} orphans`);
  console.log(`   floor: find -maxdepth 1 -type d (whole process)  ${ms(orphanFloor)}`);
  console.log(`   insert transaction (BEGIN IMMEDIATE, re-check, ${ORPHANS} INSERTs, COMMIT)  ${ms(apply)}   ratio ${orphanRatio(applies).toFixed(2)}x  (target < 1000 ms)`);
  console.log(`   whole round (scan, read 2 JSON files + stat per orphan, map, insert)  ${ms(whole)}   ratio ${orphanRatio(wholes).toFixed(2)}x`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
