// Issue 16, defects 1, 2, 5, 6: a failed repair was retried only when its back-off expired (freeing the disk,
// restoring write permission or releasing a lock did nothing for up to an hour); a target whose repair was
// failing said `ok: true, error: null` and /readyz passed; fleet files had no back-off at all (a full disk meant
// an attempt per file per sweep) and driftd_repair_failures_total never counted them. One back-off now serves
// both kinds of target: these tests run table-driven over the kinds.
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfigFile } from '../../src/config/validate-config.js';
import { Daemon } from '../../src/daemon/daemon.js';
import type { FleetTargetSummary } from '../../src/daemon/fleet-status.js';
import { DaemonMetrics } from '../../src/metrics/daemon-metrics.js';
import { causeMayHaveCleared, probeCause, RepairBackoff } from '../../src/pipeline/repair-backoff.js';
import { SmallDisk, canMountTmpfs } from '../support/full-disk.js';
import { holdLock } from '../support/lock-holder.js';
import { tempDir } from '../support/temp-db.js';
import type { TargetCycleReport } from '../../src/report/report-vocabulary.js';

const TABLE = 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)';
const DECLARED = `${TABLE};\nCREATE INDEX t_payload ON t(payload);\n`;
const KINDS = ['file', 'fleet'] as const;
type Kind = (typeof KINDS)[number];

function fillDatabase(dbPath: string, rows: number): void {
  const db = new Database(dbPath);
  db.exec(TABLE);
  const insert = db.prepare('INSERT INTO t (payload) VALUES (?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`${i}-${'p'.repeat(1000)}`);
  })();
  db.close();
}

