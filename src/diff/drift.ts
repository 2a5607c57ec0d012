import type { CheckConstraint, Column, Index, Table, Trigger, View } from '../schema/schema-model.js';

/**
 * One difference between the declared schema and the live database, as plain
 * readonly data discriminated on `kind`. `detail` is one human line saying what
 * differs; `declared`/`actual` give both sides as text where they apply.
 */
export type Drift =
  | { readonly kind: 'missing_table'; readonly table: string; readonly declaredTable: Table; readonly detail: string }
  | {
      readonly kind: 'missing_column';
      readonly table: string;
      readonly column: string;
      readonly declaredColumn: Column;
      readonly declaredTable: Table;
      readonly detail: string;
    }
  | { readonly kind: 'missing_index'; readonly table: string; readonly index: string; readonly declaredIndex: Index; readonly detail: string }
  | ColumnMismatch
  | TableMismatch
  | { readonly kind: 'missing_view'; readonly table: string; readonly view: string; readonly declaredView: View; readonly detail: string }
  | { readonly kind: 'missing_trigger'; readonly table: string; readonly trigger: string; readonly declaredTrigger: Trigger; readonly detail: string }
  | DefinitionMismatch
  | StaleFtsIndex
  | Rename
  | CheckDrift
  | VirtualTableMismatch;

/**
 * Renames. `renamed_table` / `renamed_column` / `renamed_index`: declared renamed from `from`, and
 * the database still has the old name only (repaired by ALTER TABLE … RENAME; an index, which SQLite
 * cannot rename, is created under its new name and the old one, of the same definition, dropped).
 * `rename_conflict`: declared renamed, but both names are present, or neither is, or the old index
 * differs — reported, never guessed. `possible_rename`: no intent declared, and the declared object
 * is missing while an undeclared one that could be it is present (`candidates`): adding it would
 * split the data between the two, so nothing is added until an annotation says which it is.
 * `table` is the declared table (for a table, the declared name).
 */
export type Rename =
  | { readonly kind: 'renamed_table'; readonly table: string; readonly from: string; readonly detail: string }
  | { readonly kind: 'renamed_column'; readonly table: string; readonly column: string; readonly from: string; readonly detail: string }
  | { readonly kind: 'renamed_index'; readonly table: string; readonly index: string; readonly from: string; readonly declaredIndex: Index; readonly detail: string }
  | {
      readonly kind: 'rename_conflict';
      readonly table: string;
      readonly object: 'table' | 'column' | 'index';
      readonly column?: string;
      readonly index?: string;
      readonly from: string;
      readonly why: 'both-present' | 'neither-present' | 'index-differs';
      readonly detail: string;
    }
  | {
      readonly kind: 'possible_rename';
      readonly table: string;
      readonly object: 'table' | 'column';
      readonly column?: string;
      readonly candidates: readonly string[];
      /** The declared table or column it replaces as missing (kept so the annotation `@new` adds exactly it). */
      readonly declaredTable: Table;
      readonly declaredColumn?: Column;
      readonly detail: string;
    };

/**
 * CHECK constraints, compared by meaning wherever they are written. `missing_check`: declared, not
 * in the database; `undeclared_check`: in the database, not declared (the database is stricter
 * than the application); `check_definition`: a constraint of the same name (or the only one on the
 * same column on both sides) with another expression.
 */
export type CheckDrift =
  | { readonly kind: 'missing_check'; readonly table: string; readonly column?: string; readonly declaredCheck: CheckConstraint; readonly declared: string; readonly actual: string; readonly detail: string }
  | { readonly kind: 'undeclared_check'; readonly table: string; readonly column?: string; readonly liveCheck: CheckConstraint; readonly declared: string; readonly actual: string; readonly detail: string }
  | {
      readonly kind: 'check_definition';
      readonly table: string;
      readonly column?: string;
      readonly declaredCheck: CheckConstraint;
      readonly liveCheck: CheckConstraint;
      readonly declared: string;
      readonly actual: string;
      readonly detail: string;
    };

/**
 * A virtual table present on both sides whose module or module arguments differ by meaning
 * (fts5 column list, `tokenize=…`, R*Tree columns, any module's arguments), or a name that is a
 * virtual table on one side and an ordinary table on the other. `declared`/`actual` show each
 * side as `module(arguments)`; `declaredSql`/`actualSql` are the two CREATE statements.
 */
