import type { ReconcileRule } from '../reconcile/rule/reconcile-rule-format.js';

/**
 * The placeholder a fleet target's reconcile rule uses for the directory of
 * the database it runs against: `"root": "{databaseDir}/models"`. It may only
 * begin a `root` or `relativeTo` path (parse-config checks that), so a bound
 * path is always the database's own directory or a path below it.
 */
export const DATABASE_DIR = '{databaseDir}';

/** `{databaseDir}` alone or followed by `/…`. */
export function isDatabaseDirPath(path: string): boolean {
  return path === DATABASE_DIR || path.startsWith(`${DATABASE_DIR}/`);
}

/** The rules with `{databaseDir}` replaced by `databaseDir` (absolute, no trailing `/`). Pure. */
export function bindRules(rules: readonly ReconcileRule[], databaseDir: string): ReconcileRule[] {
  const bind = (path: string): string => (isDatabaseDirPath(path) ? `${databaseDir}${path.slice(DATABASE_DIR.length)}` : path);
  return rules.map((rule) => ({ ...rule, root: bind(rule.root), relativeTo: bind(rule.relativeTo) }));
}
