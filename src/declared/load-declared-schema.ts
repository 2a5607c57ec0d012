import { createHash } from 'node:crypto';
import { declaredSchemaFromJson } from './declared-schema-from-json.js';
import { declaredSchemaFromSql } from './declared-schema-from-sql.js';
import { readDeclaration, type DeclaredSchema } from './read-declaration.js';

export type { DeclaredSchema } from './read-declaration.js';
export { declaredSchemaFromJson } from './declared-schema-from-json.js';
export { declaredSchemaFromSql } from './declared-schema-from-sql.js';

/** Reads and validates a `.sql` or `.json` declaration. Throws `DriftdError` naming the file, and the table/column where known. */
export function loadDeclaredSchema(path: string): DeclaredSchema {
  const declaration = readDeclaration(path);
  const schema = declaration.format === 'sql' ? declaredSchemaFromSql(declaration.text, path) : declaredSchemaFromJson(declaration.text, path);
  return { schema, path, contentHash: createHash('sha256').update(declaration.text).digest('hex') };
}
