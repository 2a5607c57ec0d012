import { execFileSync, spawnSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, SCHEMA_SQL, createMatchingDatabase, tempDir } from '../helpers/daemon-process.js';

function setup(config: Record<string, unknown>): { dir: string; path: string } {
  const dir = tempDir('driftd-validate-');
  writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
  const path = join(dir, 'driftd.json');
  writeFileSync(path, JSON.stringify(config));
  return { dir, path };
}

describe('driftd validate', () => {
  it('accepts a valid config without touching the database', () => {
    const { dir, path } = setup({ targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] });
    createMatchingDatabase(join(dir, 'app.db'));
    const before = statSync(join(dir, 'app.db')).mtimeMs;
    const output = execFileSync(process.execPath, [MAIN, 'validate', '--config', path], { encoding: 'utf8' });
    expect(output).toContain('is valid: 1 target (app)');
    expect(statSync(join(dir, 'app.db')).mtimeMs).toBe(before);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['a bad schedule and a missing token variable', { schedule: '61 * * * * *', http: { token: { fromEnv: 'DRIFTD_NOT_SET_ANYWHERE' } }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] }, ['schedule: not a cron expression', 'http.token.fromEnv: environment variable DRIFTD_NOT_SET_ANYWHERE is not set']],
    ['a missing schema file', { targets: [{ name: 'app', database: 'app.db', schema: 'nope.sql' }] }, ['targets[0].schema: SCHEMA_NOT_FOUND']],
    ['an unknown key and a bad repair mode', { targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', repair: 'always', extra: 1 }] }, ['targets[0].repair', 'targets[0]: Unrecognized key']],
    ['a bad schedule and a missing schema file', { schedule: '61 * * * * *', targets: [{ name: 'app', database: 'app.db', schema: 'nope.sql' }] }, ['schedule: not a cron expression', 'targets[0].schema: SCHEMA_NOT_FOUND']],
    ['an unknown key in one target and a missing schema file in another', { targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql', extra: 1 }, { name: 'other', database: 'other.db', schema: 'nope.sql' }] }, ['targets[0]: Unrecognized key', 'targets[1].schema: SCHEMA_NOT_FOUND']],
  ])('exits 2 listing every problem with its path: %s', (_name, config, expected) => {
    const { path } = setup(config);
    const result = spawnSync(process.execPath, [MAIN, 'validate', '--config', path], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    for (const text of expected) expect(result.stderr).toContain(text);
  });

  it('never needs the database to exist', () => {
    const { path } = setup({ targets: [{ name: 'app', database: 'not-there-yet.db', schema: 'schema.sql' }] });
    expect(spawnSync(process.execPath, [MAIN, 'validate', '--config', path]).status).toBe(0);
  });
});
