// Issue 9, defect 4: on a full disk each failed repair touched the database, the watcher saw it and the
// next cycle retried at once under BEGIN IMMEDIATE; the error read DB_OPEN_FAILED (it was SQLITE_FULL)
// and driftd_repair_failures_total stayed 0, so the shipped DriftdRepairFailing alert never fired.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { repairBackoffSeconds } from '../../src/pipeline/repair-backoff.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { SmallDisk, canMountTmpfs } from '../support/full-disk.js';
import { tempDir } from '../support/temp-db.js';

const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)';
const DECLARED = `${TABLE};\nCREATE INDEX t_payload ON t(payload);\n`;

describe('repairBackoffSeconds', () => {
  it.each([
    [0, 0],
    [1, 30],
    [2, 60],
    [3, 120],
    [7, 1920],
    [8, 3600],
    [100, 3600],
  ])('after %i failures waits %i s (30 s doubling, at most 3600 s)', (failures, seconds) => {
    expect(repairBackoffSeconds(failures, { initialSeconds: 30, maxSeconds: 3600 })).toBe(seconds);
  });
});

describe.skipIf(!canMountTmpfs())('a repair failing on a full disk (a real tmpfs, as root)', () => {
  const disks: SmallDisk[] = [];
  afterAll(() => disks.forEach((disk) => disk.dispose()));

  it('reports DB_DISK_FULL, counts every failed repair, backs off exponentially, shows it in /status, and resets on success', async () => {
    const disk = new SmallDisk(8192);
    disks.push(disk);
    const dbPath = join(disk.dir, 'app.db');
    const db = new Database(dbPath);
    db.exec(TABLE);
    const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 400; i++) insert.run(`${i}-${'p'.repeat(1000)}`);
    })();
    db.close();
    const filler = disk.fill();
    const configDir = tempDir('driftd-backoff-');
    const schemaPath = join(configDir, 'schema.sql');
    writeFileSync(schemaPath, DECLARED);
    const configPath = join(configDir, 'driftd.json');
    writeFileSync(configPath, JSON.stringify({ http: { port: 0 }, targets: [{ name: 'app', database: dbPath, schema: schemaPath, repair: 'auto' }] }));
    const loaded = validateConfigFile(configPath, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    let clockMs = 1_000_000;
    const metrics = new DaemonMetrics({ version: 'test', nodeVersion: process.version });
    const quiet = () => undefined;
    const daemon = new Daemon({
      configPath,
      initial: loaded.validated,
      env: {},
      logger: { debug: quiet, info: quiet, warn: quiet, error: quiet },
      metrics,
      clock: () => clockMs,
      now: () => new Date(clockMs),
    });
    const failures = async () => Number(/driftd_repair_failures_total\{target="app"\} (\d+)/.exec(await metrics.text())![1]);

    const first = (await daemon.runCycle()).targets[0]!;
    expect(first.error?.code).toBe('DB_DISK_FULL');
    expect(first.repairFailed).toBe(true);
    expect(first.repairBackoff).toMatchObject({ failures: 1, lastCode: 'DB_DISK_FULL', retryAt: new Date(clockMs + 30_000).toISOString() });
    expect(await failures()).toBe(1);

    // Within the back-off: checked and reported, never repaired again (no write, no BEGIN IMMEDIATE) — and
    // honest about it (issue 16): not ok, state repair_failing, the repair's error until one succeeds.
    for (let i = 0; i < 5; i++) {
      clockMs += 5_000;
      const during = (await daemon.runCycle()).targets[0]!;
      expect(during).toMatchObject({ ok: false, state: 'repair_failing', error: { code: 'DB_DISK_FULL' }, cycleError: null, repairFailed: false, applied: [] });
      expect(during.check?.inSync).toBe(false);
    }
    expect(await failures()).toBe(1);
    expect(JSON.stringify(daemon.status())).toContain('"repairBackoff":{"failures":1');

    clockMs += 5_001; // past 30 s: one more attempt, then 60 s
    const second = (await daemon.runCycle()).targets[0]!;
    expect(second).toMatchObject({ repairFailed: true, repairBackoff: { failures: 2, retryAt: new Date(clockMs + 60_000).toISOString() } });
    expect(await failures()).toBe(2);

    rmSync(filler); // space again: the next attempt after the back-off repairs and clears it
    clockMs += 60_001;
    const repaired = (await daemon.runCycle()).targets[0]!;
    expect(repaired).toMatchObject({ ok: true, repairFailed: false, repairBackoff: null });
    expect(repaired.applied.map((step) => step.index)).toEqual(['t_payload']);
    expect(await failures()).toBe(2);
    await daemon.stop();
  });
});
