import type { Extra } from '../diff/drift.js';
import type { FoundMigrationTool } from '../migrations/migration-tools.js';
import type { CheckMode } from './check-database.js';
import type { AppliedStep, CheckReport, ReportedDrift } from '../report/report-vocabulary.js';

/**
 * The `--json` report of `driftd check` and `driftd repair --db --schema` (docs/cli.md), which the
 * library's `check`, `repair` and `ensureSchema` return too: one shape, made in one place.
 */
export interface DriftReport {
  readonly database: string;
  /** Nothing declared is missing or different (after the repair, for repair). Extras do not count. */
  readonly inSync: boolean;
  /** What the check found (before any repair). */
  readonly drift: readonly ReportedDrift[];
  /** What the database has that the declaration does not: reported, never touched. */
  readonly extras: readonly Extra[];
  /** Repair and dry run only: the statements that ran (none in a dry run). */
  readonly applied?: readonly AppliedStep[];
  /** Repair and dry run only: the drift left (a dry run: all of it). */
  readonly remaining?: readonly ReportedDrift[];
  /** The backup taken before the repair, when one was asked for. */
  readonly backup?: string;
  /** Migration tools whose history table the database carries. */
  readonly migrationTools?: readonly FoundMigrationTool[];
  /** Why safe repairs were held back (a migration tool owns the schema). */
  readonly repairHeld?: string;
  /** `PRAGMA schema_version` when it was read. */
  readonly schemaVersion: number;
  readonly timings: CheckReport['timings'];
}

/** A `CheckReport` as `--json` prints it. */
export function reportJson(report: CheckReport, mode: CheckMode): DriftReport {
  return {
    database: report.database,
    inSync: report.inSync,
    drift: report.drift,
    extras: report.extras,
    ...(mode === 'check' ? {} : { applied: report.applied, remaining: report.remaining }),
    ...(report.backupPath ? { backup: report.backupPath } : {}),
    ...(report.migrationTools.length > 0 ? { migrationTools: report.migrationTools } : {}),
    ...(report.repairHeld !== null ? { repairHeld: report.repairHeld } : {}),
    schemaVersion: report.schemaVersion,
    timings: report.timings,
  };
}
