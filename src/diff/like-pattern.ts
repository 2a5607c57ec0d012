/**
 * SQL LIKE matching, case-insensitive for ASCII as SQLite's LIKE is by default
 * (lang_expr.html#like): `%` any run, `_` one character, no escape character.
 */
export function matchesLike(name: string, pattern: string): boolean {
  const source = pattern
    .split('')
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'is').test(name);
}

export function matchesAnyPattern(name: string, patterns: readonly string[]): boolean {
  return patterns.some((pattern) => matchesLike(name, pattern));
}
