import { DriftdError } from '../errors/driftd-error.js';
import { nameKey, type Schema, type Table } from '../schema/schema-model.js';
import { findAnnotations, lineCounter, type Annotation } from '../sql/annotations.js';
import { identifierText, isWord, matchingParen, splitTopLevel, type Token } from '../sql/tokenize.js';
import type { Statement, StatementAction } from './declaration-statements.js';

const TABLE_CONSTRAINT_START = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

/** What one annotation is attached to. */
type Target =
  | { readonly object: 'table'; readonly table: string }
  | { readonly object: 'column'; readonly table: string; readonly column: string }
  | { readonly object: 'index'; readonly index: string };

interface Owner {
  readonly firstLine: number;
  readonly lastLine: number;
  readonly target: Target;
}

/** A quick test before any work: most declarations carry no annotation. */
export function mayHaveAnnotations(text: string): boolean {
  return text.includes('@renamed') || text.includes('@new') || text.includes('atlas:renamed_from');
}

/**
 * Attaches the declaration's annotations (see {@link findAnnotations}) to the objects they sit on:
 * a comment on a column definition's line(s) annotates that column; on the line of `CREATE TABLE`
 * (outside any column), the table; on any line of a `CREATE INDEX`, the index. Anything else — two
 * columns on the annotated line, a line of no table or index, a malformed annotation, a rename
 * from the object's own name or from a name another declared object has, two objects renamed from
 * one name, `@new` with `@renamed` — is refused with SCHEMA_ANNOTATION_INVALID naming the line.
 */
export function applyAnnotations(
  schema: Schema,
  text: string,
  statements: ReadonlyArray<{ statement: Statement; action: StatementAction }>,
  label: string,
): Schema {
  const { annotations, malformed } = findAnnotations(text);
  const fail = (line: number, message: string, hint?: string): never => {
    throw new DriftdError('SCHEMA_ANNOTATION_INVALID', `${label}:${line}: ${message}`, {
      where: { file: label, line },
      hint: hint ?? 'write `-- @renamed from=OLD` (or `-- atlas:renamed_from OLD`) or `-- @new` on the column\'s own line, on the CREATE TABLE line for a table, or on the CREATE INDEX line',
    });
  };
  if (malformed.length > 0) fail(malformed[0]!.line, `malformed annotation "${malformed[0]!.text}"`);
  if (annotations.length === 0) return schema;

  const lineAt = lineCounter(text);
  const owners: Owner[] = [];
  for (const { statement, action } of statements) {
    if (action.action !== 'create' || statement.tokens.length === 0) continue;
    const firstLine = lineAt(statement.tokens[0]!.start);
    const lastLine = lineAt(statement.tokens[statement.tokens.length - 1]!.end);
    if (action.kind === 'index') owners.push({ firstLine, lastLine, target: { object: 'index', index: action.name } });
    if (action.kind === 'table') {
      owners.push({ firstLine, lastLine: firstLine, target: { object: 'table', table: action.name } });
      for (const column of columnSpans(statement.tokens)) {
        owners.push({ firstLine: lineAt(column.start), lastLine: lineAt(column.end), target: { object: 'column', table: action.name, column: column.name } });
      }
    }
  }

  const byTarget = new Map<string, { target: Target; annotation: Annotation }[]>();
  for (const annotation of annotations) {
    const holding = owners.filter((owner) => owner.firstLine <= annotation.line && annotation.line <= owner.lastLine);
    const chosen = holding;
    if (chosen.length === 0) fail(annotation.line, `annotation "${annotation.text}" is on no column, CREATE TABLE or CREATE INDEX line`);
    if (chosen.length > 1) fail(annotation.line, `annotation "${annotation.text}" is on a line shared by ${chosen.map((owner) => describe(owner.target)).join(' and ')}: put each column on a line of its own, and the first one below the CREATE TABLE line`);
    const target = chosen[0]!.target;
    const key = targetKey(target);
    byTarget.set(key, [...(byTarget.get(key) ?? []), { target, annotation }]);
  }

  const renamedFrom = new Map<string, { from: string; line: number }>();
  const declaredNew = new Set<string>();
  for (const [key, entries] of byTarget) {
    const renames = entries.filter((entry) => entry.annotation.kind === 'renamed');
    const news = entries.filter((entry) => entry.annotation.kind === 'new');
    const what = describe(entries[0]!.target);
    if (renames.length > 0 && news.length > 0) fail(news[0]!.annotation.line, `${what} is annotated both @new and renamed`);
    const froms = new Set(renames.map((entry) => (entry.annotation.kind === 'renamed' ? nameKey(entry.annotation.from) : '')));
    if (froms.size > 1) fail(renames[1]!.annotation.line, `${what} carries two renames`);
    if (renames.length > 0) {
      const annotation = renames[0]!.annotation as Extract<Annotation, { kind: 'renamed' }>;
      renamedFrom.set(key, { from: annotation.from, line: annotation.line });
    }
    if (news.length > 0) declaredNew.add(key);
  }

  const tables = schema.tables.map((table) => annotateTable(table, renamedFrom, declaredNew));
  validate(tables, renamedFrom, fail);
  return { ...schema, tables, annotated: true };
}

