import type { SqlConnection } from '../db/sql-connection.js';
import { affinityOf, findColumn, findTable, nameKey, type Schema, type Table } from '../schema/schema-model.js';
import { quoteIdentifier } from '../sql/quote.js';
import { carriedEqual, type TableRebuild } from './plan-rebuild.js';

/** What a probe found: rows a rebuild would change, lose or refuse, counted, with a few of them. */
export interface ValueRefusal {
  readonly table: string;
  readonly column?: string;
  readonly rule: 'changed' | 'fraction' | 'strict-type' | 'not-null' | 'rowid' | 'unique' | 'foreign-key' | 'check';
  readonly count: number;
  /** Rowids (or primary keys as JSON, for a WITHOUT ROWID table) of the first rows found. */
  readonly examples: readonly string[];
  readonly message: string;
}

const PROBE = 'temp."driftd_plan_probe"';
const EXAMPLES = 5;

/**
 * Reads, at plan time, every row of a table to be rebuilt through the declared types, and finds the
 * rows whose values the rebuild would not carry as they are: a converted value that does not read
 * back the same (`carriedEqual`), a REAL with a fraction under a declared INTEGER (it would stay
 * REAL, or be refused in a STRICT table), a value of the wrong storage class for a STRICT column,
 * a NULL under NOT NULL or in a new INTEGER PRIMARY KEY, duplicates under a UNIQUE or PRIMARY KEY
 * constraint, a foreign key without its parent row, a row a declared CHECK refuses (evaluated on the
 * converted values, added columns at their defaults). The converted values come from SQLite itself:
 * the rows are copied into a TEMP table whose columns carry the declared affinities (temp objects
 * live in the connection's temp database, never in the user's file; the connection may be read-only).
 */
