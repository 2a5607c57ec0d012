// Crash torture, short mode for CI (12 trials). Full mode: `npm run torture` (TORTURE_TRIALS=200).
// TORTURE_SEED picks the seed; a failing trial prints its seed and keeps its files for inspection.
import { describe, expect, it } from 'vitest';
import { runTorture, type TrialResult } from './crash-harness.js';

const trials = Number(process.env.TORTURE_TRIALS ?? 12);
const seed = Number(process.env.TORTURE_SEED ?? 20261126);

describe('crash torture: SIGKILL during repair + reconcile while the application writes', () => {
  it(`${trials} trials (DELETE and WAL journal modes) leave every database intact, before-or-after, with no row lost or duplicated, and every committed change audited exactly once`, { timeout: 120_000 + trials * 10_000 }, async () => {
    const log = (result: TrialResult) => {
      if (process.env.TORTURE_VERBOSE || result.problems.length > 0) {
        console.log(JSON.stringify(result));
      }
    };
    const { results, references } = await runTorture({ trials, seed, onTrial: log });
    const failed = results.filter((result) => result.problems.length > 0);
    const count = (pick: (result: TrialResult) => boolean) => results.filter(pick).length;
    console.log(
      [
        `crash torture: ${results.length} trials, seed ${seed}, ${failed.length} failed`,
        `  calibrated with the writer running: repair commits after ${references.delete.repairMs.toFixed(1)} ms (DELETE) / ${references.wal.repairMs.toFixed(1)} ms (WAL), cycle ends after ${references.delete.cycleMs.toFixed(1)} / ${references.wal.cycleMs.toFixed(1)} ms`,
        `  killed before the repair committed: ${count((r) => r.reachedBeforeKill === 'none')}; after repair, during reconcile: ${count((r) => r.reachedBeforeKill === 'repaired')}; after the whole cycle: ${count((r) => r.reachedBeforeKill === 'reconciled')}`,
        `  schema found after the kill: before ${count((r) => r.schemaState === 'before')}, after ${count((r) => r.schemaState === 'after')}; orphans already recovered at the kill in ${count((r) => r.recoveredAtKill > 0)} trials`,
        `  both processes killed at once in ${count((r) => r.writerKilledToo)} trials; DELETE mode: a rollback journal on disk right after the kill (a write transaction was open or cut short) in ${count((r) => r.hotJournal)}`,
        `  audit: intents answered at the next start from the database: ${results.reduce((sum, r) => sum + r.resolvedAtStart.applied, 0)} had committed, ${results.reduce((sum, r) => sum + r.resolvedAtStart.notApplied, 0)} had not (every committed change has exactly one applied entry in every trial)`,
        `  writer rows committed across all trials: ${results.reduce((sum, r) => sum + r.writerCommitted, 0)} (7-column INSERTs: ${results.reduce((sum, r) => sum + r.writerSevenColumn, 0)})`,
      ].join('\n'),
    );
    expect(failed.map((result) => ({ trial: result.trial, seed: result.seed, problems: result.problems }))).toEqual([]);
    expect(results).toHaveLength(trials);
  });
});
