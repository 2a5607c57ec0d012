import type { SqlConnection } from '../db/sql-connection.js';
import { diff, type DiffOptions, type DiffResult } from '../diff/diff.js';
import { driftKey } from '../diff/drift.js';
import { DriftdError } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import type { Schema } from '../schema/schema-model.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from './assess-safety.js';
import { planRepair, type RepairPlan, type RepairStep } from './plan-repair.js';

export interface ApplyRepairOptions {
  readonly diff?: DiffOptions;
  readonly safety?: SafetyContext;
}

export interface RepairOutcome {
  /** The plan that ran: recomputed inside the transaction from the schema as it was then. */
  readonly plan: RepairPlan;
  readonly applied: readonly RepairStep[];
  /** The comparison after the repair, inside the same transaction. */
  readonly after: DiffResult;
}

/**
 * Applies the safe part of the drift in one `BEGIN IMMEDIATE` transaction
 * (lang_transaction.html): the write lock is taken before anything is read,
 * the schema is re-introspected and the plan recomputed under that lock
 * (another process may have changed it since the check), every step runs, the
 * result is verified, and only then does it commit. Any failure rolls back
 * everything. Throws `DriftdError` (REPAIR_STEP_FAILED, REPAIR_VERIFY_FAILED)
 * or the SQLite error of BEGIN (busy) for the caller to map.
 */
export function applyRepair(db: SqlConnection, declared: Schema, options: ApplyRepairOptions = {}): RepairOutcome {
  const safety = options.safety ?? DEFAULT_SAFETY_CONTEXT;
  db.exec('BEGIN IMMEDIATE');
  try {
    const before = diff(declared, introspect(db), options.diff);
    const plan = planRepair(before.drift, safety);
    if (plan.steps.length === 0) {
      db.exec('COMMIT');
      return { plan, applied: [], after: before };
    }
    plan.steps.forEach((step, index) => {
      try {
        db.exec(step.sql);
      } catch (error) {
        // A file that cannot be written (permissions, read-only directory for the journal) or a lock
        // is a property of the database, not of this step: let the caller name the file and give the
        // hint (sqliteError → DB_READONLY / DB_BUSY). The rollback below still runs.
        if (isDatabaseCondition(error)) throw error;
        throw new DriftdError(
          'REPAIR_STEP_FAILED',
          `step ${index + 1} of ${plan.steps.length} failed, nothing was applied: ${(error as Error).message} in: ${step.sql}`,
          { cause: error, where: { table: step.drift.table, step: index + 1 } },
        );
      }
    });
    const after = diff(declared, introspect(db), options.diff);
    const remaining = new Set(after.drift.map(driftKey));
    const unrepaired = plan.steps.filter((step) => remaining.has(driftKey(step.drift)));
    if (unrepaired.length > 0) {
      throw new DriftdError(
        'REPAIR_VERIFY_FAILED',
        `after applying ${plan.steps.length} steps, ${unrepaired.length} drift items remained (${unrepaired.map((s) => s.drift.detail).join('; ')}); nothing was applied`,
      );
    }
    db.exec('COMMIT');
    return { plan, applied: plan.steps, after };
  } catch (error) {
    // SQLite may already have rolled back on its own (e.g. SQLITE_FULL): only roll back an open transaction.
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function isDatabaseCondition(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^SQLITE_(READONLY|BUSY|LOCKED|CANTOPEN|PERM|FULL|IOERR)/.test(code);
}
