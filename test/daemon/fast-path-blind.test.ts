// Issue 9, defect 5: a database overwritten in place (same inode) by a copy whose schema_version happens
// to be equal was reported in sync forever: nothing ever forced a full check.
import { createHash } from 'node:crypto';
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { TargetConfig } from '../../src/config/parse-config.js';
import { TargetRunner, noReconcile } from '../../src/daemon/target-runner.js';
import { parseDatabaseHeader } from '../../src/db/database-header.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { SCHEMA_SQL, createMatchingDatabase, tempDir } from '../helpers/daemon-process.js';

const declared = { schema: declaredSchemaFromSql(SCHEMA_SQL, 'schema.sql'), path: 'schema.sql', contentHash: createHash('sha256').update(SCHEMA_SQL).digest('hex') };
const deps = { reconcile: noReconcile, clock: () => performance.now(), now: () => new Date() };
const target = (database: string): TargetConfig => ({ name: 'app', database, schema: 'schema.sql', repair: 'report', ignoreTables: [], foreignKeysEnforced: true, repairUnderMigrationTool: false, reconcile: [] });

/** A copy with the same number of schema statements (so an equal schema_version), but without the index. */
function driftedCopy(dir: string, journalMode: 'delete' | 'wal', extraCommits: number): Buffer {
  const path = join(dir, `copy-${journalMode}-${extraCommits}.db`);
  const db = new Database(path);
  db.pragma(`journal_mode = ${journalMode}`);
  db.exec('CREATE TABLE fine_tuned_models (id INTEGER PRIMARY KEY AUTOINCREMENT, model_name TEXT NOT NULL, is_custom_base_model BOOLEAN DEFAULT 0)');
  db.exec('CREATE TABLE unrelated (x)');
  for (let i = 0; i < extraCommits; i++) db.exec(`INSERT INTO unrelated VALUES (${i})`);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return readFileSync(path);
}

function schemaVersionOf(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('schema_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('the fast path is never blind for long', () => {
  it('a full check runs after fullCheck.everyCycles fast-path cycles, and finds a copy written over the file in place', async () => {
    const dir = tempDir();
    const db = join(dir, 'app.db');
    createMatchingDatabase(db);
    utimesSync(db, 1_700_000_000, 1_700_000_000); // a whole second, so it can be restored exactly below
    const runner = new TargetRunner('app', deps);
    const settings = { busyTimeoutMs: 1000, backup: null, fullCheck: { everyCycles: 3, everySeconds: 3600 } };
    expect((await runner.run(target(db), declared, settings)).check?.inSync).toBe(true);
    // Same inode, same schema_version, same header change counter: no key can see it.
    const inode = statSync(db).ino;
    const counter = parseDatabaseHeader(readFileSync(db))!.changeCounter;
    const copy = driftedCopy(dir, 'delete', counter - 2);
    expect(parseDatabaseHeader(copy)!.changeCounter).toBe(counter);
    writeFileSync(db, copy);
    // ...and the same modification time (`cp -p`, or a write within the file system's timestamp granularity):
    // the one case only the periodic full check can find.
    utimesSync(db, 1_700_000_000, 1_700_000_000);
    expect(statSync(db).ino).toBe(inode);
    expect(schemaVersionOf(db)).toBe(2);
    const seen: Array<[boolean, boolean]> = [];
    for (let i = 0; i < 4; i++) {
      const report = await runner.run(target(db), declared, settings);
      seen.push([report.fastPath, report.check?.inSync ?? true]);
    }
    // Blind at first (the fast path), then the full check due after 3 fast-path cycles finds the drift.
    // Before the fix: in sync on every cycle, forever.
    expect(seen).toEqual([
      [true, true],
      [true, true],
      [true, true],
      [false, false],
    ]);
    runner.close();
  });

  it('in rollback-journal mode the header change counter is in the key: an in-place copy with another counter is checked at once', async () => {
    const dir = tempDir();
    const db = join(dir, 'app.db');
    createMatchingDatabase(db);
    const runner = new TargetRunner('app', deps);
    const settings = { busyTimeoutMs: 1000, backup: null, fullCheck: { everyCycles: 1_000_000, everySeconds: 1_000_000 } };
    expect((await runner.run(target(db), declared, settings)).check?.inSync).toBe(true);
    expect((await runner.run(target(db), declared, settings)).fastPath).toBe(true);
    writeFileSync(db, driftedCopy(dir, 'delete', 5));
    expect(schemaVersionOf(db)).toBe(2);
    const next = await runner.run(target(db), declared, settings);
    expect(next).toMatchObject({ fastPath: false });
    expect(next.check?.drift.map((item) => item.kind)).toEqual(['missing_index']);
    runner.close();
  });

  // Issue 16, defect 4: the same copy (equal schema cookie AND equal change counter) written in place was reported
  // in sync until the periodic full check, 120 cycles / 600 s later. In rollback-journal mode SQLite bumps the
  // counter on every commit, so a modification time that moved while the counter did not is a write SQLite did
  // not make: the next cycle checks fully.
  it('in rollback-journal mode a moved modification time with an unmoved change counter forces a full check at once', async () => {
    const dir = tempDir();
    const db = join(dir, 'app.db');
    createMatchingDatabase(db);
    const runner = new TargetRunner('app', deps);
    const settings = { busyTimeoutMs: 1000, backup: null, fullCheck: { everyCycles: 1_000_000, everySeconds: 1_000_000 } };
    expect((await runner.run(target(db), declared, settings)).check?.inSync).toBe(true);
    expect((await runner.run(target(db), declared, settings)).fastPath).toBe(true);
    const counter = parseDatabaseHeader(readFileSync(db))!.changeCounter;
    const copy = driftedCopy(dir, 'delete', counter - 2);
    expect(parseDatabaseHeader(copy)!.changeCounter).toBe(counter);
    const before = statSync(db, { bigint: true }).mtimeNs;
    writeFileSync(db, copy);
    if (statSync(db, { bigint: true }).mtimeNs === before) utimesSync(db, new Date(), new Date(Date.now() + 1000));
    const next = await runner.run(target(db), declared, settings);
    expect(next).toMatchObject({ fastPath: false });
    expect(next.check?.drift.map((item) => item.kind)).toEqual(['missing_index']);
    // Our own read-only checks never move it: the cycle after is the fast path again.
    expect((await runner.run(target(db), declared, settings)).fastPath).toBe(true);
    runner.close();
  });
});
