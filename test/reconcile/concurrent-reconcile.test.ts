import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileTarget } from '../../src/reconcile/reconcile-target.js';
import { nodeReconcileFs } from '../../src/reconcile/scan/node-reconcile-fs.js';
import type { ReconcileFs } from '../../src/reconcile/scan/reconcile-fs.js';
import { insertRow, makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from './modelforge-fixture.js';

const DIST = pathToFileURL(resolve(__dirname, '../../dist/reconcile/reconcile-target.js')).href;

// A reconciler in its own process: prints "ready", waits for "go" on stdin so
// both start their round together, then prints its report as JSON.
const CHILD = `
import { reconcileTarget } from ${JSON.stringify(DIST)};
const [dbPath, ruleJson] = process.argv.slice(1);
process.stdout.write('ready\\n');
process.stdin.once('data', async () => {
  const [report] = await reconcileTarget({ dbPath, rules: [JSON.parse(ruleJson)], mode: 'apply', busyTimeoutMs: 30000 });
  if (report.error) throw new Error(report.error.code + ': ' + report.error.message);
  process.stdout.write(JSON.stringify({ recovered: report.recovered.length, raced: report.raced.length, orphans: report.orphans.length }) + '\\n');
  process.exit(0);
});
`;

interface ChildResult { recovered: number; raced: number; orphans: number }

function startReconciler(dbPath: string, rule: unknown): { ready: Promise<void>; go: () => void; done: Promise<ChildResult> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, dbPath, JSON.stringify(rule)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolveReady) => (markReady = resolveReady));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const done = new Promise<ChildResult>((resolveDone, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`reconciler exited ${code}: ${err}`));
      else resolveDone(JSON.parse(out.split('\n')[1]!) as ChildResult);
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

describe('reconcilers racing each other and the application', () => {
  it('two reconcilers in two processes at once insert each orphan exactly once', async () => {
    const w = (workspace = makeWorkspace());
    const names = Array.from({ length: 150 }, (_, index) => `model-${index}_${index.toString(16).padStart(8, '0')}`);
    for (const name of names) writeModel(w.models, name);
    const rule = modelforgeRule(w.models);
    const first = startReconciler(w.dbPath, rule);
    const second = startReconciler(w.dbPath, rule);
    await Promise.all([first.ready, second.ready]);
    first.go();
    second.go();
    const results = await Promise.all([first.done, second.done]);
    const rows = rowsOf(w.dbPath);
    expect(rows.map((row) => row.model_name).sort()).toEqual([...names].sort());
    expect(new Set(rows.map((row) => row.model_path)).size).toBe(names.length);
    expect(results[0]!.recovered + results[1]!.recovered).toBe(names.length);
  });

  it('an orphan the application inserts between scan and transaction is left alone', async () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'app-wins_1');
    writeModel(w.models, 'ours_2');
    // The application's INSERT lands while driftd is still looking into the directories.
    let inserted = false;
    const fs: ReconcileFs = {
      ...nodeReconcileFs,
      // Model directories are opened through a handle and listed through it (issue 9): hook the open.
      openDirectory: async (root, relative) => {
        if (relative === 'app-wins_1' && !inserted) {
          inserted = true;
          insertRow(w.dbPath, 'app-wins_1', join(w.models, 'app-wins_1'));
        }
        return nodeReconcileFs.openDirectory(root, relative);
      },
    };
    const [report] = await reconcileTarget({ dbPath: w.dbPath, rules: [modelforgeRule(w.models)], mode: 'apply', busyTimeoutMs: 2000, fs });
    expect(report!.error).toBeNull();
    expect(report!.raced.map((item) => item.directory)).toEqual(['app-wins_1']);
    expect(report!.recovered.map((item) => item.directory)).toEqual(['ours_2']);
    expect(rowsOf(w.dbPath).map((row) => row.model_name).sort()).toEqual(['app-wins_1', 'ours_2']);
  });

  it('a mapped column dropped between scan and transaction blocks the round; nothing is inserted', async () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'a_1');
    const fs: ReconcileFs = {
      ...nodeReconcileFs,
      openDirectory: async (root, relative) => {
        if (relative === 'a_1') {
          const db = new Database(w.dbPath);
          db.exec('ALTER TABLE fine_tuned_models DROP COLUMN is_custom_base_model');
          db.close();
        }
        return nodeReconcileFs.openDirectory(root, relative);
      },
    };
    const [report] = await reconcileTarget({ dbPath: w.dbPath, rules: [modelforgeRule(w.models)], mode: 'apply', busyTimeoutMs: 2000, fs });
    expect(report!.error).toBeNull();
    expect(report!.blockedBy).toBe('missing_column fine_tuned_models.is_custom_base_model');
    expect(report!.recovered).toEqual([]);
    expect(rowsOf(w.dbPath)).toEqual([]);
  });
});
