import type { AuditStatement } from '../audit/audit-record.js';
import type { AuditSink, AuditTicket } from '../audit/audit-sink.js';
import type { SqlConnection } from '../db/sql-connection.js';
import { diff, type DiffOptions, type DiffResult } from '../diff/diff.js';
import { driftKey } from '../diff/drift.js';
import { DriftdError } from '../errors/driftd-error.js';
import { isDatabaseCondition, resultCodeOf } from '../errors/result-codes.js';
import { introspect } from '../introspect/introspect.js';
import type { Schema } from '../schema/schema-model.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from './assess-safety.js';
import { planRepair, type RepairPlan, type RepairStep, type UnsafeDrift } from './plan-repair.js';

export interface ApplyRepairOptions {
  readonly diff?: DiffOptions;
  readonly safety?: SafetyContext;
  /** Records the statements (durably, before the first runs) and how the transaction ended. */
  readonly audit?: AuditSink;
}

export interface RepairOutcome {
  /** The plan that ran: recomputed inside the transaction from the schema as it was then. */
  readonly plan: RepairPlan;
  readonly applied: readonly RepairStep[];
  /** UNIQUE indexes SQLite refused because existing rows hold duplicates: left out, with the reason. */
  readonly deferred: readonly UnsafeDrift[];
  /** The comparison after the repair, inside the same transaction. */
  readonly after: DiffResult;
}

/**
 * Applies the safe part of the drift in one `BEGIN IMMEDIATE` transaction
 * (lang_transaction.html): the write lock is taken before anything is read,
 * the schema is re-introspected and the plan recomputed under that lock
 * (another process may have changed it since the check), every step runs, the
 * result is verified, and only then does it commit. Any failure rolls back
 * everything — with one exception decided inside the transaction: a UNIQUE
 * index that existing duplicate rows make impossible runs under a SAVEPOINT
 * and is left out (reported as deferred) instead of blocking every other step
 * on every cycle; what commits is still all the other steps or none. Throws `DriftdError` (REPAIR_STEP_FAILED, REPAIR_VERIFY_FAILED)
 * or the SQLite error of BEGIN (busy) for the caller to map.
 */
export function applyRepair(db: SqlConnection, declared: Schema, options: ApplyRepairOptions = {}): RepairOutcome {
  const safety = options.safety ?? DEFAULT_SAFETY_CONTEXT;
  db.exec('BEGIN IMMEDIATE');
  let ticket: AuditTicket | null = null;
  try {
    const before = diff(declared, introspect(db), options.diff);
    const plan = planRepair(before.drift, safety);
    if (plan.steps.length === 0) {
      db.exec('COMMIT');
      return { plan, applied: [], deferred: [], after: before };
    }
    // Inside the write lock, so the intent names exactly the statements that run; a kill before COMMIT
    // leaves an intent that the next start answers from the database (audit/resolve-pending.ts).
    ticket = options.audit?.intend({ kind: 'repair', statements: plan.steps.map(auditStatement) }) ?? null;
    const deferred: UnsafeDrift[] = [];
    plan.steps.forEach((step, index) => {
      try {
        if (isUniqueIndex(step)) {
          const refusal = tryUniqueIndex(db, step);
          if (refusal !== null) deferred.push({ drift: step.drift, reason: refusal });
          return;
        }
        db.exec(step.sql);
      } catch (error) {
        // A file that cannot be written (permissions, read-only directory for the journal) or a lock
        // is a property of the database, not of this step: let the caller name the file and give the
        // hint (sqliteError → DB_READONLY / DB_BUSY). The rollback below still runs.
        if (isDatabaseCondition(resultCodeOf(error))) throw error;
        throw new DriftdError(
          'REPAIR_STEP_FAILED',
          `step ${index + 1} of ${plan.steps.length} failed, nothing was applied: ${(error as Error).message} in: ${step.sql}`,
          { cause: error, where: { table: step.drift.table, step: index + 1 } },
        );
      }
    });
    const applied = plan.steps.filter((step) => !deferred.some((item) => item.drift === step.drift));
    const after = diff(declared, introspect(db), options.diff);
    const remaining = new Set(after.drift.map(driftKey));
    const unrepaired = applied.filter((step) => remaining.has(driftKey(step.drift)));
    if (unrepaired.length > 0) {
      throw new DriftdError(
        'REPAIR_VERIFY_FAILED',
        `after applying ${plan.steps.length} steps, ${unrepaired.length} drift items remained (${unrepaired.map((s) => s.drift.detail).join('; ')}); nothing was applied`,
      );
    }
    db.exec('COMMIT');
    if (ticket) {
      const left = plan.steps.flatMap((step, item) => deferred.filter((entry) => entry.drift === step.drift).map((entry) => ({ item, reason: entry.reason })));
      options.audit!.settle(ticket, { status: 'applied', ...(left.length > 0 ? { left } : {}) });
    }
    return { plan, applied, deferred, after };
  } catch (error) {
    // SQLite may already have rolled back on its own (e.g. SQLITE_FULL): only roll back an open transaction.
    if (db.inTransaction) db.exec('ROLLBACK');
    if (ticket) options.audit!.settle(ticket, { status: 'not-applied', reason: `rolled back: ${(error as Error).message}` });
    throw error;
  }
}

function auditStatement(step: RepairStep): AuditStatement {
  const drift = step.drift;
  // planRepair makes statements for these three kinds only (stepSql); the start-up probe knows how to find each.
  if (drift.kind !== 'missing_table' && drift.kind !== 'missing_column' && drift.kind !== 'missing_index') throw new Error(`no audit probe for a ${drift.kind} step`);
  return {
    sql: step.sql,
    drift: drift.kind,
    table: drift.table,
    ...('column' in drift ? { column: drift.column } : {}),
    ...('index' in drift && drift.index !== undefined ? { index: drift.index } : {}),
  };
}

function isUniqueIndex(step: RepairStep): boolean {
  return step.drift.kind === 'missing_index' && step.drift.declaredIndex.unique;
}

/**
 * Runs a CREATE UNIQUE INDEX under a savepoint (lang_savepoint.html): when
 * existing rows violate it (SQLITE_CONSTRAINT), only the savepoint is rolled
 * back and the refusal is returned; any other error propagates as usual.
 */
function tryUniqueIndex(db: SqlConnection, step: RepairStep): string | null {
  db.exec('SAVEPOINT driftd_unique_index');
  try {
    db.exec(step.sql);
    db.exec('RELEASE driftd_unique_index');
    return null;
  } catch (error) {
    // SQLite may have rolled the whole transaction back itself (e.g. SQLITE_FULL): then the savepoint is gone too.
    if (!db.inTransaction) throw error;
    db.exec('ROLLBACK TO driftd_unique_index');
    db.exec('RELEASE driftd_unique_index');
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) {
      const index = step.drift.kind === 'missing_index' ? step.drift.index : '?';
      return `existing rows hold duplicates for UNIQUE index "${index}" (${(error as Error).message}); it was left out and the rest applied — remove the duplicates and the next repair creates it`;
    }
    throw error;
  }
}
