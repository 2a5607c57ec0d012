import Database from 'better-sqlite3';
import { DriftdError } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import type { Schema } from '../schema/schema-model.js';
import { identifierText, isWord, tokenize } from '../sql/tokenize.js';

const ALLOWED_STATEMENTS = 'CREATE TABLE, CREATE VIRTUAL TABLE and CREATE [UNIQUE] INDEX (main schema, no AS SELECT)';

/**
 * Executes the declaration in a private in-memory SQLite and introspects it
 * with the code that reads live files, so SQLite itself normalises every
 * spelling. Only CREATE TABLE/INDEX statements run: the file cannot ATTACH,
 * write files or change settings.
 */
export function declaredSchemaFromSql(text: string, label: string): Schema {
  const memory = new Database(':memory:');
  try {
    for (const statement of splitStatements(text)) {
      const tokens = tokenize(statement.text);
      const kind = statementKind(tokens);
      if (kind === null) {
        throw new DriftdError('SCHEMA_SQL_FORBIDDEN', `${label}:${statement.line}: only ${ALLOWED_STATEMENTS} statements are allowed, found "${firstWords(statement.text)}"`, {
          where: { file: label, line: statement.line },
          hint: 'driftd compares tables and indexes; keep views, triggers and data out of the schema file',
        });
      }
      try {
        memory.exec(statement.text);
      } catch (error) {
        throw new DriftdError('SCHEMA_SQL_ERROR', `${label}:${statement.line}: ${(error as Error).message} in "${firstWords(statement.text)}"`, {
          where: { file: label, line: statement.line },
          cause: error,
        });
      }
    }
    const schema = introspect(memory);
    if (schema.tables.length === 0) {
      throw new DriftdError('SCHEMA_EMPTY', `schema file "${label}" declares no table`, { where: { file: label } });
    }
    return schema;
  } finally {
    memory.close();
  }
}

/**
 * CREATE [UNIQUE] INDEX, CREATE [VIRTUAL] TABLE, in the main schema only: a `temp.` object would
 * never be compared, and `CREATE TABLE … AS SELECT` declares data, not a schema.
 */
function statementKind(tokens: ReturnType<typeof tokenize>): 'table' | 'index' | null {
  if (!isWord(tokens[0], 'CREATE')) return null;
  let i = 1;
  let kind: 'table' | 'index' | null = null;
  if (isWord(tokens[i], 'UNIQUE')) i++;
  if (isWord(tokens[i], 'INDEX')) kind = 'index';
  else if (i === 1 && isWord(tokens[1], 'VIRTUAL') && isWord(tokens[2], 'TABLE')) {
    kind = 'table';
    i = 2;
  } else if (i === 1 && isWord(tokens[1], 'TABLE')) kind = 'table';
  if (kind === null) return null;
  i++;
  if (isWord(tokens[i], 'IF') && isWord(tokens[i + 1], 'NOT') && isWord(tokens[i + 2], 'EXISTS')) i += 3;
  const name = tokens[i];
  if (name === undefined) return kind; // SQLite reports the syntax error with its own words.
  if (tokens[i + 1]?.kind === 'punct' && tokens[i + 1]!.text === '.') {
    if (identifierText(name).toLowerCase() !== 'main') return null;
    i += 2;
  }
  if (kind === 'table' && isWord(tokens[i + 1], 'AS')) return null;
  return kind;
}

interface Statement {
  readonly text: string;
  readonly line: number;
}

/** Splits at top-level semicolons (no triggers are allowed, so none nest). */
function splitStatements(text: string): Statement[] {
  const statements: Statement[] = [];
  let start: number | null = null;
  // Line numbers are counted incrementally: recounting from the top per statement is quadratic.
  let line = 1;
  let counted = 0;
  const lineAt = (offset: number): number => {
    for (let i = text.indexOf('\n', counted); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    counted = offset;
    return line;
  };
  for (const token of tokenize(text)) {
    if (token.kind === 'punct' && token.text === ';') {
      if (start !== null) statements.push({ text: text.slice(start, token.end), line: lineAt(start) });
      start = null;
    } else if (start === null) {
      start = token.start;
    }
  }
  if (start !== null) statements.push({ text: text.slice(start), line: lineAt(start) });
  return statements;
}

function firstWords(statement: string): string {
  const oneLine = statement.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}
