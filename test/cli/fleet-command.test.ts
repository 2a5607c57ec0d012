import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTemplates, FLEET_SCHEMA_SQL, holdWalChange, placeCorrupt, placeNotADatabase, placeTenant, UPLOADS_RULE, type WalHolder } from '../support/fleet-fixture.js';
import { holdLock, type LockHolder } from '../support/lock-holder.js';
import { runCli, runCliAsync } from '../support/run-cli.js';
import { createDatabase, introspectFile, tempDir } from '../support/temp-db.js';

/**
 * The one-shot commands over a fleet of 300 real files in mixed states: in sync, missing a column
 * (safe), unsafe drift, corrupt, not a database, locked by another process, and a WAL-mode file with
 * an uncheckpointed schema change; a single-file target in the same config behaves as before.
 */
const dir = tempDir('driftd-fleet-cli-');
const root = join(dir, 'tenants');
const configPath = join(dir, 'driftd.json');
const single = join(dir, 'single.sqlite');
const paths = { missing: [] as string[], unsafe: [] as string[], inSync: [] as string[] };
let locked: string;
let wal: string;
let lockHolder: LockHolder;
let walHolder: WalHolder;

beforeAll(async () => {
  const templates = buildTemplates(dir);
  for (let i = 0; i < 260; i++) paths.inSync.push(placeTenant(root, `in-sync-${String(i).padStart(3, '0')}`, templates.inSync));
  for (let i = 0; i < 25; i++) paths.missing.push(placeTenant(root, `missing-${String(i).padStart(2, '0')}`, templates.missingColumn));
  for (let i = 0; i < 8; i++) paths.unsafe.push(placeTenant(root, `unsafe-${i}`, templates.unsafe));
  placeCorrupt(root, 'z-corrupt', templates.inSync);
  placeNotADatabase(root, 'z-notadb');
  locked = placeTenant(root, 'z-locked', templates.missingColumn);
  wal = placeTenant(root, 'z-wal', templates.inSync);
  // Three tenants left upload directories without rows (lost inserts): reconcile recovers them.
  for (const tenant of ['in-sync-000', 'in-sync-001', 'in-sync-002']) mkdirSync(join(root, tenant, 'uploads', `report-${tenant}`), { recursive: true });
  writeFileSync(join(dir, 'fleet.sql'), FLEET_SCHEMA_SQL);
  createDatabase(dir, FLEET_SCHEMA_SQL.replace("plan TEXT DEFAULT 'free'", 'plan TEXT'), { name: 'single.sqlite' });
  writeFileSync(
    configPath,
    JSON.stringify({
      busyTimeoutMs: 300,
      poolSize: 3,
      targets: [
        { name: 'tenants', databases: 'tenants/*/app.sqlite', schema: 'fleet.sql', repair: 'auto', reconcile: [UPLOADS_RULE] },
        { name: 'single', database: 'single.sqlite', schema: 'fleet.sql', repair: 'auto' },
      ],
    }),
  );
  lockHolder = await holdLock(locked, 'BEGIN EXCLUSIVE', "INSERT INTO accounts (name) VALUES ('held')");
  walHolder = await holdWalChange(wal, 'CREATE TABLE added_in_wal (x)');
});

afterAll(async () => {
  await lockHolder?.kill();
  await walHolder?.stop();
});

const columns = (path: string, table: string): string[] => introspectFile(path).tables.find((t) => t.name === table)!.columns.map((c) => c.name);

