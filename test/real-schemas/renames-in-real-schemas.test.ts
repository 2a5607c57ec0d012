import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDatabase } from '../../src/check/check-database.js';
import { openSqlite } from '../../src/db/open-sqlite.js';
import { loadDeclaredSchema } from '../../src/declared/load-declared-schema.js';
import { matchingParen, splitTopLevel, tokenize } from '../../src/sql/tokenize.js';
import { createDatabaseWithShell, runShell, tempDir } from '../support/temp-db.js';

/**
 * The rename hazard on the real-schema corpus (issue 15 items 1 and 2). For every fixture, one
 * ordinary column of one table is given its old name by the stock shell (the database predates
 * the release that renamed it): without intent the check reports `possible_rename` and repair
 * adds nothing; with `-- @renamed from=OLD` on the column's line, repair renames it in place, every
 * row keeps its values, the declaration is in sync after, and the shell finds the file sound.
 */
const FIXTURES_DIR = join(__dirname, 'fixtures');
const dir = tempDir('driftd-real-renames-');
const FIXTURES = readdirSync(FIXTURES_DIR).filter((file) => file.endsWith('.sql')).sort();

interface Choice {
  readonly table: string;
  readonly column: string;
  readonly createSql: string;
}

/** The first ordinary column (not a key, not generated) of a table no virtual table reads, nor a migration tool owns. */
function chooseColumn(db: string): Choice | null {
  const handle = openSqlite(db, { readonly: true, fileMustExist: true });
  try {
    const virtualSql = (handle.prepare("SELECT group_concat(sql, ' ') AS s FROM sqlite_schema WHERE sql LIKE 'CREATE VIRTUAL%'").get() as { s: string | null }).s ?? '';
    const tables = handle
      .prepare(
        `SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND sql NOT LIKE 'CREATE VIRTUAL%'
           AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow') ORDER BY rowid`,
      )
      .all() as Array<{ name: string; sql: string }>;
    for (const table of tables) {
      if (virtualSql.toLowerCase().includes(table.name.toLowerCase()) || /migrations|schema_migrations|ar_internal/i.test(table.name)) continue;
      const column = handle.prepare('SELECT name FROM pragma_table_xinfo(?) WHERE pk = 0 AND hidden = 0 ORDER BY cid LIMIT 1').get(table.name) as { name: string } | undefined;
      if (column !== undefined) return { table: table.name, column: column.name, createSql: table.sql };
    }
    return null;
  } finally {
    handle.close();
  }
}

/** The CREATE TABLE text with each column definition on a line of its own, the chosen one annotated. */
function annotated(createSql: string, column: string, annotation: string): string {
  const tokens = tokenize(createSql);
  const open = tokens.findIndex((token) => token.text === '(');
  const close = matchingParen(tokens, open);
  const parts = splitTopLevel(tokens, open + 1, close).map(([from, to]) => createSql.slice(tokens[from]!.start, tokens[to - 1]!.end));
  const lines = parts.map((part, i) => {
    const comma = i < parts.length - 1 ? ',' : '';
    const name = tokenize(part)[0]!;
    const bare = name.text.replace(/^["`[]|["`\]]$/g, '');
    return `  ${part}${comma}${bare.toLowerCase() === column.toLowerCase() ? ` ${annotation}` : ''}`;
  });
  return `${createSql.slice(0, tokens[open]!.end)}\n${lines.join('\n')}\n${createSql.slice(tokens[close]!.start)}`;
}

function rowsOf(db: string, table: string): string {
  return runShell(db, `.mode json\nSELECT * FROM "${table.replace(/"/g, '""')}" ORDER BY 1;`);
}

describe.each(FIXTURES)('%s', (file) => {
  const stem = file.replace(/\.sql$/, '');
  const text = readFileSync(join(FIXTURES_DIR, file), 'utf8');
  const underTool = /^-- repairUnderMigrationTool: true$/m.test(text);
  const base = createDatabaseWithShell(dir, text, { name: `${stem}.sqlite` });
  const choice = chooseColumn(base);

  it.skipIf(choice === null)('a column the database still has under its old name: possible_rename, nothing added; declared renamed: renamed in place, nothing lost', async () => {
    const { table, column, createSql } = choice!;
    const old = `${column}_before_rename`;
    const live = join(dir, `${stem}-old.sqlite`);
    copyFileSync(base, live);
    const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
    runShell(live, `ALTER TABLE ${quote(table)} RENAME COLUMN ${quote(column)} TO ${quote(old)};`);
    const before = rowsOf(live, table);
    const schema = runShell(base, '.schema');
    // The shell prints some tables as `CREATE TABLE IF NOT EXISTS`: the statement is found either way.
    const printed = [createSql, createSql.replace(/^CREATE TABLE /i, 'CREATE TABLE IF NOT EXISTS ')].find((candidate) => schema.includes(candidate));
    expect(printed, `${file}: ${table} in .schema`).toBeDefined();

    const plainPath = join(dir, `${stem}-plain.sql`);
    writeFileSync(plainPath, schema);
    const plain = loadDeclaredSchema(plainPath).schema;
    const held = await checkDatabase({ dbPath: live, declared: plain, mode: 'repair', busyTimeoutMs: 2000, repairUnderMigrationTool: underTool });
    const hazard = held.drift.find((item) => item.kind === 'possible_rename');
    expect(hazard, `${file}: ${held.drift.map((item) => item.kind).join(', ')}`).toMatchObject({ table, column, safe: false });
    expect(held.applied.filter((step) => step.column?.toLowerCase() === column.toLowerCase())).toEqual([]);
    expect(rowsOf(live, table)).toBe(before);

    const declaredPath = join(dir, `${stem}-renamed.sql`);
    writeFileSync(declaredPath, schema.replace(printed!, annotated(printed!, column, `-- @renamed from=${quote(old)}`)));
    const declared = loadDeclaredSchema(declaredPath).schema;
    const report = await checkDatabase({ dbPath: live, declared, mode: 'repair', busyTimeoutMs: 2000, repairUnderMigrationTool: underTool });
    expect(report.applied.map((step) => step.kind)).toContain('renamed_column');
    expect(report.inSync, `${file}: left ${report.remaining.map((item) => item.detail).join('; ')}`).toBe(true);
    expect(rowsOf(live, table)).toBe(before.split(`"${old}"`).join(`"${column}"`));
    expect(runShell(live, 'PRAGMA integrity_check;').trim()).toBe('ok');
    const again = await checkDatabase({ dbPath: live, declared, mode: 'check', busyTimeoutMs: 2000 });
    expect(again.drift).toEqual([]);
  });
});
