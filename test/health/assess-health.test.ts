import { describe, expect, it } from 'vitest';
import { assessHealth, type HealthInput } from '../../src/health/assess-health.js';

const NOW = 1_000_000_000;
const base: HealthInput = {
  nowMs: NOW,
  intervalMs: 30_000,
  configLoaded: true,
  lastReload: { ok: true, atMs: NOW - 1000, problems: [] },
  targets: [{ name: 'app', up: true, lastSuccessMs: NOW - 5000, lastError: null }],
};

describe('assessHealth', () => {
  it.each<[string, Partial<HealthInput>, 'pass' | 'warn' | 'fail']>([
    ['fresh and up', {}, 'pass'],
    ['exactly three intervals old', { targets: [{ name: 'app', up: true, lastSuccessMs: NOW - 90_000, lastError: null }] }, 'pass'],
    ['older than three intervals', { targets: [{ name: 'app', up: true, lastSuccessMs: NOW - 90_001, lastError: null }] }, 'fail'],
    ['never checked', { targets: [{ name: 'app', up: false, lastSuccessMs: null, lastError: null }] }, 'fail'],
    ['database does not open', { targets: [{ name: 'app', up: false, lastSuccessMs: NOW - 1000, lastError: { code: 'DB_NOT_FOUND', message: 'gone' } }] }, 'fail'],
    ['last reload failed, old config running', { lastReload: { ok: false, atMs: NOW, problems: ['schedule: bad'] } }, 'warn'],
    ['config not loaded', { configLoaded: false }, 'fail'],
    ['one of two targets down', { targets: [base.targets[0]!, { name: 'b', up: false, lastSuccessMs: null, lastError: null }] }, 'fail'],
  ])('%s → %s', (_name, change, status) => {
    const report = assessHealth({ ...base, ...change });
    expect(report.status).toBe(status);
    for (const target of { ...base, ...change }.targets) expect(report.checks[`target:${target.name}`]).toHaveLength(1);
  });

  it('names the failing database and its error', () => {
    const report = assessHealth({ ...base, targets: [{ name: 'app', up: false, lastSuccessMs: null, lastError: { code: 'DB_BUSY', message: 'locked' } }] });
    expect(report.checks['target:app']![0]).toMatchObject({ componentId: 'app', componentType: 'database', status: 'fail', output: 'database does not open: DB_BUSY: locked' });
  });
});
