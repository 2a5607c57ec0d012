import type { SqlConnection } from '../db/sql-connection.js';
import { diff } from '../diff/diff.js';
import { introspect } from '../introspect/introspect.js';
import { nameKey, type Schema } from '../schema/schema-model.js';
import { comesWithRebuild, type PlanStatement, type TableRebuild } from './plan-rebuild.js';

/**
 * The connection settings a rebuild needs, set outside any transaction (PRAGMA foreign_keys is a
 * no-op inside one: pragma.html#pragma_foreign_keys — the mistake of ariga/atlas#3317) and read back.
 * Returns the previous values, for {@link restoreConnection}.
 */
export function prepareConnection(db: SqlConnection): { foreignKeys: number; legacyAlterTable: number } {
  if (db.inTransaction) throw new Error('prepareConnection: a transaction is open, PRAGMA foreign_keys would do nothing');
  const before = { foreignKeys: pragmaValue(db, 'foreign_keys'), legacyAlterTable: pragmaValue(db, 'legacy_alter_table') };
  // Off: DROP TABLE of a parent would otherwise run its children's ON DELETE CASCADE (the drizzle-kit wipe).
  db.exec('PRAGMA foreign_keys = OFF');
  // On: RENAME then neither re-parses the views and triggers that name the table while it is briefly
  // absent (they would fail the rename) nor rewrites other tables' foreign keys (lang_altertable.html#altertabrename).
  db.exec('PRAGMA legacy_alter_table = ON');
  if (pragmaValue(db, 'foreign_keys') !== 0 || pragmaValue(db, 'legacy_alter_table') !== 1) {
    throw new Error('PRAGMA foreign_keys = OFF / legacy_alter_table = ON did not take effect on this connection');
  }
  return before;
}

export function restoreConnection(db: SqlConnection, before: { foreignKeys: number; legacyAlterTable: number }): void {
  if (db.inTransaction) return;
  db.exec(`PRAGMA foreign_keys = ${before.foreignKeys ? 'ON' : 'OFF'}`);
  db.exec(`PRAGMA legacy_alter_table = ${before.legacyAlterTable ? 'ON' : 'OFF'}`);
}

function pragmaValue(db: SqlConnection, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, number>;
  return Number(row[name]);
}

/** Runs one statement of a plan; a `sequence` step is bound to the counter read before the drop, and skipped without one. */
export function runStatement(db: SqlConnection, step: PlanStatement, sequence: bigint | null): void {
  if (step.role === 'sequence') {
    if (sequence !== null) db.prepare(step.sql).run({ seq: sequence });
    return;
  }
  db.exec(step.sql);
}

/** Drift items of the rebuilt tables that a rebuild was to remove and that are still there (or that it added). */
export function rebuildDriftLeft(declared: Schema, live: Schema, rebuilds: readonly TableRebuild[]): string[] {
  const tables = new Set(rebuilds.map((r) => nameKey(r.table)));
  return diff(declared, live)
    .drift.filter((item) => tables.has(nameKey(item.table)) && comesWithRebuild(item.kind))
    .map((item) => item.detail);
}

/** Introspects and compares (a separate export so apply and the plan-time dry run check the same thing). */
export function rebuildDriftLeftIn(db: SqlConnection, declared: Schema, rebuilds: readonly TableRebuild[]): string[] {
  return rebuildDriftLeft(declared, introspect(db), rebuilds);
}
