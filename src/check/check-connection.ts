import type { AuditSink } from '../audit/audit-sink.js';
import { sqliteError } from '../db/sqlite-error.js';
import type { SqlConnection } from '../db/sql-connection.js';
import { diff, type DiffOptions } from '../diff/diff.js';
import { detectMigrationTools } from '../migrations/migration-tools.js';
import { introspect, schemaVersion } from '../introspect/introspect.js';
import type { RepairPlan } from '../repair/plan-repair.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from '../repair/safety-context.js';
import type { Schema } from '../schema/schema-model.js';
import { checkedReport, judgeCheck, repairedReport, repairFailure, type CheckMode } from './check-database.js';
import { replicaHold } from './replica.js';
import type { CheckReport } from '../report/report-vocabulary.js';

export interface ConnectionCheckRequest {
  /** A connection someone else opened and owns: it is used as it is and never closed here. */
  readonly connection: SqlConnection;
  /** How the report and errors name the database (its file name). */
  readonly database: string;
  readonly declared: Schema;
  readonly mode: CheckMode;
  readonly diff?: DiffOptions;
  readonly safety?: SafetyContext;
  readonly repairUnderMigrationTool?: boolean;
  readonly audit?: AuditSink;
  /** Monotonic milliseconds, for timings. */
  readonly clock?: () => number;
  /**
   * Called in repair mode with the plan, before anything is written; it may throw to refuse the
   * repair (nothing changes) or take a backup.
   */
  readonly beforeRepair?: (plan: RepairPlan) => Promise<{ readonly backupPath: string | null }>;
}

/**
 * `checkDatabase` on a connection the caller owns (the application's own, for `ensureSchema`):
 * the same introspection, diff, plan and report, and in repair mode the same `applyRepair` — one
 * `BEGIN IMMEDIATE` transaction on that connection. Reads with SELECTs only, sets no pragma, loads
 * nothing into the connection; its busy timeout is the owner's.
 */
export async function checkConnection(request: ConnectionCheckRequest): Promise<CheckReport> {
  const clock = request.clock ?? (() => performance.now());
  const safety = request.safety ?? DEFAULT_SAFETY_CONTEXT;
  const t0 = clock();
  let live: Schema;
  let version: number;
  try {
    live = introspect(request.connection);
    version = schemaVersion(request.connection);
  } catch (error) {
    throw sqliteError(error, request.database, 'introspecting');
  }
  const t1 = clock();
  const found = diff(request.declared, live, request.diff);
  const { planRepair } = await import('../repair/plan-repair.js');
  const plan = planRepair(found.drift, safety);
  const t2 = clock();
  // The one judgement (the hold: a LiteFS replica, a migration tool), as for a file driftd opens itself.
  const verdict = judgeCheck({ found, plan, migrationTools: detectMigrationTools(live), fromRows: false }, { mode: request.mode, repairUnderMigrationTool: request.repairUnderMigrationTool === true, replica: () => replicaHold(request.database) });
  if (!verdict.repair) return checkedReport(request.database, verdict, version, { introspectMs: t1 - t0, diffMs: t2 - t1, applyMs: 0 });
  const { drift, migrationTools } = verdict;
  const { backupPath } = (await request.beforeRepair?.(plan)) ?? { backupPath: null };
  const { applyRepair } = await import('../repair/apply-repair.js');
  let outcome;
  try {
    outcome = applyRepair(request.connection, request.declared, { diff: request.diff, safety, ...(request.audit ? { audit: request.audit } : {}) });
  } catch (error) {
    throw repairFailure(error, request.database);
  }
  const t3 = clock();
  return repairedReport(request.database, outcome, safety, planRepair, { drift, version, migrationTools, backupPath, timings: { introspectMs: t1 - t0, diffMs: t2 - t1, applyMs: t3 - t2 } });
}
