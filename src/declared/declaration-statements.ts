import { isMigrationHistoryTable } from '../migrations/migration-tools.js';
import { identifierText, isWord, tokenize, type Token } from '../sql/tokenize.js';

export interface Statement {
  readonly text: string;
  /** 1-based line of its first token. */
  readonly line: number;
  readonly tokens: readonly Token[];
}

export type CreateKind = 'table' | 'virtual_table' | 'index' | 'view' | 'trigger';

/** What the loader does with one statement of a declaration. */
export type StatementAction =
  /** A CREATE statement for the main schema: executed in the private in-memory database. */
  | {
      readonly action: 'create';
      readonly kind: CreateKind;
      readonly name: string;
      /** The SQL to execute when it is not the statement's own text (a virtual table dumped by `.dump`). */
      readonly sql?: string;
    }
  /** Framing or an internal object that SQLite makes itself: not executed, not compared. */
  | { readonly action: 'skip'; readonly why: string }
  /**
   * Rows: `.dump` output rather than `.schema`. `table` is the target when it could be read; the
   * loader skips rows bound for a virtual table's shadow table (the index's own content, which
   * `.dump` prints even for an empty FTS table) and refuses the rest.
   */
  | { readonly action: 'data'; readonly verb: string; readonly table?: string }
  /** Anything else: ATTACH, DROP, temp objects, AS SELECT, other pragmas… */
  | { readonly action: 'forbidden' };

/**
 * The tables SQLite creates and fills itself: AUTOINCREMENT's counter and ANALYZE's statistics
 * (fileformat2.html#intschema). `.schema` prints them; declaring them means nothing.
 */
const INTERNAL_TABLES = new Set(['sqlite_sequence', 'sqlite_stat1', 'sqlite_stat2', 'sqlite_stat3', 'sqlite_stat4']);

export function isInternalTable(name: string): boolean {
  return INTERNAL_TABLES.has(name.toLowerCase());
}

/**
 * Decides what a statement of a declaration is. Accepted verbatim:
 * - `sqlite3 FILE .schema`: CREATE TABLE/VIRTUAL TABLE/INDEX/VIEW/TRIGGER, plus `sqlite_sequence`,
 *   `sqlite_stat1..4` and virtual tables' shadow tables, skipped (the caller skips shadow tables:
 *   only the database knows them, once their virtual table exists — `.schema` and `.dump` print
 *   a virtual table before its shadows);
 * - the schema part of `.dump`: `PRAGMA foreign_keys=OFF; BEGIN TRANSACTION; … COMMIT;`, its
 *   `PRAGMA writable_schema=ON/OFF` and `INSERT INTO sqlite_schema(…) VALUES('table',…,'CREATE VIRTUAL TABLE …')`
 *   (how `.dump` declares a virtual table), `ANALYZE sqlite_schema`, and the rows it writes into
 *   sqlite_sequence / sqlite_stat* and virtual tables' shadow tables (SQLite's bookkeeping, not the application's data);
 * - generators: `BEGIN;`/`COMMIT;` framing (Django sqlmigrate, drizzle-kit), the version rows a
 *   Rails structure.sql appends to its schema_migrations table (and any known migration tool's
 *   history table).
 * Every other INSERT/UPDATE/DELETE/REPLACE is `data`; everything else that is not a CREATE is `forbidden`.
 */
export function classifyStatement(tokens: readonly Token[]): StatementAction {
  const first = tokens[0];
  if (first === undefined) return { action: 'skip', why: 'empty' };
  if (isWord(first, 'CREATE')) return classifyCreate(tokens);
  if (isWord(first, 'BEGIN') && isFraming(tokens, 1, ['DEFERRED', 'IMMEDIATE', 'EXCLUSIVE'], ['TRANSACTION'])) return { action: 'skip', why: 'transaction framing' };
  if (isWord(first, 'COMMIT', 'END') && isFraming(tokens, 1, [], ['TRANSACTION'])) return { action: 'skip', why: 'transaction framing' };
  if (isWord(first, 'PRAGMA')) return classifyPragma(tokens);
  if (isWord(first, 'ANALYZE')) return { action: 'skip', why: 'statistics are SQLite\'s own' };
  if (isWord(first, 'INSERT', 'REPLACE', 'UPDATE', 'DELETE')) return classifyData(tokens);
  return { action: 'forbidden' };
}

