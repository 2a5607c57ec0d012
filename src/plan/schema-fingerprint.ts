import { createHash } from 'node:crypto';
import type { SqlConnection } from '../db/sql-connection.js';

/** Every schema object but SQLite's own (`sqlite_%`: sqlite_sequence, sqlite_stat1, automatic indexes), in a fixed order. */
const OBJECTS_SQL = "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name";

export interface SchemaObject {
  readonly type: string;
  readonly name: string;
  readonly tbl_name: string;
  readonly sql: string | null;
}

export function schemaObjects(db: SqlConnection): SchemaObject[] {
  return db.prepare(OBJECTS_SQL).all() as SchemaObject[];
}

/**
 * `sha256:<hex>` of the schema as SQLite stores it: every object's type, name, table and text,
 * rootpages left out (a rebuild moves them; VACUUM does too). Equal fingerprints mean the same
 * tables, indexes, views and triggers spelled the same; any schema change changes it.
 */
export function schemaFingerprint(db: SqlConnection): string {
  return fingerprintOf(schemaObjects(db));
}

export function fingerprintOf(objects: readonly SchemaObject[]): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(objects.map((o) => [o.type, o.name, o.tbl_name, o.sql]))).digest('hex')}`;
}
