/**
 * Migration tools that keep a history table in the database they manage. When one of them owns
 * a database, its pending migrations are the real source of truth: a column driftd adds ahead of
 * them makes the tool's own `ALTER TABLE … ADD COLUMN` fail later with "duplicate column name".
 * Detection is a pure predicate on introspected table and column names.
 *
 * Table names are each tool's default (users can rename most of them; a renamed table is not
 * recognised). Where two tools share a name, the columns tell them apart.
 */
export interface MigrationTool {
  /** Stable identifier, used in JSON output and logs. */
  readonly id: string;
  /** What an operator would call it. */
  readonly name: string;
  /** The history table's default name (compared case-insensitively). */
  readonly table: string;
  /** Columns the history table must have for this tool (lower case); empty = the name suffices. */
  readonly columns: readonly string[];
  /** Another table whose presence this tool also requires, when the history table alone is ambiguous. */
  readonly alsoTable?: string;
}

/** Ordered: for a shared table name, the first entry whose columns and companion table match wins. */
export const MIGRATION_TOOLS: readonly MigrationTool[] = [
  { id: 'alembic', name: 'Alembic (SQLAlchemy)', table: 'alembic_version', columns: ['version_num'] },
  { id: 'rails', name: 'Rails (Active Record)', table: 'schema_migrations', columns: ['version'], alsoTable: 'ar_internal_metadata' },
  { id: 'ecto', name: 'Ecto', table: 'schema_migrations', columns: ['version', 'inserted_at'] },
  { id: 'golang-migrate', name: 'golang-migrate', table: 'schema_migrations', columns: ['version', 'dirty'] },
  { id: 'dbmate', name: 'dbmate (or another schema_migrations tool)', table: 'schema_migrations', columns: ['version'] },
  { id: 'django', name: 'Django', table: 'django_migrations', columns: ['app', 'name'] },
  { id: 'drizzle', name: 'drizzle-kit', table: '__drizzle_migrations', columns: ['hash'] },
  { id: 'prisma', name: 'Prisma Migrate', table: '_prisma_migrations', columns: [] },
  { id: 'knex', name: 'Knex', table: 'knex_migrations', columns: [] },
  { id: 'goose', name: 'goose', table: 'goose_db_version', columns: [] },
  { id: 'flyway', name: 'Flyway', table: 'flyway_schema_history', columns: [] },
  { id: 'liquibase', name: 'Liquibase', table: 'databasechangelog', columns: [] },
  { id: 'diesel', name: 'Diesel', table: '__diesel_schema_migrations', columns: [] },
  { id: 'sqlx', name: 'SQLx', table: '_sqlx_migrations', columns: [] },
  { id: 'seaorm', name: 'SeaORM', table: 'seaql_migrations', columns: [] },
  { id: 'refinery', name: 'Refinery', table: 'refinery_schema_history', columns: [] },
  { id: 'sequelize', name: 'Sequelize (umzug)', table: 'SequelizeMeta', columns: [] },
  { id: 'typeorm', name: 'TypeORM', table: 'migrations', columns: ['timestamp', 'name'] },
  { id: 'laravel', name: 'Laravel', table: 'migrations', columns: ['migration', 'batch'] },
  { id: 'mikro-orm', name: 'MikroORM', table: 'mikro_orm_migrations', columns: [] },
  { id: 'kysely', name: 'Kysely', table: 'kysely_migration', columns: [] },
  { id: 'ef-core', name: 'Entity Framework Core', table: '__EFMigrationsHistory', columns: [] },
  { id: 'doctrine', name: 'Doctrine Migrations', table: 'doctrine_migration_versions', columns: [] },
  { id: 'phinx', name: 'Phinx', table: 'phinxlog', columns: [] },
  { id: 'atlas', name: 'Atlas', table: 'atlas_schema_revisions', columns: [] },
  { id: 'room', name: 'Android Room', table: 'room_master_table', columns: ['identity_hash'] },
];

const TABLE_NAMES = new Set(MIGRATION_TOOLS.map((tool) => tool.table.toLowerCase()));

/** Whether a table name is some known tool's history table (by name alone). */
export function isMigrationHistoryTable(name: string): boolean {
  return TABLE_NAMES.has(name.toLowerCase());
}

/** What {@link detectMigrationTools} found: the tool and the table that gave it away. */
export interface FoundMigrationTool {
  readonly id: string;
  readonly name: string;
  readonly table: string;
}

/** The shape of a schema this needs: table names and their column names. */
export interface NamedTables {
  readonly tables: ReadonlyArray<{ readonly name: string; readonly columns: ReadonlyArray<{ readonly name: string }> }>;
}

/** The migration tools whose history table the schema carries, one per history table. */
export function detectMigrationTools(schema: NamedTables): FoundMigrationTool[] {
  const byName = new Map(schema.tables.map((table) => [table.name.toLowerCase(), table]));
  const found: FoundMigrationTool[] = [];
  const claimed = new Set<string>();
  for (const tool of MIGRATION_TOOLS) {
    const key = tool.table.toLowerCase();
    const table = byName.get(key);
    if (table === undefined || claimed.has(key)) continue;
    const columns = new Set(table.columns.map((column) => column.name.toLowerCase()));
    if (!tool.columns.every((column) => columns.has(column))) continue;
    if (tool.alsoTable !== undefined && !byName.has(tool.alsoTable.toLowerCase())) continue;
    claimed.add(key);
    found.push({ id: tool.id, name: tool.name, table: table.name });
  }
  return found;
}
