import { describe, expect, it } from 'vitest';
import { CycleRecorder } from '../../src/daemon/cycle-recorder.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import type { TargetCycleReport } from '../../src/report/report-vocabulary.js';

function roundSkipping(directories: readonly string[], reason = 'malformed-json'): TargetCycleReport {
  return {
    target: 'app', database: '/x.db', startedAt: '', durationMs: 1, up: true, state: 'in_sync', ok: true, fastPath: true, error: null, cycleError: null, check: null, checkedAt: null, applied: [], lastRepair: null,
    reconciled: true, repairFailed: false, repairBackoff: null,
    reconcile: [{ rule: 'models', table: 't', blockedBy: null, orphans: directories.length, recovered: [], raced: 0, dangling: 0, timings: { scanMs: 0, diffMs: 0, applyMs: 0 },
      skipped: directories.map((directory) => ({ directory, reason, detail: `${directory}: bad` })) }],
  };
}

describe('CycleRecorder', () => {
  it('warns once per skipped directory, and remembers only the directories skipped in the last round (no growth with churn)', () => {
    const warned: string[] = [];
    const quiet = () => undefined;
    const recorder = new CycleRecorder(new DaemonMetrics({ version: 't', nodeVersion: 'v' }), { debug: quiet, info: quiet, warn: (_f, message) => warned.push(message), error: quiet }, () => new Date());
    for (let round = 0; round < 1000; round++) recorder.record(roundSkipping([`churn-${round}`, 'stays']));
    expect(recorder.rememberedSkips).toBe(2);
    expect(warned.filter((line) => line.includes('stays'))).toHaveLength(1);
    expect(warned).toHaveLength(1001);
    recorder.record(roundSkipping(['churn-998']));
    expect(warned).toHaveLength(1002); // it went away for a round: a new skip is a new warning
  });

  it('logs a settling directory once, at info (the README promises each skip is logged once), and its repeats at debug', () => {
    const lines: string[] = [];
    const log = (level: string) => (_fields: unknown, message: string) => void lines.push(`${level}: ${message}`);
    const recorder = new CycleRecorder(new DaemonMetrics({ version: 't', nodeVersion: 'v' }), { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }, () => new Date());
    for (let round = 0; round < 3; round++) recorder.record(roundSkipping(['chat-helper'], 'settling'));
    expect(lines).toEqual(['info: directory skipped: chat-helper: bad', 'debug: directory skipped: chat-helper: bad', 'debug: directory skipped: chat-helper: bad']);
  });
});
