import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DATABASE_HEADER_SIZE, parseDatabaseHeader, readDatabaseHeader } from '../../src/db/database-header.js';
import { DriftdError } from '../../src/errors/driftd-error.js';
import { createDatabase, fileBytes, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-header-');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DriftdError);
    return (error as DriftdError).code;
  }
  return undefined;
}

describe('parseDatabaseHeader', () => {
  it('reads the fields SQLite itself reports for a rollback-journal database', () => {
    const path = createDatabase(dir, 'PRAGMA page_size = 8192; PRAGMA user_version = 7; PRAGMA application_id = 42; CREATE TABLE t (x)');
    const header = parseDatabaseHeader(fileBytes(path));
    const db = new Database(path, { readonly: true });
    try {
      expect(header).toMatchObject({
        pageSize: 8192,
        walMode: false,
        writeVersion: 1,
        readVersion: 1,
        schemaCookie: db.pragma('schema_version', { simple: true }),
        userVersion: 7,
        applicationId: 42,
        textEncoding: 1,
        pageCount: db.pragma('page_count', { simple: true }),
      });
    } finally {
      db.close();
    }
  });

  it('sees every committed transaction in the change counter in rollback-journal mode, and schema changes in the cookie', () => {
    const path = createDatabase(dir, 'CREATE TABLE t (x)');
    const before = parseDatabaseHeader(fileBytes(path))!;
    const db = new Database(path);
    db.exec('INSERT INTO t VALUES (1)');
    const afterInsert = parseDatabaseHeader(fileBytes(path))!;
    db.exec('CREATE TABLE u (y)');
    db.close();
    const afterCreate = parseDatabaseHeader(fileBytes(path))!;
    expect(afterInsert.changeCounter).toBe(before.changeCounter + 1);
    expect(afterInsert.schemaCookie).toBe(before.schemaCookie);
    expect(afterCreate.changeCounter).toBe(afterInsert.changeCounter + 1);
    expect(afterCreate.schemaCookie).toBe(before.schemaCookie + 1);
  });

  it('reports WAL mode from the read/write version bytes', () => {
    const path = createDatabase(dir, 'CREATE TABLE t (x)', { journalMode: 'wal' });
    expect(parseDatabaseHeader(fileBytes(path))).toMatchObject({ walMode: true, writeVersion: 2, readVersion: 2 });
  });

  it('decodes the stored page size 1 as 65536', () => {
    const path = createDatabase(dir, 'PRAGMA page_size = 65536; CREATE TABLE t (x)');
    expect(parseDatabaseHeader(fileBytes(path))?.pageSize).toBe(65536);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['short', new TextEncoder().encode('SQLite format 3\u0000')],
    ['not SQLite', new Uint8Array(DATABASE_HEADER_SIZE).fill(0x41)],
  ])('returns undefined for a %s header', (_name, bytes) => {
    expect(parseDatabaseHeader(bytes)).toBeUndefined();
  });

  it('returns undefined for an impossible page size', () => {
    const bytes = new Uint8Array(fileBytes(createDatabase(dir, 'CREATE TABLE t (x)')).subarray(0, DATABASE_HEADER_SIZE));
    bytes[16] = 0x03;
    bytes[17] = 0x00; // 768: not a power of two
    expect(parseDatabaseHeader(bytes)).toBeUndefined();
  });

  it('reads a header at a non-zero offset inside a larger buffer', () => {
    const file = fileBytes(createDatabase(dir, 'CREATE TABLE t (x)'));
    const padded = new Uint8Array(DATABASE_HEADER_SIZE + 7);
    padded.set(file.subarray(0, DATABASE_HEADER_SIZE), 7);
    expect(parseDatabaseHeader(padded.subarray(7))).toEqual(parseDatabaseHeader(file));
  });
});

describe('readDatabaseHeader', () => {
  it('reads the header and the identity from one handle', () => {
    const path = createDatabase(dir, 'CREATE TABLE t (x)');
    const read = readDatabaseHeader(path);
    expect(read.header).toEqual(parseDatabaseHeader(fileBytes(path)));
    expect(read.size).toBe(fileBytes(path).length);
    expect(read.ino).toBeGreaterThan(0);
  });

  it('returns an undefined header for a short or non-SQLite regular file', () => {
    const short = join(dir, 'short.db');
    writeFileSync(short, 'SQLite');
    const text = join(dir, 'text.db');
    writeFileSync(text, 'x'.repeat(4096));
    expect(readDatabaseHeader(short).header).toBeUndefined();
    expect(readDatabaseHeader(text).header).toBeUndefined();
  });

  it('refuses a FIFO without blocking, a device without reading it, a directory and a missing file', () => {
    const fifo = join(dir, 'fifo.db');
    execFileSync('mkfifo', [fifo]);
    const sub = join(dir, 'a-directory.db');
    mkdirSync(sub);
    expect(codeOf(() => readDatabaseHeader(fifo))).toBe('DB_NOT_A_FILE');
    expect(codeOf(() => readDatabaseHeader('/dev/zero'))).toBe('DB_NOT_A_FILE');
    expect(codeOf(() => readDatabaseHeader(sub))).toBe('DB_IS_DIRECTORY');
    expect(codeOf(() => readDatabaseHeader(join(dir, 'missing.db')))).toBe('DB_NOT_FOUND');
  });

  it('refuses a symlink unless asked to follow it', () => {
    const path = createDatabase(dir, 'CREATE TABLE t (x)');
    const link = join(dir, 'link.db');
    symlinkSync(path, link);
    expect(codeOf(() => readDatabaseHeader(link))).toBe('DB_NOT_A_FILE');
    expect(readDatabaseHeader(link, { followSymlinks: true }).header).toEqual(parseDatabaseHeader(fileBytes(path)));
  });
});
