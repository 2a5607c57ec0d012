import { checkConnection } from '../check/check-connection.js';
import { backupDatabase, checkDatabase } from '../check/check-database.js';
import { reportJson, type DriftReport } from '../check/report-json.js';
import { DriftdError, type ErrorCode } from '../errors/driftd-error.js';
import { assertUsable, connectionLabel, isApplicationConnection, isDqsRefusal, type ApplicationConnection } from './application-connection.js';
import { auditSinkFor, busyTimeoutOf, columnOrderOf, LIBRARY_DEFAULTS, requirePath, type AuditOptions, type BackupOptions, type DriftdLogger } from './library-options.js';
import { declaredSchemaOf, type SchemaSource } from './schema-source.js';
import type { CheckReport } from '../report/report-vocabulary.js';

/**
 * What the application must not run past. Everything else — extras, drift that was repaired — is
 * in the returned report and never throws.
 */
export interface EnsureSchemaPolicy {
  /**
   * Drift left after the safe repairs (a changed column type, a dropped NOT NULL, a UNIQUE index
   * that existing rows break…): `throw` (default) SCHEMA_UNSAFE_DRIFT, or `report` it and return.
   */
  readonly unsafeDrift?: 'throw' | 'report';
  /**
   * The database carries a migration tool's history table and there is something to repair:
   * `throw` (default) SCHEMA_REPAIR_HELD, `report` and return without repairing, or `repair` anyway.
   */
  readonly migrationTool?: 'throw' | 'report' | 'repair';
}

export interface EnsureSchemaOptions {
  /**
   * The application's open better-sqlite3 `Database` (checked and repaired on that connection, left
   * as it was found), or a database path (driftd opens connections of its own).
   */
  readonly database: string | ApplicationConnection;
  readonly schema: SchemaSource;
  readonly policy?: EnsureSchemaPolicy;
  /** Told what was repaired and what is left; nothing is logged without one. */
  readonly logger?: DriftdLogger;
  /** A path only: how long driftd's own connections wait for a lock; default 5000. On a connection its own busy timeout applies. */
  readonly busyTimeoutMs?: number;
  readonly ignoreTables?: readonly string[];
  /** "ignore" leaves out `column_order` drift, for applications that name their columns (a target's `columnOrder`); default "report". */
  readonly columnOrder?: 'report' | 'ignore';
  /** Whether the application enforces foreign keys (decides some safety verdicts); default true. */
  readonly foreignKeysEnforced?: boolean;
  /** Take a backup before the first change; none by default. */
  readonly backup?: BackupOptions;
  /** Record every change in an audit journal; none by default. */
  readonly audit?: AuditOptions;
}

/** A policy refusal: the report says what was found and what was (or was not) repaired. */
export class SchemaPolicyError extends DriftdError {
  constructor(
    code: ErrorCode,
    message: string,
    hint: string,
    readonly report: DriftReport,
  ) {
    super(code, message, { hint, where: { file: report.database } });
    this.name = 'SchemaPolicyError';
  }
}

/**
 * For application start-up: checks the database, repairs what is safe in one `BEGIN IMMEDIATE`
 * transaction, and returns the report (`driftd repair --json`'s). Throws `DriftdError` only for
 * what the application must not run past: the `policy` (unsafe drift, a migration tool holding
 * the repair; then a `SchemaPolicyError` carrying the report), and what stopped the check or the
 * repair (nothing was changed then). Never prompts, reads no config or environment, logs only to
 * `logger`, keeps no state between calls.
 */
export async function ensureSchema(options: EnsureSchemaOptions): Promise<DriftReport> {
  const unsafeDrift = options.policy?.unsafeDrift ?? 'throw';
  const migrationTool = options.policy?.migrationTool ?? 'throw';
  const declared = await declaredSchemaOf(options.schema);
  const diff = { ignoreTables: options.ignoreTables ?? [], columnOrder: columnOrderOf(options.columnOrder) };
  const safety = { foreignKeysEnforced: options.foreignKeysEnforced ?? true };
  const repairUnderMigrationTool = migrationTool === 'repair';
  let report: CheckReport;
  if (typeof options.database === 'string') {
    const database = requirePath(options.database, 'database');
    const audit = await auditSinkFor(options.audit, database);
    report = await checkDatabase({
      dbPath: database,
      declared,
      mode: 'repair',
      busyTimeoutMs: busyTimeoutOf(options.busyTimeoutMs),
      diff,
      safety,
      repairUnderMigrationTool,
      backup: options.backup ? { dir: requirePath(options.backup.dir, 'backup.dir'), keep: options.backup.keep ?? LIBRARY_DEFAULTS.backupKeep } : null,
      ...(audit ? { audit } : {}),
    });
  } else if (isApplicationConnection(options.database)) {
    report = await onConnection(options.database, options, { declared, diff, safety, repairUnderMigrationTool });
  } else {
    throw new DriftdError('OPTIONS_INVALID', '`database` must be a database path or an open better-sqlite3 Database', { where: { option: 'database' } });
  }
  const json = reportJson(report, 'repair');
  return applyPolicy(json, { unsafeDrift, migrationTool }, options.logger);
}

