import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectMigrationTools, isMigrationHistoryTable, MIGRATION_TOOLS } from '../../src/migrations/migration-tools.js';
import { runCli } from '../support/run-cli.js';
import { createDatabaseWithShell, fileBytes, introspectFile, tempDir } from '../support/temp-db.js';

const dir = tempDir('driftd-migrations-');

const schemaOf = (tables: Record<string, string[]>) => ({ tables: Object.entries(tables).map(([name, columns]) => ({ name, columns: columns.map((column) => ({ name: column })) })) });

describe('detectMigrationTools (a pure predicate on table and column names)', () => {
  it.each([
    ['alembic', { alembic_version: ['version_num'] }],
    ['rails', { schema_migrations: ['version'], ar_internal_metadata: ['key', 'value'] }],
    ['golang-migrate', { schema_migrations: ['version', 'dirty'] }],
    ['ecto', { schema_migrations: ['version', 'inserted_at'] }],
    ['dbmate', { schema_migrations: ['version'] }],
    ['django', { django_migrations: ['id', 'app', 'name', 'applied'] }],
    ['drizzle', { __drizzle_migrations: ['id', 'hash', 'created_at'] }],
    ['prisma', { _prisma_migrations: ['id', 'checksum'] }],
    ['knex', { knex_migrations: ['id', 'name'] }],
    ['goose', { goose_db_version: ['id', 'version_id'] }],
    ['flyway', { flyway_schema_history: ['installed_rank'] }],
    ['diesel', { __diesel_schema_migrations: ['version'] }],
    ['sqlx', { _sqlx_migrations: ['version'] }],
    ['seaorm', { seaql_migrations: ['version', 'applied_at'] }],
    ['typeorm', { migrations: ['id', 'timestamp', 'name'] }],
    ['laravel', { Migrations: ['id', 'migration', 'batch'] }],
    ['ef-core', { __efmigrationshistory: ['MigrationId', 'ProductVersion'] }],
  ] as const)('%s', (id, tables) => {
    expect(detectMigrationTools(schemaOf(tables as unknown as Record<string, string[]>)).map((tool) => tool.id)).toEqual([id]);
  });

  it('an application table that only shares a generic name is not a tool', () => {
    expect(detectMigrationTools(schemaOf({ migrations: ['id', 'from_city', 'to_city'], users: ['id'] }))).toEqual([]);
  });

  it('knows every listed history table by name, case-insensitively', () => {
    for (const tool of MIGRATION_TOOLS) expect(isMigrationHistoryTable(tool.table.toUpperCase())).toBe(true);
    expect(isMigrationHistoryTable('notes')).toBe(false);
  });
});

describe('repair is held for a database a migration tool manages', () => {
  const LIVE = `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version VALUES ('3f2a9c1d');
CREATE TABLE book (id INTEGER PRIMARY KEY, title TEXT NOT NULL);`;
  const DECLARED = `CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
CREATE TABLE book (id INTEGER PRIMARY KEY, title TEXT NOT NULL, isbn TEXT);`;

  function fixture(name: string) {
    const db = createDatabaseWithShell(dir, LIVE, { name: `${name}.sqlite` });
    const schema = join(dir, `${name}.sql`);
    writeFileSync(schema, DECLARED);
    return { db, schema };
  }

  it('check reports the tool; repair holds, changes nothing and says which key lets it through', () => {
    const { db, schema } = fixture('held');
    const checked = runCli(['check', '--db', db, '--schema', schema, '--json']);
    expect(checked.status).toBe(1);
    expect(JSON.parse(checked.stdout).migrationTools).toEqual([{ id: 'alembic', name: 'Alembic (SQLAlchemy)', table: 'alembic_version' }]);

    const before = fileBytes(db);
    const repaired = runCli(['repair', '--db', db, '--schema', schema, '--json']);
    expect(repaired.status).toBe(1);
    const report = JSON.parse(repaired.stdout);
    expect(report.applied).toEqual([]);
    expect(report.repairHeld).toMatch(/Alembic.*"repairUnderMigrationTool": true/);
    expect(fileBytes(db).equals(before)).toBe(true);

    const text = runCli(['repair', '--db', db, '--schema', schema]);
    expect(text.stdout).toContain('migration tool: Alembic (SQLAlchemy) (history table "alembic_version")');
    expect(text.stdout).toContain('repair held:');
  });

  it('repairs when the target says so (repairUnderMigrationTool) or the operator passes --under-migration-tool', () => {
    const keyed = fixture('keyed');
    const config = join(dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'books', database: keyed.db, schema: keyed.schema, repair: 'auto', repairUnderMigrationTool: true }] }));
    const viaConfig = runCli(['repair', '--config', config, '--json']);
    expect(viaConfig.status).toBe(0);
    expect(JSON.parse(viaConfig.stdout).applied).toHaveLength(1);
    expect(introspectFile(keyed.db).tables.find((table) => table.name === 'book')!.columns.map((column) => column.name)).toContain('isbn');

    const flagged = fixture('flagged');
    const viaFlag = runCli(['repair', '--db', flagged.db, '--schema', flagged.schema, '--under-migration-tool', '--json']);
    expect(viaFlag.status).toBe(0);
    expect(JSON.parse(viaFlag.stdout).repairHeld).toBeUndefined();
  });
});