export interface VirtualTableMismatch {
  readonly kind: 'virtual_table_definition';
  readonly table: string;
  readonly declared: string;
  readonly actual: string;
  readonly declaredSql: string;
  readonly actualSql: string;
  readonly detail: string;
}

/**
 * A view or trigger present on both sides with another definition (compared
 * by meaning). For a view `table` is the view's name; for a trigger, the table it fires on.
 */
export type DefinitionMismatch =
  | {
      readonly kind: 'view_definition';
      readonly table: string;
      readonly view: string;
      /** Both sides normalised (what the comparison saw). */
      readonly declared: string;
      readonly actual: string;
      /** The declared CREATE VIEW statement, for the statements an operator runs by hand. */
      readonly declaredSql: string;
      readonly detail: string;
    }
  | {
      readonly kind: 'trigger_definition';
      readonly table: string;
      readonly trigger: string;
      readonly declared: string;
      readonly actual: string;
      /** The declared CREATE TRIGGER statement. */
      readonly declaredSql: string;
      readonly detail: string;
    };

/**
 * An external-content FTS table (`table`) whose index misses rows of its content
 * table: its declared sync triggers are missing (rows written meanwhile never
 * reached the index, and re-creating the triggers does not put them there), or
 * the FTS table itself is missing (`indexMissing`: created again, it starts
 * empty). `rebuild` is the statement that fixes it (fts5.html#the_rebuild_command).
 */
export interface StaleFtsIndex {
  readonly kind: 'stale_fts_index';
  readonly table: string;
  readonly contentTable: string;
  /** The missing sync triggers that write into it (may be empty when `indexMissing`). */
  readonly triggers: readonly string[];
  readonly indexMissing: boolean;
  readonly rebuild: string;
  readonly detail: string;
}

/** A column present on both sides that differs in one property. */
export interface ColumnMismatch {
  readonly kind:
    | 'column_type'
    | 'column_not_null'
    | 'column_default'
    | 'column_primary_key'
    | 'column_collation'
    | 'column_generated';
  readonly table: string;
  readonly column: string;
  readonly declared: string;
  readonly actual: string;
  readonly detail: string;
}

/**
 * A table-level difference: an index, a UNIQUE constraint, a foreign key, a table option, or the
 * order of the columns (`column_order`: `declared`/`actual` list the declared columns in each
 * order, the actual one as it will read once `ADD COLUMN` has appended the missing ones).
 */
export interface TableMismatch {
  readonly kind: 'index_definition' | 'unique_constraint' | 'foreign_key' | 'table_option' | 'column_order';
  readonly table: string;
  readonly index?: string;
  readonly declared: string;
  readonly actual: string;
  /** index_definition: the declared CREATE INDEX statement (null for none written). */
  readonly declaredSql?: string | null;
  readonly detail: string;
}

export type DriftKind = Drift['kind'];

/** Objects the database has and the declaration does not: reported, never touched, never drift. */
export interface Extra {
  readonly kind: 'extra_table' | 'extra_column' | 'extra_index' | 'extra_view' | 'extra_trigger';
  /** The table, or for an extra view the view's name, or for an extra trigger the table it fires on. */
  readonly table: string;
  readonly column?: string;
  readonly index?: string;
  readonly view?: string;
  readonly trigger?: string;
  readonly detail: string;
}

export type ExtraKind = Extra['kind'];

/** Every extra kind, in report order; the object literal makes the compiler keep the list complete. */
export const EXTRA_KINDS = Object.keys({
  extra_table: true,
  extra_column: true,
  extra_index: true,
  extra_view: true,
  extra_trigger: true,
} satisfies Record<ExtraKind, true>) as readonly ExtraKind[];

/** A stable identity of a drift item, for matching before and after a repair. */
export function driftKey(drift: Drift): string {
  const column = 'column' in drift ? (drift.column ?? '') : '';
  const index = 'index' in drift ? (drift.index ?? '') : '';
  const object = 'view' in drift ? drift.view : 'trigger' in drift ? drift.trigger : '';
  const sides = 'declared' in drift ? `${drift.declared}|${drift.actual}` : '';
  const from = 'from' in drift ? drift.from.toLowerCase() : '';
  return [drift.kind, drift.table.toLowerCase(), column.toLowerCase(), index.toLowerCase(), object.toLowerCase(), sides, from].join('\u0000');
}
