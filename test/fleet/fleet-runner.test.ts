import { existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../src/config/parse-config.js';
import { parseDatabaseHeader } from '../../src/db/database-header.js';
import { declaredSchemaFromSql, type DeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { retryWhileBusy } from '../../src/daemon/retry-while-busy.js';
import { ConnectionPool } from '../../src/fleet/connection-pool.js';
import { FleetRunner, type BusyRetry, type FleetSweepSettings } from '../../src/fleet/fleet-runner.js';
import { holdLock, type LockHolder } from '../support/lock-holder.js';
import { buildTemplates, FLEET_SCHEMA_SQL, holdWalChange, placeCorrupt, placeNotADatabase, placeTenant, type Variant, type WalHolder } from '../support/fleet-fixture.js';
import { introspectFile, tempDir } from '../support/temp-db.js';

const declared: DeclaredSchema = { schema: declaredSchemaFromSql(FLEET_SCHEMA_SQL, 'fleet.sql'), path: 'fleet.sql', contentHash: 'fleet-v1' };
const retry: BusyRetry = (attempt, budgetMs) => retryWhileBusy(attempt, { budgetMs, clock: () => performance.now() });
const check: FleetSweepSettings = { mode: 'check', busyTimeoutMs: 300, backup: null, reconcile: 'none', repairBackoff: { initialSeconds: 30, maxSeconds: 3600 } };
const repair: FleetSweepSettings = { ...check, mode: 'repair' };

function fleetTarget(root: string): TargetConfig {
  const pattern = `${root}/*/app.sqlite`;
  return { name: 'tenants', database: pattern, fleet: { pattern, root }, schema: 'fleet.sql', repair: 'auto', ignoreTables: [], foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [] };
}

function runner(retryFn: BusyRetry = retry, poolSize = 3): FleetRunner {
  return new FleetRunner('tenants', { pool: new ConnectionPool(poolSize), retry: retryFn, clock: () => performance.now(), now: () => new Date() });
}

const columnsOf = (path: string, table: string): string[] => introspectFile(path).tables.find((t) => t.name === table)!.columns.map((c) => c.name);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('a fleet of a few hundred files in mixed states', () => {
  let dir: string;
  let root: string;
  let templates: Record<Variant, string>;
  const layout = { inSync: 220, missingColumn: 25, unsafe: 12 } as const;

  beforeAll(() => {
    dir = tempDir('driftd-fleet-');
    root = join(dir, 'tenants');
    templates = buildTemplates(dir);
    let n = 0;
    for (const [variant, count] of Object.entries(layout) as Array<[Variant, number]>) {
      for (let i = 0; i < count; i++) placeTenant(root, `t${String(n++).padStart(4, '0')}-${variant}`, templates[variant]);
    }
    for (let i = 0; i < 3; i++) placeCorrupt(root, `x${i}-corrupt`, templates.inSync);
    for (let i = 0; i < 2; i++) placeNotADatabase(root, `x${i}-notadb`);
    // Never listed: a symlinked tenant directory, a symlinked file, a directory named like the file, a hidden tenant.
    const outside = join(dir, 'outside');
    placeTenant(outside, 'victim', templates.missingColumn);
    symlinkSync(join(outside, 'victim'), join(root, 'y-linked-dir'));
    mkdirSync(join(root, 'y-linked-file'));
    symlinkSync(join(outside, 'victim', 'app.sqlite'), join(root, 'y-linked-file', 'app.sqlite'));
    mkdirSync(join(root, 'y-dir-named-like-file', 'app.sqlite'), { recursive: true });
    placeTenant(root, '.hidden', templates.missingColumn);
    mkdirSync(join(root, 'y-empty'));
  });

  it('checks every regular file, reports per-file states and per-target totals, and lists nothing through a symlink', async () => {
    const fleet = runner();
    const report = await fleet.sweep(fleetTarget(root), declared, check);
    expect(report.error).toBeNull();
    expect(report.files).toBe(220 + 25 + 12 + 5);
    expect(report.totals).toEqual({ in_sync: 220, drifted: 37, repaired: 0, held: 0, repair_failing: 0, error: 5 });
    expect(report.appeared).toBe(report.files);
    const paths = fleet.results().map((result) => result.path);
    expect(paths.some((path) => path.includes('y-') || path.includes('.hidden'))).toBe(false);
    const errors = fleet
      .results('error')
      .map((result) => [result.path.replace(/^.*\/x\d-/, ''), result.error!.code])
      .sort();
    expect(errors).toEqual([
      ['corrupt/app.sqlite', 'DB_CORRUPT'],
      ['corrupt/app.sqlite', 'DB_CORRUPT'],
      ['corrupt/app.sqlite', 'DB_CORRUPT'],
      ['notadb/app.sqlite', 'DB_NOT_SQLITE'],
      ['notadb/app.sqlite', 'DB_NOT_SQLITE'],
    ]);
    const missing = fleet.results('drifted').find((result) => result.path.includes('missingColumn'))!;
    expect(missing.drift).toEqual([expect.objectContaining({ kind: 'missing_column', table: 'accounts', column: 'plan', safe: true })]);
    const unsafe = fleet.results('drifted').find((result) => result.path.includes('unsafe'))!;
    expect(unsafe.drift).toEqual([expect.objectContaining({ kind: 'column_type', table: 'notes', column: 'body', safe: false })]);
    // Check mode changed nothing.
    expect(columnsOf(missing.path, 'accounts')).not.toContain('plan');
  });

  it('repairs the safe drift, then confirms it, then finds nothing changed without opening a connection', async () => {
    const fleet = runner();
    const target = fleetTarget(root);
    const first = await fleet.sweep(target, declared, repair);
    expect(first.totals).toEqual({ in_sync: 220, drifted: 12, repaired: 25, held: 0, repair_failing: 0, error: 5 });
    expect(first.fresh.filter((result) => result.state === 'repaired').every((result) => result.applied.length === 1)).toBe(true);
    const repaired = fleet.results('repaired')[0]!;
    expect(columnsOf(repaired.path, 'accounts')).toContain('plan');
    expect(new Database(repaired.path, { readonly: true }).prepare('SELECT count(*) AS n FROM accounts').get()).toEqual({ n: 2 });
    // The file driftd never lists was never touched.
    expect(columnsOf(join(dir, 'outside', 'victim', 'app.sqlite'), 'accounts')).not.toContain('plan');

    const second = await fleet.sweep(target, declared, repair);
    expect(second.totals).toEqual({ in_sync: 245, drifted: 12, repaired: 0, held: 0, repair_failing: 0, error: 5 });
    // Repaired files are checked once more (our ALTER moved their cookie); errors always are.
    expect(second.checked).toBe(25 + 5);

    const third = await fleet.sweep(target, declared, repair);
    expect(third.checked).toBe(5);
    expect(third.unchanged).toBe(257);
    expect(third.totals).toEqual(second.totals);
  });
});

describe('unchanged check', () => {
  it('a target whose columnOrder changes is swept fully again: "ignore" leaves column_order out of every file', async () => {
    const dir = tempDir('driftd-fleet-');
    const root = join(dir, 'tenants');
    const paths = ['a', 'b'].map((tenant) => {
      mkdirSync(join(root, tenant), { recursive: true });
      const db = new Database(join(root, tenant, 'app.sqlite'));
      db.exec(FLEET_SCHEMA_SQL.replace("name TEXT NOT NULL, plan TEXT DEFAULT 'free'", "plan TEXT DEFAULT 'free', name TEXT NOT NULL"));
      db.close();
      return join(root, tenant, 'app.sqlite');
    });
    const fleet = runner();
    const reported = await fleet.sweep(fleetTarget(root), declared, check);
    expect(reported.totals).toMatchObject({ in_sync: 0, drifted: 2 });
    expect(fleet.results('drifted').map((result) => result.drift.map((item) => item.kind))).toEqual([['column_order'], ['column_order']]);
    expect((await fleet.sweep(fleetTarget(root), declared, check)).checked).toBe(0);
    const ignoring = { ...fleetTarget(root), columnOrder: 'ignore' } as const;
    const ignored = await fleet.sweep(ignoring, declared, check);
    expect(ignored.checked).toBe(paths.length);
    expect(ignored.totals).toMatchObject({ in_sync: 2, drifted: 0 });
    expect((await fleet.sweep(ignoring, declared, check)).checked).toBe(0);
  });

  it('sees a schema change in rollback-journal mode from the header alone, and a data write too', async () => {
    const dir = tempDir('driftd-fleet-');
    const templates = buildTemplates(dir);
    const root = join(dir, 'tenants');
    const paths = ['a', 'b', 'c'].map((tenant) => placeTenant(root, tenant, templates.inSync));
    const fleet = runner();
    const target = fleetTarget(root);
    await fleet.sweep(target, declared, check);
    expect((await fleet.sweep(target, declared, check)).checked).toBe(0);
    const db = new Database(paths[1]!);
    db.exec('CREATE TABLE extra (x)');
    db.close();
    const after = await fleet.sweep(target, declared, check);
    expect(after.checked).toBe(1);
    expect(after.fresh[0]!.path).toBe(paths[1]);
    const writer = new Database(paths[2]!);
    writer.exec("INSERT INTO accounts (name) VALUES ('x')");
    writer.close();
    expect((await fleet.sweep(target, declared, check)).fresh.map((result) => result.path)).toEqual([paths[2]]);
  });

  it('sees a schema change made in WAL mode and not yet checkpointed (the main file header is stale)', async () => {
    const dir = tempDir('driftd-fleet-');
    const templates = buildTemplates(dir);
    const root = join(dir, 'tenants');
    const path = placeTenant(root, 'wal', templates.inSync);
    placeTenant(root, 'other', templates.inSync);
    const fleet = runner();
    const target = fleetTarget(root);
    // The file goes to WAL mode and back to an unchanged sweep first.
    const switcher = new Database(path);
    switcher.pragma('journal_mode = WAL');
    switcher.close();
    await fleet.sweep(target, declared, check);
    expect((await fleet.sweep(target, declared, check)).checked).toBe(0);
    const cookieBefore = parseDatabaseHeader(readFileSync(path).subarray(0, 100))!.schemaCookie;

    const holder: WalHolder = await holdWalChange(path, 'ALTER TABLE accounts DROP COLUMN plan');
    cleanups.push(() => holder.stop());
    // The trap: the main file still shows the old schema cookie; the change lives only in -wal.
    expect(parseDatabaseHeader(readFileSync(path).subarray(0, 100))!.schemaCookie).toBe(cookieBefore);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);

    const seen = await fleet.sweep(target, declared, check);
    expect(seen.fresh.map((result) => [result.path, result.state])).toEqual([[path, 'drifted']]);
    expect(fleet.results('drifted')[0]!.drift).toEqual([expect.objectContaining({ kind: 'missing_column', column: 'plan' })]);
  });
});

describe('files that come, go, lock and escape', () => {
  it('drops a file deleted mid-sweep and picks up one created mid-sweep on the next sweep (or at once when a watcher names it)', async () => {
    const dir = tempDir('driftd-fleet-');
    const templates = buildTemplates(dir);
    const root = join(dir, 'tenants');
    const paths = ['a', 'b', 'c', 'd'].map((tenant) => placeTenant(root, tenant, templates.inSync));
    let fired = false;
    // The first full check deletes the last file and creates a new one: both after the listing.
    const racing: BusyRetry = (attempt, budgetMs) => {
      if (!fired) {
        fired = true;
        rmSync(paths[3]!);
        placeTenant(root, 'e', templates.missingColumn);
      }
      return retry(attempt, budgetMs);
    };
    const fleet = runner(racing, 1);
    const target = fleetTarget(root);
    const first = await fleet.sweep(target, declared, check);
    expect(first.dropped).toBe(1);
    expect(fleet.results().map((result) => result.path)).toEqual(paths.slice(0, 3));
    const second = await fleet.sweep(target, declared, check);
    expect(second.appeared).toBe(1);
    expect(fleet.results('drifted').map((result) => result.path)).toEqual([join(root, 'e', 'app.sqlite')]);

    rmSync(join(root, 'b'), { recursive: true });
    const third = await fleet.sweep(target, declared, check);
    expect(third.dropped).toBe(1);
    expect(fleet.dropped).toBe(2);

    // A watcher reporting a deletion the sweep already counted does not count it twice.
    const again = await fleet.sweep(target, declared, { ...check, only: [join(root, 'b', 'app.sqlite')] });
    expect(again.dropped).toBe(0);
    expect(fleet.dropped).toBe(2);

    const created = placeTenant(root, 'f', templates.missingColumn);
    const watched = await fleet.sweep(target, declared, { ...check, only: [created, join(root, 'f', 'notes.txt'), '/etc/passwd'] });
    expect(watched.fresh.map((result) => result.path)).toEqual([created]);
    expect(watched.files).toBe(4);
  });

  it('reports a locked file as DB_BUSY without holding up the others, and checks it once the lock is gone', async () => {
    const dir = tempDir('driftd-fleet-');
    const templates = buildTemplates(dir);
    const root = join(dir, 'tenants');
    const paths = ['a', 'b', 'c'].map((tenant) => placeTenant(root, tenant, templates.missingColumn));
    const holder: LockHolder = await holdLock(paths[0]!, 'BEGIN EXCLUSIVE', "INSERT INTO accounts (name) VALUES ('locked')");
    cleanups.push(() => holder.kill());
    const fleet = runner();
    const target = fleetTarget(root);
    const report = await fleet.sweep(target, declared, repair);
    expect(fleet.results('error').map((result) => [result.path, result.error!.code, result.error!.message])).toEqual([[paths[0], 'DB_BUSY', expect.any(String)]]);
    expect(report.totals.repaired).toBe(2);
    await holder.release();
    await fleet.sweep(target, declared, repair);
    expect(fleet.results().find((result) => result.path === paths[0])!.state).toBe('repaired');
    expect(new Database(paths[0]!, { readonly: true }).prepare('SELECT count(*) AS n FROM accounts').get()).toEqual({ n: 3 });
  });

  it('refuses a file whose directory was swapped for a symlink out of the root, and leaves the file behind it alone', async () => {
    const dir = tempDir('driftd-fleet-');
    const templates = buildTemplates(dir);
    const root = join(dir, 'tenants');
    placeTenant(root, 'a', templates.inSync);
    const victim = placeTenant(join(dir, 'outside'), 'v', templates.missingColumn);
    symlinkSync(join(dir, 'outside', 'v'), join(root, 'swapped'));
    const fleet = runner();
    // A watcher (or a listing made just before the swap) names the path; the check must still refuse it.
    await fleet.sweep(fleetTarget(root), declared, { ...repair, only: [join(root, 'swapped', 'app.sqlite')] });
    expect(fleet.results().map((result) => [result.state, result.error?.code])).toEqual([['error', 'DB_OUTSIDE_ROOT']]);
    expect(columnsOf(victim, 'accounts')).not.toContain('plan');
  });

  it('reports a missing root as the sweep error and keeps the results it had', async () => {
    const dir = tempDir('driftd-fleet-');
    const templates = buildTemplates(dir);
    const root = join(dir, 'tenants');
    placeTenant(root, 'a', templates.inSync);
    const fleet = runner();
    await fleet.sweep(fleetTarget(root), declared, check);
    rmSync(root, { recursive: true });
    const report = await fleet.sweep(fleetTarget(root), declared, check);
    expect(report.error?.code).toBe('FLEET_ROOT_MISSING');
    expect(report.files).toBe(1);
    expect(existsSync(root)).toBe(false);
    writeFileSync(join(dir, 'unused'), '');
  });
});