function annotateTable(table: Table, renamedFrom: ReadonlyMap<string, { from: string }>, declaredNew: ReadonlySet<string>): Table {
  const tableKey = targetKey({ object: 'table', table: table.name });
  const columns = table.columns.map((column) => {
    const key = targetKey({ object: 'column', table: table.name, column: column.name });
    const from = renamedFrom.get(key)?.from;
    return { ...column, ...(from !== undefined ? { renamedFrom: from } : {}), ...(declaredNew.has(key) ? { declaredNew: true } : {}) };
  });
  const indexes = table.indexes.map((index) => {
    const from = renamedFrom.get(targetKey({ object: 'index', index: index.name }))?.from;
    return from !== undefined ? { ...index, renamedFrom: from } : index;
  });
  const from = renamedFrom.get(tableKey)?.from;
  return { ...table, columns, indexes, ...(from !== undefined ? { renamedFrom: from } : {}), ...(declaredNew.has(tableKey) ? { declaredNew: true } : {}) };
}

function validate(tables: readonly Table[], renamedFrom: ReadonlyMap<string, { from: string; line: number }>, fail: (line: number, message: string, hint?: string) => never): void {
  const lineOf = (target: Target): number => renamedFrom.get(targetKey(target))?.line ?? 0;
  const check = (scope: string, items: ReadonlyArray<{ name: string; from?: string; target: Target }>): void => {
    const names = new Set(items.map((item) => nameKey(item.name)));
    const seen = new Map<string, string>();
    for (const item of items) {
      if (item.from === undefined) continue;
      const from = nameKey(item.from);
      const what = describe(item.target);
      if (from === nameKey(item.name)) fail(lineOf(item.target), `${what} is renamed from its own name`);
      if (names.has(from)) fail(lineOf(item.target), `${what} is renamed from "${item.from}", which ${scope} also declares`, 'a rename chain or swap cannot be done in one step: rename through a name nothing else declares, one release at a time');
      const earlier = seen.get(from);
      if (earlier !== undefined) fail(lineOf(item.target), `${what} and ${earlier} are both renamed from "${item.from}"`);
      seen.set(from, what);
    }
  };
  check('the declaration', tables.map((table) => ({ name: table.name, ...(table.renamedFrom !== undefined ? { from: table.renamedFrom } : {}), target: { object: 'table', table: table.name } })));
  for (const table of tables) {
    check(`table "${table.name}"`, table.columns.map((column) => ({ name: column.name, ...(column.renamedFrom !== undefined ? { from: column.renamedFrom } : {}), target: { object: 'column', table: table.name, column: column.name } })));
  }
  check(
    'the declaration',
    tables.flatMap((table) => table.indexes.filter((index) => index.origin === 'c').map((index) => ({ name: index.name, ...(index.renamedFrom !== undefined ? { from: index.renamedFrom } : {}), target: { object: 'index', index: index.name } as Target }))),
  );
}

/** The column definitions of a CREATE TABLE statement's tokens, with their first and last offsets. */
function columnSpans(tokens: readonly Token[]): Array<{ name: string; start: number; end: number }> {
  const open = tokens.findIndex((token) => token.kind === 'punct' && token.text === '(');
  if (open === -1 || tokens.some((token, i) => i < open && isWord(token, 'AS'))) return [];
  const close = matchingParen(tokens, open);
  if (close === -1) return [];
  return splitTopLevel(tokens, open + 1, close)
    .filter(([from]) => tokens[from] !== undefined && !isWord(tokens[from], ...TABLE_CONSTRAINT_START))
    // A definition's last line runs to its comma: `a TEXT, -- @renamed …`.
    .map(([from, to]) => ({ name: identifierText(tokens[from]!), start: tokens[from]!.start, end: tokens[to]!.text === ',' ? tokens[to]!.start : tokens[to - 1]!.end }));
}

function targetKey(target: Target): string {
  switch (target.object) {
    case 'table':
      return `t\u0000${nameKey(target.table)}`;
    case 'column':
      return `c\u0000${nameKey(target.table)}\u0000${nameKey(target.column)}`;
    case 'index':
      return `i\u0000${nameKey(target.index)}`;
  }
}

function describe(target: Target): string {
  switch (target.object) {
    case 'table':
      return `table "${target.table}"`;
    case 'column':
      return `column "${target.table}"."${target.column}"`;
    case 'index':
      return `index "${target.index}"`;
  }
}
