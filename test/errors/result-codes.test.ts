import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteError } from '../../src/db/sqlite-error.js';
import { openReadWrite } from '../../src/db/open-database.js';
import { conditionOf, isDatabaseCondition } from '../../src/errors/result-codes.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-result-codes-');

describe('conditionOf: SQLite result codes (primary and extended) and errno names', () => {
  it.each([
    ['SQLITE_FULL', 'disk-full'],
    ['ENOSPC', 'disk-full'],
    ['EDQUOT', 'disk-full'],
    ['SQLITE_IOERR', 'io-error'],
    ['SQLITE_IOERR_WRITE', 'io-error'],
    ['SQLITE_IOERR_FSYNC', 'io-error'],
    ['EIO', 'io-error'],
    ['SQLITE_READONLY', 'readonly'],
    ['SQLITE_READONLY_DBMOVED', 'readonly'],
    ['EROFS', 'readonly'],
    ['SQLITE_BUSY', 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', 'busy'],
    ['SQLITE_LOCKED', 'busy'],
    ['SQLITE_CORRUPT', 'corrupt'],
    ['SQLITE_CORRUPT_INDEX', 'corrupt'],
    ['SQLITE_NOTADB', 'not-a-database'],
    ['SQLITE_CANTOPEN', 'cant-open'],
    ['SQLITE_PERM', 'permission'],
    ['EACCES', 'permission'],
    ['EMFILE', 'too-many-files'],
    ['ENFILE', 'too-many-files'],
    ['SQLITE_CONSTRAINT_UNIQUE', 'other'],
    ['SQLITE_ERROR', 'other'],
    ['SQLITE_FULLX', 'other'],
    ['', 'other'],
  ])('%s → %s', (code, condition) => {
    expect(conditionOf(code)).toBe(condition);
  });

  it('counts the database\'s or machine\'s conditions as such, and a refused row or bad SQL as not', () => {
    expect(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_READONLY', 'SQLITE_BUSY', 'EMFILE'].every(isDatabaseCondition)).toBe(true);
    expect(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_ERROR', 'SQLITE_CORRUPT', 'SQLITE_NOTADB'].some(isDatabaseCondition)).toBe(false);
  });
});

describe('sqliteError on real failures', () => {
  it('maps a real SQLITE_FULL (max_page_count reached) to DB_DISK_FULL, naming the file', () => {
    const path = createDatabase(dir, 'CREATE TABLE t (x)');
    const db = new Database(path);
    let caught: unknown;
    try {
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true })}`);
      db.exec(`INSERT INTO t VALUES (randomblob(100000))`);
    } catch (error) {
      caught = error;
    } finally {
      db.close();
    }
    expect((caught as { code: string }).code).toBe('SQLITE_FULL');
    const mapped = sqliteError(caught, path, 'repairing');
    expect(mapped.code).toBe('DB_DISK_FULL');
    expect(mapped.message).toContain(path);
    expect(mapped.hint).toMatch(/free space/);
  });

  it('maps SQLITE_CANTOPEN with the descriptor limit exhausted to DB_TOO_MANY_FILES, not DB_PERMISSION', () => {
    const path = createDatabase(dir, 'CREATE TABLE t (x)');
    // The built module (npm run build): the child is plain node.
    const moduleUrl = new URL('../../dist/db/open-database.js', import.meta.url).href;
    // A child with a low descriptor limit fills it, then opens the database.
    const script = `
      import { openSync } from 'node:fs';
      import Database from 'better-sqlite3';
      const { openReadOnly } = await import(${JSON.stringify(moduleUrl)});
      new Database(':memory:').close(); // load the native module while descriptors are left, as a running daemon has
      const held = [];
      try { for (;;) held.push(openSync('/dev/null', 'r')); } catch {}
      try { openReadOnly(${JSON.stringify(path)}, { busyTimeoutMs: 0 }); console.log('opened'); }
      catch (error) { console.log(error.code); }`;
    const out = execFileSync('sh', ['-c', `ulimit -n 64 && exec "${process.execPath}" --input-type=module -e "$0"`, script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
    expect(out.trim()).toBe('DB_TOO_MANY_FILES');
  });

  it('keeps DB_PERMISSION for a file it may not open', () => {
    const path = join(dir, 'no-such-dir', 'x.db');
    expect(sqliteError(Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' }), path, 'opening').code).toBe('DB_PERMISSION');
    expect(() => openReadWrite(join(dir, 'missing.db'), { busyTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'DB_NOT_FOUND' }));
  });
});
