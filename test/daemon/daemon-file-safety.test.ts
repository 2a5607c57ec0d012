// Issue 9, defect 2: a schema or config path that is not a regular file hung or exhausted the daemon,
// and a large schema file was re-read and re-hashed on every cycle.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { SCHEMA_SQL, createMatchingDatabase, tempDir } from '../helpers/daemon-process.js';

function daemonOn(schemaText: string, now?: () => Date) {
  const dir = tempDir();
  writeFileSync(join(dir, 'schema.sql'), schemaText);
  createMatchingDatabase(join(dir, 'app.db'));
  const config = join(dir, 'driftd.json');
  writeFileSync(config, JSON.stringify({ schedule: '*/10 * * * * *', http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] }));
  const loaded = validateConfigFile(config, {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const errors: string[] = [];
  const infos: Array<{ fields: object; message: string }> = [];
  const quiet = () => undefined;
  const metrics = new DaemonMetrics({ version: 'test', nodeVersion: process.version });
  const daemon = new Daemon({
    configPath: config,
    initial: loaded.validated,
    env: {},
    logger: { debug: quiet, info: (fields: object, message: string) => infos.push({ fields, message }), warn: quiet, error: (fields: object) => errors.push(JSON.stringify(fields)) },
    metrics,
    ...(now ? { now } : {}),
  });
  return { daemon, dir, config, errors, infos };
}

/** Bytes this process has read through read(2) so far (/proc/self/io rchar). */
function bytesRead(): number {
  return Number(/rchar: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

describe('daemon: files a config names are read only when regular, bounded, and changed', () => {
  it('a schema file replaced by a FIFO fails the reload with SCHEMA_NOT_A_FILE and the cycle still runs on the last good config', async () => {
    const { daemon, dir, errors } = daemonOn(SCHEMA_SQL);
    expect((await daemon.runCycle()).targets[0]!.ok).toBe(true);
    rmSync(join(dir, 'schema.sql'));
    execFileSync('mkfifo', [join(dir, 'schema.sql')]);
    // Before the fix the cycle's schema-change check read the FIFO and blocked the event loop forever.
    const report = await daemon.runCycle();
    expect(report.targets[0]!.ok).toBe(true);
    const outcome = await daemon.reload('sighup');
    expect(outcome.ok).toBe(false);
    expect(outcome.problems.join('\n')).toMatch(/SCHEMA_NOT_A_FILE: schema file ".*schema\.sql" is a FIFO/);
    expect(errors.join('\n')).toContain('SCHEMA_NOT_A_FILE');
    await daemon.stop();
  });

  it('a config edited to name /dev/zero as its schema is refused without reading it', async () => {
    const { daemon, config } = daemonOn(SCHEMA_SQL);
    await daemon.runCycle();
    writeFileSync(config, JSON.stringify({ schedule: '*/10 * * * * *', http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: '/dev/zero' }] }));
    const before = bytesRead();
    const outcome = await daemon.reload('sighup');
    expect(outcome.problems.join('\n')).toMatch(/SCHEMA_NOT_A_FILE: schema file "\/dev\/zero" is a character device/);
    expect(bytesRead() - before).toBeLessThan(1024 * 1024);
    expect(daemon.config.targets[0]!.schema).toMatch(/schema\.sql$/);
    await daemon.stop();
  });

  it('does not re-read an unchanged schema file on every cycle, and still sees an edit', async () => {
    // 4 MiB of comments after the real declaration: large enough that a re-read per cycle shows in rchar.
    const padding = `-- ${'x'.repeat(1021)}\n`.repeat(4096);
    // "now" runs ahead of the file times, so the file counts as settled (not edited within the racy window).
    const { daemon, dir, infos } = daemonOn(SCHEMA_SQL + padding, () => new Date(Date.now() + 60_000));
    const schema = join(dir, 'schema.sql');
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(schema, past, past);
    await daemon.runCycle(); // hashes once and remembers the identity
    const before = bytesRead();
    for (let i = 0; i < 5; i++) await daemon.runCycle();
    // One re-read would be 4 MiB; before the fix every cycle re-read it (20 MiB over 5 cycles).
    expect(bytesRead() - before).toBeLessThan(4 * 1024 * 1024);
    writeFileSync(schema, SCHEMA_SQL.replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS') + padding);
    await daemon.runCycle();
    expect(infos.filter((line) => line.message === 'config reloaded').map((line) => line.fields)).toEqual([expect.objectContaining({ reason: 'schema', changed: true })]);
    await daemon.stop();
  });
});
