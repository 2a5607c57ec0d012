// Issue 9: an orphan with a 1 MiB deeply nested JSON file was parsed again on every cycle (RSS 230–420 MiB).
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileTarget, type ReconcileMemory } from '../../src/reconcile/reconcile-target.js';
import { nodeReconcileFs } from '../../src/reconcile/scan/node-reconcile-fs.js';
import type { ReconcileFs } from '../../src/reconcile/scan/reconcile-fs.js';
import { OLD, makeWorkspace, modelforgeRule, writeModel, type Workspace } from './modelforge-fixture.js';

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

describe('reconcile memory between rounds', () => {
  it('does not read or parse unchanged metadata of a directory it skipped, and reads it again once it changes', async () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'deep_1', { adapterText: '['.repeat(100_000) + ']'.repeat(100_000) });
    writeModel(w.models, 'broken_2', { adapterText: '{"base_model_name_or_path": ' });
    writeModel(w.models, 'good_3');
    const reads: string[] = [];
    const fs: ReconcileFs = {
      ...nodeReconcileFs,
      readFileLimited: async (path, max) => {
        reads.push(path);
        return nodeReconcileFs.readFileLimited(path, max);
      },
    };
    const memory: ReconcileMemory = new Map();
    const round = async () => (await reconcileTarget({ dbPath: w.dbPath, rules: [modelforgeRule(w.models)], mode: 'dry-run', busyTimeoutMs: 2000, fs, memory }))[0]!;
    const first = await round();
    expect(first.skipped.map((skip) => [skip.directory, skip.reason]).sort()).toEqual([
      ['broken_2', 'malformed-json'],
      ['deep_1', 'unresolved-column'],
    ]);
    const readsFirst = reads.splice(0).length;
    expect(readsFirst).toBeGreaterThanOrEqual(5);
    const second = await round();
    // Same skips, same details; only good_3 (an orphan in dry-run) is read again.
    expect(second.skipped).toEqual(first.skipped);
    expect(reads.splice(0).length).toBe(2);
    writeFileSync(join(w.models, 'broken_2', 'adapter_config.json'), JSON.stringify({ base_model_name_or_path: 'fixed/base', task_type: 'CAUSAL_LM' }));
    // Settled (old mtime, as before); the ctime still tells the file changed.
    utimesSync(join(w.models, 'broken_2', 'adapter_config.json'), OLD, OLD);
    const third = await round();
    expect(third.skipped.map((skip) => skip.directory)).toEqual(['deep_1']);
    expect(third.orphans.map((orphan) => orphan.directory).sort()).toEqual(['broken_2', 'good_3']);
    expect(memory.get('modelforge')?.size ?? [...memory.values()][0]!.size).toBe(1);
  });
});
