import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { openSqlite } from '../../src/db/open-sqlite.js';
import { loadDeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { createDatabaseWithShell, runShell, tempDir } from '../support/temp-db.js';
import type { CheckReport } from '../../src/report/report-vocabulary.js';

/**
 * The real-schema corpus (issue 8): one fixture per feature class real applications use, written
 * for driftd after reading how such applications declare their schemas. Each fixture's text is
 * executed by Debian's stock `sqlite3` shell — the oracle — and the resulting database must be:
 *  1. in sync with its own `.schema` (verbatim), and with the other declarations its header names
 *     (`-- declare: schema, source, dump`: the fixture text itself, or `.dump`);
 *  2. for every droppable object in turn (table, index, view, trigger): dropped by the shell,
 *     found, repaired, in sync after, `PRAGMA integrity_check` ok. A repair that re-creates an FTS
 *     sync trigger reports the index as stale (`stale_fts_index`, never repaired automatically):
 *     the harness then runs the rebuild statement of its hint, as an operator would.
 * Headers: `-- declare: …` (default `schema`), `-- repairUnderMigrationTool: true` (the database
 * carries a migration tool's history table; repair needs the target key, and is held without it).
 *
 * To extend: add a fixture file. To cover another object type, add it to DROPPABLE and to
 * `missingKind`. Dropping a table or view takes its triggers with it; they come back too.
 */
const FIXTURES_DIR = join(__dirname, 'fixtures');
const DROPPABLE = ['table', 'index', 'view', 'trigger'] as const;
type Droppable = (typeof DROPPABLE)[number];

/** The drift a dropped object must show up as. */
function missingKind(type: Droppable): { kind: string; field: 'table' | 'index' | 'view' | 'trigger' } {
  switch (type) {
    case 'table':
      return { kind: 'missing_table', field: 'table' };
    case 'index':
      return { kind: 'missing_index', field: 'index' };
    case 'view':
      return { kind: 'missing_view', field: 'view' };
    case 'trigger':
      return { kind: 'missing_trigger', field: 'trigger' };
  }
}

type DeclarationForm = 'schema' | 'source' | 'dump';

interface Fixture {
  readonly file: string;
  readonly text: string;
  readonly declare: readonly DeclarationForm[];
  readonly repairUnderMigrationTool: boolean;
}

function readFixture(file: string): Fixture {
  const text = readFileSync(join(FIXTURES_DIR, file), 'utf8');
  const declareLine = /^-- declare:(.*)$/m.exec(text)?.[1];
  const declare = declareLine === undefined ? ['schema'] : declareLine.split(',').map((form) => form.trim());
  for (const form of declare) if (!['schema', 'source', 'dump'].includes(form)) throw new Error(`${file}: unknown declaration form "${form}"`);
  return { file, text, declare: declare as DeclarationForm[], repairUnderMigrationTool: /^-- repairUnderMigrationTool: true$/m.test(text) };
}

const FIXTURES = readdirSync(FIXTURES_DIR).filter((file) => file.endsWith('.sql')).sort().map(readFixture);
const dir = tempDir('driftd-real-schemas-');

function declarationText(fixture: Fixture, form: DeclarationForm, db: string): string {
  switch (form) {
    case 'schema':
      return runShell(db, '.schema');
    case 'dump':
      return runShell(db, '.dump');
    case 'source':
      return fixture.text;
  }
}

function declare(name: string, text: string) {
  const path = join(dir, `${name}.sql`);
  writeFileSync(path, text);
  return loadDeclaredSchema(path).schema;
}

/** The user objects of a database that can be dropped: not SQLite's own, not a virtual table's shadow. */
function droppableObjects(db: string): Array<{ type: Droppable; name: string }> {
  const handle = openSqlite(db, { readonly: true, fileMustExist: true });
  try {
    return handle
      .prepare(
        `SELECT type, name FROM sqlite_schema
         WHERE type IN (${DROPPABLE.map(() => '?').join(', ')}) AND sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
           AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')
         ORDER BY rowid`,
      )
      .all(...DROPPABLE) as Array<{ type: Droppable; name: string }>;
  } finally {
    handle.close();
  }
}

const summary = (report: CheckReport): string[] =>
  report.drift.map((item) => `${item.kind} ${item.table}${item.column ? `.${item.column}` : ''}${item.index ? ` ${item.index}` : ''}${item.view ? ` view ${item.view}` : ''}${item.trigger ? ` trigger ${item.trigger}` : ''}`);

describe.each(FIXTURES)('$file', (fixture) => {
  const stem = fixture.file.replace(/\.sql$/, '');
  const base = createDatabaseWithShell(dir, fixture.text, { name: `${stem}.sqlite` });
  const check = (dbPath: string, declared: ReturnType<typeof declare>, mode: 'check' | 'repair' = 'check', underTool = fixture.repairUnderMigrationTool) =>
    checkDatabase({ dbPath, declared, mode, busyTimeoutMs: 2000, repairUnderMigrationTool: underTool });

  it.each(fixture.declare)('declared verbatim from %s: in sync, no extras', async (form) => {
    const declared = declare(`${stem}-${form}`, declarationText(fixture, form, base));
    const report = await check(base, declared);
    expect({ drift: summary(report), extras: report.extras }).toEqual({ drift: [], extras: [] });
  });

  it('every droppable object, dropped by the shell, is found, repaired, in sync after, integrity ok', async () => {
    const declared = declare(`${stem}-drop`, runShell(base, '.schema'));
    const objects = droppableObjects(base);
    expect(objects.length).toBeGreaterThan(0);
    for (const [n, object] of objects.entries()) {
      const label = `${fixture.file}: DROP ${object.type} ${object.name}`;
      const copy = join(dir, `${stem}-drop-${n}.sqlite`);
      copyFileSync(base, copy);
      runShell(copy, `DROP ${object.type.toUpperCase()} "${object.name.replace(/"/g, '""')}";`);

      const found = await check(copy, declared);
      const { kind, field } = missingKind(object.type);
      expect(found.drift.some((item) => item.kind === kind && item[field] === object.name), `${label}: found (${summary(found).join('; ')})`).toBe(true);

      const repaired = await check(copy, declared, 'repair');
      // A re-created FTS sync trigger leaves what it missed out of the index: the one item left, with
      // the rebuild statement as hint; the operator's step, run here by the shell.
      // Judged from the rows (issue 16): these fixtures hold no rows, so no index misses any, whichever trigger
      // or table was re-created — the structure-only guess reported them stale and the repair exited 1 for nothing.
      const stale = repaired.remaining.filter((item) => item.kind === 'stale_fts_index');
      const writesFts = found.drift.some((item) => item.kind === 'stale_fts_index');
      expect(stale.map((item) => item.table), `${label}: no stale FTS index over empty tables`).toEqual([]);
      for (const item of stale) runShell(copy, `${item.hint}\nINSERT INTO ${item.table}(${item.table}) VALUES ('integrity-check');`);
      const rest = repaired.remaining.filter((item) => item.kind !== 'stale_fts_index');
      expect(rest.length === 0 && (repaired.inSync || writesFts), `${label}: repaired (${summary(repaired).join('; ')}; left ${repaired.remaining.map((item) => item.reason).join('; ')})`).toBe(true);
      const after = await check(copy, declared);
      expect({ drift: summary(after), extras: after.extras }, `${label}: in sync after`).toEqual({ drift: [], extras: [] });
      expect(runShell(copy, 'PRAGMA integrity_check;').trim(), `${label}: integrity`).toBe('ok');
    }
  });

  if (fixture.repairUnderMigrationTool) {
    it('names the migration tool and holds repair without the target key', async () => {
      const declared = declare(`${stem}-held`, runShell(base, '.schema'));
      const object = droppableObjects(base).find((candidate) => candidate.type === 'index')!;
      const copy = join(dir, `${stem}-held.sqlite`);
      copyFileSync(base, copy);
      runShell(copy, `DROP INDEX "${object.name}";`);
      const held = await check(copy, declared, 'repair', false);
      expect(held.migrationTools.length).toBeGreaterThan(0);
      expect(held.repairHeld).toContain('repairUnderMigrationTool');
      expect(held.applied).toEqual([]);
    });
  }
});