describe('check --config over a fleet', () => {
  it('prints one summary line per fleet target, then only the files that drift or fail; exit 2 for the failed files', async () => {
    const result = await runCliAsync(['check', '--config', configPath]);
    expect(result.status).toBe(2);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`tenants: ${root}/*/app.sqlite: 297 files: 261 in sync, 33 drifted, 0 repaired, 3 in error`);
    const attention = lines.slice(1, lines.findIndex((line) => line.startsWith('single:')));
    expect(attention).toHaveLength(33 + 3);
    expect(attention).toContain(`  drifted  ${paths.missing[0]}: missing_column accounts.plan (safe)`);
    expect(attention).toContain(`  drifted  ${paths.unsafe[0]}: column_type notes.body (unsafe)`);
    expect(attention).toContainEqual(expect.stringMatching(new RegExp(`^  error    ${root}/z-corrupt/app.sqlite: DB_CORRUPT: `)));
    expect(attention).toContainEqual(expect.stringMatching(new RegExp(`^  error    ${root}/z-notadb/app.sqlite: DB_NOT_SQLITE: `)));
    expect(attention).toContainEqual(expect.stringMatching(new RegExp(`^  error    ${locked}: DB_BUSY: `)));
    // The single-file target prints exactly as before.
    expect(result.stdout).toMatch(new RegExp(`\nsingle: ${single}\n  UNSAFE column_default +accounts\\.plan `));
    expect(result.stderr).toMatch(/^driftd check: DB_[A-Z_]+: target "tenants": 3 of 297 files failed: /);
    // check changes nothing
    expect(columns(paths.missing[0]!, 'accounts')).not.toContain('plan');
  });

  it('--json gives every file of the fleet with its state', () => {
    const result = runCli(['check', '--config', configPath, '--target', 'tenants', '--json']);
    expect(result.status).toBe(2);
    const output = JSON.parse(result.stdout);
    expect(output).toMatchObject({ target: 'tenants', databases: `${root}/*/app.sqlite`, files: 297, totals: { in_sync: 261, drifted: 33, repaired: 0, error: 3 }, dropped: 0 });
    expect(output.results).toHaveLength(297);
    expect(output.results.find((file: { path: string }) => file.path === wal)).toMatchObject({ state: 'in_sync', drift: [] });
  });
});

describe('repair and reconcile --config over a fleet', () => {
  it('repairs every file with safe drift in its own transaction and leaves the rest; reconcile recovers rows per tenant directory', async () => {
    const result = await runCliAsync(['repair', '--config', configPath, '--target', 'tenants']);
    expect(result.status).toBe(2);
    expect(result.stdout.split('\n')[0]).toBe(`tenants: ${root}/*/app.sqlite: 297 files: 261 in sync, 8 drifted, 25 repaired, 3 in error`);
    for (const path of paths.missing) expect(columns(path, 'accounts')).toContain('plan');
    expect(result.stdout).toMatch(new RegExp(`\n  error    ${locked}: DB_BUSY: `));
    // The WAL file's change is still only in its -wal and intact.
    expect(introspectFile(wal).tables.map((table) => table.name)).toContain('added_in_wal');

    const reconcile = runCli(['reconcile', '--config', configPath, '--target', 'tenants']);
    expect(reconcile.stdout.split('\n')[0]).toBe(`tenants: ${root}/*/app.sqlite: 297 files: 286 in sync, 8 drifted, 0 repaired, 3 in error; 3 rows recovered, 0 orphans left; 0 dangling; 0 skipped`);
    expect(reconcile.status).toBe(2);
    const db = new Database(join(root, 'in-sync-001', 'app.sqlite'), { readonly: true });
    expect(db.prepare('SELECT name, path FROM uploads').all()).toEqual([{ name: 'report-in-sync-001', path: join(root, 'in-sync-001', 'uploads', 'report-in-sync-001') }]);
    db.close();
    expect(runCli(['reconcile', '--config', configPath, '--target', 'tenants', '--json']).stdout).toContain('"recovered":0');
  });
});

describe('run --once over a fleet', () => {
  it('exits 0 when every file is in sync after the cycle (safe drift repaired) and 1 while a file stays drifted', () => {
    const small = tempDir('driftd-fleet-once-');
    const templates = buildTemplates(small);
    placeTenant(join(small, 't'), 'a', templates.inSync);
    placeTenant(join(small, 't'), 'b', templates.missingColumn);
    writeFileSync(join(small, 'fleet.sql'), FLEET_SCHEMA_SQL);
    const config = join(small, 'driftd.json');
    writeFileSync(config, JSON.stringify({ http: { port: 0 }, targets: [{ name: 'tenants', databases: 't/*/app.sqlite', schema: 'fleet.sql', repair: 'auto' }] }));
    expect(runCli(['run', '--config', config, '--once', '--log-level', 'error']).status).toBe(0);
    placeTenant(join(small, 't'), 'c', templates.unsafe);
    expect(runCli(['run', '--config', config, '--once', '--log-level', 'error']).status).toBe(1);
  });
});