export function probeValues(db: SqlConnection, rebuild: TableRebuild, declared: Table, live: Table, liveSchema: Schema): ValueRefusal[] {
  const table = rebuild.table;
  const probeColumns = rebuild.carried.map((carried, i) => {
    const to = findColumn(declared, carried.column)!;
    const from = findColumn(live, carried.column)!;
    return { name: carried.column, old: `o${i}`, now: `n${i}`, to, from, type: probeType(declared, to.type) };
  });
  const keyExpression = live.withoutRowid ? `json_array(${primaryKey(live).map(quoteIdentifier).join(', ')})` : 'rowid';
  db.exec(`DROP TABLE IF EXISTS ${PROBE}`);
  db.exec(`CREATE TEMP TABLE "driftd_plan_probe" (k, ${probeColumns.map((c) => `${c.old}, ${c.now} ${c.type}`).join(', ')})`.replace(/, \)$/, ')'));
  try {
    db.exec(
      `INSERT INTO ${PROBE} SELECT ${keyExpression}${probeColumns.map((c) => `, ${quoteIdentifier(c.name)}, ${quoteIdentifier(c.name)}`).join('')} FROM main.${quoteIdentifier(table)}`,
    );
    const refusals: ValueRefusal[] = [];
    const find = (rule: ValueRefusal['rule'], where: string, message: (count: number) => string, column?: string, from: string = PROBE): void => {
      const rows = db.prepare(`SELECT k FROM ${from} WHERE ${where} LIMIT ${EXAMPLES}`).all() as { k: unknown }[];
      if (rows.length === 0) return;
      const count = rows.length < EXAMPLES ? rows.length : Number((db.prepare(`SELECT count(*) AS n FROM ${from} WHERE ${where}`).get() as { n: number }).n);
      const examples = rows.map((row) => String(row.k));
      refusals.push({ table, ...(column !== undefined ? { column } : {}), rule, count, examples, message: `${message(count)} (${live.withoutRowid ? 'primary keys' : 'rowids'} ${examples.join(', ')}${count > examples.length ? ', …' : ''})` });
    };
    const rows = (count: number): string => `${count} row${count === 1 ? '' : 's'}`;
    for (const c of probeColumns) {
      const where = `"${table}"."${c.name}"`;
      const converts = c.type !== probeType(live, c.from.type) || declared.strict !== live.strict;
      if (converts) {
        find('changed', `NOT ${carriedEqual(c.old, c.now)}`, (n) => `${where}: ${rows(n)} would change value converted from ${c.from.type || 'no type'} to ${c.to.type || 'no type'}`, c.name);
        if (affinityOf(c.to.type) === 'INTEGER' && !(declared.strict && strictType(c.to.type) === 'ANY')) {
          find('fraction', `typeof(${c.now}) = 'real'`, (n) => `${where}: ${rows(n)} hold a REAL with a fraction, which the declared ${c.to.type} cannot hold as an integer`, c.name);
        }
      }
      if (declared.strict) {
        const allowed = strictAllowed(c.to.type);
        if (allowed !== null) find('strict-type', `typeof(${c.now}) NOT IN ('null', ${allowed.map((t) => `'${t}'`).join(', ')})`, (n) => `${where}: ${rows(n)} hold values the STRICT type ${c.to.type} refuses`, c.name);
      }
      const inPrimaryKeyWithoutRowid = declared.withoutRowid && c.to.primaryKey > 0;
      if (c.to.notNull || inPrimaryKeyWithoutRowid) find('not-null', `${c.now} IS NULL`, (n) => `${where}: ${rows(n)} hold NULL under the declared ${inPrimaryKeyWithoutRowid ? 'PRIMARY KEY of a WITHOUT ROWID table' : 'NOT NULL'}`, c.name);
      if (declared.rowidAlias && c.to.primaryKey === 1 && !(live.rowidAlias && c.from.primaryKey === 1)) {
        find('rowid', `typeof(${c.now}) <> 'integer'`, (n) => `${where}: ${rows(n)} hold a NULL or non-integer value, which the declared INTEGER PRIMARY KEY would renumber or refuse`, c.name);
        // The rowid has no index of its own (declared.indexes lists none for it): its duplicates are counted here.
        const from = `(SELECT k, count(*) OVER (PARTITION BY ${c.now}) AS copies FROM ${PROBE} WHERE typeof(${c.now}) = 'integer')`;
        find('unique', 'copies > 1', (n) => `"${table}": ${rows(n)} share values under the declared INTEGER PRIMARY KEY (${c.name})`, c.name, from);
      }
    }
    // Every declared CHECK, as the copy's INSERT will test it: on the converted values under the
    // declared names and collations, an added column at its default, the table's name as qualifier.
    // A CHECK fails a row only when false (NULL lets it through: lang_createtable.html#ckconst).
    if (declared.checks.length > 0) {
      const added = rebuild.added.map((name) => findColumn(declared, name)!);
      const asDeclared = [
        ...probeColumns.map((c) => `${c.now}${c.to.collation === null ? '' : ` COLLATE ${quoteIdentifier(c.to.collation)}`} AS ${quoteIdentifier(c.name)}`),
        ...added.map((column) => `${column.default === null ? 'NULL' : `(${column.default.text})`} AS ${quoteIdentifier(column.name)}`),
      ];
      const rowsAsDeclared = `(SELECT k, ${asDeclared.join(', ')} FROM ${PROBE}) AS ${quoteIdentifier(table)}`;
      for (const check of declared.checks) {
        const named = check.name === null ? '' : `CONSTRAINT ${check.name} `;
        try {
          find('check', `NOT (${check.expression})`, (n) => `"${table}": ${rows(n)} ${n === 1 ? 'violates' : 'violate'} the declared ${named}CHECK (${check.expression})`, check.column ?? undefined, rowsAsDeclared);
        } catch {
          // An expression the probe cannot evaluate (one naming a generated column, which the probe
          // does not compute): apply's copy still tests it, and a violation rolls everything back.
        }
      }
    }
    const byName = new Map(probeColumns.map((c) => [nameKey(c.name), c]));
    for (const index of declared.indexes) {
      if (!index.unique || index.origin === 'c') continue;
      const parts = index.columns.map((part) => (part.name === null ? undefined : { probe: byName.get(nameKey(part.name)), collation: part.collation }));
      if (parts.some((part) => part === undefined || part.probe === undefined)) continue;
      const columns = parts.map((part) => part!.probe!);
      const notNull = declared.withoutRowid && index.origin === 'pk' ? '1' : columns.map((c) => `${c.now} IS NOT NULL`).join(' AND ');
      const partition = columns.map((c, i) => `${c.now} COLLATE ${parts[i]!.collation}`).join(', ');
      const from = `(SELECT k, count(*) OVER (PARTITION BY ${partition}) AS copies FROM ${PROBE} WHERE ${notNull})`;
      const shape = `${index.origin === 'pk' ? 'PRIMARY KEY' : 'UNIQUE'} (${columns.map((c) => c.name).join(', ')})`;
      find('unique', 'copies > 1', (n) => `"${table}": ${rows(n)} share values under the declared ${shape}`, undefined, from);
    }
    for (const key of declared.foreignKeys) {
      const parent = findTable(liveSchema, key.referencedTable);
      if (!parent || key.columns.length !== key.referencedColumns.length) continue;
      const columns = key.columns.map((name) => byName.get(nameKey(name)));
      if (columns.some((c) => c === undefined)) continue;
      const present = columns.map((c) => `${c!.now} IS NOT NULL`).join(' AND ');
      const match = key.referencedColumns.map((name, i) => `p.${quoteIdentifier(name)} = ${PROBE}.${columns[i]!.now}`).join(' AND ');
      find(
        'foreign-key',
        `${present} AND NOT EXISTS (SELECT 1 FROM main.${quoteIdentifier(parent.name)} AS p WHERE ${match})`,
        (n) => `"${table}": ${rows(n)} name a "${parent.name}" (${key.referencedColumns.join(', ')}) that does not exist, under the declared FOREIGN KEY (${key.columns.join(', ')})`,
      );
    }
    return refusals;
  } finally {
    db.exec(`DROP TABLE IF EXISTS ${PROBE}`);
  }
}

