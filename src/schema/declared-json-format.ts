import { z } from 'zod';
import { quoteIdentifier } from '../sql/quote.js';

/**
 * The declarative JSON form of a schema. It is turned into CREATE statements
 * and then goes through exactly the same path as a `.sql` declaration
 * (executed in an in-memory SQLite and introspected), so both forms mean the
 * same thing by construction. Published as `schemas/declared-schema.schema.json`.
 */

// A declared type is what SQLite accepts as a type name: words, optionally with (n) or (n, m).
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_]*( [A-Za-z_][A-Za-z0-9_]*)*(\s*\(\s*[+-]?\d+\s*(,\s*[+-]?\d+\s*)?\))?$/;
const IDENTIFIER = z.string().min(1).max(128).refine((name) => !name.includes('\u0000'), 'identifiers cannot contain NUL');
// A former name travels to the loader as a `-- @renamed from="…"` comment: one line.
const FORMER_NAME = IDENTIFIER.refine((name) => !/[\r\n]/.test(name), 'a former name cannot contain a line break').describe(
  'the name it had before: driftd renames it in place (ALTER TABLE … RENAME) instead of adding a new, empty one',
);
const NEW = z.boolean().optional().describe('declared new: an undeclared object beside it is not a rename of it, so driftd adds it');
const ACTION = z.enum(['NO ACTION', 'RESTRICT', 'SET NULL', 'SET DEFAULT', 'CASCADE']);

const defaultValue = z.union([
  z.string().describe('a text literal, stored as written'),
  z.number().describe('a numeric literal'),
  z.boolean().describe('stored as 1 or 0'),
  z.null(),
  z.strictObject({ expression: z.string().min(1).describe('raw SQL, e.g. CURRENT_TIMESTAMP or (1+1)') }),
]);

const column = z.strictObject({
  type: z.string().regex(TYPE_NAME, 'expected an SQLite type name such as TEXT, INTEGER or VARCHAR(255)').optional().describe('declared type; omitted means no type (BLOB affinity)'),
  notNull: z.boolean().optional(),
  default: defaultValue.optional(),
  primaryKey: z.boolean().optional().describe('single-column PRIMARY KEY; use the table-level primaryKey for a composite key'),
  autoincrement: z.boolean().optional().describe('only with primaryKey on an INTEGER column'),
  unique: z.boolean().optional(),
  collate: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  check: z.string().min(1).optional().describe('a CHECK expression, without the CHECK keyword'),
  references: z
    .strictObject({ table: IDENTIFIER, column: IDENTIFIER.optional(), onDelete: ACTION.optional(), onUpdate: ACTION.optional() })
    .optional(),
  generated: z.strictObject({ expression: z.string().min(1), stored: z.boolean().optional() }).optional(),
  renamedFrom: FORMER_NAME.optional(),
  new: NEW,
});

const index = z.strictObject({
  columns: z.array(IDENTIFIER).min(1),
  unique: z.boolean().optional(),
  where: z.string().min(1).optional().describe('WHERE clause of a partial index, without the WHERE keyword'),
  renamedFrom: FORMER_NAME.optional(),
});

const table = z.strictObject({
  columns: z.record(IDENTIFIER, column).refine((columns) => Object.keys(columns).length > 0, 'a table needs at least one column'),
  primaryKey: z.array(IDENTIFIER).min(1).optional().describe('composite PRIMARY KEY'),
  unique: z.array(z.array(IDENTIFIER).min(1)).optional().describe('table-level UNIQUE constraints'),
  indexes: z.record(IDENTIFIER, index).optional(),
  strict: z.boolean().optional(),
  withoutRowid: z.boolean().optional(),
  renamedFrom: FORMER_NAME.optional(),
  new: NEW,
});

const view = z.strictObject({
  columns: z.array(IDENTIFIER).min(1).optional().describe('names of the view\'s columns, in order; omitted means the names the SELECT gives'),
  select: z.string().min(1).describe('the SELECT statement the view shows, without a trailing semicolon'),
});

const trigger = z.strictObject({
  on: IDENTIFIER.describe('the table (or, with INSTEAD OF, the view) it fires on'),
  timing: z.enum(['BEFORE', 'AFTER', 'INSTEAD OF']).optional().describe('omitted means BEFORE, as in SQLite'),
  event: z.enum(['INSERT', 'UPDATE', 'DELETE']),
  columns: z.array(IDENTIFIER).min(1).optional().describe('UPDATE OF these columns only'),
  when: z.string().min(1).optional().describe('WHEN condition, without the WHEN keyword'),
  statements: z.array(z.string().min(1)).min(1).describe('the statements between BEGIN and END, one per item'),
});

export const declaredJsonFormat = z
  .strictObject({
    $schema: z.string().optional(),
    tables: z.record(IDENTIFIER, table).refine((tables) => Object.keys(tables).length > 0, 'declare at least one table'),
    views: z.record(IDENTIFIER, view).optional().describe('created after every table, in the order written: a view may read the views before it'),
    triggers: z.record(IDENTIFIER, trigger).optional().describe('created after every table and view'),
  })
  .superRefine((doc, context) => {
    for (const [name, triggerDoc] of Object.entries(doc.triggers ?? {})) {
      if (triggerDoc.columns && triggerDoc.event !== 'UPDATE') {
        context.addIssue({ code: 'custom', path: ['triggers', name, 'columns'], message: 'columns (UPDATE OF) only go with event UPDATE' });
      }
    }
  });

