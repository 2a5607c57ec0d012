import { describe, expect, it } from 'vitest';
import { declaredSchemaFromSql } from '../../src/declared/load-declared-schema.js';
import { DriftdError } from '../../src/errors/driftd-error.js';

/** A SQL syntax error in a declaration points at the line SQLite stopped on (issue 17 item 9). */
function errorOf(sql: string): DriftdError {
  try {
    declaredSchemaFromSql(sql, 'schema.sql');
  } catch (error) {
    if (error instanceof DriftdError) return error;
    throw error;
  }
  throw new Error('no error');
}

describe('SQL syntax errors name the faulty line', () => {
  it.each([
    ['a misspelt keyword on the third line of a statement', 'CREATE TABLE t (\n  a TEXT,\n  b INTEGER NOT NULL DEFAUL 0,\n  c TEXT\n);', 3, 'near "DEFAUL": syntax error in "b INTEGER NOT NULL DEFAUL 0,"'],
    ['a comma that was fine earlier and wrong later', 'CREATE TABLE ok (a, b);\n\nCREATE TABLE u (\n  a TEXT,\n  b TEXT,\n);', 6, 'near ")": syntax error in ");"'],
    ['an unterminated string', "CREATE TABLE u (\n  a TEXT,\n  b TEXT DEFAULT 'x\n);", 3, 'unrecognized token'],
    ['an error on the first line stays there', 'CREATE TABLE t (a TEXT DEFAULT DEFAULT);', 1, 'near "DEFAULT": syntax error'],
  ])('%s', (_what, sql, line, message) => {
    const error = errorOf(sql);
    expect(error.code).toBe('SCHEMA_SQL_ERROR');
    expect(error.message).toContain(`schema.sql:${line}: `);
    expect(error.message).toContain(message);
  });

  it('an error that is not a syntax error keeps the statement line', () => {
    const error = errorOf('CREATE TABLE t (a TEXT);\nCREATE INDEX i\n  ON nowhere (a);');
    expect(error.message).toMatch(/^schema\.sql:2: no such table: main\.nowhere/);
  });
});
