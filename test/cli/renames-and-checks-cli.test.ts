import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

/** The new kinds as a user sees them: text and --json of check and repair, exit codes (issue 15 item 5). */
const dir = tempDir('driftd-renames-cli-');
const LIVE = `CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT, qty INT);
INSERT INTO users (mail, qty) VALUES ('a@example.org', 1), ('b@example.org', 7);`;

function schema(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('possible_rename, declared renames and CHECKs in the CLI', () => {
  it('check prints a possible_rename as UNSAFE with both annotations, and exits 1', () => {
    const db = createDatabase(dir, LIVE);
    const result = runCli(['check', '--db', db, '--schema', schema('plain.sql', 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, qty INT);')]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/UNSAFE possible_rename +users\.email/);
    expect(result.stdout).toContain('-- @renamed from=mail');
    expect(result.stdout).toContain('-- @new');
    expect(result.stdout).toContain('extra  extra_column');
  });

  it('repair --json renames the column, leaves out the CHECK rows violate with the count, and reports both per item', () => {
    const db = createDatabase(dir, LIVE);
    const declared = schema('renamed.sql', 'CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email TEXT, -- @renamed from=mail\n  qty INT CHECK (qty < 5)\n);');
    const result = runCli(['repair', '--db', db, '--schema', declared, '--json']);
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { applied: Array<{ kind: string; sql: string }>; remaining: Array<{ kind: string; safe: boolean; reason: string }> };
    expect(report.applied).toEqual([expect.objectContaining({ kind: 'renamed_column', sql: 'ALTER TABLE "users" RENAME COLUMN "mail" TO "email";' })]);
    expect(report.remaining).toEqual([expect.objectContaining({ kind: 'missing_check', safe: false, reason: expect.stringContaining('1 existing row of "users" violates CHECK (qty < 5) (rowid 2') })]);
    // Once the row is fixed, the next repair adds the CHECK and the database is in sync (exit 0).
    const handle = new Database(db);
    handle.exec('UPDATE users SET qty = 4 WHERE rowid = 2');
    handle.close();
    const fixed = runCli(['repair', '--db', db, '--schema', declared]);
    expect(fixed.stdout).toContain('applied: ALTER TABLE "users" ADD CHECK (qty < 5);');
    expect(fixed.status).toBe(0);
  });

  it('an annotation that attaches to nothing is a schema error naming the line (exit 2)', () => {
    const db = createDatabase(dir, LIVE);
    const result = runCli(['check', '--db', db, '--schema', schema('bad.sql', 'CREATE TABLE users (id INTEGER PRIMARY KEY);\n-- @renamed from=people\n')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('SCHEMA_ANNOTATION_INVALID');
    expect(result.stderr).toContain('bad.sql:2');
  });
});
