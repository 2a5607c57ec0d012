// driftd apply's backup copy reads the database's bytes beside SQLite. It must read the file the
// connection has open, never what the name leads to by then: a tenant can swap the name for a
// symlink out of the fleet root, or rename another file onto it, between SQLite's open and the copy.
import { spawnSync } from 'node:child_process';
import { closeSync, readSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConnectionFile, openConnectionReader, openReadWrite } from '../../src/db/open-database.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

function header(fd: number): string {
  const buffer = Buffer.alloc(16);
  readSync(fd, buffer, 0, 16, 0);
  return buffer.toString('latin1');
}

describe('openConnectionFile', () => {
  it("opens the connection's own file", () => {
    const dir = tempDir('driftd-connfile-');
    const path = createDatabase(dir, 'CREATE TABLE t (v INTEGER);');
    const db = openReadWrite(path, { busyTimeoutMs: 0 });
    const fd = openConnectionFile(db, path);
    try {
      expect(header(fd)).toBe('SQLite format 3\0');
    } finally {
      db.close();
      closeSync(fd);
    }
  });

  const swaps = [
    {
      name: 'the name swapped for a symlink out of the directory',
      swap: (path: string, outside: string) => {
        rmSync(path);
        symlinkSync(outside, path);
      },
    },
    {
      name: 'another file renamed onto the name',
      swap: (path: string, outside: string, dir: string) => {
        const other = join(dir, 'other.db');
        writeFileSync(other, 'not the database the connection has open');
        renameSync(other, path);
        void outside;
      },
    },
  ];
  for (const { name, swap } of swaps) {
    it(`refuses ${name} (DB_OUTSIDE_ROOT), reading nothing`, () => {
      const dir = tempDir('driftd-connfile-');
      const outside = join(tempDir('driftd-connfile-outside-'), 'secret');
      writeFileSync(outside, 'outside the root');
      const path = createDatabase(dir, 'CREATE TABLE t (v INTEGER);');
      const db = openReadWrite(path, { busyTimeoutMs: 0 });
      try {
        db.prepare('SELECT count(*) FROM t').get();
        swap(path, outside, dir);
        expect(() => openConnectionFile(db, path)).toThrow(expect.objectContaining({ code: 'DB_OUTSIDE_ROOT' }));
      } finally {
        db.close();
      }
    });
  }
});

/** Another process tries to write, without waiting. */
function otherProcessInsert(path: string): string {
  return spawnSync('sqlite3', ['-bail', path, 'PRAGMA busy_timeout = 0; INSERT INTO t (v) VALUES (99);'], { encoding: 'utf8' }).stderr;
}

describe('openConnectionReader', () => {
  for (const journal of ['delete', 'wal'] as const) {
    it(`reads the connection's file and its close keeps the writer's locks (${journal} journal)`, async () => {
      const dir = tempDir('driftd-connreader-');
      const path = createDatabase(dir, 'CREATE TABLE t (v INTEGER); INSERT INTO t (v) VALUES (1);', { journalMode: journal });
      const writer = openReadWrite(path, { busyTimeoutMs: 0 });
      try {
        writer.exec('BEGIN IMMEDIATE');
        const reader = openConnectionReader(writer, path, 0);
        await reader.backup(join(dir, 'copy.db'), { progress: () => 0x7fffffff });
        reader.close();
        expect(otherProcessInsert(path), 'another process wrote inside the transaction').toMatch(/locked/);
        writer.exec('ROLLBACK');
      } finally {
        writer.close();
      }
    });
  }

  it('refuses a name swapped for a symlink since the connection opened it', () => {
    const dir = tempDir('driftd-connreader-');
    const outside = createDatabase(tempDir('driftd-connreader-outside-'), 'CREATE TABLE secret (v INTEGER);');
    const path = createDatabase(dir, 'CREATE TABLE t (v INTEGER);');
    const writer = openReadWrite(path, { busyTimeoutMs: 0 });
    try {
      rmSync(path);
      symlinkSync(outside, path);
      expect(() => openConnectionReader(writer, path, 0)).toThrow();
    } finally {
      writer.close();
    }
  });
});
