import { loadDeclaredSchemaOnDemand } from '../declared/load-declared-schema-on-demand.js';
import { declaredSchemaFromSql } from '../declared/declared-schema-from-sql.js';
import { DriftdError } from '../errors/driftd-error.js';
import type { Schema } from '../schema/schema-model.js';

/**
 * A declaration: the path of a `.sql` or `.json` file, SQL text (what `sqlite3 FILE .schema`
 * prints, or a generator's output), or the JSON declaration format as an object or its text
 * (docs/declaring-schemas.md). `label` names it in errors (default: "schema").
 */
export type SchemaSource = string | { readonly sql: string; readonly label?: string } | { readonly json: unknown; readonly label?: string };

/** The declared schema, compiled in a private in-memory SQLite (never on the caller's connection). */
export async function declaredSchemaOf(source: SchemaSource): Promise<Schema> {
  if (typeof source === 'string') return (await loadDeclaredSchemaOnDemand(source)).schema;
  if (typeof source === 'object' && source !== null) {
    const label = 'label' in source && typeof source.label === 'string' ? source.label : 'schema';
    if ('sql' in source && typeof source.sql === 'string') return declaredSchemaFromSql(source.sql, label);
    if ('json' in source && source.json !== undefined) {
      const text = typeof source.json === 'string' ? source.json : JSON.stringify(source.json);
      return (await import('../declared/declared-schema-from-json.js')).declaredSchemaFromJson(text, label);
    }
  }
  throw new DriftdError('OPTIONS_INVALID', '`schema` must be the path of a .sql or .json declaration, { sql: text } or { json: declaration }', {
    where: { option: 'schema' },
    hint: "e.g. schema: 'schemas/app.sql', or schema: { sql: 'CREATE TABLE …' }",
  });
}
