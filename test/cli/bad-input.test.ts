import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { holdLock, type LockHolder } from '../support/lock-holder.js';
import { CLI, ROOT, runCli, runCliAsync, type CliResult } from '../support/run-cli.js';
import { createDatabase, fileBytes, tempDir } from '../support/temp-db.js';

/**
 * Bad input: one clear line on stderr with a stable code that names the path,
 * exit 2, and the database's bytes unchanged.
 */
const dir = tempDir('driftd-bad-input-');
const SCHEMA = join(ROOT, 'schemas/modelforge.sql');
const LEGACY = `CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL,
  task TEXT NOT NULL, description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL);
INSERT INTO fine_tuned_models (model_name, base_model, task, creation_date, model_path) VALUES ('m', 'b', 't', '2025-01-01', '/m');`;

function expectOneLineError(result: CliResult, code: string, names: string): void {
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^driftd (check|repair): ${code}: `));
  expect(lines[0]).toContain(names);
  // The ad-hoc `--db/--schema` target has no name of its own to show.
  expect(lines[0]).not.toContain('target "cli"');
}

function corruptCopy(): string {
  // A real database whose header is intact and whose pages are garbage.
  const path = createDatabase(dir, `${LEGACY} CREATE TABLE a (x); CREATE TABLE b (y); CREATE INDEX ax ON a (x);`);
  const bytes = fileBytes(path);
  for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
  writeFileSync(path, bytes);
  return path;
}

describe.each(['check', 'repair'] as const)('driftd %s with a bad database path', (command) => {
  it.each([
    ['a missing file', 'DB_NOT_FOUND', () => join(dir, 'does-not-exist.sqlite')],
    ['a directory', 'DB_IS_DIRECTORY', () => {
      const path = join(dir, `a-directory-${Math.random().toString(36).slice(2)}`);
      mkdirSync(path);
      return path;
    }],
    ['a non-SQLite file', 'DB_NOT_SQLITE', () => {
      const path = join(dir, `notes-${Math.random().toString(36).slice(2)}.txt`);
      writeFileSync(path, 'model_name,base_model\nsentiment-v1,bert-base-uncased\n'.repeat(200));
      return path;
    }],
    ['a corrupt file (valid header, garbage pages)', 'DB_CORRUPT', corruptCopy],
    ['a FIFO (must not hang)', 'DB_NOT_A_FILE', () => {
      const path = join(dir, `fifo-${Math.random().toString(36).slice(2)}`);
      execFileSync('mkfifo', [path]);
      return path;
    }],
  ] as const)('%s', (_what, code, make) => {
    const path = make();
    const before = existsSync(path) && !path.includes('fifo') && !path.includes('a-directory') ? fileBytes(path) : null;
    const result = runCli([command, '--db', path, '--schema', SCHEMA]);
    expectOneLineError(result, code, path);
    if (before) expect(fileBytes(path).equals(before)).toBe(true);
    if (!path.includes('does-not-exist')) expect(existsSync(path)).toBe(true);
    else expect(existsSync(path)).toBe(false);
  });
});

describe('bad declarations', () => {
  it.each([
    ['schema syntax error', 'bad.sql', 'CREATE TABLE fine_tuned_models (\n  id INTEGER PRIMARY KEY,\n  model_name TEXT NOT NULL,,\n);\n', 'SCHEMA_SQL_ERROR', 'bad.sql:3:'],
    ['unknown declaration field', 'bad.json', JSON.stringify({ tables: { fine_tuned_models: { columns: { id: { type: 'INTEGER', primary: true } } } } }), 'SCHEMA_JSON_INVALID', 'column "id"'],
    ['a forbidden statement', 'attach.sql', "ATTACH DATABASE 'x.db' AS x;\nCREATE TABLE t (a);", 'SCHEMA_SQL_FORBIDDEN', 'attach.sql:1:'],
    ['a missing schema file', 'nothing.sql', null, 'SCHEMA_NOT_FOUND', 'nothing.sql'],
  ] as const)('%s', (_what, name, text, code, names) => {
    const schema = join(dir, `${Math.random().toString(36).slice(2)}-${name}`);
    if (text !== null) writeFileSync(schema, text);
    const db = createDatabase(dir, LEGACY);
    const before = fileBytes(db);
    const result = runCli(['repair', '--db', db, '--schema', schema]);
    expectOneLineError(result, code, names);
    expect(result.stderr).toContain(schema.slice(0, schema.length - name.length));
    expect(fileBytes(db).equals(before)).toBe(true);
  });
});

describe('a database locked by another process', () => {
  let holder: LockHolder | null = null;
  afterEach(async () => {
    await holder?.kill();
    holder = null;
  });

  it('check waits the busy timeout behind BEGIN EXCLUSIVE, then reports DB_BUSY', async () => {
    const db = createDatabase(dir, LEGACY);
    holder = await holdLock(db, 'BEGIN EXCLUSIVE', "UPDATE fine_tuned_models SET task = 'locked'");
    const result = await runCliAsync(['check', '--db', db, '--schema', SCHEMA, '--busy-timeout', '300']);
    expectOneLineError(result, 'DB_BUSY', db);
    // The hint names the option the person at the terminal can use, not only the config key (issue 17).
    expect(result.stderr).toContain('--busy-timeout MS');
  });

  it('repair waits the busy timeout behind BEGIN IMMEDIATE, then reports DB_BUSY and changes nothing', async () => {
    const db = createDatabase(dir, LEGACY);
    const before = fileBytes(db);
    holder = await holdLock(db, 'BEGIN IMMEDIATE');
    const result = await runCliAsync(['repair', '--db', db, '--schema', SCHEMA, '--busy-timeout', '300']);
    expectOneLineError(result, 'DB_BUSY', db);
    await holder.release();
    expect(fileBytes(db).equals(before)).toBe(true);
  });
});

describe('a read-only database on repair', () => {
  const root = process.getuid?.() === 0;
  it.skipIf(!root)('as another user (uid 65534) on a 0644 root-owned file: DB_READONLY, nothing changed', async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(dir, 0o755);
    chmodSync(shared, 0o755);
    const db = createDatabase(shared, LEGACY, { name: 'models.sqlite' });
    chmodSync(db, 0o644);
    const before = fileBytes(db);
    // The other user must be able to run the CLI at all: the checkout has to be world-readable.
    const probe = spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1], require("fs").constants.R_OK)', CLI], { uid: 65534, gid: 65534 });
    expect(probe.status, `uid 65534 cannot read ${CLI}; run the tests from a world-readable checkout`).toBe(0);
    // That user's own state directory, as a real user has one, for the audit journal (`repair --db` records into it).
    const state = join(dir, 'state-65534');
    mkdirSync(state);
    chmodSync(state, 0o777);
    const result = await runCliAsync(['repair', '--db', db, '--schema', SCHEMA], { uid: 65534, gid: 65534, env: { ...process.env, XDG_STATE_HOME: state } });
    expectOneLineError(result, 'DB_READONLY', db);
    expect(fileBytes(db).equals(before)).toBe(true);
    // The same user may still check it: reading needs no write access.
    const check = await runCliAsync(['check', '--db', db, '--schema', SCHEMA], { uid: 65534, gid: 65534 });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(1);
  });
});

describe('a declared NOT NULL column without a default that the database lacks', () => {
  it('is reported as unsafe with its reason, exit 1, no crash, nothing changed', () => {
    const schema = join(dir, 'required.sql');
    writeFileSync(schema, `CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, base_model TEXT NOT NULL,
      task TEXT NOT NULL, description TEXT, creation_date TEXT NOT NULL, model_path TEXT NOT NULL, owner TEXT NOT NULL);`);
    const db = createDatabase(dir, LEGACY);
    const before = fileBytes(db);
    for (const command of ['check', 'repair'] as const) {
      const result = runCli([command, '--db', db, '--schema', schema, '--json']);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(1);
      const report = JSON.parse(result.stdout) as { inSync: boolean; drift: Array<Record<string, unknown>>; applied?: unknown[] };
      expect(report.inSync).toBe(false);
      expect(report.drift).toEqual([
        expect.objectContaining({ kind: 'missing_column', table: 'fine_tuned_models', column: 'owner', safe: false, reason: expect.stringMatching(/NOT NULL/) }),
      ]);
      expect(report.drift[0]).not.toHaveProperty('sql');
      if (command === 'repair') expect(report.applied).toEqual([]);
    }
    const text = runCli(['repair', '--db', db, '--schema', schema]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/UNSAFE missing_column/);
    expect(text.stdout).toMatch(/not repaired: ADD COLUMN cannot add a NOT NULL column/);
    expect(fileBytes(db).equals(before)).toBe(true);
  });
});
