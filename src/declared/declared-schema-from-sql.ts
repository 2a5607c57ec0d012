import { openSqlite } from '../db/open-sqlite.js';
import { DriftdError } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import { nameKey, type Schema } from '../schema/schema-model.js';
import { applyAnnotations, mayHaveAnnotations } from './declaration-annotations.js';
import { classifyStatement, isInternalTable, splitStatements, type Statement, type StatementAction } from './declaration-statements.js';
import { mergeShardSchemas, shardDeclaration, type CreateStatement } from './shard-declaration.js';
import { syntaxErrorLine } from './syntax-error-line.js';

const ALLOWED_STATEMENTS = 'CREATE TABLE, CREATE VIRTUAL TABLE, CREATE [UNIQUE] INDEX, CREATE VIEW and CREATE TRIGGER statements (main schema, no AS SELECT), and the framing of `.dump` and schema generators';

/**
 * Executes the declaration in a private in-memory SQLite and introspects it
 * with the code that reads live files, so SQLite itself normalises every
 * spelling. Accepts what `sqlite3 FILE .schema` prints, verbatim, the schema
 * part of `.dump` and generators' output (see {@link classifyStatement});
 * internal objects (sqlite_sequence, sqlite_stat*, virtual tables' shadow
 * tables) are skipped: SQLite makes them itself. Only CREATE statements run:
 * the file cannot ATTACH, write files, change settings or hold rows. `split: false` keeps a large
 * declaration in one database (tests compare the two).
 */
export function declaredSchemaFromSql(text: string, label: string, options: { readonly split?: boolean } = {}): Schema {
  const statements = splitStatements(text).map((statement) => ({ statement, action: classifyStatement(statement.tokens) }));
  const schema = compileDeclaration(statements, label, options);
  // `@renamed`/`@new` annotations sit in comments, which SQLite does not keep: attached from the text.
  return mayHaveAnnotations(text) ? applyAnnotations(schema, text, statements, label) : schema;
}

function compileDeclaration(
  statements: readonly { readonly statement: Statement; readonly action: StatementAction }[],
  label: string,
  options: { readonly split?: boolean },
): Schema {
  // A large declaration of nothing but CREATE statements runs split over several private
  // databases (shard-declaration.ts says why that means the same); anything it fails on runs
  // again in one, so every error is the one-database error.
  if (options.split !== false && statements.every(({ action }) => action.action === 'create' || action.action === 'skip')) {
    const creates = statements.flatMap(({ statement, action }) =>
      action.action === 'create' && !(action.kind === 'table' && isInternalTable(action.name)) ? [{ kind: action.kind, name: action.name, tokens: statement.tokens, sql: action.sql ?? statement.text }] : [],
    );
    const shards = shardDeclaration(creates);
    if (shards !== null) {
      const schema = inShards(shards, new Map(creates.map((create, position) => [nameKey(create.name), position])));
      if (schema !== null) return schema;
    }
  }
  return inOneDatabase(statements, label);
}

/** Each group in its own in-memory database; null when SQLite refuses a statement (the caller reruns it in one). */
function inShards(shards: readonly (CreateStatement & { readonly sql: string })[][], order: ReadonlyMap<string, number>): Schema | null {
  const parts: Schema[] = [];
  for (const shard of shards) {
    const memory = openSqlite(':memory:');
    try {
      for (const create of shard) memory.exec(create.sql);
      parts.push(introspect(memory));
    } catch {
      return null;
    } finally {
      memory.close();
    }
  }
  return mergeShardSchemas(parts, order);
}

function inOneDatabase(statements: readonly { readonly statement: Statement; readonly action: StatementAction }[], label: string): Schema {
  const memory = openSqlite(':memory:');
  try {
    const shadowType = memory.prepare(`SELECT type FROM pragma_table_list(?) WHERE schema = 'main'`).pluck();
    // Whatever SQLite reports as a shadow table (vtab.html#xshadowname), for any module: the virtual
    // table made it. A shadow table declared before its virtual table fails as in the stock shell.
    // Until a virtual table has been created there is none (one query per statement saved).
    let virtualTables = false;
    const isShadow = (name: string): boolean => virtualTables && shadowType.get(name) === 'shadow';
    for (const { statement, action } of statements) {
      switch (action.action) {
        case 'skip':
          continue;
        case 'data':
          if (action.table !== undefined && isShadow(action.table)) continue;
          throw new DriftdError('SCHEMA_SQL_FORBIDDEN', `${label}:${statement.line}: a declaration holds no rows, found ${action.verb} "${firstWords(statement.text)}"`, {
            where: { file: label, line: statement.line },
            hint: 'use `sqlite3 FILE .schema`, not `.dump`: the schema file declares tables, indexes, views and triggers, not data',
          });
        case 'forbidden':
          throw new DriftdError('SCHEMA_SQL_FORBIDDEN', `${label}:${statement.line}: only ${ALLOWED_STATEMENTS} are allowed, found "${firstWords(statement.text)}"`, {
            where: { file: label, line: statement.line },
            hint: 'keep ATTACH, DROP, ALTER, temp objects, settings and data out of the schema file',
          });
        case 'create':
          if (action.kind === 'table' && (isInternalTable(action.name) || isShadow(action.name))) continue;
          try {
            memory.exec(action.sql ?? statement.text);
            if (action.kind === 'virtual_table') virtualTables = true;
          } catch (error) {
            const message = (error as Error).message;
            // A syntax error points at the line SQLite stopped on, not the statement's first line.
            const line = syntaxErrorLine(statement, message, (sql) => void memory.prepare(sql)) ?? statement.line;
            const source = line === statement.line ? firstWords(statement.text) : lineOf(statement.text, line - statement.line);
            throw new DriftdError('SCHEMA_SQL_ERROR', `${label}:${line}: ${message} in "${source}"`, {
              where: { file: label, line },
              cause: error,
            });
          }
          continue;
        default:
          throw new Error(`unhandled statement action ${(action satisfies never) as string}`);
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

function firstWords(statement: string): string {
  const oneLine = statement.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

/** Line `offset` (0-based) of a statement's text, trimmed and cut short like firstWords. */
function lineOf(text: string, offset: number): string {
  const line = (text.split('\n')[offset] ?? '').trim();
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
