// Issue 14, item 2: start-up resolution of a killed run's intents opened the intent's database by
// path. For a fleet file whose tenant directory has since been swapped for a symlink out of the
// root, that read — and the hot-journal rollback it may do — reached a database outside the root,
// and the intent was answered from the wrong file. A fleet file is now probed beneath its root.
import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { databaseProbe, resolvePending } from '../../src/audit/resolve-pending.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

describe('resolvePending on a fleet file', () => {
  it('probes it beneath the fleet root: a tenant directory swapped for a symlink out of it is never read', () => {
    const dir = tempDir('driftd-resolve-');
    const root = join(dir, 'tenants');
    const outside = join(dir, 'outside');
    mkdirSync(join(root, 't'), { recursive: true });
    mkdirSync(outside);
    const database = createDatabase(join(root, 't'), 'CREATE TABLE t (id INTEGER PRIMARY KEY);', { name: 'app.sqlite' });
    // Outside, a database where the change did land.
    createDatabase(outside, 'CREATE TABLE t (id INTEGER PRIMARY KEY, extra INTEGER);', { name: 'app.sqlite' });
    const journal = new AuditJournal({ dir: join(dir, 'journal'), maxBytes: 1 << 20, keep: 2 });
    journal.sink({ target: 'tenants', database, cycle: 1, source: 'daemon' }).intend({
      kind: 'repair',
      statements: [{ sql: 'ALTER TABLE t ADD COLUMN extra INTEGER;', drift: 'missing_column', table: 't', column: 'extra' }],
    });
    renameSync(join(root, 't'), join(dir, 'parked'));
    symlinkSync(outside, join(root, 't'));
    const summary = resolvePending(journal, databaseProbe([root]), () => false);
    // Before the fix: "applied", answered from outside/app.sqlite.
    expect(summary.resolved).toEqual([]);
    expect(summary.left).toEqual([expect.objectContaining({ database, reason: expect.stringContaining('symlink') })]);
  });
});
