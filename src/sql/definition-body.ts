import { memoizeByText } from './memoize-by-text.js';
import { identifierText, isWord, matchingParen, tokenize, type Token } from './tokenize.js';

/** What a CREATE VIEW or CREATE TRIGGER says after its name, in pieces the diff and the planner need. */
export interface DefinitionParts {
  /**
   * The definition after the object's name, with the defaults a trigger may
   * leave out written in (`BEFORE`, no `FOR EACH ROW`): two statements that
   * differ only in name spelling, IF NOT EXISTS or a `main.` prefix have the
   * same body. Still raw text: compare it through normalizeSqlText.
   */
  readonly body: string;
  /** Every name the statement mentions after its own name, folded (ASCII lower case), unquoted. */
  readonly names: ReadonlySet<string>;
  /** Tables a trigger body writes (INSERT/REPLACE INTO, UPDATE, DELETE FROM), folded; empty for a view. */
  readonly writes: ReadonlySet<string>;
}

/** Reads a CREATE VIEW / CREATE TRIGGER statement as SQLite stored it. Pure and memoised by text. */
export const definitionParts: (createSql: string) => DefinitionParts = memoizeByText(readDefinitionParts);

function readDefinitionParts(sql: string): DefinitionParts {
  const tokens = tokenize(sql);
  let i = 0;
  if (isWord(tokens[i], 'CREATE')) i++;
  if (isWord(tokens[i], 'TEMP', 'TEMPORARY')) i++;
  const trigger = isWord(tokens[i], 'TRIGGER');
  i++;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) i += 3;
  i++; // the name
  if (isPunct(tokens[i], '.')) i += 2; // schema.name: the name follows the dot
  const rest = tokens.slice(i);
  const body = trigger ? triggerBody(sql, rest) : viewBody(sql, rest);
  const names = new Set<string>();
  for (const token of rest) if (token.kind === 'word' || token.kind === 'quoted') names.add(fold(identifierText(token)));
  return { body, names, writes: trigger ? writtenTables(rest) : new Set() };
}

/**
 * `[(column, …)] AS SELECT …`: the column list holds names only, written here
 * in backquotes, which are always names (a bare `"n"` there would read as a string to the normaliser).
 */
function viewBody(sql: string, tokens: readonly Token[]): string {
  if (tokens.length === 0) return '';
  if (!isPunct(tokens[0], '(')) return sql.slice(tokens[0]!.start);
  const close = matchingParen(tokens, 0);
  if (close === -1) return sql.slice(tokens[0]!.start);
  const columns = tokens.slice(1, close).filter((token) => token.kind === 'word' || token.kind === 'quoted');
  const list = columns.map((token) => `\`${identifierText(token).split('`').join('``')}\``).join(', ');
  return `(${list}) ${tokens[close + 1] === undefined ? '' : sql.slice(tokens[close + 1]!.start)}`;
}

/**
 * `[BEFORE|AFTER|INSTEAD OF] event ON table [FOR EACH ROW] [WHEN …] BEGIN … END`:
 * BEFORE is the default timing and FOR EACH ROW the only kind SQLite has
 * (lang_createtrigger.html), so both are spelled out / dropped here.
 */
function triggerBody(sql: string, tokens: readonly Token[]): string {
  const begin = tokens.findIndex((token) => isWord(token, 'BEGIN'));
  const headEnd = begin === -1 ? tokens.length : begin;
  const head: string[] = [];
  if (!isWord(tokens[0], 'BEFORE', 'AFTER', 'INSTEAD')) head.push('BEFORE');
  for (let i = 0; i < headEnd; i++) {
    if (isWord(tokens[i], 'FOR') && isWord(tokens[i + 1], 'EACH') && isWord(tokens[i + 2], 'ROW')) {
      i += 2;
      continue;
    }
    head.push(tokens[i]!.text);
  }
  return begin === -1 ? head.join(' ') : `${head.join(' ')} ${sql.slice(tokens[begin]!.start)}`;
}

/** Names after INSERT [OR …] INTO, REPLACE INTO, UPDATE [OR …] and DELETE FROM, inside BEGIN … END. */
function writtenTables(tokens: readonly Token[]): Set<string> {
  const written = new Set<string>();
  const begin = tokens.findIndex((token) => isWord(token, 'BEGIN'));
  for (let i = begin + 1; begin !== -1 && i < tokens.length; i++) {
    let at = -1;
    if (isWord(tokens[i], 'INTO') || (isWord(tokens[i], 'FROM') && isWord(tokens[i - 1], 'DELETE'))) at = i + 1;
    else if (isWord(tokens[i], 'UPDATE') && (isPunct(tokens[i - 1], ';') || isWord(tokens[i - 1], 'BEGIN'))) {
      at = i + 1;
      if (isWord(tokens[at], 'OR')) at += 2;
    }
    const name = tokens[at];
    if (at === -1 || name === undefined || !(name.kind === 'word' || name.kind === 'quoted')) continue;
    // `main.t`: the table is after the dot.
    const table = isPunct(tokens[at + 1], '.') ? tokens[at + 2] : name;
    if (table !== undefined) written.add(fold(identifierText(table)));
  }
  return written;
}

/**
 * The content table of an external-content FTS3/4/5 table (`content=…` option,
 * fts5.html#external_content_tables, fts3.html#_external_content_fts4_tables),
 * folded; null for any other table, and for a contentless one (`content=''`).
 */
export function ftsContentTable(createTableSql: string): string | null {
  // Every table of a check passes through here (fts-staleness.ts, diff-views-and-triggers.ts) and
  // almost none is FTS: a text that never spells the module's name is not one, without tokenising it.
  if (!FTS_MODULE_NAME.test(createTableSql)) return null;
  const tokens = tokenize(createTableSql);
  const using = tokens.findIndex((token) => isWord(token, 'USING'));
  if (using === -1 || !/^fts[345]$/i.test(tokens[using + 1]?.text ?? '')) return null;
  for (let i = using + 2; i < tokens.length - 2; i++) {
    if (isWord(tokens[i], 'CONTENT') && isPunct(tokens[i + 1], '=')) {
      const value = tokens[i + 2]!;
      const name = value.kind === 'word' || value.kind === 'quoted' || value.kind === 'string' ? identifierText(value) : '';
      return name === '' ? null : fold(name);
    }
  }
  return null;
}

/** The module names ftsContentTable reads, anywhere in a text (a token `fts3`/`fts4`/`fts5` contains this). */
const FTS_MODULE_NAME = /fts[345]/i;

function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text;
}

/** SQLite folds identifier case for ASCII letters only. */
function fold(name: string): string {
  return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
