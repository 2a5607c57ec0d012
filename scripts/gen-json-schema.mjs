// Writes schemas/declared-schema.schema.json from the zod format (zod 4's toJSONSchema).
// A test fails when the committed file is stale: run `npm run gen:json-schema`.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { declaredJsonFormat } from '../dist/schema/declared-json-format.js';

export function declaredJsonSchemaText() {
  const schema = z.toJSONSchema(declaredJsonFormat, { target: 'draft-2020-12', io: 'input' });
  return `${JSON.stringify({ ...schema, title: 'driftd declared schema', $id: 'https://driftd.invalid/declared-schema.schema.json' }, null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL('../schemas/declared-schema.schema.json', import.meta.url), declaredJsonSchemaText());
}