/** Rows of `tables` that already violate a foreign key (the rebuild's check before COMMIT must find none). */
export function existingForeignKeyViolations(db: SqlConnection, tables: readonly string[]): { table: string; count: number; examples: string[] }[] {
  const found: { table: string; count: number; examples: string[] }[] = [];
  for (const table of tables) {
    const rows = db.prepare(`PRAGMA foreign_key_check(${quoteIdentifier(table)})`).all() as { rowid: number | null; parent: string }[];
    if (rows.length > 0) found.push({ table, count: rows.length, examples: rows.slice(0, EXAMPLES).map((row) => `${row.rowid ?? '?'} → "${row.parent}"`) });
  }
  return found;
}

/** The probe column's type: the declared type's affinity (no type for BLOB and a STRICT ANY: no conversion). */
function probeType(table: Table, type: string): string {
  if (table.strict && strictType(type) === 'ANY') return '';
  const affinity = affinityOf(type);
  return affinity === 'BLOB' ? '' : affinity;
}

function strictType(type: string): string {
  const upper = type.trim().toUpperCase();
  return upper === 'INT' ? 'INTEGER' : upper;
}

/** The storage classes a STRICT column accepts after its affinity is applied (stricttables.html); null for ANY. */
function strictAllowed(type: string): readonly string[] | null {
  switch (strictType(type)) {
    case 'INTEGER':
      return ['integer'];
    case 'REAL':
      return ['real'];
    case 'TEXT':
      return ['text'];
    case 'BLOB':
      return ['blob'];
    default:
      return null;
  }
}

function primaryKey(table: Table): string[] {
  return table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey).map((c) => c.name);
}
