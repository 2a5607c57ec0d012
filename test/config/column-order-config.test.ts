import { describe, expect, it } from 'vitest';
import { configProblemsError, parseConfig } from '../../src/config/parse-config.js';

/** `targets[].columnOrder` (docs/daemon.md, docs/drift-kinds.md#column-order): "report" by default, "ignore" opts out. */
const OPTIONS = { baseDir: '/etc/driftd', env: {}, source: 'c.json' };
const withTarget = (extra: Record<string, unknown>): string => JSON.stringify({ targets: [{ name: 'a', database: 'a.db', schema: 's.sql', ...extra }] });

describe('targets[].columnOrder', () => {
  it.each([
    ['absent', {}, 'report'],
    ['"report"', { columnOrder: 'report' }, 'report'],
    ['"ignore"', { columnOrder: 'ignore' }, 'ignore'],
  ])('%s → %s', (_name, extra, expected) => {
    const result = parseConfig(withTarget(extra), OPTIONS);
    expect(result.ok && result.config.targets[0]!.columnOrder).toBe(expected);
  });

  it.each([
    ['"Ignore"', 'Ignore'],
    ['"off"', 'off'],
    ['false', false],
    ['null', null],
  ])('%s is refused at its config path with CONFIG_INVALID', (_name, value) => {
    const result = parseConfig(withTarget({ columnOrder: value }), OPTIONS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: 'targets[0].columnOrder', message: 'Invalid option: expected one of "report"|"ignore"' });
    const error = configProblemsError('c.json', result.problems);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('targets[0].columnOrder: Invalid option');
  });
});
