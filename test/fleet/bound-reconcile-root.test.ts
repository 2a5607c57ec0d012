// Issue 14, defect 3 (security): a tenant whose `{databaseDir}/uploads` was a symlink to another
// tenant's directory got rows with the victim's values inserted into its own database, through the
// CLI and the daemon: bindRules substituted text and scanRoot accepted a symlinked root. A bound
// root is now walked from the fleet's root through the tenant's own directory without following a
// link in any component (for the listing and every directory inspected), and a symlink in it is
// skipped, never followed.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../src/config/parse-config.js';
import { retryWhileBusy } from '../../src/daemon/retry-while-busy.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { ConnectionPool } from '../../src/fleet/connection-pool.js';
import { FleetRunner, type BusyRetry } from '../../src/fleet/fleet-runner.js';
import { resolveRule, reconcileRuleFormat } from '../../src/reconcile/rule/reconcile-rule-format.js';
import { buildTemplates, FLEET_SCHEMA_SQL, placeTenant, UPLOADS_RULE } from '../support/fleet-fixture.js';
import { runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

const uploadNames = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM uploads ORDER BY name').all() as Array<{ name: string }>).map((row) => row.name);
  } finally {
    db.close();
  }
};

/** Tenants a (the attacker) and b (the victim, with two upload directories and no rows yet). */
function fleetWithVictim(): { dir: string; root: string; config: string; attacker: string; victim: string } {
  const dir = tempDir('driftd-bound-');
  const templates = buildTemplates(dir);
  const root = join(dir, 'tenants');
  const attacker = placeTenant(root, 'a', templates.inSync);
  const victim = placeTenant(root, 'b', templates.inSync);
  for (const name of ['b-secret-1', 'b-secret-2']) mkdirSync(join(root, 'b', 'uploads', name), { recursive: true });
  writeFileSync(join(dir, 'fleet.sql'), FLEET_SCHEMA_SQL);
  const config = join(dir, 'driftd.json');
  writeFileSync(config, JSON.stringify({ busyTimeoutMs: 300, targets: [{ name: 'tenants', databases: 'tenants/*/app.sqlite', schema: 'fleet.sql', repair: 'auto', reconcile: [UPLOADS_RULE] }] }));
  return { dir, root, config, attacker, victim };
}

describe('a {databaseDir} reconcile root', () => {
  it("that is a symlink to another tenant's directory is refused (CLI): no row of the victim's lands in the attacker's database", () => {
    const { root, config, attacker, victim } = fleetWithVictim();
    symlinkSync(join(root, 'b', 'uploads'), join(root, 'a', 'uploads'));
    const run = runCli(['reconcile', '--config', config, '--json']);
    // Before the fix: a's database got b-secret-1 and b-secret-2.
    expect(uploadNames(attacker)).toEqual([]);
    expect(uploadNames(victim)).toEqual(['b-secret-1', 'b-secret-2']);
    expect(run.stdout).toContain('RECONCILE_ROOT_UNREADABLE');
    expect(run.stdout).toContain('never follows a link');
  });

  it('holding a symlink to a directory of another tenant skips it, through the daemon\'s fleet runner too', async () => {
    const { dir, root, attacker, victim } = fleetWithVictim();
    mkdirSync(join(root, 'a', 'uploads', 'a-own'), { recursive: true });
    symlinkSync(join(root, 'b', 'uploads', 'b-secret-1'), join(root, 'a', 'uploads', 'stolen'));
    const pattern = `${root}/*/app.sqlite`;
    const rule = resolveRule(reconcileRuleFormat.parse(UPLOADS_RULE), (path) => path, dir);
    const target: TargetConfig = { name: 'tenants', database: pattern, fleet: { pattern, root }, schema: 'fleet.sql', repair: 'auto', ignoreTables: [], foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [rule] };
    const retry: BusyRetry = (attempt, budgetMs) => retryWhileBusy(attempt, { budgetMs, clock: () => performance.now() });
    const fleet = new FleetRunner('tenants', { pool: new ConnectionPool(2), retry, clock: () => performance.now(), now: () => new Date() });
    const declared = { schema: declaredSchemaFromSql(FLEET_SCHEMA_SQL, 'fleet.sql'), path: 'fleet.sql', contentHash: 'v1' };
    await fleet.sweep(target, declared, { mode: 'repair', busyTimeoutMs: 300, backup: null, reconcile: 'apply', repairBackoff: { initialSeconds: 30, maxSeconds: 3600 } });
    expect(uploadNames(attacker)).toEqual(['a-own']);
    expect(uploadNames(victim)).toEqual(['b-secret-1', 'b-secret-2']);
    const a = fleet.results().find((result) => result.path === attacker)!;
    expect(a.reconcile).toEqual([expect.objectContaining({ recovered: 1, skipped: 1, error: null })]);

    // The root itself a symlink, through the runner: refused with the reason, nothing inserted.
    const second = fleetWithVictim();
    symlinkSync(join(second.root, 'b', 'uploads'), join(second.root, 'a', 'uploads'));
    const secondPattern = `${second.root}/*/app.sqlite`;
    const secondFleet = new FleetRunner('tenants', { pool: new ConnectionPool(2), retry, clock: () => performance.now(), now: () => new Date() });
    await secondFleet.sweep({ ...target, database: secondPattern, fleet: { pattern: secondPattern, root: second.root } }, declared, { mode: 'repair', busyTimeoutMs: 300, backup: null, reconcile: 'apply', repairBackoff: { initialSeconds: 30, maxSeconds: 3600 } });
    expect(uploadNames(second.attacker)).toEqual([]);
    expect(secondFleet.results().find((result) => result.path === second.attacker)!.error?.code).toBe('RECONCILE_ROOT_UNREADABLE');
  });
});
