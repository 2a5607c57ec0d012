import type { Drift } from '../diff/drift.js';
import { nameKey } from '../schema/schema-model.js';
import { identifierText, tokenize } from '../sql/tokenize.js';
import { assessSafety, DEFAULT_SAFETY_CONTEXT, type SafetyContext } from './assess-safety.js';
import { ruleOf } from './drift-kind-rules.js';

/** One statement of a repair, with why it runs and the drift it removes. */
export interface RepairStep {
  readonly sql: string;
  readonly reason: string;
  readonly drift: Drift;
}

/** Drift left alone, with the one-line reason. */
export interface UnsafeDrift {
  readonly drift: Drift;
  readonly reason: string;
}

export interface RepairPlan {
  readonly steps: readonly RepairStep[];
  readonly unsafe: readonly UnsafeDrift[];
}

/**
 * Turns drift into a plan, computed in full before anything runs. Pure.
 * Safe items become steps; the SQL is the declaration's own text (CREATE
 * statements as written, column definitions verbatim), identifiers quoted.
 * Steps run in the order of their kind's rule ({@link DRIFT_KIND_RULES}), and
 * in the order found within a kind (the declaration's creation order).
 */
export function planRepair(drift: readonly Drift[], context: SafetyContext = DEFAULT_SAFETY_CONTEXT): RepairPlan {
  const steps: RepairStep[] = [];
  const unsafe: UnsafeDrift[] = [];
  for (const item of drift) {
    const verdict = assessSafety(item, context);
    const sql = verdict.safe ? stepSql(item) : null;
    if (sql === null) unsafe.push({ drift: item, reason: verdict.reason });
    else steps.push({ sql, reason: verdict.reason, drift: item });
  }
  // An index over a column that the plan cannot add would fail inside the transaction and take
  // every other (safe) step down with it, on every cycle: it waits with its column.
  const unaddable = new Map<string, string>();
  for (const { drift: item } of unsafe) {
    if (item.kind === 'missing_column') unaddable.set(`${nameKey(item.table)}\u0000${nameKey(item.column)}`, item.column);
  }
  const runnable = steps.filter((step) => {
    if (step.drift.kind !== 'missing_index') return true;
    const blocking = indexedNames(step.drift.declaredIndex).map((name) => unaddable.get(`${nameKey(step.drift.table)}\u0000${name}`)).find(Boolean);
    if (blocking === undefined) return true;
    unsafe.push({
      drift: step.drift,
      reason: `index "${step.drift.index}" covers column "${step.drift.table}"."${blocking}", which is missing and cannot be added automatically; it waits for that column`,
    });
    return false;
  });
  runnable.sort((a, b) => order(a.drift) - order(b.drift));
  return { steps: runnable, unsafe };
}

/** Every name an index mentions, folded: its columns, and the words of its expressions and WHERE clause. */
function indexedNames(index: Extract<Drift, { kind: 'missing_index' }>['declaredIndex']): string[] {
  const names = index.columns.flatMap((term) => (term.name !== null ? [nameKey(term.name)] : []));
  for (const text of [...index.columns.map((term) => term.expression ?? ''), index.where ?? '']) {
    for (const token of tokenize(text)) if (token.kind === 'word' || token.kind === 'quoted') names.push(nameKey(identifierText(token)));
  }
  return names;
}

function order(drift: Drift): number {
  const rule = ruleOf(drift);
  // Only additive kinds become steps; a report-only kind never reaches the sort.
  return rule.repair === 'additive' ? rule.order : Number.POSITIVE_INFINITY;
}

function stepSql(drift: Drift): string | null {
  const rule = ruleOf(drift);
  return rule.repair === 'additive' ? rule.sql(drift) : null;
}
