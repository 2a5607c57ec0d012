import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { SCHEMA_SQL, createMatchingDatabase } from '../helpers/daemon-process.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

describe('two targets on one database file', () => {
  const dir = tempDir('driftd-shared-db-');
  createMatchingDatabase(join(dir, 'app.db'));
  symlinkSync(join(dir, 'app.db'), join(dir, 'alias.db'));
  writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
  writeFileSync(join(dir, 'other.db'), '');
  const config = join(dir, 'driftd.json');
  writeFileSync(
    config,
    JSON.stringify({
      http: { port: 0 },
      targets: [
        { name: 'a', database: 'app.db', schema: 'schema.sql' },
        { name: 'b', database: 'alias.db', schema: 'schema.sql' },
        { name: 'c', database: 'sub/../app.db', schema: 'schema.sql' },
        { name: 'd', database: 'other.db', schema: 'schema.sql' },
      ],
    }),
  );

  it('validate warns (the config stays valid) naming the targets and the file', () => {
    const result = validateConfigFile(config, {});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.validated.warnings).toEqual([`targets "a", "b", "c" resolve to the same database file "${join(dir, 'app.db')}"; their declarations and repairs apply to one file`]);
    const cli = runCli(['validate', '--config', config]);
    expect(cli.status).toBe(0);
    expect(cli.stderr).toContain('warning: targets "a", "b", "c" resolve to the same database file');
  });

  it('the daemon logs it at start and shows it in /status', async () => {
    const result = validateConfigFile(config, {});
    if (!result.ok) throw new Error('invalid');
    const warned: string[] = [];
    const quiet = () => undefined;
    const daemon = new Daemon({ configPath: config, initial: result.validated, env: {}, logger: { debug: quiet, info: quiet, warn: (_fields, message) => warned.push(message), error: quiet }, metrics: new DaemonMetrics({ version: 'test', nodeVersion: process.version }) });
    daemon.start();
    await daemon.stop();
    expect(warned.filter((line) => line.includes('resolve to the same database file'))).toHaveLength(1);
    expect(daemon.status().config.warnings).toHaveLength(1);
  });
});
