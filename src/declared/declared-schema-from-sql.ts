import { openSqlite } from '../db/open-sqlite.js';
import { DriftdError } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import type { Schema } from '../schema/schema-model.js';
import { applyAnnotations, mayHaveAnnotations } from './declaration-annotations.js';
import { classifyStatement, isInternalTable, splitStatements } from './declaration-statements.js';

const ALLOWED_STATEMENTS = 'CREATE TABLE, CREATE VIRTUAL TABLE, CREATE [UNIQUE] INDEX, CREATE VIEW and CREATE TRIGGER statements (main schema, no AS SELECT), and the framing of `.dump` and schema generators';

/**
 * Executes the declaration in a private in-memory SQLite and introspects it
 * with the code that reads live files, so SQLite itself normalises every
 * spelling. Accepts what `sqlite3 FILE .schema` prints, verbatim, the schema
 * part of `.dump` and generators' output (see {@link classifyStatement});
 * internal objects (sqlite_sequence, sqlite_stat*, virtual tables' shadow
 * tables) are skipped: SQLite makes them itself. Only CREATE statements run:
 * the file cannot ATTACH, write files, change settings or hold rows.
 */
export function declaredSchemaFromSql(text: string, label: string): Schema {
  const statements = splitStatements(text).map((statement) => ({ statement, action: classifyStatement(statement.tokens) }));
  const memory = openSqlite(':memory:');
  try {
    const shadowType = memory.prepare(`SELECT type FROM pragma_table_list(?) WHERE schema = 'main'`).pluck();
    // Whatever SQLite reports as a shadow table (vtab.html#xshadowname), for any module: the virtual
    // table made it. A shadow table declared before its virtual table fails as in the stock shell.
    const isShadow = (name: string): boolean => shadowType.get(name) === 'shadow';
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
          } catch (error) {
            throw new DriftdError('SCHEMA_SQL_ERROR', `${label}:${statement.line}: ${(error as Error).message} in "${firstWords(statement.text)}"`, {
              where: { file: label, line: statement.line },
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
    return mayHaveAnnotations(text) ? applyAnnotations(schema, text, statements, label) : schema;
  } finally {
    memory.close();
  }
}

function firstWords(statement: string): string {
  const oneLine = statement.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}
