/**
 * The pure vocabulary of driftd: what a SQLite schema is, as plain readonly data.
 * Both the declared schema and the live database are read into this model by the
 * same introspection code, so diffing never compares two different readers.
 * Names are kept as SQLite reports them; comparisons use {@link nameKey}
 * because SQLite identifiers are case-insensitive (ASCII).
 */

/** SQLite storage classes, as `typeof()` reports them. */
export type StorageClass = 'null' | 'integer' | 'real' | 'text' | 'blob';

/** Column affinity, derived from the declared type by SQLite's rules (datatype3.html §3.1). */
export type Affinity = 'INTEGER' | 'TEXT' | 'BLOB' | 'REAL' | 'NUMERIC';

/**
 * A column default. Constant literals are evaluated by SQLite itself during
 * introspection, so `0`, `+0`, `0x0` compare equal and `'0'` does not.
 * Anything else (CURRENT_TIMESTAMP, a parenthesised expression) is kept as
 * normalised text.
 */
export type DefaultValue =
  | { readonly kind: 'literal'; readonly text: string; readonly storageClass: StorageClass; readonly quoted: string }
  | { readonly kind: 'current'; readonly text: string; readonly keyword: 'CURRENT_TIME' | 'CURRENT_DATE' | 'CURRENT_TIMESTAMP' }
  | { readonly kind: 'expression'; readonly text: string; readonly normalized: string };

/** `hidden` from pragma table_xinfo: 0 normal, 1 hidden (virtual tables), 2 generated VIRTUAL, 3 generated STORED. */
export type ColumnHidden = 0 | 1 | 2 | 3;

export interface Column {
  readonly name: string;
  /** Declared type as written, e.g. `VARCHAR(255)`; empty when none. */
  readonly type: string;
  readonly affinity: Affinity;
  readonly notNull: boolean;
  readonly default: DefaultValue | null;
  /** 1-based position in the primary key, 0 when not part of it. */
  readonly primaryKey: number;
  readonly hidden: ColumnHidden;
  /** Explicit COLLATE of the column definition, upper-cased; null when none (BINARY). */
  readonly collation: string | null;
  /** True when the column definition carries a CHECK constraint. */
  readonly hasCheck: boolean;
  /** True when the column definition has an inline UNIQUE. */
  readonly unique: boolean;
  /** True when the column definition has an inline REFERENCES clause. */
  readonly references: boolean;
  /** Normalised expression of a generated column (hidden 2 or 3); null otherwise or when unknown. */
  readonly generatedExpression: string | null;
  /** The column definition as written in CREATE TABLE (used verbatim for ADD COLUMN); null when unknown. */
  readonly definition: string | null;
  /** Declarations only: the name this column had before (`-- @renamed from=OLD`, `"renamedFrom"`). */
  readonly renamedFrom?: string;
  /** Declarations only: declared new (`-- @new`, `"new": true`), so an undeclared column beside it is no rename of it. */
  readonly declaredNew?: boolean;
}

/**
 * A CHECK constraint (lang_createtable.html#ckconst), read from the CREATE TABLE text. Compared by
 * `normalized`: where it is written (on a column or the table), its name, spacing, case, quoting and
 * literal spelling do not count.
 */
export interface CheckConstraint {
  /** `CONSTRAINT name` before it, or null. */
  readonly name: string | null;
  /** The expression between the parentheses, as written. */
  readonly expression: string;
  /** {@link normalizeSqlText} of the expression, with the table's columns as the names it knows. */
  readonly normalized: string;
  /** The column whose definition carries it, or null for a table constraint. */
  readonly column: string | null;
}

export interface IndexColumn {
  /** Column name, or null for an expression column (then `expression` holds it). */
  readonly name: string | null;
  readonly expression: string | null;
  readonly desc: boolean;
  /** Collating sequence, upper-cased (`BINARY` by default). */
  readonly collation: string;
}

/** Where an index comes from: `c` CREATE INDEX, `u` UNIQUE constraint, `pk` PRIMARY KEY constraint. */
export type IndexOrigin = 'c' | 'u' | 'pk';

export interface Index {
  readonly name: string;
  readonly table: string;
  readonly unique: boolean;
  readonly origin: IndexOrigin;
  readonly columns: readonly IndexColumn[];
  /** Normalised WHERE clause of a partial index, null when not partial. */
  readonly where: string | null;
  /** CREATE INDEX statement as written (null for automatic indexes). */
  readonly sql: string | null;
  /** Declarations only: the name this index had before (`-- @renamed from=OLD`, `"renamedFrom"`). */
  readonly renamedFrom?: string;
}

