import type { AnchoredRule } from '../reconcile/reconcile-target.js';
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

/**
 * Where the database's directory is reached from without following a link: the fleet's real root
 * and the directory's path below it ('' when the database is in the root itself).
 */
export interface DatabaseDirAnchor {
  readonly root: string;
  readonly relative: string;
}

/**
 * The rules with `{databaseDir}` replaced by `databaseDir` (absolute, no trailing `/`). Pure. With
 * `anchor`, a rule whose root is bound also carries where it is walked from: the root stays inside
 * the database's own directory and no component of it is ever a followed link (issue 14).
 */
export function bindRules(rules: readonly ReconcileRule[], databaseDir: string, anchor?: DatabaseDirAnchor): AnchoredRule[] {
  const bind = (path: string): string => (isDatabaseDirPath(path) ? `${databaseDir}${path.slice(DATABASE_DIR.length)}` : path);
  return rules.map((rule) => {
    const bound = { ...rule, root: bind(rule.root), relativeTo: bind(rule.relativeTo) };
    if (!anchor || !isDatabaseDirPath(rule.root)) return bound;
    const below = rule.root.slice(DATABASE_DIR.length).split('/').filter((name) => name !== '');
    return { ...bound, anchor: { root: anchor.root, prefix: [...(anchor.relative === '' ? [] : [anchor.relative]), ...below].join('/') } };
  });
}
