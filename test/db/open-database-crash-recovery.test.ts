// A writer that dies mid-transaction leaves a hot rollback journal. A read-only connection cannot
// roll it back (SQLITE_READONLY_ROLLBACK), so before this fix every check of that database failed
// until the application reopened it. Found by the crash torture (test/torture).
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openReadOnly } from '../../src/db/open-database.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A DELETE-mode database whose writer was SIGKILLed inside a transaction that had spilled pages. */
async function crashedMidTransaction(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'driftd-hot-journal-'));
  dirs.push(dir);
  const dbPath = join(dir, 'app.db');
  const db = new Database(dbPath);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('committed')");
  db.close();
  // cache_size = 1 page forces SQLite to spill changed pages into the database file (journal first),
  // so the file is mid-change when the process dies.
  const script = `
    const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
    const db = new Database(${JSON.stringify(dbPath)});
    db.pragma('cache_size = 1');
    db.exec('BEGIN IMMEDIATE');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < 2000; i++) insert.run('uncommitted '.repeat(20) + i);
    process.stdout.write('inside\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('inside') && resolve());
    child.once('exit', (code) => reject(new Error(`writer exited ${code} early`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return dbPath;
}

describe('openReadOnly after a writer crashed mid-transaction', () => {
  it('SQLite alone refuses a read-only read (the situation the fix handles)', async () => {
    const dbPath = await crashedMidTransaction();
    expect(statSync(`${dbPath}-journal`).size).toBeGreaterThan(0);
    const raw = new Database(dbPath, { readonly: true });
    expect(() => raw.prepare('SELECT count(*) FROM t').get()).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY_ROLLBACK' }));
    raw.close();
  });

  it('rolls the hot journal back as the next writer would, then reads the committed state', async () => {
    const dbPath = await crashedMidTransaction();
    const db = openReadOnly(dbPath, { busyTimeoutMs: 1000 });
    try {
      expect(db.prepare('SELECT v FROM t').pluck().all()).toEqual(['committed']);
      expect(db.prepare('PRAGMA integrity_check').pluck().get()).toBe('ok');
    } finally {
      db.close();
    }
    expect(existsSync(`${dbPath}-journal`) && statSync(`${dbPath}-journal`).size > 0).toBe(false);
  });

  it('says why when it may not write (the rollback needs write access)', async () => {
    const dbPath = await crashedMidTransaction();
    chmodSync(dbPath, 0o444);
    const script = `
      import(${JSON.stringify(new URL('../../dist/db/open-database.js', import.meta.url).href)}).then(({ openReadOnly }) => {
        try { openReadOnly(${JSON.stringify(dbPath)}, { busyTimeoutMs: 100 }); console.log('opened'); }
        catch (error) { console.log(error.code + ' ' + error.message); }
      });`;
    // As root the file mode would not stop the rollback; run as nobody when we can.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    chmodSync(join(dbPath, '..'), 0o777);
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'], ...asNobody });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    expect(out).toMatch(/^DB_(READONLY|PERMISSION) a crashed writer left a hot journal; rolling it back needs write access: /);
    expect(out).toContain(dbPath);
    expect(statSync(`${dbPath}-journal`).size).toBeGreaterThan(0);
  });
});