/** A daemon over one target of `kind` whose one database is `dbPath` (a fleet: `<root>/*\/app.db`). */
function daemonFor(kind: Kind, dbPath: string, root: string, busyTimeoutMs = 2000, realClock = false) {
  const configDir = tempDir('driftd-wake-');
  const schemaPath = join(configDir, 'schema.sql');
  writeFileSync(schemaPath, DECLARED);
  const configPath = join(configDir, 'driftd.json');
  const target = kind === 'file' ? { name: 'app', database: dbPath, schema: schemaPath, repair: 'auto' } : { name: 'app', databases: `${root}/*/app.db`, schema: schemaPath, repair: 'auto' };
  writeFileSync(configPath, JSON.stringify({ http: { port: 0 }, busyTimeoutMs, targets: [target] }));
  const loaded = validateConfigFile(configPath, {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  const clock = { ms: 1_000_000 };
  const metrics = new DaemonMetrics({ version: 'test', nodeVersion: process.version });
  const quiet = () => undefined;
  const lines: string[] = [];
  const daemon = new Daemon({
    configPath,
    initial: loaded.validated,
    env: {},
    logger: { debug: quiet, info: (_f, m) => lines.push(m), warn: (_f, m) => lines.push(m), error: (_f, m) => lines.push(m) },
    metrics,
    // Busy retries wait on the injected clock: a lock test needs one that moves.
    clock: () => (realClock ? performance.now() : clock.ms),
    now: () => (realClock ? new Date() : new Date(clock.ms)),
  });
  const failures = async () => Number(/driftd_repair_failures_total\{target="app"\} (\d+)/.exec(await metrics.text())![1]);
  const stateGauge = async () => /driftd_target_state\{target="app",state="(\w+)"\} 1/.exec(await metrics.text())?.[1];
  /** The state and error every view shows, for either kind. */
  const view = (): { state: string; code: string | undefined; hint: string | undefined } => {
    const status = daemon.status().targets[0]!;
    if ('fleet' in status) {
      const files = daemon.fleetFiles({ target: 'app', state: 'all', limit: 10, offset: 0 }) as { files: Array<{ state: string; error: { code: string; hint?: string } | null }> };
      const file = files.files[0]!;
      return { state: file.state === 'repaired' ? 'in_sync' : file.state, code: file.error?.code, hint: file.error?.hint };
    }
    const report = status as TargetCycleReport;
    return { state: report.state, code: report.error?.code, hint: report.error?.hint };
  };
  const cycle = async (reason: 'manual' | 'wake' = 'manual') => {
    const report = await daemon.runCycle(reason);
    return { attempted: report.targets.some((t) => t.repairFailed || t.applied.length > 0) || report.fleets.some((f) => f.repairFailures > 0 || f.repairs.length > 0), applied: report.targets.some((t) => t.applied.length > 0) || report.fleets.some((f) => f.repairs.length > 0) };
  };
  return { daemon, clock, failures, stateGauge, view, cycle, lines };
}

function placeDatabase(kind: Kind, dir: string): { dbPath: string; root: string } {
  if (kind === 'file') return { dbPath: join(dir, 'app.db'), root: dir };
  const root = join(dir, 'tenants');
  mkdirSync(join(root, 'acme'), { recursive: true });
  return { dbPath: join(root, 'acme', 'app.db'), root };
}

describe.skipIf(!canMountTmpfs()).each(KINDS)('a %s target whose repair fails on a full disk (a real tmpfs)', (kind) => {
  const disks: SmallDisk[] = [];
  afterAll(() => disks.forEach((disk) => disk.dispose()));

  it('says repair_failing in every view while the disk stays full, attempts no more than the back-off allows, and repairs at once when space is freed', async () => {
    const disk = new SmallDisk(8192);
    disks.push(disk);
    const { dbPath, root } = placeDatabase(kind, disk.dir);
    fillDatabase(dbPath, 400);
    const filler = disk.fill();
    const { daemon, clock, failures, stateGauge, view, cycle, lines } = daemonFor(kind, dbPath, root);

    expect((await cycle()).attempted).toBe(true);
    expect(await failures()).toBe(1); // a fleet's failures are counted too (they were 0 before)
    // Honest: before the fix a file target said ok: true, error: null once backed off, and /readyz passed.
    let attempts = 1;
    for (let second = 5; second < 30; second += 5) {
      clock.ms += 5_000;
      expect(daemon.retryWanted()).toBe(false); // the cause persists: nothing wakes
      if ((await cycle()).attempted) attempts++;
      expect(view()).toMatchObject({ state: 'repair_failing', code: 'DB_DISK_FULL' });
      expect(view().hint).toBeTruthy();
    }
    expect(attempts).toBe(1); // 25 s of cycles every 5 s: still the one attempt (a fleet used to retry every sweep)
    expect(await failures()).toBe(1);
    expect(await stateGauge()).toBe('repair_failing');
    const health = daemon.health();
    expect(health.status).toBe('warn');
    expect(health.checks['target:app']![0]!.output).toContain('DB_DISK_FULL');
    // Logged once when it began, not on every cycle.
    expect(lines.filter((line) => line.includes('repair failing') || line.startsWith('state: repair failing') || line.startsWith('repair failed'))).toHaveLength(1);

    // The cause goes: the next probe wakes the repair well before the 30 s retry time.
    rmSync(filler);
    expect(daemon.retryWanted()).toBe(true);
    clock.ms += 1_000;
    // The waker's cycle: a fleet sweeps only the woken file.
    expect((await cycle('wake')).applied).toBe(true);
    expect(view()).toMatchObject({ state: 'in_sync', code: undefined });
    expect(await stateGauge()).toBe('in_sync');
    expect(daemon.health().status).toBe('pass');
    expect(await failures()).toBe(1);
    await daemon.stop();
  });
});

describe.each(KINDS)('a %s target whose repair waits for another writer’s lock', (kind) => {
  it('is not backed off: the cycle after the lock is released repairs, without waiting for a retry time', async () => {
    const dir = tempDir('driftd-lock-');
    const { dbPath, root } = placeDatabase(kind, dir);
    fillDatabase(dbPath, 10);
    const { daemon, failures, view, cycle } = daemonFor(kind, dbPath, root, 150, true);
    const holder = await holdLock(dbPath, 'BEGIN IMMEDIATE');
    try {
      const first = await cycle();
      expect(first.applied).toBe(false);
      expect(view()).toMatchObject({ state: 'repair_failing', code: 'DB_BUSY' });
      expect(daemon.retryWanted()).toBe(false); // still held
    } finally {
      await holder.release();
    }
    // Released: the waker sees the lock free, and the very next cycle (same instant) repairs.
    expect(daemon.retryWanted()).toBe(true);
    expect((await cycle('wake')).applied).toBe(true);
    expect(view()).toMatchObject({ state: 'in_sync' });
    expect(await failures()).toBe(1);
    await daemon.stop();
  });
});

describe('the cheap cause probes', () => {
  it('see a mode or owner change of the file or its directory, and free space that grew', () => {
    const dir = tempDir('driftd-probe-');
    const dbPath = join(dir, 'app.db');
    fillDatabase(dbPath, 1);
    chmodSync(dbPath, 0o444);
    const before = probeCause(dbPath);
    expect(causeMayHaveCleared(before, probeCause(dbPath))).toBe(false);
    chmodSync(dbPath, 0o644);
    expect(causeMayHaveCleared(before, probeCause(dbPath))).toBe(true);
    const atDir = probeCause(dbPath);
    chmodSync(dir, 0o755);
    expect(causeMayHaveCleared(atDir, probeCause(dbPath))).toBe(true);
    expect(causeMayHaveCleared({ ...atDir, freeBytes: 1_000_000 }, { ...atDir, freeBytes: 1_000_000 + 65_536 })).toBe(true);
    expect(causeMayHaveCleared({ ...atDir, freeBytes: 1_000_000 }, { ...atDir, freeBytes: 1_000_000 + 4096 })).toBe(false);
  });

  it('a woken attempt that fails again doubles the wait: an oscillating cause cannot storm', () => {
    let clock = 0;
    let snapshot = { freeBytes: 0, file: 'a', directory: 'd' };
    const backoff = new RepairBackoff({ clock: () => clock, now: () => new Date(clock) }, { cause: () => snapshot, lockHeld: () => false });
    const settings = { initialSeconds: 30, maxSeconds: 3600 };
    const error = { code: 'DB_READONLY' as const, message: 'read-only' };
    backoff.failed('/x.db', 's', error, settings);
    expect(backoff.allows('/x.db', 's')).toBe(false);
    snapshot = { ...snapshot, file: 'b' }; // the mode changed: woken
    expect(backoff.woken('/x.db')).toBe(true);
    expect(backoff.allows('/x.db', 's')).toBe(true);
    backoff.failed('/x.db', 's', error, settings); // ...and it still failed: 60 s now, judged against the new snapshot
    expect(backoff.status).toMatchObject({ failures: 2, retryAt: new Date(60_000).toISOString() });
    expect(backoff.allows('/x.db', 's')).toBe(false);
    clock = 60_000;
    expect(backoff.allows('/x.db', 's')).toBe(true);
  });
});
