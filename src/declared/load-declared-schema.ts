import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { openSqlite } from '../db/open-sqlite.js';
import { DriftdError } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import { declaredJsonFormat, declaredJsonToSql } from '../schema/declared-json-format.js';
import type { Schema } from '../schema/schema-model.js';
import { classifyStatement, isInternalTable, splitStatements } from './declaration-statements.js';

export interface DeclaredSchema {
  readonly schema: Schema;
  /** The file it came from, as given. */
  readonly path: string;
  /** sha256 of the file's bytes: the daemon skips reloading an unchanged file. */
  readonly contentHash: string;
}

/** Reads and validates a `.sql` or `.json` declaration. Throws `DriftdError` naming the file, and the table/column where known. */
export function loadDeclaredSchema(path: string): DeclaredSchema {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DriftdError('SCHEMA_NOT_FOUND', `schema file "${path}" does not exist`, { where: { file: path } });
    throw new DriftdError('SCHEMA_UNREADABLE', `schema file "${path}" cannot be read: ${(error as Error).message}`, { where: { file: path }, cause: error });
  }
  const contentHash = createHash('sha256').update(text).digest('hex');
  const extension = extname(path).toLowerCase();
  if (extension === '.sql') return { schema: declaredSchemaFromSql(text, path), path, contentHash };
  if (extension === '.json') return { schema: declaredSchemaFromJson(text, path), path, contentHash };
  throw new DriftdError('SCHEMA_UNSUPPORTED_FORMAT', `schema file "${path}" must end in .sql or .json`, { where: { file: path } });
}

/** Parses and validates the JSON form, then normalises it through SQLite like a `.sql` file. */
export function declaredSchemaFromJson(text: string, label: string): Schema {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DriftdError('SCHEMA_JSON_SYNTAX', `schema file "${label}" is not valid JSON: ${(error as Error).message}`, { where: { file: label } });
  }
  const parsed = declaredJsonFormat.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${describePath(issue.path)}: ${issue.message}`);
    throw new DriftdError('SCHEMA_JSON_INVALID', `schema file "${label}" is invalid: ${problems.join('; ')}`, {
      where: { file: label },
      hint: 'see schemas/declared-schema.schema.json for the format',
    });
  }
  return declaredSchemaFromSql(declaredJsonToSql(parsed.data), label);
}

const PATH_NOUNS: Readonly<Record<string, string>> = { tables: 'table', columns: 'column', indexes: 'index', views: 'view', triggers: 'trigger' };

/** `tables.fine_tuned_models.columns.model_name.type` → `table "fine_tuned_models" column "model_name" field "type"` */
function describePath(path: readonly PropertyKey[]): string {
  const parts: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const key = String(path[i]);
    const next = path[i + 1] === undefined ? undefined : String(path[i + 1]);
    const noun = PATH_NOUNS[key];
    if (noun !== undefined && next !== undefined) {
      parts.push(`${noun} "${next}"`);
      i++;
    } else {
      parts.push(`field "${key}"`);
    }
  }
  return parts.length > 0 ? parts.join(' ') : 'document';
}

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
    return schema;
  } finally {
    memory.close();
  }
}

function firstWords(statement: string): string {
  const oneLine = statement.replace(/\s+/g, ' ').trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}
