import { readFileSync } from 'node:fs';
import type { ReconcileRuleInput } from '../../src/reconcile/rule/reconcile-rule-format.js';

/**
 * ModelForge's reconcile rule exactly as `config.example.json` ships it: the demo, the tests, the
 * torture, the soak and the benches all exercise the one mapping operators copy.
 */
export const MODELFORGE_RULE_INPUT: ReconcileRuleInput = (
  JSON.parse(readFileSync(new URL('../../config.example.json', import.meta.url), 'utf8')) as { targets: Array<{ reconcile: ReconcileRuleInput[] }> }
).targets[0]!.reconcile[0]!;

/** The shipped rule in config form, with the fields a test sets (root, settle time) replaced. */
export function modelforgeRuleInput(overrides: Partial<ReconcileRuleInput>): ReconcileRuleInput {
  return { ...MODELFORGE_RULE_INPUT, ...overrides };
}
