// Issue 14, defect 2 (security, data loss): a tenant directory swapped for a symlink out of the fleet
// root and back (renameat2 RENAME_EXCHANGE) while sweeps repair. Before the fix, drifted databases
// *outside* the root were opened hundreds of times per run and ALTER TABLE committed on some of them,
// a hot -journal was left beside an outside file, and the audit trail credited the repairs to the
// in-root tenant: the root check ran, then the file was reopened by path, and SQLite created its
// journal by path too. The outside directory is watched with inotify, which reports every open,
// read, create and write of its entries whatever path reached them, so "nothing outside was opened"
// is measured, not inferred. FLEET_SWAP_RACE_SWAPS / FLEET_SWAP_RACE_ROUNDS set the big run.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../src/config/parse-config.js';
import { retryWhileBusy } from '../../src/daemon/retry-while-busy.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { ConnectionPool } from '../../src/fleet/connection-pool.js';
import { FleetRunner, type BusyRetry, type FleetSweepSettings } from '../../src/fleet/fleet-runner.js';
import { reconcileRuleFormat, resolveRule } from '../../src/reconcile/rule/reconcile-rule-format.js';
import { UPLOADS_RULE } from '../support/fleet-fixture.js';
import { OpenWatcher } from '../support/open-watcher.js';
import { Swapper } from '../support/swapper.js';
import { createDatabase, runShell, tempDir } from '../support/temp-db.js';

const MIN_SWAPS = Number(process.env.FLEET_SWAP_RACE_SWAPS ?? 2_000);
const MIN_ROUNDS = Number(process.env.FLEET_SWAP_RACE_ROUNDS ?? 40);

const retry: BusyRetry = (attempt, budgetMs) => retryWhileBusy(attempt, { budgetMs, clock: () => performance.now() });
// Reconcile rounds too: the bound root `{databaseDir}/uploads` is listed and read while the tenant is swapped.
// No back-off: a repair a swap made fail is tried again at the next sweep, so repairs keep racing the swaps.
const repair: FleetSweepSettings = { mode: 'repair', busyTimeoutMs: 300, backup: null, reconcile: 'apply', repairBackoff: { initialSeconds: 0, maxSeconds: 0 } };
const UPLOADS = 'CREATE TABLE uploads (id INTEGER PRIMARY KEY, path TEXT UNIQUE, name TEXT);';
const START_SQL = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items (name) VALUES ('a'); ${UPLOADS}`;

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop().catch(() => undefined);
});

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a fleet under a tenant directory/symlink swap race', () => {
  it(`never opens, creates or writes a file outside the root, for the database or its -journal/-wal/-shm (≥ ${MIN_SWAPS} swaps, ≥ ${MIN_ROUNDS} repairing sweeps)`, async () => {
    const dir = tempDir('driftd-fleet-race-');
    const root = join(dir, 'tenants');
    const tenant = join(root, 't');
    const outside = join(dir, 'outside');
    mkdirSync(tenant, { recursive: true });
    mkdirSync(outside);
    // One file in rollback-journal mode, one in WAL mode, inside and (the victims) outside.
    for (const place of [tenant, outside]) {
      createDatabase(place, START_SQL, { name: 'app.sqlite' });
      createDatabase(place, START_SQL, { name: 'wal.sqlite', journalMode: 'wal' });
    }
    mkdirSync(join(tenant, 'uploads', 'u-inside'), { recursive: true });
    mkdirSync(join(outside, 'uploads', 'u-outside'), { recursive: true });
    const before = { app: digest(join(outside, 'app.sqlite')), wal: digest(join(outside, 'wal.sqlite')) };
    mkdirSync(join(dir, 'parked'));
    symlinkSync(outside, join(dir, 'parked', 't'));

    const watcher = new OpenWatcher([outside, join(outside, 'uploads'), join(outside, 'uploads', 'u-outside')]);
    stops.push(() => watcher.stop());
    await watcher.started();
    // A short rest after each swap: the tenant is in place most of the time, so repairs complete and race the swaps.
    const swapper = new Swapper(tenant, join(dir, 'parked', 't'), { pauseMicros: 50 });
    stops.push(() => swapper.stop());
    await swapper.started();

    // `*/*.sqlite`: the tenant directory is listed (not looked up), so its listing races too.
    const pattern = `${root}/*/*.sqlite`;
    const rule = resolveRule(reconcileRuleFormat.parse(UPLOADS_RULE), (path) => path, dir);
    const target: TargetConfig = { name: 'race', database: pattern, fleet: { pattern, root }, schema: 'race.sql', repair: 'auto', ignoreTables: [], foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [rule] };
    const fleet = new FleetRunner('race', { pool: new ConnectionPool(2), retry, clock: () => performance.now(), now: () => new Date() });
    let rounds = 0;
    let repairedInside = 0;
    const errors = new Map<string, number>();
    // Until enough swaps and sweeps, and some repair has gone through while they ran (bounded: the test's timeout
    // fires, since each round yields a turn).
    while (rounds < MIN_ROUNDS || swapper.count < MIN_SWAPS || repairedInside < 1) {
      // A new column every round, the earlier ones kept: every sweep that reaches a file repairs it (a journal or
      // WAL write each time). Declaring only the round's own column made the last round's an undeclared column of
      // the same shape, a possible rename that is never repaired: 1–2 repairs in 40 sweeps.
      const columns = Array.from({ length: rounds + 1 }, (_, index) => `, c${index} TEXT`).join('');
      const declared = { schema: declaredSchemaFromSql(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT${columns}); ${UPLOADS}`, 'race.sql'), path: 'race.sql', contentHash: `race-${rounds}` };
      const report = await fleet.sweep(target, declared, repair);
      for (const result of report.fresh) {
        if (result.state === 'repaired') repairedInside++;
        if (result.error) errors.set(result.error.code, (errors.get(result.error.code) ?? 0) + 1);
      }
      rounds++;
      // A sweep that opens nothing (every file failing fast) resolves in microtasks alone: yield a turn, so the
      // swapper's count (its stdout) and the test's own timeout are serviced, and the loop can end.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const swaps = await swapper.stop();
    const seen = await watcher.stop();
    console.log(`fleet swap race: ${swaps} swaps, ${rounds} sweeps, ${repairedInside} repairs inside, errors ${JSON.stringify(Object.fromEntries(errors))}, outside events ${seen.events}`);

    expect(swaps).toBeGreaterThanOrEqual(MIN_SWAPS);
    // The race was run: repairs went through (journals and WAL frames written) while the swaps ran.
    expect(repairedInside).toBeGreaterThan(0);
    // Before the fix: hundreds of IN_OPEN on outside/app.sqlite, and -journal created beside it.
    expect(seen.sample).toEqual([]);
    expect(seen.events).toBe(0);
    expect(readdirSync(outside).sort()).toEqual(['app.sqlite', 'uploads', 'wal.sqlite']);
    expect({ app: digest(join(outside, 'app.sqlite')), wal: digest(join(outside, 'wal.sqlite')) }).toEqual(before);
    // A repair that met a swap failed closed (its transaction rolled back whole): the tenant's own files are sound.
    for (const name of ['app.sqlite', 'wal.sqlite']) {
      expect(runShell(join(tenant, name), 'PRAGMA integrity_check;').trim()).toBe('ok');
      // Rows come from the tenant's own uploads only, never from the directory it was swapped with.
      expect(runShell(join(tenant, name), 'SELECT name FROM uploads;').trim()).not.toContain('u-outside');
    }
  }, 600_000);
});
