import { checkDatabase } from '../check/check-database.js';
import { reportJson, type DriftReport } from '../check/report-json.js';
import type { CheckOptions } from './check.js';
import { auditSinkFor, busyTimeoutOf, columnOrderOf, LIBRARY_DEFAULTS, requirePath, type AuditOptions, type BackupOptions } from './library-options.js';
import { declaredSchemaOf } from './schema-source.js';

export interface RepairOptions extends CheckOptions {
  /** Report what would run and change nothing (`repair --dry-run`). */
  readonly dryRun?: boolean;
  /** Take a backup before the first change; none by default. */
  readonly backup?: BackupOptions;
  /** Record every change in an audit journal; none by default. */
  readonly audit?: AuditOptions;
  /** Repair although a migration tool's history table is present (`--under-migration-tool`); default false. */
  readonly underMigrationTool?: boolean;
}

/**
 * Repairs what is safe in one `BEGIN IMMEDIATE` transaction on a connection of driftd's own, and
 * reports: the report `driftd repair --json` prints. Drift that is not safe is reported in
 * `remaining`, never repaired. Throws `DriftdError` only when it could not check or repair
 * (nothing was changed then).
 */
export async function repair(options: RepairOptions): Promise<DriftReport> {
  const database = requirePath(options.database, 'database');
  const mode = options.dryRun === true ? 'dry-run' : 'repair';
  const audit = mode === 'repair' ? await auditSinkFor(options.audit, database) : null;
  const report = await checkDatabase({
    dbPath: database,
    declared: await declaredSchemaOf(options.schema),
    mode,
    busyTimeoutMs: busyTimeoutOf(options.busyTimeoutMs),
    diff: { ignoreTables: options.ignoreTables ?? [], columnOrder: columnOrderOf(options.columnOrder) },
    safety: { foreignKeysEnforced: options.foreignKeysEnforced ?? true },
    repairUnderMigrationTool: options.underMigrationTool === true,
    backup: options.backup ? { dir: requirePath(options.backup.dir, 'backup.dir'), keep: options.backup.keep ?? LIBRARY_DEFAULTS.backupKeep } : null,
    ...(audit ? { audit } : {}),
  });
  return reportJson(report, mode);
}
