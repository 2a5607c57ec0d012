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
}

const TABLE_CONSTRAINT_START = ['CONSTRAINT', 'PRIMARY', 'UNIQUE', 'CHECK', 'FOREIGN'];

/**
 * Finds the column definitions of a `CREATE TABLE` statement that SQLite has
 * already accepted (from sqlite_schema.sql). Returns an empty list for
 * statements without a column list (`CREATE VIRTUAL TABLE`, `AS SELECT`).
 */
export function columnDefinitions(createTableSql: string): ColumnClauses[] {
  const tokens = tokenize(createTableSql);
  const open = tokens.findIndex((token) => token.kind === 'punct' && token.text === '(');
  if (open === -1 || tokens.slice(0, open).some((token) => isWord(token, 'VIRTUAL', 'AS'))) return [];
  const close = matchingParen(tokens, open);
  if (close === -1) return [];
  const result: ColumnClauses[] = [];
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    const first = tokens[from];
    if (first === undefined || isWord(first, ...TABLE_CONSTRAINT_START)) continue;
    const part = tokens.slice(from, to);
    result.push({
      name: identifierText(first),
      definition: createTableSql.slice(first.start, tokens[to - 1]!.end),
      ...clausesOf(part),
    });
  }
  return result;
}

/** Whether the table's PRIMARY KEY is declared AUTOINCREMENT anywhere in the statement. */
export function hasAutoincrement(createTableSql: string): boolean {
  return tokenize(createTableSql).some((token) => isWord(token, 'AUTOINCREMENT'));
}

function clausesOf(part: readonly Token[]): Omit<ColumnClauses, 'name' | 'definition'> {
  let collation: string | null = null;
  let hasCheck = false;
  let unique = false;
  let autoincrement = false;
  let references = false;
  let depth = 0;
  for (let i = 1; i < part.length; i++) {
    const token = part[i]!;
    if (token.kind === 'punct') {
      if (token.text === '(') depth++;
      else if (token.text === ')') depth--;
      continue;
    }
    if (depth !== 0) continue;
    if (isWord(token, 'COLLATE') && part[i + 1]) collation = identifierText(part[i + 1]!).toUpperCase();
    else if (isWord(token, 'CHECK')) hasCheck = true;
    else if (isWord(token, 'UNIQUE')) unique = true;
    else if (isWord(token, 'AUTOINCREMENT')) autoincrement = true;
    else if (isWord(token, 'REFERENCES')) references = true;
  }
  return { collation, hasCheck, unique, autoincrement, references };
}