/** `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION]`, `COMMIT|END [TRANSACTION]`: nothing else after. */
function isFraming(tokens: readonly Token[], from: number, modes: readonly string[], tail: readonly string[]): boolean {
  let i = from;
  if (modes.length > 0 && isWord(tokens[i], ...modes)) i++;
  if (isWord(tokens[i], ...tail)) i++;
  return i === tokens.length || (i === tokens.length - 1 && isPunct(tokens[i], ';'));
}

/** `.dump` writes `PRAGMA foreign_keys=OFF;` first and wraps virtual tables in `PRAGMA writable_schema=ON/OFF;`. */
function classifyPragma(tokens: readonly Token[]): StatementAction {
  const name = tokens[1];
  const rest = tokens.slice(2).filter((token) => !isPunct(token, ';'));
  const setsOnOff = rest.length === 2 && isPunct(rest[0], '=') && isWord(rest[1], 'ON', 'OFF', 'TRUE', 'FALSE', 'YES', 'NO');
  const numeric = rest.length === 2 && isPunct(rest[0], '=') && rest[1]!.kind === 'number';
  if (name !== undefined && name.kind === 'word' && (setsOnOff || numeric) && ['foreign_keys', 'writable_schema'].includes(name.text.toLowerCase())) {
    return { action: 'skip', why: '.dump framing' };
  }
  return { action: 'forbidden' };
}

function classifyData(tokens: readonly Token[]): StatementAction {
  const verb = tokens[0]!.text.toUpperCase();
  let i = 1;
  if (verb === 'INSERT' && isWord(tokens[i], 'OR')) i += 2;
  if (verb === 'INSERT' || verb === 'REPLACE') {
    if (!isWord(tokens[i], 'INTO')) return { action: 'data', verb };
    i++;
  } else if (verb === 'DELETE') {
    if (!isWord(tokens[i], 'FROM')) return { action: 'data', verb };
    i++;
  } else if (isWord(tokens[i], 'OR')) {
    i += 2;
  }
  const target = objectName(tokens, i);
  if (target === null) return { action: 'data', verb };
  const name = target.name.toLowerCase();
  if (target.schema !== null && target.schema !== 'main') return { action: 'data', verb };
  if (INTERNAL_TABLES.has(name)) return { action: 'skip', why: `${name} is SQLite's own bookkeeping` };
  if ((name === 'sqlite_schema' || name === 'sqlite_master') && verb === 'INSERT') {
    const virtual = dumpedVirtualTable(tokens, target.next);
    if (virtual !== null) return virtual;
    return { action: 'forbidden' };
  }
  if (verb === 'INSERT' && isMigrationHistoryTable(target.name)) return { action: 'skip', why: 'migration history rows' };
  return { action: 'data', verb, table: target.name };
}

/**
 * `.dump` declares a virtual table as `INSERT INTO sqlite_schema(type,name,tbl_name,rootpage,sql)
 * VALUES('table','f','f',0,'CREATE VIRTUAL TABLE f USING fts5(…)');` (under writable_schema).
 * Only that exact shape is read, and only its CREATE VIRTUAL TABLE text is executed.
 */
function dumpedVirtualTable(tokens: readonly Token[], from: number): StatementAction | null {
  const strings = tokens.slice(from).filter((token) => token.kind === 'string');
  const sqlToken = strings[strings.length - 1];
  if (sqlToken === undefined || strings.length < 2 || identifierText(strings[0]!).toLowerCase() !== 'table') return null;
  const sql = identifierText(sqlToken);
  const inner = splitStatements(sql);
  if (inner.length !== 1) return null;
  const action = classifyCreate(inner[0]!.tokens);
  return action.action === 'create' && action.kind === 'virtual_table' ? { ...action, sql: inner[0]!.text } : null;
}

/**
 * CREATE [UNIQUE] INDEX, CREATE [VIRTUAL] TABLE, CREATE VIEW, CREATE TRIGGER, in the main schema
 * only: a `temp.` object would never be compared, and `CREATE TABLE … AS SELECT` declares data.
 */
