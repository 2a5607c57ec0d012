import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import { openSqlite } from '../../src/db/open-sqlite.js';
import { introspect } from '../../src/introspect/introspect.js';
import type { Schema } from '../../src/schema/schema-model.js';

/** A temp directory removed after the test file; every test database lives in one. */
export function tempDir(prefix = 'driftd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;

/** Creates a real SQLite file in `dir` by executing `sql` (schema and rows), and returns its path. */
export function createDatabase(dir: string, sql: string, options: { journalMode?: 'delete' | 'wal'; name?: string } = {}): string {
  const path = join(dir, options.name ?? `db-${++counter}.sqlite`);
  const db = new Database(path);
  try {
    if (options.journalMode) db.pragma(`journal_mode = ${options.journalMode}`);
    db.exec(sql);
  } finally {
    db.close();
  }
  return path;
}

/**
 * Creates a real SQLite file with Debian's stock `sqlite3` shell — the oracle for what a schema
 * means, built with double-quoted string literals allowed — by feeding it `sql` on stdin.
 * `.ci/run` installs the shell; without it the test fails rather than passing vacuously.
 */
export function createDatabaseWithShell(dir: string, sql: string, options: { name?: string } = {}): string {
  const path = join(dir, options.name ?? `shell-${++counter}.sqlite`);
  runShell(path, sql);
  return path;
}

/** Runs `sqlite3 -bail FILE` with `input` on stdin; throws with the shell's stderr on failure. Returns stdout. */
export function runShell(path: string, input: string, args: readonly string[] = []): string {
  const run = spawnSync('sqlite3', ['-bail', ...args, path], { input, encoding: 'utf8' });
  if (run.error) throw new Error(`the stock sqlite3 shell is needed (apt-get install sqlite3): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`sqlite3 ${path} failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

/** Introspects a database file through a fresh read-only connection (opened as driftd opens it). */
export function introspectFile(path: string): Schema {
  const db = openSqlite(path, { readonly: true, fileMustExist: true });
  try {
    return introspect(db);
  } finally {
    db.close();
  }
}

export function fileBytes(path: string): Buffer {
  return readFileSync(path);
}
