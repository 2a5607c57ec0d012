/** Quotes an SQLite identifier: `a"b` → `"a""b"` (lang_keywords.html). Every identifier driftd writes goes through this. */
export function quoteIdentifier(name: string): string {
  return `"${name.split('"').join('""')}"`;
}
