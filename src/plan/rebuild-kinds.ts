import type { DriftKind } from '../diff/drift.js';

/**
 * What `driftd plan` does with each drift kind, in one table the compiler keeps complete (a new
 * kind does not build until it has a row here):
 * - `rebuild`: SQLite's ALTER TABLE cannot change it in place; the table is rebuilt from the
 *   declaration by the 12-step procedure (lang_altertable.html#otheralter);
 * - `repair`: additive, `driftd repair` does it (a rebuild of the same table includes it anyway:
 *   a missing column is created with the new table);
 * - `none`: not a table's shape (a view, trigger or index definition, an FTS index's data): a
 *   plan leaves it to the operator, as the check reports.
 */
export const PLAN_ROLE = {
  missing_table: 'repair',
  missing_column: 'repair',
  missing_index: 'repair',
  missing_view: 'repair',
  missing_trigger: 'repair',
  renamed_table: 'repair',
  renamed_column: 'repair',
  renamed_index: 'repair',
  // A rename is declared, never guessed: annotate the declaration (docs/drift-kinds.md#renames).
  possible_rename: 'none',
  rename_conflict: 'none',
  // Added in place when no row violates it; a rebuild would meet the same rows.
  missing_check: 'repair',
  // Dropped in place when the constraint has a plain name; an unnamed one only goes with a rebuild.
  undeclared_check: 'rebuild',
  check_definition: 'rebuild',
  column_type: 'rebuild',
  column_not_null: 'rebuild',
  column_default: 'rebuild',
  column_primary_key: 'rebuild',
  column_collation: 'rebuild',
  column_generated: 'rebuild',
  column_order: 'rebuild',
  unique_constraint: 'rebuild',
  index_definition: 'none',
  foreign_key: 'rebuild',
  table_option: 'rebuild',
  virtual_table_definition: 'none',
  view_definition: 'none',
  trigger_definition: 'none',
  stale_fts_index: 'none',
} as const satisfies Record<DriftKind, 'rebuild' | 'repair' | 'none'>;

export type PlanRole = (typeof PLAN_ROLE)[DriftKind];

/** True when the kind needs a table rebuild, i.e. a reviewed plan (`driftd plan`, then `driftd apply`). */
export function needsRebuild(kind: DriftKind): boolean {
  return PLAN_ROLE[kind] === 'rebuild';
}
