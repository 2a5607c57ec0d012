// Found while merging issue 15's table rebuilds with issue 14's beneath-root opens: closing any
// descriptor of a file drops every POSIX lock the process holds on it (fcntl(2)), and SQLite's unix
// VFS shares its own descriptors across a process's connections for exactly that reason. driftd's
// open looked at the database through a Node descriptor of its own and closed it, so opening a second
// connection to a file while the first held a write transaction released the first one's locks:
// another process then wrote inside that transaction (and its COMMIT failed deleting a journal the
// other process's rollback had removed). The open now looks at the directory entry, never the file.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openReadOnly, openReadWrite } from '../../src/db/open-database.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

/** Another process tries to write, without waiting: "database is locked" while a write lock is held. */
function otherProcessInsert(path: string): { status: number | null; stderr: string } {
  const run = spawnSync('sqlite3', ['-bail', path, 'PRAGMA busy_timeout = 0; INSERT INTO t (v) VALUES (99);'], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('a second connection to a file whose write transaction is open', () => {
  for (const journal of ['delete', 'wal'] as const) {
    it(`keeps the first connection's locks when it is opened and closed (${journal} journal)`, () => {
      const dir = tempDir('driftd-locks-');
      const path = createDatabase(dir, "CREATE TABLE t (v INTEGER); INSERT INTO t (v) VALUES (1);", { journalMode: journal });
      const writer = openReadWrite(path, { busyTimeoutMs: 0 });
      try {
        writer.exec('BEGIN IMMEDIATE');
        writer.prepare('INSERT INTO t (v) VALUES (2)').run();
        expect(otherProcessInsert(path).stderr).toMatch(/locked/);
        for (const open of [openReadOnly, openReadWrite]) {
          const second = open(path, { busyTimeoutMs: 0 });
          second.close();
          // Still locked out: the writer's locks were not dropped by the second connection's open or close.
          const run = otherProcessInsert(path);
          expect(run.status, `${open.name}: another process wrote inside the transaction`).not.toBe(0);
          expect(run.stderr).toMatch(/locked/);
        }
        writer.exec('COMMIT');
      } finally {
        writer.close();
      }
      const rows = spawnSync('sqlite3', [path, 'SELECT group_concat(v) FROM t'], { encoding: 'utf8' }).stdout.trim();
      expect(rows).toBe('1,2');
    });
  }
});
