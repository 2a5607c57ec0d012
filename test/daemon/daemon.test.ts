import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { ReconcileStep } from '../../src/daemon/target-runner.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { SCHEMA_SQL, createMatchingDatabase, tempDir } from '../helpers/daemon-process.js';

interface Logged {
  level: string;
  fields: object;
  message: string;
}

function daemonOn(targets: Array<Record<string, unknown>>, reconcile?: ReconcileStep): { daemon: Daemon; metrics: DaemonMetrics; logged: Logged[]; dir: string; config: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
  const config = join(dir, 'driftd.json');
  writeFileSync(config, JSON.stringify({ schedule: '*/10 * * * * *', http: { port: 0 }, targets }));
  const loaded = validateConfigFile(config, {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const logged: Logged[] = [];
  const log = (level: string) => (fields: object, message: string) => logged.push({ level, fields, message });
  const metrics = new DaemonMetrics({ version: 'test', nodeVersion: process.version });
  const daemon = new Daemon({ configPath: config, initial: loaded.validated, env: {}, logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }, metrics, ...(reconcile ? { reconcile } : {}) });
  return { daemon, metrics, logged, dir, config };
}

describe('Daemon.runCycle (called directly; nothing started)', () => {
  it('checks every target; one broken target never stops the others', async () => {
    const { daemon, metrics, dir } = daemonOn([
      { name: 'gone', database: 'gone.db', schema: 'schema.sql' },
      { name: 'fine', database: 'fine.db', schema: 'schema.sql' },
    ]);
    createMatchingDatabase(join(dir, 'fine.db'));
    expect(daemon.lifecycle).toBe('created');
    const report = await daemon.runCycle();
    expect(report.targets.map((target) => [target.target, target.ok, target.error?.code ?? null])).toEqual([
      ['gone', false, 'DB_NOT_FOUND'],
      ['fine', true, null],
    ]);
    const text = await metrics.text();
    expect(text).toContain('driftd_target_up{target="gone"} 0');
    expect(text).toContain('driftd_in_sync{target="fine"} 1');
    const health = daemon.health();
    expect(health.status).toBe('fail');
    expect(health.checks['target:fine']![0]!.status).toBe('pass');
    expect(daemon.lifecycle).toBe('created');
    await daemon.stop();
    expect(daemon.lifecycle).toBe('stopped');
  });

  it('never overlaps: a cycle requested while one runs waits for it, and concurrent requests share one follow-up', async () => {
    const events: string[] = [];
    let cycle = 0;
    const slow: ReconcileStep = async () => {
      const mine = ++cycle;
      events.push(`start ${mine}`);
      await new Promise((wake) => setTimeout(wake, 50));
      events.push(`end ${mine}`);
      return [];
    };
    const { daemon, dir, metrics } = daemonOn([{ name: 'app', database: 'app.db', schema: 'schema.sql' }], slow);
    createMatchingDatabase(join(dir, 'app.db'));
    const first = daemon.runCycle();
    daemon.tick(); // a scheduled tick during the cycle: skipped and counted
    const [, second, third] = await Promise.all([first, daemon.runCycle(), daemon.runCycle()]);
    expect(second).toBe(third);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(await metrics.text()).toContain('driftd_cycles_skipped_total 1');
    await daemon.stop();
  });

  it('keeps the last good config when the file turns invalid, and switches when it is valid again', async () => {
    const { daemon, dir, config, metrics, logged } = daemonOn([{ name: 'app', database: 'app.db', schema: 'schema.sql' }]);
    createMatchingDatabase(join(dir, 'app.db'));
    writeFileSync(config, '{"targets": [');
    expect(await daemon.reload('sighup')).toMatchObject({ ok: false, changed: false });
    expect(daemon.config.targets.map((target) => target.name)).toEqual(['app']);
    expect(await metrics.text()).toContain('driftd_config_last_reload_successful 0');
    expect(daemon.health().checks['config:loaded']![0]!.status).toBe('warn');
    // The same broken file seen again by the watcher is not reported twice.
    await daemon.reload('watch', false);
    expect(logged.filter((line) => line.message.startsWith('config reload failed'))).toHaveLength(1);
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'renamed', database: 'app.db', schema: 'schema.sql' }] }));
    expect(await daemon.reload('sighup')).toMatchObject({ ok: true, changed: true });
    expect(daemon.config.targets.map((target) => target.name)).toEqual(['renamed']);
    expect(await metrics.text()).toContain('driftd_config_last_reload_successful 1');
    await daemon.stop();
  });
});
