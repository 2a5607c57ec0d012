import { checkDatabase } from '../check/check-database.js';
import { reportJson, type DriftReport } from '../check/report-json.js';
import { busyTimeoutOf, columnOrderOf, requirePath } from './library-options.js';
import { declaredSchemaOf, type SchemaSource } from './schema-source.js';

export interface CheckOptions {
  /** The database file. driftd opens its own read-only connection and never creates the file. */
  readonly database: string;
  readonly schema: SchemaSource;
  /** How long to wait for another connection's lock (pragma busy_timeout); default 5000. */
  readonly busyTimeoutMs?: number;
  /** LIKE patterns of objects left out of the extras (a target's `ignoreTables`). */
  readonly ignoreTables?: readonly string[];
  /** "ignore" leaves out `column_order` drift, for applications that name their columns (a target's `columnOrder`); default "report". */
  readonly columnOrder?: 'report' | 'ignore';
  /** Whether the application enforces foreign keys (decides some safety verdicts); default true. */
  readonly foreignKeysEnforced?: boolean;
}

/**
 * Compares the database with its declaration and reports, changing nothing: the report
 * `driftd check --json` prints (docs/cli.md). Throws `DriftdError` (DB_*, SCHEMA_*, OPTIONS_INVALID).
 */
export async function check(options: CheckOptions): Promise<DriftReport> {
  const report = await checkDatabase({
    dbPath: requirePath(options.database, 'database'),
    declared: await declaredSchemaOf(options.schema),
    mode: 'check',
    busyTimeoutMs: busyTimeoutOf(options.busyTimeoutMs),
    diff: { ignoreTables: options.ignoreTables ?? [], columnOrder: columnOrderOf(options.columnOrder) },
    safety: { foreignKeysEnforced: options.foreignKeysEnforced ?? true },
  });
  return reportJson(report, 'check');
}
