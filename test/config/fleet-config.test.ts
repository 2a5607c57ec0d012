import { describe, expect, it } from 'vitest';
import { parseConfig, type ConfigParseResult } from '../../src/config/parse-config.js';

const options = { baseDir: '/etc/driftd', env: {}, source: '/etc/driftd/config.json' };

function parse(targets: unknown[], extra: Record<string, unknown> = {}): ConfigParseResult {
  return parseConfig(JSON.stringify({ targets, ...extra }), options);
}

const rule = (root: string, relativeTo?: string) => ({ table: 't', root, keyColumn: 'path', columns: {}, ...(relativeTo ? { relativeTo } : {}) });

describe('fleet targets in the config', () => {
  it('takes "databases" as an absolute glob and its non-wildcard prefix as the root', () => {
    const result = parse([{ name: 'tenants', databases: '/srv/app/tenants/*/app.sqlite', schema: 'app.sql' }]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const target = result.config.targets[0]!;
    expect(target.database).toBe('/srv/app/tenants/*/app.sqlite');
    expect(target.fleet).toEqual({ pattern: '/srv/app/tenants/*/app.sqlite', root: '/srv/app/tenants' });
    expect(result.config.poolSize).toBe(4);
  });

  it('resolves a relative glob against the config directory', () => {
    const result = parse([{ name: 'tenants', databases: 'tenants/**/*.db', schema: 'app.sql' }], { poolSize: 9 });
    expect(result.ok && result.config.targets[0]!.fleet).toEqual({ pattern: '/etc/driftd/tenants/**/*.db', root: '/etc/driftd/tenants' });
    expect(result.ok && result.config.poolSize).toBe(9);
  });

  it('leaves a single-file target as it was (no fleet)', () => {
    const result = parse([{ name: 'app', database: 'app.sqlite', schema: 'app.sql' }]);
    expect(result.ok && result.config.targets[0]!.database).toBe('/etc/driftd/app.sqlite');
    expect(result.ok && result.config.targets[0]!.fleet).toBeNull();
  });

  it.each([
    [{ name: 'x', schema: 'a.sql' }, 'targets[0].database', 'name the database file'],
    [{ name: 'x', database: 'a.db', databases: 't/*/a.db', schema: 'a.sql' }, 'targets[0].database', 'not both'],
    [{ name: 'x', databases: 't/a.db', schema: 'a.sql' }, 'targets[0].databases', 'no wildcard'],
    [{ name: 'x', databases: 't/../*/a.db', schema: 'a.sql' }, 'targets[0].databases', '".."'],
    [{ name: 'x', databases: 't/{a,b}/a.db', schema: 'a.sql' }, 'targets[0].databases', 'braces'],
    [{ name: 'x', databases: 't/**', schema: 'a.sql' }, 'targets[0].databases', 'ends in "**"'],
    [{ name: 'x', databases: 't/a**/x.db', schema: 'a.sql' }, 'targets[0].databases', 'whole segment'],
    [{ name: 'x', database: 'a.db', schema: 'a.sql', reconcile: [rule('{databaseDir}/models')] }, 'targets[0].reconcile[0].root', 'only for fleet targets'],
    [{ name: 'x', databases: 't/*/a.db', schema: 'a.sql', reconcile: [rule('models/{databaseDir}')] }, 'targets[0].reconcile[0].root', 'must begin the path'],
    [{ name: 'x', databases: 't/*/a.db', schema: 'a.sql', reconcile: [rule('{databaseDir}x')] }, 'targets[0].reconcile[0].root', 'must begin the path'],
    [{ name: 'x', databases: 't/*/a.db', schema: 'a.sql', reconcile: [rule('{databaseDir}', 'x/{databaseDir}')] }, 'targets[0].reconcile[0].relativeTo', 'must begin the path'],
  ])('refuses %j at %s', (target, path, message) => {
    const result = parse([target]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toContainEqual(expect.objectContaining({ path, message: expect.stringContaining(message) }));
  });

  it('refuses a pool size outside 1..64, naming the key', () => {
    const result = parse([{ name: 'x', database: 'a.db', schema: 'a.sql' }], { poolSize: 0 });
    expect(!result.ok && result.problems.map((problem) => problem.path)).toEqual(['poolSize']);
  });

  it('keeps {databaseDir} unresolved in a fleet rule and resolves other paths', () => {
    const result = parse([{ name: 'x', databases: 't/*/a.db', schema: 'a.sql', reconcile: [rule('{databaseDir}/models', '{databaseDir}')] }]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.targets[0]!.reconcile[0]).toMatchObject({ root: '{databaseDir}/models', relativeTo: '{databaseDir}' });
  });
});
