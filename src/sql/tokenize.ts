/**
 * A lexer for SQLite SQL text, enough to *find* things in statements SQLite has
 * already accepted (column definitions, CHECK/COLLATE clauses) and to compare
 * expression text spelled differently. It never decides what SQL means: the
 * declared schema is executed by SQLite and introspected like the live file.
 * Token rules follow https://sqlite.org/lang_keywords.html and tokenize.c.
 */
export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'blob' | 'punct' | 'variable';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written. */
  readonly text: string;
  /** Offset of the first character in the source. */
  readonly start: number;
  readonly end: number;
}

// Character classes by code, not by regular expression: the tokenizer runs over every CREATE
// statement of a database on each check (1,000 tables ≈ 600 kB of SQL).
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102) || code === 95;
}
/** tokenize.c: letters, `_` and every non-ASCII character start an identifier; digits and `$` continue it. */
function isWordStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code >= 128;
}
function isWordPart(code: number): boolean {
  return isWordStart(code) || isDigit(code) || code === 36;
}

const TWO_CHAR_OPERATORS = new Set(['<=', '>=', '!=', '<>', '==', '||', '<<', '>>', '->']);

/** Splits SQL into tokens, dropping white space and comments. Unterminated literals run to the end. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number): void => {
    tokens.push({ kind, text: sql.slice(start, end), start, end });
  };
  while (i < n) {
    const code = sql.charCodeAt(i);
    const ch = sql[i]!;
    if (isSpace(code)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? n : close + 2;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      const start = i;
      i = skipQuoted(sql, i, ch);
      push(ch === "'" ? 'string' : 'quoted', start, i);
    } else if (ch === '[') {
      const start = i;
      const close = sql.indexOf(']', i + 1);
      i = close === -1 ? n : close + 1;
      push('quoted', start, i);
    } else if ((ch === 'x' || ch === 'X') && sql[i + 1] === "'") {
      const start = i;
      i = skipQuoted(sql, i + 1, "'");
      push('blob', start, i);
    } else if (isDigit(code) || (ch === '.' && isDigit(sql.charCodeAt(i + 1)))) {
      const start = i;
      if (ch === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
        i += 2;
        while (i < n && isHexDigit(sql.charCodeAt(i))) i++;
      } else {
        while (i < n && (isDigit(sql.charCodeAt(i)) || sql[i] === '_' || sql[i] === '.')) i++;
        if (sql[i] === 'e' || sql[i] === 'E') {
          i++;
          if (sql[i] === '+' || sql[i] === '-') i++;
          while (i < n && isDigit(sql.charCodeAt(i))) i++;
        }
      }
      push('number', start, i);
    } else if (isWordStart(code)) {
      const start = i;
      while (i < n && isWordPart(sql.charCodeAt(i))) i++;
      push('word', start, i);
    } else if (ch === '?' || ch === ':' || ch === '@' || ch === '$') {
      const start = i;
      i++;
      while (i < n && isWordPart(sql.charCodeAt(i))) i++;
      push('variable', start, i);
    } else {
      const start = i;
      i += TWO_CHAR_OPERATORS.has(sql.slice(i, i + 2)) ? (sql.slice(i, i + 3) === '->>' ? 3 : 2) : 1;
      push('punct', start, i);
    }
  }
  return tokens;
}

function skipQuoted(sql: string, openAt: number, quote: string): number {
  let i = openAt + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** The identifier a token names, without quotes (`"a""b"` → `a"b`, `[x]` → `x`). */
export function identifierText(token: Token): string {
  if (token.kind === 'quoted' || token.kind === 'string') {
    const open = token.text[0]!;
    if (open === '[') return token.text.slice(1, -1);
    return token.text.slice(1, -1).split(open + open).join(open);
  }
  return token.text;
}

export function isWord(token: Token | undefined, ...words: string[]): boolean {
  return token !== undefined && token.kind === 'word' && words.includes(token.text.toUpperCase());
}

/**
 * Splits the tokens between `from` (inclusive) and `to` (exclusive) at commas
 * outside parentheses. Returns index ranges into `tokens`.
 */
export function splitTopLevel(tokens: readonly Token[], from: number, to: number): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let depth = 0;
  let partStart = from;
  for (let i = from; i < to; i++) {
    const text = tokens[i]!.kind === 'punct' ? tokens[i]!.text : '';
    if (text === '(') depth++;
    else if (text === ')') depth--;
    else if (text === ',' && depth === 0) {
      parts.push([partStart, i]);
      partStart = i + 1;
    }
  }
  if (partStart < to) parts.push([partStart, to]);
  return parts;
}

/** Index of the `)` matching the `(` at `openAt`, or -1. */
export function matchingParen(tokens: readonly Token[], openAt: number): number {
  let depth = 0;
  for (let i = openAt; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind !== 'punct') continue;
    if (token.text === '(') depth++;
    else if (token.text === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}
