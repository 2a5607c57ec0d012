import { memoizeByText } from './memoize-by-text.js';
import { identifierText, isWord, matchingParen, splitTopLevel, tokenize, type Token } from './tokenize.js';

/**
 * What `CREATE VIRTUAL TABLE name USING module(arguments)` says, read by meaning
 * (lang_createvtab.html): SQLite hands each comma-separated argument to the module as
 * text, so it is the module that decides what they mean. What every module shares is
 * read here — the module name (case-insensitive, sqlite3_create_module), the
 * arguments in order, and `key = value` options (fts3/4/5: `tokenize`, `content`,
 * `prefix`…), whose order does not matter and whose value is the same whether
 * written bare, `'quoted'` or `"quoted"` (fts5.html#fts5_table_creation_and_initialization).
 */
export interface VirtualTableArguments {
  /** The module, folded to lower case (`fts5`, `rtree`, …). */
  readonly module: string;
  /** Arguments that are not `key = value` options, in order, normalised (`title`, `body unindexed`). */
  readonly positional: readonly string[];
  /** `key = value` options, keys folded, values unquoted, sorted by key. */
  readonly options: ReadonlyArray<readonly [key: string, value: string]>;
}

/** Reads a CREATE VIRTUAL TABLE statement as SQLite stored it; null when the text is not one. Pure, memoised. */
export const virtualTableArguments: (createSql: string) => VirtualTableArguments | null = memoizeByText(readVirtualTableArguments);

/** True when the statement creates a virtual table. */
export function isVirtualTableSql(sql: string): boolean {
  return VIRTUAL_TABLE.test(sql);
}

const VIRTUAL_TABLE = /^\s*CREATE\s+VIRTUAL\s/i;

function readVirtualTableArguments(sql: string): VirtualTableArguments | null {
  if (!isVirtualTableSql(sql)) return null;
  const tokens = tokenize(sql);
  const using = tokens.findIndex((token) => isWord(token, 'USING'));
  const moduleToken = tokens[using + 1];
  if (using === -1 || moduleToken === undefined) return null;
  const module = fold(identifierText(moduleToken));
  const open = using + 2;
  if (tokens[open]?.kind !== 'punct' || tokens[open]!.text !== '(') return { module, positional: [], options: [] };
  const close = matchingParen(tokens, open);
  if (close === -1) return { module, positional: [], options: [] };
  const positional: string[] = [];
  const options = new Map<string, string>();
  for (const [from, to] of splitTopLevel(tokens, open + 1, close)) {
    const part = tokens.slice(from, to);
    if (part.length === 0) continue;
    const option = asOption(part);
    if (option !== null) options.set(option[0], option[1]);
    else positional.push(part.map(tokenMeaning).join(' '));
  }
  return { module, positional, options: [...options].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) };
}

/** `key = value` with a one-token value (word, number, string or quoted name): the value unquoted, as fts5 reads it. */
function asOption(part: readonly Token[]): readonly [string, string] | null {
  if (part.length < 3 || part[1]!.kind !== 'punct' || part[1]!.text !== '=') return null;
  const key = part[0]!;
  if (key.kind !== 'word' && key.kind !== 'quoted') return null;
  const valueTokens = part.slice(2);
  const value = valueTokens.length === 1 && valueTokens[0]!.kind !== 'punct' ? identifierText(valueTokens[0]!) : valueTokens.map(tokenMeaning).join(' ');
  return [fold(identifierText(key)), value];
}

/** Names and keywords fold (SQLite folds ASCII case); strings and numbers keep their text. */
function tokenMeaning(token: Token): string {
  switch (token.kind) {
    case 'word':
    case 'quoted':
      return fold(identifierText(token));
    default:
      return token.text;
  }
}

/** How an item shows one side: `fts5(title, body, tokenize='porter unicode61')`. */
export function virtualTableText(args: VirtualTableArguments): string {
  const options = args.options.map(([key, value]) => `${key}='${value.split("'").join("''")}'`);
  return `${args.module}(${[...args.positional, ...options].join(', ')})`;
}

/** The column names of a full-text or R*Tree table, from its positional arguments (their first word). */
export function virtualTableColumns(args: VirtualTableArguments): readonly string[] | null {
  if (!/^(fts[345]|rtree(_i32)?|geopoly)$/.test(args.module)) return null;
  return args.positional.map((argument) => argument.split(' ')[0]!.replace(/^\+/, ''));
}

function fold(text: string): string {
  return text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
