import { isAbsolute, resolve } from 'node:path';
import { DriftdError } from '../errors/driftd-error.js';
import type { ReconcileReport } from '../reconcile/reconcile-report.js';
import type { ReconcileRuleInput } from '../reconcile/rule/reconcile-rule-format.js';
import { auditSinkFor, busyTimeoutOf, requirePath, type AuditOptions } from './library-options.js';
import { declaredSchemaOf, type SchemaSource } from './schema-source.js';

export interface ReconcileOptions {
  /** The database file the recovered rows go into. */
  readonly database: string;
  /** Its declaration: every rule is checked against it before anything is read. */
  readonly schema: SchemaSource;
  /** Rules in the config's `reconcile` format (docs/reconcile.md). */
  readonly rules: readonly ReconcileRuleInput[];
  /** The directory a rule's relative `root` and `relativeTo` are resolved against; without it they must be absolute. */
  readonly baseDir?: string;
  /** Report the rows it would insert and insert nothing. */
  readonly dryRun?: boolean;
  readonly busyTimeoutMs?: number;
  /** Record every inserted row in an audit journal; none by default. */
  readonly audit?: AuditOptions;
}

/**
 * The lost-row recovery of `driftd reconcile`: per rule, the directories under its root that have
 * no row get one, inserted in one `BEGIN IMMEDIATE` transaction per rule (never an UPDATE or a
 * DELETE). Returns one report per rule; a rule that failed carries `error` and the others still
 * ran. Throws `DriftdError` for rules that do not fit the declaration (OPTIONS_INVALID, with every
 * problem) and when the database cannot be opened.
 */
export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport[]> {
  const database = requirePath(options.database, 'database');
  const declared = await declaredSchemaOf(options.schema);
  const [{ reconcileRuleFormat, resolveRule }, { validateReconcileRules }, { reconcileTarget }] = await Promise.all([
    import('../reconcile/rule/reconcile-rule-format.js'),
    import('../reconcile/rule/validate-reconcile-rules.js'),
    import('../reconcile/reconcile-target.js'),
  ]);
  const baseDir = options.baseDir === undefined ? null : resolve(requirePath(options.baseDir, 'baseDir'));
  const problems: string[] = [];
  const at = (path: string, where: string): string => {
    if (isAbsolute(path)) return path;
    if (baseDir === null) {
      problems.push(`${where}: "${path}" is relative; give an absolute path or \`baseDir\``);
      return path;
    }
    return resolve(baseDir, path);
  };
  if (!Array.isArray(options.rules)) throw new DriftdError('OPTIONS_INVALID', '`rules` must be an array of reconcile rules', { where: { option: 'rules' } });
  const rules = options.rules.flatMap((input, index) => {
    const parsed = reconcileRuleFormat.safeParse(input);
    if (!parsed.success) {
      problems.push(...parsed.error.issues.map((issue) => `rules[${index}]${issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}: ${issue.message}`));
      return [];
    }
    return [resolveRule(parsed.data, (path) => at(path, `rules[${index}]`), baseDir ?? '/')];
  });
  if (problems.length === 0) problems.push(...validateReconcileRules(rules, declared, 'rules', 'schema').map((problem) => `${problem.path}: ${problem.message}`));
  if (problems.length > 0) {
    throw new DriftdError('OPTIONS_INVALID', `reconcile rules for "${database}": ${problems.join('; ')}`, { where: { option: 'rules' }, hint: 'the rule format is in docs/reconcile.md' });
  }
  const mode = options.dryRun === true ? 'dry-run' : 'apply';
  const audit = mode === 'apply' ? await auditSinkFor(options.audit, database) : null;
  return reconcileTarget({ dbPath: database, rules, mode, busyTimeoutMs: busyTimeoutOf(options.busyTimeoutMs), ...(audit ? { audit } : {}) });
}
