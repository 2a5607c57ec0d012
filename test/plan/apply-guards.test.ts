import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createDatabase, tempDir } from '../support/temp-db.js';
import { backupsIn, contents, driftd, schemaText } from './plan-support.js';

const LIVE = `
  CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty REAL);
  CREATE INDEX items_name ON items (name);
  INSERT INTO items VALUES (1, 'a', 1.0), (2, 'b', 2.0), (3, 'c', NULL);`;
const DECLARED = `CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);\nCREATE INDEX items_name ON items (name);\n`;

describe('apply refuses what the reviewed plan did not cover, and changes nothing', () => {
  const dir = tempDir('driftd-plan-guards-');
  let n = 0;
  async function planned(): Promise<{ home: string; dbPath: string; schemaPath: string; planPath: string }> {
    const id = ++n;
    const home = join(dir, `home-${id}`);
    const dbPath = createDatabase(dir, LIVE, { name: `guard-${id}.db` });
    const schemaPath = join(dir, `guard-${id}.sql`);
    writeFileSync(schemaPath, DECLARED);
    const planPath = join(dir, `guard-${id}.plan.json`);
    const run = await driftd(home, ['plan', '--db', dbPath, '--schema', schemaPath, '--out', planPath]);
    expect(run.code).toBe(0);
    return { home, dbPath, schemaPath, planPath };
  }
  function journal(home: string): string {
    const audit = join(home, '.local/state/driftd/audit');
    try {
      return readdirSync(audit).map((file) => readFileSync(join(audit, file), 'utf8')).join('');
    } catch {
      return '';
    }
  }

  it('a schema changed since the plan: PLAN_STALE, exit 2, no backup, nothing written', async () => {
    const { home, dbPath, planPath } = await planned();
    const db = new Database(dbPath);
    db.exec('CREATE INDEX items_qty ON items (qty)');
    db.close();
    const schemaBefore = schemaText(dbPath);
    const before = contents(dbPath);
    const run = await driftd(home, ['apply', planPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PLAN_STALE: the schema of ".*guard-\d+\.db" changed since plan/);
    expect(schemaText(dbPath)).toBe(schemaBefore);
    expect(contents(dbPath)).toEqual(before);
    expect(backupsIn(home)).toEqual([]);
    expect(journal(home)).not.toContain('"rebuild"');
  });

  it('the declaration changed since the plan: PLAN_STALE', async () => {
    const { home, dbPath, schemaPath, planPath } = await planned();
    writeFileSync(schemaPath, DECLARED.replace('qty INTEGER', 'qty TEXT'));
    const before = schemaText(dbPath);
    const run = await driftd(home, ['apply', planPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/PLAN_STALE: the declaration .* no longer declares "items"/);
    expect(schemaText(dbPath)).toBe(before);
  });

  it('a plan file edited into something else: PLAN_INVALID; a missing one: PLAN_NOT_FOUND', async () => {
    const { home, planPath } = await planned();
    const plan = JSON.parse(readFileSync(planPath, 'utf8'));
    plan.fingerprint.before = 'sha256:not-hex';
    writeFileSync(planPath, JSON.stringify(plan));
    const invalid = await driftd(home, ['apply', planPath]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/PLAN_INVALID: plan file .* is not a driftd plan: fingerprint\.before/);
    const missing = await driftd(home, ['apply', join(dir, 'no-such-plan.json')]);
    expect(missing.stderr).toContain('PLAN_NOT_FOUND');
  });

  it('a REAL with a fraction written between plan and apply is caught before COMMIT and rolled back', async () => {
    const { home, dbPath, planPath } = await planned();
    const db = new Database(dbPath);
    db.prepare('INSERT INTO items VALUES (4, ?, 2.5)').run('d');
    db.close();
    const before = contents(dbPath);
    const schemaBefore = schemaText(dbPath);
    const run = await driftd(home, ['apply', planPath]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/APPLY_VERIFY_FAILED: rebuild of "items": 1 rows hold a REAL with a fraction under a declared INTEGER, written since the plan was made \(rowids 4\)/);
    expect(contents(dbPath)).toEqual(before);
    expect(schemaText(dbPath)).toBe(schemaBefore);
    // The trail says so: the rebuild's intent, settled not-applied.
    const lines = journal(home).trim().split('\n').map((line) => JSON.parse(line));
    const intent = lines.find((line) => line.type === 'intent' && line.change.kind === 'rebuild');
    expect(lines.find((line) => line.type === 'outcome' && line.id === intent.id).outcome).toEqual({ status: 'not-applied', reason: expect.stringContaining('REAL with a fraction') });
  });

  it('applied once; run again it is already applied (exit 0) and touches nothing', async () => {
    const { home, dbPath, planPath } = await planned();
    expect((await driftd(home, ['apply', planPath])).code).toBe(0);
    const after = schemaText(dbPath);
    const again = await driftd(home, ['apply', planPath]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already applied');
    expect(schemaText(dbPath)).toBe(after);
    expect(backupsIn(home)).toHaveLength(1);
    const history = await driftd(home, ['history']);
    expect(history.stdout).toMatch(/rebuild {2}applied\n {2}database .*\n {2}plan .*guard-\d+\.plan\.json\n {2}rebuild of "items": schema sha256:[0-9a-f]{64} → sha256:[0-9a-f]{64}/);
    expect(history.stdout).toContain('items: DROP TABLE "items";');
  });

  it('--config [--target]: plan names the target\'s database; apply records into the config\'s journal and backs up to its backup.dir', async () => {
    const dbPath = createDatabase(dir, LIVE, { name: 'configured.db' });
    const schemaPath = join(dir, 'configured.sql');
    writeFileSync(schemaPath, DECLARED);
    const configPath = join(dir, 'configured.json');
    writeFileSync(
      configPath,
      JSON.stringify({ audit: { dir: join(dir, 'configured-audit') }, backup: { enabled: true, dir: join(dir, 'configured-backups') }, targets: [{ name: 'app', database: dbPath, schema: schemaPath }, { name: 'other', database: dbPath, schema: schemaPath }] }),
    );
    const planPath = join(dir, 'configured.plan.json');
    const ambiguous = await driftd(join(dir, 'home-c'), ['plan', '--config', configPath, '--out', planPath]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('name the target: --target (app, other)');
    expect((await driftd(join(dir, 'home-c'), ['plan', '--config', configPath, '--target', 'app', '--out', planPath])).code).toBe(0);
    const applied = await driftd(join(dir, 'home-c'), ['apply', planPath, '--config', configPath]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`backup (verified): ${join(dir, 'configured-backups')}/configured.db.`);
    expect(readdirSync(join(dir, 'configured-audit'))).toEqual(['audit.jsonl']);
    expect(readFileSync(join(dir, 'configured-audit', 'audit.jsonl'), 'utf8')).toContain('"target":"app"');
  });

  it('nothing needs a rebuild: exit 0 and no plan file', async () => {
    const dbPath = createDatabase(dir, DECLARED, { name: 'in-sync.db' });
    const schemaPath = join(dir, 'in-sync.sql');
    writeFileSync(schemaPath, DECLARED);
    const run = await driftd(join(dir, 'home-x'), ['plan', '--db', dbPath, '--schema', schemaPath, '--out', join(dir, 'in-sync.plan.json')]);
    expect(run).toEqual({ code: 0, stdout: expect.stringContaining('nothing needs a table rebuild; no plan written'), stderr: '' });
  });
});
