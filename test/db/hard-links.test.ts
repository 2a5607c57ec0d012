// Issue 14, defect 4 (data loss): a fleet file hard-linked to a database outside the root was repaired
// through the link (nlink 2); killing the repair left the hot journal beside the tenant's name, where
// the other name's owner never looks, and that database then read "freelist leaf count too big"
// (https://sqlite.org/howtocorrupt.html#_unlinking_or_renaming_a_database_file_while_in_use). A file
// with more than one hard link is now refused with DB_HARD_LINKED, for fleets and single files alike,
// unless the target sets "allowHardLinks": true.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { CLI, runCli } from '../support/run-cli.js';
import { createDatabase, runShell, tempDir } from '../support/temp-db.js';

const DECLARED = 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT); CREATE INDEX events_kind ON events(kind);';
// Many rows: building the missing index takes long enough for the journal to exist a while.
const START = `CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, payload TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO events (kind, payload) SELECT 'k' || (i % 97), hex(randomblob(40)) FROM n;`;

const digest = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('a database file with more than one hard link', () => {
  it('is refused with DB_HARD_LINKED for a single file (check and repair), and repaired when the target allows it', async () => {
    const dir = tempDir('driftd-links-');
    const original = createDatabase(dir, 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT);', { name: 'elsewhere.sqlite' });
    const linked = join(dir, 'app.sqlite');
    linkSync(original, linked);
    const schema = join(dir, 'schema.sql');
    writeFileSync(schema, DECLARED);
    const before = digest(original);
    for (const command of ['check', 'repair']) {
      const run = runCli([command, '--db', linked, '--schema', schema]);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain('DB_HARD_LINKED');
      expect(run.stderr).toContain('2 hard links');
    }
    expect(digest(original)).toBe(before);

    const declared = declaredSchemaFromSql(DECLARED, 'schema.sql');
    await expect(checkDatabase({ dbPath: linked, declared, mode: 'check', busyTimeoutMs: 100 })).rejects.toMatchObject({ code: 'DB_HARD_LINKED' });
    const allowed = await checkDatabase({ dbPath: linked, declared, mode: 'repair', busyTimeoutMs: 100, allowHardLinks: true });
    expect(allowed.applied.map((step) => step.kind)).toEqual(['missing_column', 'missing_index']);

    // Through a config: the key is the target's.
    const config = join(dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'app', database: linked, schema, repair: 'auto', allowHardLinks: true }] }));
    expect(runCli(['check', '--config', config]).status).toBe(0);
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'app', database: linked, schema, repair: 'auto' }] }));
    const refused = runCli(['check', '--config', config]);
    expect(refused.status).toBe(2);
    expect(refused.stdout + refused.stderr).toContain('DB_HARD_LINKED');
  });

  it('in a fleet, linked to a database outside the root: a repair killed as soon as a journal appears leaves no journal and the other database sound', async () => {
    const dir = tempDir('driftd-links-');
    const outside = join(dir, 'outside');
    const tenant = join(dir, 'tenants', 't');
    mkdirSync(outside);
    mkdirSync(tenant, { recursive: true });
    const victim = createDatabase(outside, START, { name: 'app.sqlite' });
    linkSync(victim, join(tenant, 'app.sqlite'));
    const schema = join(dir, 'schema.sql');
    writeFileSync(schema, DECLARED);
    const config = join(dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'tenants', databases: join(dir, 'tenants', '*', 'app.sqlite'), schema, repair: 'auto' }] }));
    const before = digest(victim);

    // The attacker's timing, made exact: SIGKILL the moment a -journal exists beside the tenant's name.
    const child = spawn(process.execPath, [CLI, 'repair', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    let running = true;
    void exited.then(() => (running = false));
    let journalSeen = false;
    while (running) {
      if (existsSync(join(tenant, 'app.sqlite-journal'))) {
        journalSeen = true;
        child.kill('SIGKILL');
        break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { code, signal } = await exited;
    // Before the fix: the journal appeared, the kill left it beside the tenant's name, and
    // outside/app.sqlite — whose owner never sees that journal — was left half-written.
    expect({ journalSeen, signal }).toEqual({ journalSeen: false, signal: null });
    expect(code).toBe(2);
    expect(output).toContain('DB_HARD_LINKED');
    expect(readdirSync(tenant)).toEqual(['app.sqlite']);
    expect(digest(victim)).toBe(before);
    expect(runShell(victim, 'PRAGMA integrity_check;').trim()).toBe('ok');
  }, 60_000);
});

describe('a -journal planted beside a database as a hard link to another file', () => {
  it('is refused with DB_HARD_LINKED naming the journal, and the other file is neither read nor written', async () => {
    const dir = tempDir('driftd-links-');
    const secret = join(dir, 'secret.txt');
    writeFileSync(secret, 'not a journal, and not the tenant\'s to truncate\n');
    const tenant = join(dir, 'tenant');
    mkdirSync(tenant);
    const db = createDatabase(tenant, 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT);', { name: 'app.sqlite' });
    linkSync(secret, `${db}-journal`);
    const before = digest(secret);
    const declared = declaredSchemaFromSql(DECLARED, 'schema.sql');
    // Before the fix SQLite opened the planted journal — the other file — by name, and the repair went ahead.
    await expect(checkDatabase({ dbPath: db, declared, mode: 'repair', busyTimeoutMs: 100 })).rejects.toMatchObject({ code: 'DB_HARD_LINKED', message: expect.stringContaining('app.sqlite-journal') });
    expect(digest(secret)).toBe(before);
    expect(readFileSync(secret, 'utf8')).toContain('not a journal');
  });
});