function classifyCreate(tokens: readonly Token[]): StatementAction {
  let i = 1;
  let kind: CreateKind | null = null;
  if (isWord(tokens[i], 'UNIQUE')) {
    i++;
    if (isWord(tokens[i], 'INDEX')) kind = 'index';
  } else if (isWord(tokens[i], 'INDEX')) kind = 'index';
  else if (isWord(tokens[i], 'VIRTUAL') && isWord(tokens[i + 1], 'TABLE')) {
    kind = 'virtual_table';
    i++;
  } else if (isWord(tokens[i], 'TABLE')) kind = 'table';
  else if (isWord(tokens[i], 'VIEW')) kind = 'view';
  else if (isWord(tokens[i], 'TRIGGER')) kind = 'trigger';
  if (kind === null) return { action: 'forbidden' };
  i++;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) i += 3;
  const target = objectName(tokens, i);
  // SQLite reports a missing name with its own words.
  if (target === null) return { action: 'create', kind, name: '' };
  if (target.schema !== null && target.schema !== 'main') return { action: 'forbidden' };
  if (kind === 'table' && isWord(tokens[target.next], 'AS')) return { action: 'forbidden' };
  return { action: 'create', kind, name: target.name };
}

/** `name` or `schema.name` at `tokens[i]`; `next` is the index after it. */
function objectName(tokens: readonly Token[], i: number): { schema: string | null; name: string; next: number } | null {
  const first = tokens[i];
  if (first === undefined || !isNameToken(first)) return null;
  if (isPunct(tokens[i + 1], '.') && tokens[i + 2] !== undefined && isNameToken(tokens[i + 2]!)) {
    return { schema: identifierText(first).toLowerCase(), name: identifierText(tokens[i + 2]!), next: i + 3 };
  }
  return { schema: null, name: identifierText(first), next: i + 1 };
}

function isNameToken(token: Token): boolean {
  return token.kind === 'word' || token.kind === 'quoted' || token.kind === 'string';
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'punct' && token.text === text;
}

/**
 * Splits a declaration into statements at top-level semicolons. A trigger body's statements
 * (`BEGIN … ; … END;`, with CASE … END inside) stay in their trigger. A `CREATE` word — which
 * SQLite never accepts inside another statement — also starts a new statement, so output without
 * semicolons (SQLAlchemy's `CreateTable`, blank-line separated) splits too.
 */
export function splitStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  const all = tokenize(text);
  // Line numbers are counted incrementally: recounting from the top per statement is quadratic.
  let line = 1;
  let counted = 0;
  const lineAt = (offset: number): number => {
    for (let i = text.indexOf('\n', counted); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    counted = offset;
    return line;
  };
  let start = -1;
  let isTrigger = false;
  let inBody = false;
  let caseDepth = 0;
  const close = (endToken: number, endOffset: number): void => {
    const tokens = all.slice(start, endToken);
    statements.push({ text: text.slice(all[start]!.start, endOffset), line: lineAt(all[start]!.start), tokens });
    start = -1;
  };
  for (let i = 0; i < all.length; i++) {
    const token = all[i]!;
    if (start === -1) {
      if (isPunct(token, ';')) continue;
      start = i;
      isTrigger = isWord(token, 'CREATE') && isTriggerHead(all, i);
      inBody = false;
      caseDepth = 0;
      continue;
    }
    if (isWord(token, 'CREATE')) {
      close(i, all[i - 1]!.end);
      i--;
      continue;
    }
    if (isTrigger) {
      if (!inBody && isWord(token, 'BEGIN')) inBody = true;
      else if (inBody && isWord(token, 'CASE')) caseDepth++;
      else if (inBody && isWord(token, 'END') && !isPunct(all[i - 1], '.')) {
        // END is also a valid column name (`SET end = …`, `new.end`): only END closing a CASE, or
        // END followed by `;` or the end of the text, is a keyword here.
        if (caseDepth > 0) caseDepth--;
        else if (all[i + 1] === undefined || isPunct(all[i + 1], ';')) inBody = false;
      }
      if (inBody) continue;
    }
    if (isPunct(token, ';')) close(i + 1, token.end);
  }
  if (start !== -1) close(all.length, text.length);
  return statements;
}

/** `CREATE [TEMP|TEMPORARY] TRIGGER` at `tokens[i]`. */
function isTriggerHead(tokens: readonly Token[], i: number): boolean {
  const next = isWord(tokens[i + 1], 'TEMP', 'TEMPORARY') ? i + 2 : i + 1;
  return isWord(tokens[next], 'TRIGGER');
}

