import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DaemonProcess, eventually, sqlInChild, tempDir } from '../helpers/daemon-process.js';
import { buildTemplates, FLEET_SCHEMA_SQL, holdWalChange, placeCorrupt, placeNotADatabase, placeTenant, type WalHolder } from '../support/fleet-fixture.js';
import { holdLock, type LockHolder } from '../support/lock-holder.js';

/**
 * A real `driftd run` over a fleet of 240 real files in mixed states, through HTTP: /status totals
 * and paged file lists, low-cardinality metrics, watching (a schema change, a new file), files that
 * vanish, a locked file, a WAL-mode file with an uncheckpointed schema change, and a single-file
 * target beside it that reports exactly as before.
 */
const dir = tempDir('driftd-fleet-daemon-');
const root = join(dir, 'tenants');
const single = join(dir, 'single.sqlite');
let templates: ReturnType<typeof buildTemplates>;
let daemon: DaemonProcess;
let lockHolder: LockHolder;
let walHolder: WalHolder;
let locked: string;
let wal: string;
const inSync: string[] = [];

beforeAll(async () => {
  templates = buildTemplates(dir);
  for (let i = 0; i < 200; i++) inSync.push(placeTenant(root, `a-${String(i).padStart(3, '0')}`, templates.inSync));
  for (let i = 0; i < 20; i++) placeTenant(root, `m-${String(i).padStart(2, '0')}`, templates.missingColumn);
  for (let i = 0; i < 12; i++) placeTenant(root, `u-${String(i).padStart(2, '0')}`, templates.unsafe);
  placeCorrupt(root, 'x-corrupt', templates.inSync);
  placeNotADatabase(root, 'x-notadb');
  locked = placeTenant(root, 'x-locked', templates.missingColumn);
  wal = placeTenant(root, 'w-wal', templates.inSync);
  writeFileSync(join(dir, 'fleet.sql'), FLEET_SCHEMA_SQL);
  const db = new Database(single);
  db.exec(FLEET_SCHEMA_SQL);
  db.close();
  writeFileSync(
    join(dir, 'driftd.json'),
    JSON.stringify({
      schedule: '*/2 * * * * *',
      debounceMs: 50,
      busyTimeoutMs: 200,
      poolSize: 2,
      http: { port: 0 },
      targets: [
        { name: 'tenants', databases: 'tenants/*/app.sqlite', schema: 'fleet.sql', repair: 'auto' },
        { name: 'single', database: 'single.sqlite', schema: 'fleet.sql', repair: 'auto' },
      ],
    }),
  );
  lockHolder = await holdLock(locked, 'BEGIN EXCLUSIVE', "INSERT INTO accounts (name) VALUES ('held')");
  // Another process switched this tenant to WAL and dropped a column; the change sits uncheckpointed in -wal.
  walHolder = await holdWalChange(wal, 'ALTER TABLE accounts DROP COLUMN plan');
  daemon = await DaemonProcess.start(join(dir, 'driftd.json'));
  await eventually(async () => (await daemon.json('/status')).targets[0].totals !== undefined, 30_000, 'first fleet sweep');
}, 60_000);

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await lockHolder?.kill();
  await walHolder?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('driftd run with a fleet target (real process, real HTTP)', () => {
  it('reports per-target totals in /status and the files that need attention; the single-file target as before', async () => {
    const status = await daemon.json('/status');
    const fleet = status.targets[0];
    expect(fleet).toMatchObject({ target: 'tenants', databases: `${root}/*/app.sqlite`, fleet: true, files: 236 });
    // 20 missing columns and the WAL file's dropped column repaired (the first sweep says repaired, later ones in sync).
    expect(fleet.totals.in_sync + fleet.totals.repaired).toBe(200 + 20 + 1);
    expect(fleet.totals).toMatchObject({ drifted: 12, error: 3 });
    expect(fleet.attention.total).toBe(15);
    expect(status.targets[1]).toMatchObject({ target: 'single', database: single, ok: true, check: { inSync: true } });
    // The WAL file's change was seen and repaired through its own -wal, the holder still connected.
    const repairedWal = new Database(wal, { readonly: true });
    expect(repairedWal.prepare("SELECT count(*) AS n FROM pragma_table_info('accounts') WHERE name = 'plan'").get()).toEqual({ n: 1 });
    repairedWal.close();
  });

  it('pages a fleet target\'s files by state: ?target=…&state=drift&limit=…&offset=…', async () => {
    const first = await daemon.json('/status?target=tenants&state=drift&limit=5&offset=0');
    expect(first).toMatchObject({ target: 'tenants', state: 'drifted', total: 12, limit: 5, offset: 0 });
    expect(first.files).toHaveLength(5);
    const last = await daemon.json('/status?target=tenants&state=drift&limit=5&offset=10');
    expect(last.files.map((file: { path: string }) => file.path)).toEqual([join(root, 'u-10', 'app.sqlite'), join(root, 'u-11', 'app.sqlite')]);
    expect(last.files[0].drift[0]).toMatchObject({ kind: 'column_type', table: 'notes', column: 'body', safe: false });
    const errors = await daemon.json('/status?target=tenants&state=error');
    expect(errors.files.map((file: { path: string; error: { code: string } }) => [file.path.slice(root.length + 1), file.error.code])).toEqual([
      ['x-corrupt/app.sqlite', 'DB_CORRUPT'],
      ['x-locked/app.sqlite', 'DB_BUSY'],
      ['x-notadb/app.sqlite', 'DB_NOT_SQLITE'],
    ]);
    expect((await daemon.get('/status?target=tenants&state=bogus')).status).toBe(400);
    expect((await daemon.get('/status?target=tenants&limit=100000')).status).toBe(400);
    expect((await daemon.get('/status?target=nope')).status).toBe(404);
  });

  it('exports counts per target and state, never a label per file', async () => {
    expect(await daemon.metric('driftd_fleet_files{target="tenants",state="drifted"}')).toBe(12);
    expect(await daemon.metric('driftd_fleet_files{target="tenants",state="error"}')).toBe(3);
    expect(await daemon.metric('driftd_repairs_total{target="tenants",table="accounts",kind="missing_column"}')).toBe(21);
    expect(await daemon.metric('driftd_drift_items{target="tenants",table="notes",kind="column_type",safety="unsafe"}')).toBe(12);
    const text = await (await daemon.get('/metrics')).text();
    expect(text).not.toContain(root);
  });

  it('repairs a schema change in one file of the fleet when the watcher reports it', async () => {
    const target = inSync[117]!;
    const before = daemon.lines.length;
    sqlInChild(target, 'ALTER TABLE accounts DROP COLUMN plan');
    const line = await daemon.waitForLog((entry) => entry.msg === 'repair applied' && entry.database === target);
    expect(line).toMatchObject({ target: 'tenants', table: 'accounts', kind: 'missing_column' });
    expect(daemon.lines.slice(before).some((entry) => entry.msg === 'fleet files changed' && entry.target === 'tenants')).toBe(true);
  });

  it('picks up a file that appears and drops one that disappears (counted)', async () => {
    const created = placeTenant(root, 'n-new', templates.missingColumn);
    await daemon.waitForLog((entry) => entry.msg === 'repair applied' && entry.database === created);
    rmSync(join(root, 'a-000'), { recursive: true });
    const status = await eventually(async () => {
      const body = await daemon.json('/status');
      return body.targets[0].droppedTotal >= 1 ? body : null;
    }, 20_000, 'a dropped file');
    expect(status.targets[0].files).toBe(236);
    expect(await daemon.metric('driftd_fleet_files_dropped_total{target="tenants"}')).toBe(1);
  });

  it('checks the locked file once its lock is released, and keeps answering /livez throughout', async () => {
    await lockHolder.release();
    await daemon.waitForLog((entry) => entry.msg === 'repair applied' && entry.database === locked);
    expect((await daemon.get('/livez')).status).toBe(200);
    const errors = await eventually(async () => {
      const body = await daemon.json('/status?target=tenants&state=error');
      return body.total === 2 ? body : null;
    }, 20_000, 'the locked file out of the error list');
    expect(errors.files.map((file: { path: string }) => file.path)).not.toContain(locked);
  });
});
