import { memoizeByText } from './memoize-by-text.js';
import { namesIn, normalizeSqlText } from './normalize-sql-text.js';
import { identifierText, isWord, matchingParen, splitTopLevel, tokenize, type Token } from './tokenize.js';

/** What the text of one column definition says beyond what pragma table_xinfo reports. */
export interface ColumnClauses {
  readonly name: string;
  /** The definition exactly as written, e.g. `"flag" BOOLEAN DEFAULT 0 CHECK (flag IN (0,1))`. */
  readonly definition: string;
  readonly collation: string | null;
  readonly hasCheck: boolean;
  readonly unique: boolean;
  readonly autoincrement: boolean;
  /** True when the definition has an inline REFERENCES clause. */
  readonly references: boolean;
  /**
   * The normalised expression of `[GENERATED ALWAYS] AS (expr)`, null for an ordinary column.
   * A double-quoted token that names no column of the table is read as a string, as SQLite does.
   */
  readonly generatedExpression: string | null;
}

const TABLE_CONSTRAINT_START = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

export interface TableDefinition {
  readonly columns: readonly ColumnClauses[];
  /** The same columns by ASCII-lower-cased name (SQLite's identifier comparison). */
  readonly byName: ReadonlyMap<string, ColumnClauses>;
  /** Whether the table's INTEGER PRIMARY KEY is declared AUTOINCREMENT (the keyword appears nowhere else). */
  readonly autoincrement: boolean;
  /** Every CHECK constraint, column and table ones, in the order written. */
  readonly checks: readonly CheckClause[];
}

/** A CHECK constraint found in the text (see `CheckConstraint` in the schema model). */
export interface CheckClause {
  readonly name: string | null;
  readonly expression: string;
  readonly normalized: string;
  readonly column: string | null;
}

/**
 * Finds the column definitions of a `CREATE TABLE` statement that SQLite has
 * already accepted (from sqlite_schema.sql), tokenising it once. Returns no
 * columns for statements without a column list (`CREATE VIRTUAL TABLE`, `AS SELECT`).
 */
export const columnDefinitions: (createTableSql: string) => TableDefinition = memoizeByText(readColumnDefinitions);

function readColumnDefinitions(createTableSql: string): TableDefinition {
  const tokens = tokenize(createTableSql);
  // AUTOINCREMENT may follow a column's PRIMARY KEY or sit in a table-level PRIMARY KEY (…): look everywhere.
  const autoincrement = tokens.some((token) => token.kind === 'word' && token.text.length === 13 && token.text.toUpperCase() === 'AUTOINCREMENT');
  const open = tokens.findIndex((token) => token.kind === 'punct' && token.text === '(');
  if (open === -1 || tokens.some((token, i) => i < open && isWord(token, 'VIRTUAL', 'AS'))) return { columns: [], byName: new Map(), autoincrement, checks: [] };
  const close = matchingParen(tokens, open);
  if (close === -1) return { columns: [], byName: new Map(), autoincrement, checks: [] };
  const parsed: Array<ColumnClauses & { readonly generatedText: string | null }> = [];
  const foundChecks: Array<{ name: string | null; expression: string; column: string | null }> = [];
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    const first = tokens[from];
    if (first === undefined) continue;
    if (isWord(first, ...TABLE_CONSTRAINT_START)) {
      foundChecks.push(...checksIn(tokens, from, to, createTableSql, null));
      continue;
    }
    foundChecks.push(...checksIn(tokens, from + 1, to, createTableSql, identifierText(first)));
    parsed.push({
      name: identifierText(first),
      definition: createTableSql.slice(first.start, tokens[to - 1]!.end),
      ...clausesOf(tokens, from, to, createTableSql),
    });
  }
  // Generated expressions are normalised once every column name is known: `"x"` is a column if the table has one.
  const isColumn = parsed.some((column) => column.generatedText !== null) ? namesIn(parsed.map((column) => column.name)) : () => true;
  const result: ColumnClauses[] = parsed.map(({ generatedText, ...column }) => ({
    ...column,
    generatedExpression: generatedText === null ? null : normalizeSqlText(generatedText, isColumn),
  }));
  const knowsColumn = foundChecks.length > 0 ? namesIn(parsed.map((column) => column.name)) : () => true;
  const checks = foundChecks.map((check) => ({ ...check, normalized: normalizeSqlText(check.expression, knowsColumn) }));
  return { columns: result, byName: new Map(result.map((column) => [asciiLower(column.name), column])), autoincrement, checks };
}

