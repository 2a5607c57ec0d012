import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

// Steps that cannot succeed must never hold the safe ones hostage: before these rules, both cases
// below failed the whole transaction on every cycle and the safe column was never added.
const dir = tempDir('driftd-partial-');

function columnsOf(path: string, table: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).map((row) => row.name);
  } finally {
    db.close();
  }
}

function indexesOf(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((row) => row.name);
  } finally {
    db.close();
  }
}

describe('a plan with steps that cannot succeed', () => {
  it('keeps an index over an unaddable column out of the plan, and still adds the safe column', async () => {
    const declared = declaredSchemaFromSql('CREATE TABLE t (a INT, c INT DEFAULT 0, b INT NOT NULL); CREATE INDEX ib ON t (b); CREATE INDEX ic ON t (c);', 'declared.sql');
    const path = createDatabase(dir, 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1);');
    const report = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.applied.map((step) => step.column ?? step.index)).toEqual(['c', 'ic']);
    expect(columnsOf(path, 't')).toEqual(['a', 'c']);
    expect(indexesOf(path)).toEqual(['ic']);
    const waiting = report.remaining.find((item) => item.index === 'ib');
    expect(waiting).toMatchObject({ kind: 'missing_index', safe: false });
    expect(waiting?.reason).toContain('"t"."b"');
    expect(waiting).not.toHaveProperty('sql');
  });

  it('leaves out a UNIQUE index that duplicate rows make impossible, applies the rest, and says why', async () => {
    const declared = declaredSchemaFromSql('CREATE TABLE t (a INT, c INT DEFAULT 0); CREATE UNIQUE INDEX ua ON t (a); CREATE TABLE u (x INT);', 'declared.sql');
    const path = createDatabase(dir, 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (1), (2);');
    const report = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(report.applied.map((step) => step.kind).sort()).toEqual(['missing_column', 'missing_table']);
    expect(columnsOf(path, 't')).toEqual(['a', 'c']);
    expect(columnsOf(path, 'u')).toEqual(['x']);
    expect(indexesOf(path)).toEqual([]);
    expect(report.inSync).toBe(false);
    expect(report.remaining).toEqual([
      expect.objectContaining({ kind: 'missing_index', index: 'ua', safe: false, reason: expect.stringContaining('duplicates') }),
    ]);

    // Once the duplicates are gone, the next repair creates it.
    const db = new Database(path);
    db.exec('DELETE FROM t WHERE rowid = 2');
    db.close();
    const again = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000 });
    expect(again.applied.map((step) => step.index)).toEqual(['ua']);
    expect(again.inSync).toBe(true);
  });
});

describe('backups of two databases that share a file name', () => {
  it('rotate separately in a shared backup directory', async () => {
    const declared = declaredSchemaFromSql('CREATE TABLE t (a INT, c INT DEFAULT 0);', 'declared.sql');
    const backups = join(dir, 'backups');
    const paths = ['one', 'two'].map((name) => {
      mkdirSync(join(dir, name));
      return createDatabase(join(dir, name), 'CREATE TABLE t (a INT);', { name: 'app.db' });
    });
    for (const path of paths) {
      const report = await checkDatabase({ dbPath: path, declared, mode: 'repair', busyTimeoutMs: 1000, backup: { dir: backups, keep: 1 } });
      expect(report.backupPath).not.toBeNull();
    }
    const copies = readdirSync(backups);
    expect(copies).toHaveLength(2);
    expect(new Set(copies.map((name) => name.split('.').slice(0, 3).join('.'))).size).toBe(2);
  });
});
