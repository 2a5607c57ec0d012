import type { Drift } from '../diff/drift.js';
import { ruleOf } from './drift-kind-rules.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext, type SafetyVerdict } from './safety-context.js';

export { assessAddColumn } from './assess-add-column.js';
export { DEFAULT_SAFETY_CONTEXT, type SafetyContext, type SafetyVerdict } from './safety-context.js';

/**
 * Decides whether a drift item can be repaired without risk to data. Pure; the
 * rule of each kind lives in {@link DRIFT_KIND_RULES}, which the compiler keeps
 * complete. Missing columns follow the ALTER TABLE ADD COLUMN rules
 * (https://sqlite.org/lang_altertable.html#altertabaddcol), judged as if the
 * table has rows: SQLite relaxes several rules on empty tables, but a row can
 * arrive a moment later.
 */
export function assessSafety(drift: Drift, context: SafetyContext = DEFAULT_SAFETY_CONTEXT): SafetyVerdict {
  const rule = ruleOf(drift);
  if (rule.repair !== 'never') return rule.assess(drift, context);
  return { safe: false, reason: typeof rule.reason === 'string' ? rule.reason : rule.reason(drift) };
}
