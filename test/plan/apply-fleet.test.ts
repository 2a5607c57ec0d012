import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { applyPlanToFleet } from '../../src/plan/apply-fleet.js';
import { parsePlanDocument, type PlanDocument } from '../../src/plan/plan-document.js';
import { tempDir } from '../support/temp-db.js';
import { contents, driftd, schemaText } from './plan-support.js';

const LIVE = `
  CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, balance REAL);
  CREATE TABLE notes (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE, body TEXT);
  CREATE INDEX notes_account ON notes (account_id);`;
const DECLARED = LIVE.replace('balance REAL', 'balance INTEGER');

function tenant(root: string, name: string, extra = ''): string {
  mkdirSync(join(root, name), { recursive: true });
  const path = join(root, name, 'app.db');
  const db = new Database(path);
  db.exec(`${LIVE}${extra}`);
  db.prepare('INSERT INTO accounts (name, balance) VALUES (?, ?), (?, ?)').run(`${name}-1`, 10, `${name}-2`, 20);
  db.exec('INSERT INTO notes (account_id, body) SELECT id, name FROM accounts');
  db.close();
  return path;
}

describe('driftd apply over a fleet: file by file, canary first, stop at the first failure, resume there', () => {
  it('applies, stops at a file whose schema is not the plan\'s, and resumes once it is', async () => {
    const dir = tempDir('driftd-plan-fleet-');
    const root = join(dir, 'tenants');
    const [a, b] = [tenant(root, 'a'), tenant(root, 'b')];
    // Tenant c has an index the others lack: its schema is not the one the plan was made from.
    const c = tenant(root, 'c', '\nCREATE INDEX accounts_name ON accounts (name);');
    const d = tenant(root, 'd');
    const schemaPath = join(dir, 'schema.sql');
    writeFileSync(schemaPath, DECLARED);
    const configPath = join(dir, 'driftd.json');
    writeFileSync(configPath, JSON.stringify({ audit: { dir: join(dir, 'audit') }, targets: [{ name: 'tenants', databases: join(root, '*/app.db'), schema: schemaPath }] }));
    const home = join(dir, 'home');
    const planPath = join(dir, 'plan.json');
    // The plan is made from one file (tenant b: the canary), then applied to the fleet.
    expect((await driftd(home, ['plan', '--db', b, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    const before = Object.fromEntries([a, b, c, d].map((path) => [path, contents(path, ['accounts.balance'])]));
    const cSchema = schemaText(c);
    const dSchema = schemaText(d);

    const first = await driftd(home, ['apply', planPath, '--config', configPath, '--target', 'tenants', '--backup', join(dir, 'backups')]);
    expect(first.code).toBe(2);
    expect(first.stdout.split('\n').slice(0, 4)).toEqual([
      expect.stringMatching(new RegExp(`^  applied \\(canary\\) ${b}: backup `)),
      expect.stringMatching(new RegExp(`^  applied ${a}: backup `)),
      expect.stringMatching(new RegExp(`^  FAILED ${c}: PLAN_STALE`)),
      'target "tenants": 4 files: 2 applied, 0 already applied, 1 failed, 1 not run (run the same command again to resume there)',
    ]);
    expect(first.stderr).toMatch(/PLAN_STALE: target "tenants": stopped at .*\/c\/app\.db/);
    expect(schemaText(c)).toBe(cSchema);
    // d was not touched: its schema is still the old one.
    expect(schemaText(d)).toBe(dSchema);

    // The operator brings c in line (drops its extra index), and runs the same command again.
    const db = new Database(c);
    db.exec('DROP INDEX accounts_name');
    db.close();
    const second = await driftd(home, ['apply', planPath, '--config', configPath, '--target', 'tenants', '--backup', join(dir, 'backups'), '--json']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const files = JSON.parse(second.stdout).files as { database: string; status: string; canary: boolean }[];
    expect(files.map((f) => [f.database, f.status, f.canary])).toEqual([
      [b, 'already-applied', true],
      [a, 'already-applied', false],
      [c, 'applied', false],
      [d, 'applied', false],
    ]);
    for (const path of [a, b, c, d]) expect(contents(path, ['accounts.balance'])).toEqual(before[path]);
    // Per-file outcomes in the audit trail: one applied rebuild per file, the stale one recorded nowhere as applied.
    const entries = new AuditJournal({ dir: join(dir, 'audit'), maxBytes: 1 << 20, keep: 2 }).entries({});
    const rebuilt = entries.filter((e) => e.kind === 'rebuild' && e.item === 0).map((e) => [e.database, e.outcome, e.target]);
    expect(rebuilt.sort()).toEqual([a, b, c, d].map((path) => [path, 'applied', 'tenants']).sort());
  });

  it('a failing canary stops the whole fleet before any other file', async () => {
    const dir = tempDir('driftd-plan-fleet-canary-');
    const root = join(dir, 'tenants');
    const a = tenant(root, 'a');
    const b = tenant(root, 'b');
    const schemaPath = join(dir, 'schema.sql');
    writeFileSync(schemaPath, DECLARED);
    const planPath = join(dir, 'plan.json');
    const configPath = join(dir, 'driftd.json');
    writeFileSync(configPath, JSON.stringify({ audit: { dir: join(dir, 'audit') }, targets: [{ name: 'tenants', databases: join(root, '*/app.db'), schema: schemaPath }] }));
    expect((await driftd(join(dir, 'home'), ['plan', '--db', a, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    // A REAL with a fraction lands in the canary after the plan: its apply fails its check and rolls back.
    const db = new Database(a);
    db.prepare('UPDATE accounts SET balance = 2.5 WHERE id = 1').run();
    db.close();
    const run = await driftd(join(dir, 'home'), ['apply', planPath, '--config', configPath, '--target', 'tenants', '--json', '--backup', join(dir, 'backups')]);
    expect(run.code).toBe(2);
    expect((JSON.parse(run.stdout).files as { database: string; status: string }[]).map((f) => [f.database, f.status])).toEqual([
      [a, 'failed'],
      [b, 'not-run'],
    ]);
    expect(readFileSync(b).length).toBeGreaterThan(0);
    expect(schemaText(b)).toContain('balance REAL');
  });

  it('opens every file beneath the fleet root: a tenant directory swapped for a symlink after the listing is refused, the file it leads to untouched', async () => {
    const dir = tempDir('driftd-plan-fleet-');
    const root = join(dir, 'tenants');
    const [a, b] = [tenant(root, 'a'), tenant(root, 'b')];
    const outside = tenant(join(dir, 'outside'), 'x');
    const schemaPath = join(dir, 'schema.sql');
    writeFileSync(schemaPath, DECLARED);
    const home = join(dir, 'home');
    const planPath = join(dir, 'plan.json');
    expect((await driftd(home, ['plan', '--db', a, '--schema', schemaPath, '--out', planPath])).code).toBe(0);
    const parsed = parsePlanDocument(readFileSync(planPath, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.problems.join('; '));
    const plan: PlanDocument = parsed.plan;
    const outsideSchema = schemaText(outside);
    // The listing saw a/app.db and b/app.db; then tenant b swaps its directory for a link out of the root.
    renameSync(join(root, 'b'), join(dir, 'b-moved'));
    symlinkSync(join(dir, 'outside', 'x'), join(root, 'b'));
    const results = await applyPlanToFleet({
      plan,
      planPath,
      declared: declaredSchemaFromSql(DECLARED, schemaPath),
      root,
      files: [a, b],
      busyTimeoutMs: 0,
      backupDir: join(dir, 'backups'),
    });
    expect(results.map((r) => [r.database, r.status, r.status === 'failed' ? r.error.code : null])).toEqual([
      [a, 'applied', null],
      [b, 'failed', 'DB_OUTSIDE_ROOT'],
    ]);
    expect(schemaText(outside), 'the file outside the root was rebuilt through the link').toBe(outsideSchema);
  });
});