export interface ForeignKey {
  readonly columns: readonly string[];
  readonly referencedTable: string;
  /** Referenced columns; an implicit reference to the parent's primary key is resolved. */
  readonly referencedColumns: readonly string[];
  readonly onUpdate: string;
  readonly onDelete: string;
}

export interface Table {
  readonly name: string;
  readonly columns: readonly Column[];
  /** All indexes on the table, automatic ones included. */
  readonly indexes: readonly Index[];
  readonly foreignKeys: readonly ForeignKey[];
  readonly strict: boolean;
  readonly withoutRowid: boolean;
  /** True when the INTEGER PRIMARY KEY is declared AUTOINCREMENT. */
  readonly autoincrement: boolean;
  /** True when the primary key is an alias for the rowid (lang_createtable.html#rowid). */
  readonly rowidAlias: boolean;
  /** CHECK constraints of the table and its columns, in the order written. */
  readonly checks: readonly CheckConstraint[];
  /** CREATE TABLE statement as written. */
  readonly sql: string;
  /** Declarations only: the name this table had before (`-- @renamed from=OLD`, `"renamedFrom"`). */
  readonly renamedFrom?: string;
  /** Declarations only: declared new (`-- @new`), so an undeclared table of the same shape is no rename of it. */
  readonly declaredNew?: boolean;
}

/** A view (lang_createview.html). Its definition is compared by meaning: see the diff. */
export interface View {
  readonly name: string;
  /** CREATE VIEW statement as SQLite stored it (it drops IF NOT EXISTS and a schema prefix). */
  readonly sql: string;
}

/** A trigger (lang_createtrigger.html). */
export interface Trigger {
  readonly name: string;
  /** The table or view it fires on (sqlite_schema.tbl_name). */
  readonly table: string;
  /** CREATE TRIGGER statement as SQLite stored it. */
  readonly sql: string;
}

export interface Schema {
  /** Tables in creation order (sqlite_schema rowid order), `sqlite_%` internals excluded. */
  readonly tables: readonly Table[];
  /** Views in creation order: a view created later may read an earlier one, never the reverse. */
  readonly views: readonly View[];
  /** Triggers in creation order. */
  readonly triggers: readonly Trigger[];
  /**
   * Declarations only: some object carries a rename or `@new` annotation. The diff looks for
   * `renamedFrom` / `declaredNew` only then (it runs per column of every table on every check).
   */
  readonly annotated?: boolean;
}

/** The comparison key of an SQLite identifier: SQLite folds ASCII case only. */
export function nameKey(name: string): string {
  // Most names are already lower case: scan once and only rebuild when needed (it runs per name in diff).
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code >= 65 && code <= 90) return name.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
  }
  return name;
}

/** A case-insensitive lookup of named things (tables, columns, indexes) by {@link nameKey}; the first of a name wins. */
export function byNameKey<T extends { readonly name: string }>(items: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const key = nameKey(item.name);
    if (!map.has(key)) map.set(key, item);
  }
  return map;
}

/** Looks a table up by name, case-insensitively. */
export function findTable(schema: Schema, name: string): Table | undefined {
  const key = nameKey(name);
  return schema.tables.find((table) => nameKey(table.name) === key);
}

export function findColumn(table: Table, name: string): Column | undefined {
  const key = nameKey(name);
  return table.columns.find((column) => nameKey(column.name) === key);
}

/**
 * Column affinity by SQLite's five ordered rules (https://sqlite.org/datatype3.html#determination_of_column_affinity).
 */
export function affinityOf(declaredType: string): Affinity {
  // A schema repeats a handful of type names thousands of times: decide each once.
  let affinity = affinityByType.get(declaredType);
  if (affinity === undefined) {
    affinity = decideAffinity(declaredType);
    if (affinityByType.size < 10_000) affinityByType.set(declaredType, affinity);
  }
  return affinity;
}

const affinityByType = new Map<string, Affinity>();

function decideAffinity(declaredType: string): Affinity {
  const upper = declaredType.toUpperCase();
  if (upper.includes('INT')) return 'INTEGER';
  if (upper.includes('CHAR') || upper.includes('CLOB') || upper.includes('TEXT')) return 'TEXT';
  if (upper.includes('BLOB') || upper.trim() === '') return 'BLOB';
  if (upper.includes('REAL') || upper.includes('FLOA') || upper.includes('DOUB')) return 'REAL';
  return 'NUMERIC';
}
