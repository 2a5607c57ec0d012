import { memoizeByText } from './memoize-by-text.js';
import { isWord, matchingParen, normalizeCondition, normalizeExpression, splitTopLevel, tokenize } from './tokenize.js';

export interface IndexParts {
  /** Normalised text of each indexed term, without ASC/DESC/COLLATE. */
  readonly columns: readonly string[];
  /** Normalised WHERE clause of a partial index, or null. */
  readonly where: string | null;
}

/** Finds the indexed terms and the WHERE clause of a `CREATE INDEX` statement SQLite has accepted (memoised by text). */
export const indexParts: (createIndexSql: string) => IndexParts = memoizeByText(readIndexParts);

function readIndexParts(createIndexSql: string): IndexParts {
  const tokens = tokenize(createIndexSql);
  const on = tokens.findIndex((token) => isWord(token, 'ON'));
  const open = tokens.findIndex((token, i) => i > on && token.kind === 'punct' && token.text === '(');
  const close = open === -1 ? -1 : matchingParen(tokens, open);
  if (on === -1 || close === -1) return { columns: [], where: null };
  const columns = splitTopLevel(tokens, open + 1, close).map(([from, to]) => {
    let end = to;
    // Strip trailing ordering and collation: they are reported by pragma index_xinfo.
    while (end > from && isWord(tokens[end - 1], 'ASC', 'DESC')) end--;
    if (end - 2 >= from && isWord(tokens[end - 2], 'COLLATE')) end -= 2;
    return normalizeExpression(createIndexSql.slice(tokens[from]!.start, tokens[end - 1]!.end));
  });
  const whereToken = tokens[close + 1];
  const where = isWord(whereToken, 'WHERE') ? normalizeCondition(createIndexSql.slice(tokens[close + 2]?.start ?? createIndexSql.length)) : null;
  return { columns, where };
}
