/**
 * driftd's public API: `import { ensureSchema } from 'driftd'`. Everything exported here is
 * versioned by semver (docs/library.md, "What is public"); every other module of the package is
 * internal and may change in any release.
 */
export { check, type CheckOptions } from './check.js';
export { repair, type RepairOptions } from './repair.js';
export { ensureSchema, SchemaPolicyError, type EnsureSchemaOptions, type EnsureSchemaPolicy } from './ensure-schema.js';
export { reconcile, type ReconcileOptions } from './reconcile.js';
export type { ApplicationConnection } from './application-connection.js';
export type { AuditOptions, BackupOptions, DriftdLogger } from './library-options.js';
export type { SchemaSource } from './schema-source.js';
export type { DriftReport } from '../check/report-json.js';
export type { AppliedStep, DriftLocation, ReportedDrift } from '../report/report-vocabulary.js';
export type { Extra } from '../diff/drift.js';
export type { FoundMigrationTool } from '../migrations/migration-tools.js';
export type { ReconcileReport, OrphanItem, DanglingRow, SkippedDirectory, SkipReason } from '../reconcile/reconcile-report.js';
export type { ReconcileRuleInput } from '../reconcile/rule/reconcile-rule-format.js';
export { DriftdError, ERROR_CODES, type ErrorCode, type ErrorSummary } from '../errors/driftd-error.js';
