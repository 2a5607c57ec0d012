import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';
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

/** Introspects a database file through a fresh read-only connection. */
export function introspectFile(path: string): Schema {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return introspect(db);
  } finally {
    db.close();
  }
}

export function fileBytes(path: string): Buffer {
  return readFileSync(path);
}
