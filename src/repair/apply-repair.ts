import type { AuditStatement } from '../audit/audit-record.js';
import type { AuditSink, AuditTicket } from '../audit/audit-sink.js';
import type { SqlConnection } from '../db/sql-connection.js';
import { diff, type DiffOptions, type DiffResult } from '../diff/diff.js';
import { driftKey, type Drift } from '../diff/drift.js';
import { DriftdError } from '../errors/driftd-error.js';
import { isDatabaseCondition, resultCodeOf } from '../errors/result-codes.js';
import { introspect } from '../introspect/introspect.js';
import type { Schema } from '../schema/schema-model.js';
import { quoteIdentifier } from '../sql/quote.js';
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
 * index that existing duplicate rows make impossible, and a view or trigger
 * SQLite refuses (a view is verified by preparing a SELECT from it), run under
 * a SAVEPOINT and are left out (reported as deferred) instead of blocking every
 * other step on every cycle; what commits is still all the other steps or none. Throws `DriftdError` (REPAIR_STEP_FAILED, REPAIR_VERIFY_FAILED)
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
        if (isDeferrable(step)) {
          const refusal = tryDeferrable(db, step);
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
    const after = withStaleFtsIndexes(diff(declared, introspect(db), options.diff), before, applied);
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

/**
 * Steps that may be left out while the rest applies: a UNIQUE index that existing rows make
 * impossible, and views and triggers, which the declaration's own in-memory SQLite accepted but
 * which can still name something this database lacks (another step left out, an undeclared
 * object gone). Left in, one of them would roll back every other safe step on every cycle.
 */
function isDeferrable(step: RepairStep): boolean {
  const kind = step.drift.kind;
  return (kind === 'missing_index' && step.drift.declaredIndex.unique) || kind === 'missing_view' || kind === 'missing_trigger';
}

function auditStatement(step: RepairStep): AuditStatement {
  const drift = step.drift;
  // planRepair makes statements for the missing_* kinds only (DRIFT_KIND_RULES); the start-up probe knows how to find each.
  if (drift.kind !== 'missing_table' && drift.kind !== 'missing_column' && drift.kind !== 'missing_index' && drift.kind !== 'missing_view' && drift.kind !== 'missing_trigger') {
    throw new Error(`no audit probe for a ${drift.kind} step`);
  }
  return {
    sql: step.sql,
    drift: drift.kind,
    table: drift.table,
    ...('column' in drift ? { column: drift.column } : {}),
    ...('index' in drift && drift.index !== undefined ? { index: drift.index } : {}),
    ...('view' in drift ? { view: drift.view } : {}),
    ...('trigger' in drift ? { trigger: drift.trigger } : {}),
  };
}

/**
 * Runs a deferrable step under a savepoint (lang_savepoint.html). A created view
 * is verified there by preparing a SELECT from it: CREATE VIEW itself does not
 * resolve names, so a view over a missing table or column would only fail when
 * read. When SQLite refuses, only the savepoint is rolled back and the refusal
 * is returned; a condition of the database itself (busy, read-only, full)
 * propagates as usual.
 */
function tryDeferrable(db: SqlConnection, step: RepairStep): string | null {
  db.exec('SAVEPOINT driftd_step');
  try {
    db.exec(step.sql);
    if (step.drift.kind === 'missing_view') db.prepare(`SELECT * FROM ${quoteIdentifier(step.drift.view)}`);
    db.exec('RELEASE driftd_step');
    return null;
  } catch (error) {
    // SQLite may have rolled the whole transaction back itself (e.g. SQLITE_FULL): then the savepoint is gone too.
    if (!db.inTransaction || isDatabaseCondition(resultCodeOf(error))) throw error;
    db.exec('ROLLBACK TO driftd_step');
    db.exec('RELEASE driftd_step');
    return refusal(step.drift, error as Error);
  }
}

function refusal(drift: Drift, error: Error): string {
  switch (drift.kind) {
    case 'missing_index':
      if (resultCodeOf(error).startsWith('SQLITE_CONSTRAINT')) {
        return `existing rows hold duplicates for UNIQUE index "${drift.index}" (${error.message}); it was left out and the rest applied — remove the duplicates and the next repair creates it`;
      }
      throw error;
    case 'missing_view':
      return `view "${drift.view}" does not compile against this database (${error.message}); it was left out and the rest applied — create what it reads and the next repair creates it`;
    case 'missing_trigger':
      return `SQLite refused trigger "${drift.trigger}" on "${drift.table}" (${error.message}); it was left out and the rest applied`;
    default:
      throw error;
  }
}

/**
 * Re-creating an FTS sync trigger (or the FTS table) removes the drift a later check could see,
 * not the rows its index misses: the stale-index items found before the repair stay in its result,
 * so the report of the repair that re-created them carries the rebuild statement.
 */
function withStaleFtsIndexes(after: DiffResult, before: DiffResult, applied: readonly RepairStep[]): DiffResult {
  const recreated = new Set(applied.flatMap((step) => (step.drift.kind === 'missing_trigger' ? [`trigger:${step.drift.trigger}`] : step.drift.kind === 'missing_table' ? [`table:${step.drift.table}`] : [])));
  const stale = before.drift.filter(
    (item) => item.kind === 'stale_fts_index' && (item.triggers.some((name) => recreated.has(`trigger:${name}`)) || (item.indexMissing && recreated.has(`table:${item.table}`))),
  );
  if (stale.length === 0) return after;
  const present = new Set(after.drift.map(driftKey));
  return { ...after, drift: [...after.drift, ...stale.filter((item) => !present.has(driftKey(item)))] };
}