async function onConnection(
  connection: ApplicationConnection,
  options: EnsureSchemaOptions,
  settings: Pick<Parameters<typeof checkConnection>[0], 'declared' | 'diff' | 'safety' | 'repairUnderMigrationTool'>,
): Promise<CheckReport> {
  const label = connectionLabel(connection);
  assertUsable(connection, label);
  const audit = await auditSinkFor(options.audit, label);
  try {
    return await checkConnection({
      connection,
      database: label,
      mode: 'repair',
      ...settings,
      ...(audit ? { audit } : {}),
      beforeRepair: async (plan) => {
        if (connection.readonly) {
          throw new DriftdError('CONNECTION_NOT_USABLE', `the connection to "${label}" is read-only and ${plan.steps.length} repair step${plan.steps.length === 1 ? '' : 's'} must write; nothing was changed`, {
            where: { file: label },
            hint: 'pass a read-write connection, or the database path (driftd then opens its own)',
          });
        }
        let backupPath: string | null = null;
        if (options.backup) {
          const dir = requirePath(options.backup.dir, 'backup.dir');
          if (typeof connection.backup !== 'function' || label.startsWith('(')) {
            throw new DriftdError('OPTIONS_INVALID', `a backup of "${label}" needs a file database and a connection with better-sqlite3's backup()`, { where: { option: 'backup' } });
          }
          backupPath = await backupDatabase({ backup: (destination) => connection.backup!(destination) as never }, label, { dir, keep: options.backup.keep ?? LIBRARY_DEFAULTS.backupKeep }, () => new Date(), audit ?? undefined);
          // The backup awaited: the application may have begun a transaction meanwhile.
          assertUsable(connection, label);
        }
        return { backupPath };
      },
    });
  } catch (error) {
    if (!isDqsRefusal(error)) throw error;
    // driftd never loads its compatibility extension into the application's connection (docs/library.md, "Double-quoted strings").
    throw new DriftdError('CONNECTION_NEEDS_DQS', `repairing "${label}" on the application's connection needs double-quoted string literals, which it reads as identifiers (SQLite built with SQLITE_DQS=0, as better-sqlite3 is); the transaction was rolled back, nothing was changed: ${(error as Error).message}`, {
      where: { file: label },
      cause: error,
      hint: "write string literals in single quotes in the declaration ('open', not \"open\"), or pass the database path so driftd repairs it on a connection of its own",
    });
  }
}

function applyPolicy(report: DriftReport, policy: Required<EnsureSchemaPolicy>, logger: DriftdLogger | undefined): DriftReport {
  const applied = report.applied ?? [];
  const remaining = report.remaining ?? [];
  if (applied.length > 0) logger?.info(`driftd: repaired "${report.database}" (${applied.length} step${applied.length === 1 ? '' : 's'})`, { database: report.database, applied: applied.map((step) => step.sql) });
  if (report.repairHeld !== undefined) {
    if (policy.migrationTool === 'throw') {
      throw new SchemaPolicyError('SCHEMA_REPAIR_HELD', `"${report.database}": ${report.drift.length} drift item${report.drift.length === 1 ? '' : 's'} not repaired: ${report.repairHeld}`, 'run the migration tool, or set policy.migrationTool to "repair" (or "report" to start anyway)', report);
    }
    logger?.warn(`driftd: repair of "${report.database}" held: ${report.repairHeld}`, { database: report.database });
    return report;
  }
  if (remaining.length > 0) {
    const items = remaining.map((item) => `${item.kind} ${[item.table, item.column ?? item.index ?? item.view ?? item.trigger].filter(Boolean).join('.')}: ${item.reason}`);
    if (policy.unsafeDrift === 'throw') {
      throw new SchemaPolicyError('SCHEMA_UNSAFE_DRIFT', `"${report.database}": ${remaining.length} drift item${remaining.length === 1 ? '' : 's'} left that driftd does not repair automatically (${applied.length} safe step${applied.length === 1 ? '' : 's'} applied): ${items.join('; ')}`, 'fix these by hand or with a migration (`driftd check` shows each with its reason), or set policy.unsafeDrift to "report" to start anyway', report);
    }
    logger?.warn(`driftd: "${report.database}" has ${remaining.length} drift item${remaining.length === 1 ? '' : 's'} left`, { database: report.database, remaining: items });
  }
  return report;
}
