import type { AuditStatement } from '../audit/audit-record.js';
import type { AuditSink, AuditTicket } from '../audit/audit-sink.js';
import type { SqlConnection } from '../db/sql-connection.js';
import { diff, type DiffOptions, type DiffResult } from '../diff/diff.js';
import { driftKey, type Drift } from '../diff/drift.js';
import { DriftdError } from '../errors/driftd-error.js';
import { isDatabaseCondition, isDqsRefusal, resultCodeOf } from '../errors/result-codes.js';
import { introspect } from '../introspect/introspect.js';
import type { Schema } from '../schema/schema-model.js';
import { quoteIdentifier } from '../sql/quote.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from './assess-safety.js';
import { countViolations } from './count-violations.js';
import { ruleOf, type RepairedDriftKind } from './drift-kind-rules.js';
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
  /** Steps left out, with the reason: rows violate them (counted), or SQLite refused them (a UNIQUE index over duplicates, …). */
  readonly deferred: readonly UnsafeDrift[];
  /** The comparison after the repair, inside the same transaction. */
  readonly after: DiffResult;
}

/**
 * Applies the safe part of the drift in one `BEGIN IMMEDIATE` transaction
 * (lang_transaction.html): the write lock is taken before anything is read,
 * the schema is re-introspected and the plan recomputed under that lock
 * (another process may have changed it since the check), every step runs, the
 * result is verified, and only then does it commit. Each step runs under its
 * own SAVEPOINT, after its rows are pre-tested (an in-place NOT NULL or CHECK,
 * an added column's CHECK: the violating rows are counted first): a step that
 * rows violate, or that SQLite refuses (a UNIQUE index over duplicates, a view
 * that does not compile, …), is rolled back alone and reported as deferred,
 * with why, while the others commit — one refused step does not hold every
 * other safe step hostage on every cycle. A condition of the database itself
 * (busy, read-only, full, I/O) or a failed verification rolls back everything.
 * Throws `DriftdError` (REPAIR_VERIFY_FAILED) or the SQLite error for the caller to map.
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
      const refused = runStep(db, step, index, plan.steps.length);
      if (refused !== null) deferred.push({ drift: step.drift, reason: refused });
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

function auditStatement(step: RepairStep): AuditStatement {
  const drift = step.drift;
  // planRepair makes statements only for the kinds whose rule writes SQL; the rule says how the start-up probe finds each.
  const rule = ruleOf(drift);
  if (rule.repair === 'never') throw new Error(`no audit probe for a ${drift.kind} step`);
  return {
    sql: step.sql,
    table: drift.table,
    ...('column' in drift && drift.column !== undefined ? { column: drift.column } : {}),
    drift: drift.kind as RepairedDriftKind,
    ...rule.audit.detail?.(drift),
  };
}

/**
 * Runs one step under its own savepoint (lang_savepoint.html), so that one step SQLite refuses
 * does not take the others down (issue 17): a step whose rows would violate it — an in-place
 * NOT NULL or CHECK, an added column's CHECK — is counted first and not run when any row
 * violates; otherwise it runs, and a created view is verified by preparing a SELECT from it
 * (CREATE VIEW does not resolve names). When SQLite refuses, only the savepoint is rolled back
 * and the refusal is returned, with why; a condition of the database itself (busy, read-only,
 * full) propagates, and the caller rolls everything back.
 */
function runStep(db: SqlConnection, step: RepairStep, index: number, total: number): string | null {
  const violated = countViolations(db, step.drift);
  if (violated !== null) return violated;
  db.exec('SAVEPOINT driftd_step');
  try {
    db.exec(step.sql);
    if (step.drift.kind === 'missing_view') db.prepare(`SELECT * FROM ${quoteIdentifier(step.drift.view)}`);
    db.exec('RELEASE driftd_step');
    return null;
  } catch (error) {
    // SQLite may have rolled the whole transaction back itself (e.g. SQLITE_FULL): then the savepoint is gone too.
    // A condition of the connection (a DQS=0 connection reading "x" as a name) is no single step's: everything rolls back.
    if (!db.inTransaction || isDatabaseCondition(resultCodeOf(error)) || isDqsRefusal(error)) throw error;
    db.exec('ROLLBACK TO driftd_step');
    db.exec('RELEASE driftd_step');
    return refusal(step, error as Error, index, total);
  }
}

function refusal(step: RepairStep, error: Error, index: number, total: number): string {
  const drift = step.drift;
  switch (drift.kind) {
    case 'missing_index':
      if (drift.declaredIndex.unique && resultCodeOf(error).startsWith('SQLITE_CONSTRAINT')) {
        return `existing rows hold duplicates for UNIQUE index "${drift.index}" (${error.message}); it was left out and the rest applied — remove the duplicates and the next repair creates it`;
      }
      break;
    case 'missing_view':
      return `view "${drift.view}" does not compile against this database (${error.message}); it was left out and the rest applied — create what it reads and the next repair creates it`;
    case 'missing_trigger':
      return `SQLite refused trigger "${drift.trigger}" on "${drift.table}" (${error.message}); it was left out and the rest applied`;
    default:
      break;
  }
  return `SQLite refused step ${index + 1} of ${total} (${error.message}) in: ${step.sql}; it was left out and the rest applied`;
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