export type DeclaredJson = z.infer<typeof declaredJsonFormat>;
type DeclaredColumnJson = z.infer<typeof column>;

/** CREATE TABLE, INDEX, VIEW and TRIGGER statements for a validated JSON declaration, identifiers quoted. */
export function declaredJsonToSql(doc: DeclaredJson): string {
  const statements: string[] = [];
  for (const [tableName, tableDoc] of Object.entries(doc.tables)) {
    const parts: Array<{ sql: string; comment: string }> = Object.entries(tableDoc.columns).map(([name, columnDoc]) => ({ sql: columnSql(name, columnDoc), comment: annotation(columnDoc) }));
    if (tableDoc.primaryKey) parts.push({ sql: `PRIMARY KEY (${tableDoc.primaryKey.map(quoteIdentifier).join(', ')})`, comment: '' });
    for (const unique of tableDoc.unique ?? []) parts.push({ sql: `UNIQUE (${unique.map(quoteIdentifier).join(', ')})`, comment: '' });
    const options = [tableDoc.withoutRowid ? 'WITHOUT ROWID' : '', tableDoc.strict ? 'STRICT' : ''].filter(Boolean).join(', ');
    // Annotations are comments on the object's own line, as in a `.sql` declaration (after the comma, which ends the definition).
    const body = parts.map((part, i) => `${part.sql}${i < parts.length - 1 ? ',' : ''}${part.comment}`).join('\n  ');
    statements.push(`CREATE TABLE ${quoteIdentifier(tableName)} (${annotation(tableDoc)}\n  ${body}\n)${options ? ` ${options}` : ''};`);
    for (const [indexName, indexDoc] of Object.entries(tableDoc.indexes ?? {})) {
      statements.push(
        `CREATE ${indexDoc.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdentifier(indexName)} ON ${quoteIdentifier(tableName)} (${indexDoc.columns.map(quoteIdentifier).join(', ')})${indexDoc.where ? ` WHERE ${indexDoc.where}` : ''};${annotation(indexDoc)}`,
      );
    }
  }
  for (const [viewName, viewDoc] of Object.entries(doc.views ?? {})) {
    const columns = viewDoc.columns ? ` (${viewDoc.columns.map(quoteIdentifier).join(', ')})` : '';
    statements.push(`CREATE VIEW ${quoteIdentifier(viewName)}${columns} AS ${withoutSemicolon(viewDoc.select)};`);
  }
  for (const [triggerName, triggerDoc] of Object.entries(doc.triggers ?? {})) {
    const event = triggerDoc.columns ? `UPDATE OF ${triggerDoc.columns.map(quoteIdentifier).join(', ')}` : triggerDoc.event;
    const when = triggerDoc.when ? ` WHEN ${triggerDoc.when}` : '';
    const body = triggerDoc.statements.map((statement) => `  ${withoutSemicolon(statement)};`).join('\n');
    statements.push(`CREATE TRIGGER ${quoteIdentifier(triggerName)} ${triggerDoc.timing ?? 'BEFORE'} ${event} ON ${quoteIdentifier(triggerDoc.on)}${when}\nBEGIN\n${body}\nEND;`);
  }
  return statements.join('\n');
}

/** ` -- @renamed from="old"` or ` -- @new` for an object that declares one, else nothing. */
function annotation(doc: { readonly renamedFrom?: string | undefined; readonly new?: boolean | undefined }): string {
  if (doc.renamedFrom !== undefined) return ` -- @renamed from=${quoteIdentifier(doc.renamedFrom)}`;
  return doc.new === true ? ' -- @new' : '';
}

function withoutSemicolon(sql: string): string {
  return sql.trim().replace(/;+$/, '').trimEnd();
}

function columnSql(name: string, doc: DeclaredColumnJson): string {
  const parts = [quoteIdentifier(name)];
  if (doc.type) parts.push(doc.type);
  if (doc.primaryKey) parts.push(doc.autoincrement ? 'PRIMARY KEY AUTOINCREMENT' : 'PRIMARY KEY');
  if (doc.notNull) parts.push('NOT NULL');
  if (doc.unique) parts.push('UNIQUE');
  if (doc.default !== undefined) parts.push(`DEFAULT ${defaultSql(doc.default)}`);
  if (doc.collate) parts.push(`COLLATE ${doc.collate}`);
  if (doc.check) parts.push(`CHECK (${doc.check})`);
  if (doc.references) {
    const ref = doc.references;
    parts.push(`REFERENCES ${quoteIdentifier(ref.table)}${ref.column ? ` (${quoteIdentifier(ref.column)})` : ''}`);
    if (ref.onDelete) parts.push(`ON DELETE ${ref.onDelete}`);
    if (ref.onUpdate) parts.push(`ON UPDATE ${ref.onUpdate}`);
  }
  if (doc.generated) parts.push(`GENERATED ALWAYS AS (${doc.generated.expression}) ${doc.generated.stored ? 'STORED' : 'VIRTUAL'}`);
  return parts.join(' ');
}

function defaultSql(value: Exclude<DeclaredColumnJson['default'], undefined>): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.split("'").join("''")}'`;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`default ${value} is not a finite number`);
    return String(value);
  }
  return value.expression;
}
