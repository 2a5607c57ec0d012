import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
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
  it('switches a reloaded config only between cycles: a cycle queued behind the running one never pairs the new database with the old declaration', async () => {
    // Target "t" moves from a.sqlite (declared by s1.sql, which has a table only a.sqlite may get) to b.sqlite (s2.sql).
    const dir = tempDir();
    writeFileSync(join(dir, 's1.sql'), SCHEMA_SQL + 'CREATE TABLE only_for_a (id INTEGER PRIMARY KEY);\n');
    writeFileSync(join(dir, 's2.sql'), SCHEMA_SQL);
    for (const name of ['g.sqlite', 'a.sqlite', 'b.sqlite']) createMatchingDatabase(join(dir, name));
    const config = join(dir, 'driftd.json');
    const writeConfig = (database: string, schema: string) =>
      writeFileSync(
        config,
        JSON.stringify({
          schedule: '*/10 * * * * *',
          http: { port: 0 },
          targets: [
            { name: 'gate', database: 'g.sqlite', schema: 's2.sql', repair: 'auto' },
            { name: 't', database, schema, repair: 'auto' },
          ],
        }),
      );
    writeConfig('a.sqlite', 's1.sql');
    const loaded = validateConfigFile(config, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    // The first target's reconcile step is a gate the test opens, so each cycle can be held in the middle.
    const holds = [hold(), hold()];
    const pending = [...holds];
    const gate: ReconcileStep = async (target) => {
      const next = target.name === 'gate' ? pending.shift() : undefined;
      if (next) {
        next.enter();
        await next.released;
      }
      return [];
    };
    const ignore = () => undefined;
    const daemon = new Daemon({ configPath: config, initial: loaded.validated, env: {}, logger: { debug: ignore, info: ignore, warn: ignore, error: ignore }, metrics: new DaemonMetrics({ version: 'test', nodeVersion: process.version }), reconcile: gate });

    const first = daemon.runCycle('schedule');
    await holds[0]!.entered;
    const queued = daemon.runCycle('http'); // POST /check during the cycle: queued behind it
    writeConfig('b.sqlite', 's2.sql');
    const reloaded = daemon.reload('sighup');
    holds[0]!.release();
    await holds[1]!.entered; // the queued cycle is now in its first target
    holds[1]!.release();
    const [firstReport, queuedReport, outcome] = await Promise.all([first, queued, reloaded]);
    await daemon.runCycle();

    expect(outcome).toMatchObject({ ok: true, changed: true });
    const tables = (file: string) => {
      const db = new Database(join(dir, file), { readonly: true });
      try {
        return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
      } finally {
        db.close();
      }
    };
    expect(tables('b.sqlite')).not.toContain('only_for_a');
    expect(tables('a.sqlite')).toContain('only_for_a');
    expect(firstReport.targets.find((report) => report.target === 't')?.database).toBe(join(dir, 'a.sqlite'));
    // The queued cycle starts after the switch, on the new config whole.
    expect(queuedReport.targets.find((report) => report.target === 't')).toMatchObject({ database: join(dir, 'b.sqlite'), ok: true, applied: [] });
    await daemon.stop();
  });
});

function hold(): { entered: Promise<void>; enter: () => void; released: Promise<void>; release: () => void } {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => (enter = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return { entered, enter, released, release };
}
