import type { SqlConnection } from '../db/sql-connection.js';
import type { Drift } from '../diff/drift.js';
import { isDatabaseCondition, resultCodeOf } from '../errors/result-codes.js';
import { quoteIdentifier } from '../sql/quote.js';
import { ruleOf } from './drift-kind-rules.js';
import type { RepairPlan } from './plan-repair.js';

/** How many violating rowids a reason names. */
const SAMPLE_ROWIDS = 5;

/**
 * Counts the existing rows that would make the step fail (see ViolationProbe), inside the write
 * transaction; returns the reason to leave the step out, or null when none violates (or the probe
 * cannot run: then the savepoint decides).
 */
export function countViolations(db: SqlConnection, drift: Drift): string | null {
  const rule = ruleOf(drift);
  const probe = rule.repair === 'never' ? null : (rule.violations?.(drift) ?? null);
  if (probe === null) return null;
  try {
    const listed = db.prepare(`SELECT wr FROM pragma_table_list(?) WHERE schema = 'main'`).get(probe.table) as { wr: number } | undefined;
    const withRowid = listed !== undefined && listed.wr === 0;
    const table = quoteIdentifier(probe.table);
    const source = probe.extraColumn
      ? `(SELECT ${withRowid ? 'rowid AS rowid, ' : ''}*, ${probe.extraColumn.value} AS ${quoteIdentifier(probe.extraColumn.name)} FROM ${table}) AS ${table}`
      : table;
    const { n } = db.prepare(`SELECT count(*) AS n FROM ${source} WHERE ${probe.where}`).get() as { n: number };
    if (n === 0) return null;
    const rowids = withRowid ? (db.prepare(`SELECT rowid AS id FROM ${source} WHERE ${probe.where} LIMIT ${SAMPLE_ROWIDS}`).all() as Array<{ id: number }>).map((row) => row.id) : [];
    const parts = [...(rowids.length > 0 ? [`rowid${rowids.length > 1 ? 's' : ''} ${rowids.join(', ')}${n > rowids.length ? ', …' : ''}`] : []), ...(probe.note ? [probe.note] : [])];
    const sample = parts.length > 0 ? ` (${parts.join('; ')})` : '';
    return `${n} existing row${n === 1 ? '' : 's'} of "${probe.table}" violate${n === 1 ? 's' : ''} ${probe.what}${sample}; it was left out and the rest applied — fix those rows and the next repair applies it`;
  } catch (error) {
    if (isDatabaseCondition(resultCodeOf(error))) throw error;
    return null;
  }
}


/** Whether some step of the plan can be violated by existing rows (its rule has a `violations` probe): then its verdict depends on the rows. */
export function needsRowCounts(plan: RepairPlan): boolean {
  return plan.steps.some((step) => {
    const rule = ruleOf(step.drift);
    return rule.repair !== 'never' && rule.violations !== undefined;
  });
}

/**
 * The plan with every step that existing rows violate moved to `unsafe`, with the count and a few
 * rowids: what `check` and `--dry-run` report, on their read-only connection, so that a CHECK or
 * NOT NULL the rows violate is never listed as safe (issue 17). `repair` counts again inside its
 * write transaction, where the rows may have changed meanwhile.
 */
export function pretestPlan(db: SqlConnection, plan: RepairPlan): RepairPlan {
  if (!needsRowCounts(plan)) return plan;
  const steps = [];
  const unsafe = [...plan.unsafe];
  for (const step of plan.steps) {
    const reason = countViolations(db, step.drift);
    if (reason === null) steps.push(step);
    else unsafe.push({ drift: step.drift, reason: reason.replace('it was left out and the rest applied', 'repair leaves it out and applies the rest') });
  }
  return { steps, unsafe };
}
