// driftd apply's backup copy reads the database's bytes beside SQLite. It must read the file the
// connection has open, never what the name leads to by then: a tenant can swap the name for a
// symlink out of the fleet root, or rename another file onto it, between SQLite's open and the copy.
import { closeSync, readSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openConnectionFile, openReadWrite } from '../../src/db/open-database.js';
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