/**
 * The `[CONSTRAINT name] CHECK (expr)` clauses at the top level of `tokens[from..to)`: one column
 * definition after its name (`column` names it), or one table constraint (`column` null).
 */
function checksIn(tokens: readonly Token[], from: number, to: number, sql: string, column: string | null): Array<{ name: string | null; expression: string; column: string | null }> {
  const found: Array<{ name: string | null; expression: string; column: string | null }> = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const token = tokens[i]!;
    if (token.kind === 'punct') {
      if (token.text === '(') depth++;
      else if (token.text === ')') depth--;
      continue;
    }
    if (depth !== 0 || !isWord(token, 'CHECK') || !(tokens[i + 1]?.kind === 'punct' && tokens[i + 1]!.text === '(')) continue;
    const closeAt = matchingParen(tokens, i + 1);
    if (closeAt === -1 || closeAt > to || closeAt === i + 2) continue;
    const named = i - 2 >= from && isWord(tokens[i - 2], 'CONSTRAINT') ? identifierText(tokens[i - 1]!) : null;
    found.push({ name: named, expression: sql.slice(tokens[i + 2]!.start, tokens[closeAt - 1]!.end), column });
    i = closeAt;
  }
  return found;
}

/** The clauses of the column definition `tokens[from..to)`, whose first token is the name. */
function clausesOf(
  part: readonly Token[],
  from: number,
  to: number,
  sql: string,
): Omit<ColumnClauses, 'name' | 'definition'> & { readonly generatedText: string | null } {
  let generatedText: string | null = null;
  let collation: string | null = null;
  let hasCheck = false;
  let unique = false;
  let autoincrement = false;
  let references = false;
  let depth = 0;
  for (let i = from + 1; i < to; i++) {
    const token = part[i]!;
    if (token.kind === 'punct') {
      if (token.text === '(') depth++;
      else if (token.text === ')') depth--;
      continue;
    }
    if (depth !== 0 || token.kind !== 'word') continue;
    switch (token.text.toUpperCase()) {
      case 'COLLATE':
        if (i + 1 < to) collation = identifierText(part[i + 1]!).toUpperCase();
        break;
      case 'CHECK':
        hasCheck = true;
        break;
      case 'UNIQUE':
        unique = true;
        break;
      case 'AUTOINCREMENT':
        autoincrement = true;
        break;
      case 'REFERENCES':
        references = true;
        break;
      case 'AS': {
        // `AS (expr)` at the top level of a column definition is a generated column (gencol.html).
        const open = part[i + 1];
        if (open?.kind === 'punct' && open.text === '(') {
          const close = matchingParen(part, i + 1);
          if (close > i + 2) generatedText = sql.slice(part[i + 2]!.start, part[close - 1]!.end);
        }
        break;
      }
    }
  }
  return { collation, hasCheck, unique, autoincrement, references, generatedExpression: null, generatedText };
}

/**
 * Whether a table-level `CHECK` constraint of a `CREATE TABLE` statement names
 * the column. ADD COLUMN can only add a column's own clauses, so such a
 * constraint would be lost silently (CHECK bodies are not compared).
 */
export function tableCheckMentions(createTableSql: string, columnName: string): boolean {
  const tokens = tokenize(createTableSql);
  const open = tokens.findIndex((token) => token.kind === 'punct' && token.text === '(');
  const close = open === -1 ? -1 : matchingParen(tokens, open);
  if (close === -1) return false;
  const key = columnName.toLowerCase();
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    let start = from;
    if (isWord(tokens[start], 'CONSTRAINT')) start += 2;
    if (!isWord(tokens[start], 'CHECK')) continue;
    for (let i = start + 1; i < to; i++) {
      const token = tokens[i]!;
      if ((token.kind === 'word' || token.kind === 'quoted') && identifierText(token).toLowerCase() === key) return true;
    }
  }
  return false;
}

function asciiLower(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
