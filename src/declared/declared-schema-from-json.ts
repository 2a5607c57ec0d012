import { DriftdError } from '../errors/driftd-error.js';
import { jsonSyntaxMessage } from '../errors/json-syntax.js';
import { declaredJsonFormat, declaredJsonToSql } from '../schema/declared-json-format.js';
import type { Schema } from '../schema/schema-model.js';
import { declaredSchemaFromSql } from './declared-schema-from-sql.js';

// zod (the JSON declaration format) lives only behind this module, so `driftd check --schema x.sql`
// never loads it (see load-declared-schema-on-demand.ts).

/** Parses and validates the JSON form, then normalises it through SQLite like a `.sql` file. */
export function declaredSchemaFromJson(text: string, label: string): Schema {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DriftdError('SCHEMA_JSON_SYNTAX', `schema file "${label}" is not valid JSON at ${jsonSyntaxMessage(text, error)}`, { where: { file: label } });
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

