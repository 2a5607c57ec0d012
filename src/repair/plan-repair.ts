import type { Drift } from '../diff/drift.js';
import { nameKey } from '../schema/schema-model.js';
import { definitionParts } from '../sql/definition-body.js';
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
    const column = unaddableColumn(item);
    if (column !== null) unaddable.set(`${nameKey(item.table)}\u0000${nameKey(column)}`, column);
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
  const ready = waitForDependencies(runnable, unsafe);
  ready.sort((a, b) => order(a.drift) - order(b.drift));
  return { steps: ready, unsafe };
}

/**
 * A view or trigger that reads a table, column or view the plan cannot create
 * waits for it, as an index waits for its column: created anyway it would fail
 * (a view at its verification, a trigger at the application's next write).
 * Names are matched conservatively, by every word the statement mentions: a
 * column counts when the statement also names its table. Views are judged in
 * declared order, so a view over a waiting view waits too; triggers after them.
 */
function waitForDependencies(steps: readonly RepairStep[], unsafe: UnsafeDrift[]): RepairStep[] {
  const waiting = new Map<string, string>();
  const columns: Array<{ table: string; column: string }> = [];
  for (const { drift: item } of unsafe) {
    if (item.kind === 'missing_table') waiting.set(nameKey(item.table), `table "${item.table}"`);
    if ((item.kind === 'possible_rename' || (item.kind === 'rename_conflict' && item.why === 'neither-present')) && item.object === 'table') waiting.set(nameKey(item.table), `table "${item.table}"`);
    if (item.kind === 'missing_view') waiting.set(nameKey(item.view), `view "${item.view}"`);
    const column = unaddableColumn(item);
    if (column !== null) columns.push({ table: item.table, column });
  }
  const judged = [...steps].sort((a, b) => order(a.drift) - order(b.drift));
  const blocked = new Set<RepairStep>();
  for (const step of judged) {
    const item = step.drift;
    if (item.kind !== 'missing_view' && item.kind !== 'missing_trigger') continue;
    const names = definitionParts(item.kind === 'missing_view' ? item.declaredView.sql : item.declaredTrigger.sql).names;
    const object = item.kind === 'missing_view' ? `view "${item.view}"` : `trigger "${item.trigger}"`;
    let reason: string | null = null;
    for (const name of names) {
      const what = waiting.get(name);
      if (what !== undefined) {
        reason = `${object} needs ${what}, which is missing and cannot be created automatically; it waits for it`;
        break;
      }
    }
    const column = reason === null ? columns.find((candidate) => names.has(nameKey(candidate.table)) && names.has(nameKey(candidate.column))) : undefined;
    if (column !== undefined) {
      reason = `${object} names column "${column.table}"."${column.column}", which is missing and cannot be added automatically; it waits for that column`;
    }
    if (reason === null) continue;
    blocked.add(step);
    unsafe.push({ drift: item, reason });
    if (item.kind === 'missing_view') waiting.set(nameKey(item.view), `view "${item.view}"`);
  }
  return steps.filter((step) => !blocked.has(step));
}

/** The declared column an unsafe item leaves missing: what depends on it waits. */
function unaddableColumn(item: Drift): string | null {
  if (item.kind === 'missing_column') return item.column;
  if (item.kind === 'possible_rename' && item.object === 'column') return item.column ?? null;
  if (item.kind === 'rename_conflict' && item.object === 'column' && item.why === 'neither-present') return item.column ?? null;
  return null;
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
  return rule.repair !== 'never' ? rule.order : Number.POSITIVE_INFINITY;
}

function stepSql(drift: Drift): string | null {
  const rule = ruleOf(drift);
  return rule.repair !== 'never' ? rule.sql(drift) : null;
}
