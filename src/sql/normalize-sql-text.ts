import { identifierText, matchingParen, tokenize, type Token } from './tokenize.js';

/**
 * Whether a name (unquoted, as written) resolves to something in the statement's
 * context: a column of the table, a table or view the statement names, `rowid`.
 * Callers compare case-insensitively, as SQLite does for identifiers.
 */
export type IsIdentifier = (name: string) => boolean;

/**
 * Words after which a double-quoted token is always a name, never a value:
 * the object a statement creates or reads (`ON "t"`, `FROM "t"`, `INTO "t"`),
 * a collation, an alias or a CAST type (`AS "x"`).
 */
const NAME_AFTER = new Set(['ON', 'INTO', 'FROM', 'JOIN', 'UPDATE', 'TABLE', 'VIEW', 'TRIGGER', 'INDEX', 'COLLATE', 'AS', 'REFERENCES', 'OF']);

/**
 * A canonical spelling of SQL text, for comparing by meaning rather than by
 * spelling. Comments and white space differences vanish, keywords and
 * identifiers fold to lower case and lose their quotes where plain, and
 * parentheses enclosing the whole text are dropped (`(a > 0)` = `a > 0`).
 *
 * Double-quoted string literals: stock SQLite reads a double-quoted token that
 * does not resolve to a name as a string (quirks.html#dblquote). A `"x"` that
 * `isIdentifier` does not know — and that sits where a value can stand, not
 * after `.`, before `.` or `(`, or after a word of {@link NAME_AFTER} — is
 * rewritten as the string `'x'`, so `CHECK (s IN ("open"))` and
 * `CHECK (s IN ('open'))` agree. Backquoted and bracketed tokens are always
 * names. String literals themselves are kept exactly (case matters in them).
 * Numeric literals are spelled as the value SQLite reads (`0x10` = `16`, `1.0` = `1e0` = `1.`,
 * `1_000` = `1000`), and `==`/`<>` as `=`/`!=` (lang_expr.html: the same operators).
 */
export function normalizeSqlText(sql: string, isIdentifier: IsIdentifier): string {
  const tokens = tokenize(sql);
  let from = 0;
  let to = tokens.length;
  while (to - from >= 2 && isPunct(tokens[from], '(') && isPunct(tokens[to - 1], ')') && matchingParen(tokens.slice(0, to), from) === to - 1) {
    from++;
    to--;
  }
  const parts: string[] = [];
  for (let i = from; i < to; i++) {
    const token = tokens[i]!;
    switch (token.kind) {
      case 'word':
        parts.push(asciiLower(token.text));
        break;
      case 'quoted': {
        const name = identifierText(token);
        if (token.text[0] === '"' && !isNamePosition(tokens, i) && !isIdentifier(name)) parts.push(stringLiteral(name));
        else parts.push(identifierSpelling(name));
        break;
      }
      case 'blob':
        parts.push(asciiLower(token.text));
        break;
      case 'number':
        parts.push(numberSpelling(token.text));
        break;
      case 'punct':
        parts.push(token.text === '==' ? '=' : token.text === '<>' ? '!=' : token.text);
        break;
      case 'string':
      case 'variable':
        parts.push(token.text);
        break;
    }
  }
  return parts.join(' ');
}

/**
 * The same text with every double-quoted token that {@link normalizeSqlText}
 * would read as a string rewritten as a single-quoted literal, and nothing
 * else changed: SQL that means the same to an SQLite built without the
 * double-quoted-string compatibility (SQLITE_DQS=0).
 */
export function rewriteDoubleQuotedStrings(sql: string, isIdentifier: IsIdentifier): string {
  const tokens = tokenize(sql);
  let out = '';
  let copied = 0;
  tokens.forEach((token, i) => {
    if (token.kind !== 'quoted' || token.text[0] !== '"' || isNamePosition(tokens, i)) return;
    const name = identifierText(token);
    if (isIdentifier(name)) return;
    out += sql.slice(copied, token.start) + stringLiteral(name);
    copied = token.end;
  });
  return out + sql.slice(copied);
}

/** A case-insensitive {@link IsIdentifier} over a list of names (plus the rowid aliases every rowid table has). */
export function namesIn(names: Iterable<string>, options: { readonly rowid?: boolean } = {}): IsIdentifier {
  const set = new Set<string>();
  for (const name of names) set.add(asciiLower(name));
  if (options.rowid !== false) for (const alias of ['rowid', 'oid', '_rowid_']) set.add(alias);
  return (name) => set.has(asciiLower(name));
}

function isNamePosition(tokens: readonly Token[], i: number): boolean {
  const previous = tokens[i - 1];
  const next = tokens[i + 1];
  if (isPunct(previous, '.') || isPunct(next, '.') || isPunct(next, '(')) return true;
  return previous !== undefined && previous.kind === 'word' && NAME_AFTER.has(previous.text.toUpperCase());
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text;
}

function identifierSpelling(name: string): string {
  const folded = asciiLower(name);
  return /^[a-z_][a-z0-9_]*$/.test(folded) ? folded : `"${folded.split('"').join('""')}"`;
}

function stringLiteral(value: string): string {
  return `'${value.split("'").join("''")}'`;
}

/** SQLite folds identifier case for ASCII letters only (sqlite3StrICmp). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * A numeric literal as the value SQLite reads (lang_expr.html#literal_values): hexadecimal and
 * decimal integers as decimal integers, anything with a point or an exponent as a real (`1.0`).
 * An integer literal too large for 64 bits is a real in SQLite; it is kept as written.
 */
function numberSpelling(text: string): string {
  const plain = text.replace(/_/g, '');
  if (/^0x[0-9a-f]+$/i.test(plain)) return BigInt.asIntN(64, BigInt(plain)).toString();
  if (/^[0-9]+$/.test(plain)) {
    const value = BigInt(plain);
    return value <= 9223372036854775807n ? value.toString() : text;
  }
  const value = Number(plain);
  if (!Number.isFinite(value)) return text;
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? `${value}.0` : String(value);
}
