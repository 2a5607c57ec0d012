import { memoizeByText } from './memoize-by-text.js';
import { namesIn, normalizeSqlText } from './normalize-sql-text.js';
import { isWord, matchingParen, splitTopLevel, tokenize } from './tokenize.js';

export interface IndexParts {
  /** Normalised text of each indexed term, without ASC/DESC/COLLATE. */
  readonly columns: readonly string[];
  /** Normalised WHERE clause of a partial index, or null. */
  readonly where: string | null;
}

const memoized = memoizeByText((key: string) => {
  const split = key.indexOf('\u0000');
  return readIndexParts(key.slice(0, split), key.slice(split + 1).split('\u0000'));
});

/**
 * Finds the indexed terms and the WHERE clause of a `CREATE INDEX` statement SQLite has accepted
 * (memoised by text). `columnNames` are the table's: a double-quoted token naming none of them
 * is a string, as SQLite reads it.
 */
export function indexParts(createIndexSql: string, columnNames: readonly string[]): IndexParts {
  return memoized(`${createIndexSql}\u0000${columnNames.join('\u0000')}`);
}

function readIndexParts(createIndexSql: string, columnNames: readonly string[]): IndexParts {
  const isColumn = namesIn(columnNames);
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
    return normalizeSqlText(createIndexSql.slice(tokens[from]!.start, tokens[end - 1]!.end), isColumn);
  });
  const whereToken = tokens[close + 1];
  const where = isWord(whereToken, 'WHERE') ? normalizeSqlText(createIndexSql.slice(tokens[close + 2]?.start ?? createIndexSql.length), isColumn) : null;
  return { columns, where };
}
