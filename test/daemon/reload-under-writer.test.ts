// Issue 9, defect 3: the config shared the watcher's trailing debounce with the database and its -wal,
// with no maximum wait, so an application committing every few ms delayed a config edit until it
// stopped writing. Only SIGHUP got through.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { BusyWriter } from '../support/busy-writer.js';
import { SCHEMA_SQL, createMatchingDatabase, eventually, tempDir, writeAtomically } from '../helpers/daemon-process.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('hot reload while the application commits every 10 ms', () => {
  it('a config edit is switched to while the writer is still writing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
    createMatchingDatabase(join(dir, 'app.db'));
    const config = join(dir, 'driftd.json');
    const body = (schedule: string) => JSON.stringify({ schedule, debounceMs: 200, http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] });
    writeFileSync(config, body('0 0 * * *'));
    const loaded = validateConfigFile(config, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const quiet = () => undefined;
    const daemon = new Daemon({ configPath: config, initial: loaded.validated, env: {}, logger: { debug: quiet, info: quiet, warn: quiet, error: quiet }, metrics: new DaemonMetrics({ version: 'test', nodeVersion: process.version }) });
    cleanups.push(() => daemon.stop());
    const writer = new BusyWriter(join(dir, 'app.db'), 10);
    cleanups.push(() => writer.stop());
    await writer.started();
    daemon.start();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the watchers are up and the writer is in full swing
    writeAtomically(config, body('0 12 * * *'));
    // Before the fix this never happened while the writer ran (the shared debounce kept being pushed back).
    await eventually(() => daemon.config.schedule === '0 12 * * *', 20_000, 'the edited schedule to be active');
    expect(daemon.config.schedule).toBe('0 12 * * *');
  });
});
