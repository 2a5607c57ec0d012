// Issue 9, defect 1 (security): a model directory swapped for a symlink to an outside directory and
// back, again and again, while driftd inspects it. Before the fix rows were inserted whose values came
// from the outside directory (the realpath checks before and after the reads cannot see a swap that
// goes out and comes back between them). bench/swap-race.mjs runs the same race for ≥ 10,000 swaps.
import { mkdirSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { reconcileTarget } from '../../src/reconcile/reconcile-target.js';
import { nodeReconcileFs } from '../../src/reconcile/scan/node-reconcile-fs.js';
import type { ReconcileFs } from '../../src/reconcile/scan/reconcile-fs.js';
import { Swapper } from '../support/swapper.js';
import { makeWorkspace, modelforgeRule, rowsOf, writeModel, type Workspace } from './modelforge-fixture.js';

let workspace: Workspace | null = null;
afterEach(() => {
  workspace?.cleanup();
  workspace = null;
});

const MIN_SWAPS = Number(process.env.SWAP_RACE_SWAPS ?? 3_000);

describe('reconcile under a directory/symlink swap race', () => {
  it('a directory swapped out to a symlink just after it is opened, and back before the checks, is read where it was', async () => {
    const w = (workspace = makeWorkspace());
    const victim = join(w.models, 'victim_1');
    writeModel(w.models, 'victim_1', { base: 'inside/base-model' });
    const outside = join(w.dir, 'outside');
    mkdirSync(outside);
    writeModel(outside, 'secret_1', { base: 'OUTSIDE/secret-model' });
    const stash = join(w.dir, 'stash');
    let out = false;
    let reads = 0;
    // The attacker's timing, made exact: out when the directory is listed, back after its metadata was read.
    const fs: ReconcileFs = {
      ...nodeReconcileFs,
      readdir: async (path) => {
        if (path !== w.models && !out) {
          renameSync(victim, stash);
          symlinkSync(join(outside, 'secret_1'), victim);
          out = true;
        }
        return nodeReconcileFs.readdir(path);
      },
      readFileLimited: async (path, max) => {
        const read = await nodeReconcileFs.readFileLimited(path, max);
        if (out && ++reads === 2) {
          unlinkSync(victim);
          renameSync(stash, victim);
        }
        return read;
      },
    };
    const [report] = await reconcileTarget({ dbPath: w.dbPath, rules: [modelforgeRule(w.models)], mode: 'apply', busyTimeoutMs: 2000, fs });
    expect(out).toBe(true);
    expect(report!.error).toBeNull();
    // Before the fix: one row, base_model "OUTSIDE/secret-model", model_path inside the root.
    expect(rowsOf(w.dbPath).map((row) => [row.model_name, row.base_model])).toEqual([['victim_1', 'inside/base-model']]);
  });

  it(`never inserts a row with values from outside the root (≥ ${MIN_SWAPS} swaps)`, async () => {
    const w = (workspace = makeWorkspace());
    writeModel(w.models, 'victim_1', { base: 'inside/base-model' });
    const outside = join(w.dir, 'outside');
    mkdirSync(outside);
    writeModel(outside, 'secret_1', { base: 'OUTSIDE/secret-model' });
    // The shipped rule as it is (settle time included): the symlink waits outside the listing.
    const rule = modelforgeRule(w.models);
    mkdirSync(join(w.dir, 'parked'));
    symlinkSync(join(outside, 'secret_1'), join(w.dir, 'parked', 'victim_1'));
    const swapper = new Swapper(join(w.models, 'victim_1'), join(w.dir, 'parked', 'victim_1'));
    await swapper.started();
    const outsideRows: Array<Record<string, unknown>> = [];
    let rounds = 0;
    let insideRows = 0;
    let swaps = 0;
    const db = new Database(w.dbPath);
    try {
      for (;;) {
        await reconcileTarget({ dbPath: w.dbPath, rules: [rule], mode: 'apply', busyTimeoutMs: 2000 });
        rounds++;
        for (const row of rowsOf(w.dbPath)) {
          if (String(row.base_model).startsWith('OUTSIDE')) outsideRows.push(row);
          else insideRows++;
        }
        db.exec('DELETE FROM fine_tuned_models');
        if (swapper.count >= MIN_SWAPS) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      swaps = await swapper.stop();
      db.close();
    }
    expect({ rounds, swaps, outsideRows }).toMatchObject({ outsideRows: [] });
    expect(swaps).toBeGreaterThanOrEqual(MIN_SWAPS);
    expect(insideRows).toBeGreaterThan(0); // the race was real: the directory was also seen in place
  });
});
