import { nameKey, type CheckConstraint, type Table } from '../schema/schema-model.js';
import { identifierText, tokenize } from '../sql/tokenize.js';
import { renamedText } from './diff-renames.js';
import type { Drift } from './drift.js';

/**
 * Compares the CHECK constraints of a table present on both sides, by meaning: a declared check
 * matches a live one with the same normalised expression, wherever each is written (column or
 * table), named or not. What is left pairs into `check_definition` when both carry the same
 * constraint name, or when they are the only unmatched ones on the same column; the rest are
 * `missing_check` / `undeclared_check`. A declared check that names a column the table lacks
 * (`missingColumns`) is not reported: it comes with that column (or waits with it); nor is a live
 * check that names an undeclared column (`undeclaredColumns`): it is part of that extra, left alone.
 * `renames` (old → new column keys) rewrites the live texts of a table whose columns are still to be renamed.
 */
export function diffChecks(
  declared: Table,
  live: Table,
  missingColumns: ReadonlySet<string>,
  undeclaredColumns: ReadonlySet<string>,
  renames: ReadonlyMap<string, string>,
  drift: Drift[],
): void {
  const table = declared.name;
  const liveChecks = renames.size === 0 ? live.checks : live.checks.map((check) => renamed(check, table, renames));
  const unmatchedLive = [...liveChecks];
  const unmatchedDeclared: CheckConstraint[] = [];
  for (const check of declared.checks) {
    const at = unmatchedLive.findIndex((candidate) => candidate.normalized === check.normalized);
    if (at === -1) unmatchedDeclared.push(check);
    else unmatchedLive.splice(at, 1);
  }
  const pending = unmatchedDeclared.filter((check) => !namesAny(check, missingColumns));
  const onColumn = (checks: readonly CheckConstraint[], column: string): number => checks.filter((check) => check.column !== null && nameKey(check.column) === nameKey(column)).length;
  for (const check of pending) {
    const at = unmatchedLive.findIndex(
      (candidate) =>
        (check.name !== null && candidate.name !== null && nameKey(check.name) === nameKey(candidate.name)) ||
        (check.column !== null &&
          candidate.column !== null &&
          nameKey(check.column) === nameKey(candidate.column) &&
          onColumn(pending, check.column) === 1 &&
          onColumn(unmatchedLive, check.column) === 1),
    );
    const place = check.column === null ? `table "${table}"` : `column "${table}"."${check.column}"`;
    if (at === -1) {
      drift.push({
        kind: 'missing_check',
        table,
        ...(check.column !== null ? { column: check.column } : {}),
        declaredCheck: check,
        declared: checkText(check),
        actual: 'absent',
        detail: `${place} lacks the declared ${checkText(check)}`,
      });
      continue;
    }
    const liveCheck = unmatchedLive.splice(at, 1)[0]!;
    drift.push({
      kind: 'check_definition',
      table,
      ...(check.column !== null ? { column: check.column } : {}),
      declaredCheck: check,
      liveCheck,
      declared: checkText(check),
      actual: checkText(liveCheck),
      detail: `${place} has another CHECK: declared ${checkText(check)}, actual ${checkText(liveCheck)}`,
    });
  }
  // A live CHECK that names an undeclared column belongs to that column, which is left alone like every extra.
  for (const check of unmatchedLive.filter((candidate) => !namesAny(candidate, undeclaredColumns))) {
    const place = check.column === null ? `table "${table}"` : `column "${table}"."${check.column}"`;
    drift.push({
      kind: 'undeclared_check',
      table,
      ...(check.column !== null ? { column: check.column } : {}),
      liveCheck: check,
      declared: 'absent',
      actual: checkText(check),
      detail: `${place} has the undeclared ${checkText(check)}`,
    });
  }
}

/** `CONSTRAINT name CHECK (expr)` / `CHECK (expr)`, with the normalised expression. */
export function checkText(check: CheckConstraint): string {
  return `${check.name !== null ? `CONSTRAINT ${check.name} ` : ''}CHECK (${check.normalized})`;
}

/** Whether a check's expression names any of the (folded) column names. */
function namesAny(check: CheckConstraint, columns: ReadonlySet<string>): boolean {
  if (columns.size === 0) return false;
  if (check.column !== null && columns.has(nameKey(check.column))) return true;
  return tokenize(check.normalized).some((token) => (token.kind === 'word' || token.kind === 'quoted') && columns.has(nameKey(identifierText(token))));
}

/** The check as it will read once the columns are renamed (SQLite rewrites CHECK texts on RENAME COLUMN). */
function renamed(check: CheckConstraint, table: string, renames: ReadonlyMap<string, string>): CheckConstraint {
  const normalized = renamedText(check.normalized, new Map(), new Map([[nameKey(table), renames]]), table);
  const column = check.column === null ? null : (renames.get(nameKey(check.column)) ?? check.column);
  return { ...check, normalized, column };
}
