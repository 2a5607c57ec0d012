import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { loadDeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { quoteIdentifier } from '../../src/sql/quote.js';
import { createDatabaseWithShell, fileBytes, runShell, tempDir } from '../support/temp-db.js';
import { OBJECT_FIXTURES, type ObjectFixture } from './object-fixtures.js';
import type { CheckReport } from '../../src/report/report-vocabulary.js';

/**
 * For each real-world shape: the database is built by the stock sqlite3 shell, its `.schema`
 * (verbatim) is the declaration, and that is in sync. Then every view and trigger is dropped in
 * turn (a view takes its INSTEAD OF triggers with it) → found as missing, repaired, in sync,
 * `PRAGMA integrity_check` ok, as the shell sees it; and each is replaced by another definition →
 * reported, never touched.
 */
const dir = tempDir('driftd-real-objects-');

interface SchemaObject {
  readonly type: 'view' | 'trigger';
  readonly name: string;
  readonly table: string;
  readonly sql: string;
}

function objectsOf(path: string): SchemaObject[] {
  const rows = runShell(path, "SELECT json_group_array(json_object('type', type, 'name', name, 'table', tbl_name, 'sql', sql)) FROM sqlite_schema WHERE type IN ('view', 'trigger');");
  return JSON.parse(rows) as SchemaObject[];
}

const tablesOf = (path: string): Set<string> => new Set((JSON.parse(runShell(path, "SELECT json_group_array(name) FROM sqlite_schema WHERE type = 'view';")) as string[]));

function prepare(fixture: ObjectFixture) {
  const base = createDatabaseWithShell(dir, fixture.sql, { name: `${fixture.name}.sqlite` });
  const schemaPath = join(dir, `${fixture.name}.sql`);
  writeFileSync(schemaPath, runShell(base, '.schema'));
  return { base, declared: loadDeclaredSchema(schemaPath).schema };
}

const check = (path: string, declared: ReturnType<typeof prepare>['declared'], mode: 'check' | 'repair' = 'check'): Promise<CheckReport> =>
  checkDatabase({ dbPath: path, declared, mode, busyTimeoutMs: 2000 });

let copies = 0;
function copyOf(base: string): string {
  const path = join(dir, `copy-${++copies}.sqlite`);
  copyFileSync(base, path);
  return path;
}

const nameOf = (item: { view?: string; trigger?: string; table: string }): string => item.view ?? item.trigger ?? item.table;

describe.each(OBJECT_FIXTURES.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
  const { base, declared } = prepare(fixture);
  const objects = objectsOf(base);

  it('has views or triggers, and its verbatim .schema is in sync with the database the shell built', async () => {
    expect(objects.length).toBeGreaterThan(0);
    expect(declared.views.length + declared.triggers.length).toBe(objects.length);
    const report = await check(base, declared);
    expect(report.drift).toEqual([]);
    expect(report.extras).toEqual([]);
  });

  it.each(objects.map((object) => [`${object.type} ${object.name}`, object] as const))('drop %s → found, repaired, in sync, integrity ok', async (_what, object) => {
    const path = copyOf(base);
    runShell(path, `DROP ${object.type.toUpperCase()} ${quoteIdentifier(object.name)};`);
    const left = new Set(objectsOf(path).map((candidate) => candidate.name));
    const gone = objects.filter((candidate) => !left.has(candidate.name));
    expect(gone.map((candidate) => candidate.name)).toContain(object.name);

    const found = await check(path, declared);
    const missing = found.drift.filter((item) => item.kind !== 'stale_fts_index');
    expect(missing.map((item) => [item.kind, nameOf(item), item.safe]).sort()).toEqual(
      gone.map((candidate) => [`missing_${candidate.type}`, candidate.name, true]).sort(),
    );
    // A sync trigger dropped with no write since: the index misses no row, and the rows say so (issue 16: the
    // structure-only guess reported it stale, and the repair exited 1 for nothing).
    const stale = found.drift.filter((item) => item.kind === 'stale_fts_index');
    const writesFts = gone.some((candidate) => candidate.type === 'trigger' && /INTO\s+notes_fts/i.test(candidate.sql));
    expect(stale).toEqual([]);

    const repaired = await check(path, declared, 'repair');
    expect(repaired.applied.map(nameOf).sort()).toEqual(gone.map((candidate) => candidate.name).sort());
    expect(repaired.remaining.map((item) => item.kind)).toEqual([]);
    // Re-created from the declaration, i.e. from `.schema`, which appends `/* view(columns) */` to each view.
    const withoutShellComment = (sql: string): string => sql.replace(/\n\/\* [^*]*\*\/$/, '');
    expect(objectsOf(path).map((candidate) => withoutShellComment(candidate.sql)).sort()).toEqual(objects.map((candidate) => candidate.sql).sort());
    if (writesFts) {
      // Whole without a rebuild: FTS5's own integrity check passes and the search finds the row.
      runShell(path, "INSERT INTO notes_fts(notes_fts) VALUES ('integrity-check');");
      expect(runShell(path, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'apples';").trim()).toBe('1');
    }
    const after = await check(path, declared);
    expect(after.inSync).toBe(true);
    expect(after.extras).toEqual([]);
    expect(runShell(path, 'PRAGMA integrity_check;').trim()).toBe('ok');
  });

  it.each(objects.map((object) => [`${object.type} ${object.name}`, object] as const))('redefine %s → reported, never touched', async (_what, object) => {
    const path = copyOf(base);
    const isView = tablesOf(path).has(object.table);
    const replacement =
      object.type === 'view'
        ? `CREATE VIEW ${quoteIdentifier(object.name)} AS SELECT 1 AS changed;`
        : `CREATE TRIGGER ${quoteIdentifier(object.name)} ${isView ? 'INSTEAD OF' : 'AFTER'} INSERT ON ${quoteIdentifier(object.table)} BEGIN SELECT 1; END;`;
    runShell(path, `DROP ${object.type.toUpperCase()} ${quoteIdentifier(object.name)}; ${replacement}`);
    const before = objectsOf(path);
    const report = await check(path, declared, 'repair');
    const definition = report.drift.filter((item) => item.kind === `${object.type}_definition`);
    expect(definition.map((item) => [nameOf(item), item.safe])).toEqual([[object.name, false]]);
    expect(definition[0]!.reason).toContain('driftd never drops');
    // Only what the DROP took along (a view's INSTEAD OF triggers) was created; the new definition stayed.
    const changed = objectsOf(path).find((candidate) => candidate.name === object.name);
    expect(changed?.sql).toBe(before.find((candidate) => candidate.name === object.name)?.sql);
    expect(report.inSync).toBe(false);
    expect(runShell(path, 'PRAGMA integrity_check;').trim()).toBe('ok');
  });
});
