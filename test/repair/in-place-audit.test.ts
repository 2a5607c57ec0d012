import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import type { IntentRecord } from '../../src/audit/audit-record.js';
import { probeDatabase } from '../../src/audit/resolve-pending.js';
import { checkDatabase } from '../../src/check/check-database.js';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

/**
 * A renaming or in-place repair killed before its outcome line is answered at the next start by
 * probing the database (resolve-pending.ts): every new kind of statement has a probe that tells
 * the database before the repair from the one after it.
 */
const dir = tempDir('driftd-in-place-audit-');

describe('every in-place repair statement can be probed after a kill', () => {
  it('renames, NOT NULL both ways, ADD CHECK, DROP CONSTRAINT and a replaced CHECK: absent before, present after', async () => {
    const original = createDatabase(
      dir,
      `CREATE TABLE persons (id INTEGER PRIMARY KEY, mail TEXT, qty INT, note TEXT NOT NULL, CONSTRAINT old_rule CHECK (qty < 100), CONSTRAINT range CHECK (qty > 0));
       CREATE INDEX old_idx ON persons (qty);
       INSERT INTO persons (mail, qty, note) VALUES ('a@example.org', 5, 'n');`,
    );
    const path = join(dir, 'repaired.sqlite');
    copyFileSync(original, path);
    const declared = declaredSchemaFromSql(
      `CREATE TABLE people ( -- @renamed from=persons
         id INTEGER PRIMARY KEY,
         email TEXT, -- @renamed from=mail
         qty INT NOT NULL CHECK (qty < 10),
         note TEXT,
         CONSTRAINT range CHECK (qty > 1)
       );
       CREATE INDEX people_qty ON people (qty); -- @renamed from=old_idx`,
      'declared.sql',
    );
    const journal = new AuditJournal({ dir: join(dir, 'journal'), maxBytes: 1 << 20, keep: 2 });
    const report = await checkDatabase({
      dbPath: path,
      declared,
      mode: 'repair',
      busyTimeoutMs: 1000,
      audit: journal.sink({ target: 't', database: path, cycle: null, source: 'cli' }),
    });
    expect(report.applied.map((step) => step.kind).sort()).toEqual(
      ['renamed_table', 'renamed_column', 'column_not_null', 'column_not_null', 'missing_check', 'undeclared_check', 'check_definition', 'renamed_index'].sort(),
    );
    expect(report.inSync).toBe(true);
    const intent = journal.read().find((record): record is IntentRecord => record.type === 'intent')!;
    expect(intent.change.kind).toBe('repair');
    expect(probeDatabase(intent)).toEqual(report.applied.map(() => true));
    expect(probeDatabase({ ...intent, database: original })).toEqual(report.applied.map(() => false));
  });
});
