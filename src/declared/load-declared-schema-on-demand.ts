import { declaredSchemaFromSql } from './declared-schema-from-sql.js';
import type { Schema } from '../schema/schema-model.js';
import { readDeclaration } from './read-declaration.js';

/**
 * `loadDeclaredSchema` for one-shot commands: the JSON format's module (and zod with it) is
 * imported only when the file is `.json`, so `driftd check --schema x.sql` starts without it; and
 * no content hash (only the daemon needs one, and node:crypto costs start-up time).
 */
export async function loadDeclaredSchemaOnDemand(path: string): Promise<{ readonly schema: Schema; readonly path: string }> {
  const declaration = readDeclaration(path);
  const schema =
    declaration.format === 'sql'
      ? declaredSchemaFromSql(declaration.text, path)
      : (await import('./declared-schema-from-json.js')).declaredSchemaFromJson(declaration.text, path);
  return { schema, path };
}
