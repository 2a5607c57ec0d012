import type { Drift, DriftKind } from '../diff/drift.js';
import { affinityOf, byNameKey, findColumn, nameKey, type Column, type Schema, type Table } from '../schema/schema-model.js';
import { quoteIdentifier } from '../sql/quote.js';
import { identifierText, isWord, tokenize } from '../sql/tokenize.js';
import { PLAN_ROLE } from './rebuild-kinds.js';

/** One statement of a rebuild, as it runs, with why. `role` tells apply where the checks go. */
export interface PlanStatement {
  readonly role: 'create' | 'copy' | 'drop' | 'rename' | 'index' | 'trigger' | 'sequence';
  readonly sql: string;
  readonly why: string;
}

/** A column whose values move from the live table into the rebuilt one, and how they are compared. */
export interface CarriedColumn {
  readonly column: string;
  /** The live column's declared type, and the declared one ('' when none). */
  readonly from: string;
  readonly to: string;
}

/** The rebuild of one table, computed in full before anything runs (readable in the plan file). */
export interface TableRebuild {
  readonly table: string;
  /** The drift items that need it (their detail lines). */
  readonly because: readonly string[];
  /** The name the new table is built under until the old one is dropped (never committed). */
  readonly scratch: string;
  /** The declared CREATE TABLE, as the table will read after the rename. */
  readonly declaredSql: string;
  readonly carried: readonly CarriedColumn[];
  /** Declared columns the live table lacks: created with their default. */
  readonly added: readonly string[];
  /**
   * How a row of the old table is found in the new one for the value check: by rowid where every
   * row keeps its rowid, else by the key both tables agree on (the declared INTEGER PRIMARY KEY,
   * which becomes the rowid; a WITHOUT ROWID table's primary key) — its values are carried.
   */
  readonly key: { readonly kind: 'rowid' } | { readonly kind: 'primary-key'; readonly columns: readonly string[] };
  /** Whether every row keeps its rowid, and why (or what its identity becomes): the reviewer reads it. */
  readonly rowids: { readonly kept: boolean; readonly why: string };
  /** The statements, in order: create, copy, drop, rename, indexes, triggers, sequence. */
  readonly steps: readonly PlanStatement[];
  /** Read before COMMIT: the row counts of old and new (same statement, before the drop). */
  readonly countSql: string;
  /** Read before the drop: rows of the old table not carried equal (empty when every value is equal). */
  readonly valueCheckSql: string;
  /**
   * Read after the copy: rows where a value converted to a declared INTEGER stayed a REAL (it had a
   * fraction; SQLite keeps it as it is outside STRICT tables). Refused at plan time, checked again
   * here for rows written between plan and apply. Null when no column converts to INTEGER.
   */
  readonly fractionCheckSql: string | null;
  /** Tables whose foreign keys name this one: PRAGMA foreign_key_check runs on them too. */
  readonly children: readonly string[];
  /** The AUTOINCREMENT counter is carried: the old `sqlite_sequence` value is bound into the `sequence` step. */
  readonly keepsSequence: boolean;
}

/** A table that needs a rebuild driftd will not plan, and why. */
export interface RebuildRefusal {
  readonly table: string;
  readonly reason: string;
}

/** Drift the plan does not cover, with what to do about it. */
export interface LeftDrift {
  readonly kind: DriftKind;
  readonly table: string;
  readonly detail: string;
  readonly how: string;
}

export interface RebuildPlanning {
  readonly rebuilds: readonly TableRebuild[];
  readonly refusals: readonly RebuildRefusal[];
  readonly left: readonly LeftDrift[];
}

/**
 * Plans the table rebuilds that bring `live` to `declared`, for every table with drift that
 * SQLite cannot change in place ({@link PLAN_ROLE}). Pure: two schemas and their diff in, the
 * statements out. Each rebuild follows SQLite's procedure (lang_altertable.html#otheralter): the
 * table as declared under a scratch name, the rows copied with explicit column lists (the rowid
 * too, so rowids that FTS indexes and applications hold stay), the old table dropped, the new one
 * renamed, its indexes and triggers re-created from their live text. A rebuild never drops data:
 * a live column the declaration lacks, or a new NOT NULL column without a default, refuses the table.
 */
export function planRebuilds(declared: Schema, live: Schema, drift: readonly Drift[]): RebuildPlanning {
  const declaredTables = byNameKey(declared.tables);
  const liveTables = byNameKey(live.tables);
  const needing = new Map<string, Drift[]>();
  for (const item of drift) {
    if (PLAN_ROLE[item.kind] !== 'rebuild') continue;
    const key = nameKey(item.table);
    needing.set(key, [...(needing.get(key) ?? []), item]);
  }
  const taken = new Set([...live.tables.map((t) => t.name), ...live.tables.flatMap((t) => t.indexes.map((index) => index.name)), ...live.views.map((v) => v.name), ...live.triggers.map((t) => t.name)].map(nameKey));
  const rebuilds: TableRebuild[] = [];
  const refusals: RebuildRefusal[] = [];
  for (const [key, items] of needing) {
    const declaredTable = declaredTables.get(key);
    const liveTable = liveTables.get(key);
    if (!declaredTable || !liveTable) continue;
    const result = planTable(declaredTable, liveTable, live, items, taken);
    if ('reason' in result) refusals.push(result);
    else rebuilds.push(result);
  }
  const covered = new Set([...rebuilds.map((r) => nameKey(r.table))]);
  const refused = new Set(refusals.map((r) => nameKey(r.table)));
  const left: LeftDrift[] = [];
  for (const item of drift) {
    const key = nameKey(item.table);
    // A rebuilt table is created as declared: its missing columns and CHECKs come with it.
    if (covered.has(key) && comesWithRebuild(item.kind)) continue;
    if (refused.has(key) && PLAN_ROLE[item.kind] === 'rebuild') continue;
    const role = PLAN_ROLE[item.kind];
    left.push({
      kind: item.kind,
      table: item.table,
      detail: item.detail,
      how: role === 'repair' ? 'additive: `driftd repair` does it' : role === 'none' ? 'not a table rebuild: see the check report for what to do' : 'see the refusal for this table',
    });
  }
  return { rebuilds, refusals, left };
}

/** Drift a rebuild of its table removes: what needs one, and the columns and CHECKs the declared CREATE TABLE has. */
export function comesWithRebuild(kind: DriftKind): boolean {
  return PLAN_ROLE[kind] === 'rebuild' || kind === 'missing_column' || kind === 'missing_check';
}

function planTable(declared: Table, live: Table, liveSchema: Schema, items: readonly Drift[], taken: Set<string>): TableRebuild | RebuildRefusal {
  const table = live.name;
  if (isVirtual(live.sql) || isVirtual(declared.sql)) {
    return { table, reason: `"${table}" is a virtual table: its storage belongs to its module, and a rebuild cannot carry it; recreate it by hand and rebuild its index` };
  }
  // Extras are never touched: a live column the declaration lacks would be dropped with the old table.
  const dropped = live.columns.filter((column) => column.hidden !== 1 && !findColumn(declared, column.name));
  if (dropped.length > 0) {
    return {
      table,
      reason: `a rebuild of "${table}" would drop the undeclared column${dropped.length === 1 ? '' : 's'} ${dropped.map((c) => `"${c.name}"`).join(', ')} and the data in ${dropped.length === 1 ? 'it' : 'them'}; driftd never drops data: declare ${dropped.length === 1 ? 'it' : 'them'} (or the rename) and plan again`,
    };
  }
  // A stored column the declaration makes generated: its values would be replaced by computed ones.
  const replaced = declared.columns.filter((column) => isGenerated(column) && findColumn(live, column.name) && !isGenerated(findColumn(live, column.name)!));
  if (replaced.length > 0) {
    return {
      table,
      reason: `the declaration makes the stored column${replaced.length === 1 ? '' : 's'} ${replaced.map((c) => `"${c.name}"`).join(', ')} of "${table}" generated: a rebuild would replace the values stored there with computed ones; copy them to a declared column first`,
    };
  }
  const carried: CarriedColumn[] = [];
  const added: string[] = [];
  for (const column of declared.columns) {
    if (isGenerated(column)) continue;
    const liveColumn = findColumn(live, column.name);
    if (liveColumn) {
      carried.push({ column: liveColumn.name, from: liveColumn.type, to: column.type });
      continue;
    }
    if (column.notNull && column.default === null) {
      return { table, reason: `declared column "${table}"."${column.name}" is NOT NULL without a default: the existing rows have no value for it; give it a DEFAULT and plan again` };
    }
    added.push(column.name);
  }
  // A reordering rebuild moves values under a positional INSERT in a trigger (the application's own
  // statements are why the order was declared; a trigger's are the schema's, and would silently change).
  const liveOrder = live.columns.filter((column) => carried.some((c) => nameKey(c.column) === nameKey(column.name))).map((column) => nameKey(column.name));
  if (carried.some((c, i) => nameKey(c.column) !== liveOrder[i])) {
    const positional = liveSchema.triggers.filter((trigger) => insertsWithoutColumnList(trigger.sql, table)).map((trigger) => `"${trigger.name}"`);
    if (positional.length > 0) {
      return {
        table,
        reason: `the rebuild puts the columns of "${table}" in another order, and trigger${positional.length === 1 ? '' : 's'} ${positional.join(', ')} insert${positional.length === 1 ? 's' : ''} into it without a column list: ${positional.length === 1 ? 'its' : 'their'} values would go to other columns; give the INSERT a column list (in the declaration and the database) and plan again`,
      };
    }
  }
  const scratch = scratchName(table, taken);
  const quoted = quoteIdentifier(table);
  const quotedScratch = quoteIdentifier(scratch);
  const identity = rowIdentity(declared, live, carried);
  const carriesRowid = identity.copiesRowid;
  const names = carried.map((c) => quoteIdentifier(c.column));
  const targetList = [...(carriesRowid ? ['rowid'] : []), ...names].join(', ');
  const sourceList = [...(carriesRowid ? ['rowid'] : []), ...names].join(', ');
  const { key } = identity;
  const steps: PlanStatement[] = [
    { role: 'create', sql: `${renameInCreate(declared.sql, scratch)};`, why: `step 4: the table as declared, under the scratch name ${quotedScratch}` },
    {
      role: 'copy',
      sql: `INSERT INTO ${quotedScratch} (${targetList}) SELECT ${sourceList} FROM ${quoted};`,
      why: `step 5: every row, with explicit column lists${carriesRowid ? ' and its rowid' : ''}${added.length > 0 ? `; ${added.map((c) => `"${c}"`).join(', ')} take their default` : ''}`,
    },
    { role: 'drop', sql: `DROP TABLE ${quoted};`, why: 'step 6: foreign keys are off on this connection, so no ON DELETE action fires and no child row is touched' },
    { role: 'rename', sql: `ALTER TABLE ${quotedScratch} RENAME TO ${quoted};`, why: 'step 7: with legacy_alter_table on this connection, views and triggers naming the table are neither re-parsed nor rewritten' },
  ];
  for (const index of live.indexes) {
    if (index.sql !== null) steps.push({ role: 'index', sql: `${index.sql};`, why: `step 8: index "${index.name}" as it was` });
  }
  for (const trigger of liveSchema.triggers) {
    if (nameKey(trigger.table) === nameKey(table)) steps.push({ role: 'trigger', sql: `${trigger.sql};`, why: `step 8: trigger "${trigger.name}" as it was` });
  }
  // Carried only with the rowids it counts: where the key moves, the copy's INSERTs set the new key's counter.
  const keepsSequence = declared.autoincrement && live.autoincrement && identity.rowids.kept;
  if (keepsSequence) {
    const why = 'the AUTOINCREMENT counter as it was before the drop (DROP TABLE deletes it; :seq is the value read just before): ids of deleted rows are never issued again';
    steps.push({ role: 'sequence', sql: `UPDATE sqlite_sequence SET seq = max(seq, coalesce(:seq, seq)) WHERE name = ${sqlString(table)};`, why });
    steps.push({ role: 'sequence', sql: `INSERT INTO sqlite_sequence (name, seq) SELECT ${sqlString(table)}, :seq WHERE :seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ${sqlString(table)});`, why });
  }
  const children = liveSchema.tables.filter((other) => other.foreignKeys.some((fk) => nameKey(fk.referencedTable) === nameKey(table)) && nameKey(other.name) !== nameKey(table)).map((other) => other.name);
  const join = key.kind === 'rowid' ? 'n.rowid = o.rowid' : key.columns.map((c) => `n.${quoteIdentifier(c)} = o.${quoteIdentifier(c)}`).join(' AND ');
  const rowKey = key.kind === 'rowid' ? 'o.rowid' : `json_array(${key.columns.map((c) => `o.${quoteIdentifier(c)}`).join(', ')})`;
  const keyOrder = key.kind === 'rowid' ? 'o.rowid' : key.columns.map((c) => `o.${quoteIdentifier(c)}`).join(', ');
  const missing = key.kind === 'rowid' ? 'n.rowid IS NULL' : `n.${quoteIdentifier(key.columns[0]!)} IS NULL`;
  // An INTEGER PRIMARY KEY on both sides is the rowid the rows are joined on: equal by the join.
  const compared = key.kind === 'rowid' ? carried.filter((c) => !(isRowidAlias(declared, c.column) && isRowidAlias(live, c.column))) : carried;
  const equal = compared.map((c) => {
    const [old, now] = [`o.${quoteIdentifier(c.column)}`, `n.${quoteIdentifier(c.column)}`];
    if (keepsStorage(declared, live, c)) return identical(old, now, affinityOf(c.to));
    return convertsBetweenNumbers(declared, live, c) ? numericallyEqual(old, now) : carriedEqual(old, now);
  });
  const toInteger = carried.filter((c) => affinityOf(c.to) === 'INTEGER' && (affinityOf(c.from) !== 'INTEGER' || (declared.strict && !live.strict)));
  const newKey = key.kind === 'rowid' ? 'n.rowid' : `json_array(${key.columns.map((c) => `n.${quoteIdentifier(c)}`).join(', ')})`;
  return {
    table,
    because: items.map((item) => item.detail),
    scratch,
    declaredSql: declared.sql,
    carried,
    added,
    key,
    rowids: identity.rowids,
    steps,
    countSql: `SELECT (SELECT count(*) FROM ${quoted}) AS old, (SELECT count(*) FROM ${quotedScratch}) AS new;`,
    // In key order: every lookup in the new table lands next to the last one. (Unordered, SQLite may
    // read the old table through a covering index, and 1,000,000 lookups in index order take 4× as long.)
    valueCheckSql: `SELECT ${rowKey} AS row FROM ${quoted} AS o LEFT JOIN ${quotedScratch} AS n ON ${join} WHERE ${missing}${equal.length > 0 ? ` OR NOT (${equal.join(' AND ')})` : ''} ORDER BY ${keyOrder} LIMIT 5;`,
    fractionCheckSql: toInteger.length === 0 ? null : `SELECT ${newKey} AS row FROM ${quotedScratch} AS n WHERE ${toInteger.map((c) => `typeof(n.${quoteIdentifier(c.column)}) = 'real'`).join(' OR ')} LIMIT 5;`,
    children,
    keepsSequence,
  };
}

/**
 * When a carried value counts as equal (docs/cli.md, "What apply proves"): the same storage class
 * and the same bytes (text and blobs byte for byte whatever the collation, integers exactly, reals
 * by numeric equality so -0.0 = 0.0), or — where the declared type converts it — a value that
 * converts back to exactly the old one: text '12' stored as integer 12 reads back '12', real 3.0
 * stored as integer 3 equals 3.0. '012' → 12 or a real that loses digits as text is not equal.
 */
export function carriedEqual(old: string, now: string): string {
  // One CASE on the old value's class (evaluated once per row of the table): for text, integers and
  // reals the conversion test also holds for a value carried unchanged, so it is the whole test.
  // Never NULL (a NULL under NOT (…) would hide the row): every CAST below has a non-NULL operand.
  const number = `typeof(${now}) IN ('integer', 'real', 'text')`;
  return (
    `(CASE typeof(${old}) ` +
    `WHEN 'null' THEN typeof(${now}) = 'null' ` +
    `WHEN 'blob' THEN typeof(${now}) = 'blob' AND CAST(${now} AS BLOB) = CAST(${old} AS BLOB) ` +
    `WHEN 'text' THEN ${number} AND CAST(${now} AS TEXT) = ${old} COLLATE BINARY ` +
    `WHEN 'integer' THEN ${number} AND typeof(CAST(${now} AS INTEGER)) = 'integer' AND CAST(${now} AS INTEGER) = ${old} AND CAST(${now} AS REAL) = CAST(${old} AS REAL) ` +
    `ELSE ${number} AND CAST(${now} AS REAL) = ${old} END)`
  );
}

/**
 * A carried column whose values SQLite stores exactly as they were: the same affinity (outside
 * STRICT tables) or the same STRICT type, in a table as strict as before. Its values are compared
 * with {@link identical}, the first half of {@link carriedEqual}, which is cheaper to evaluate a
 * million times; a value that changed storage class there would be a surprise, and fails the check.
 */
export function keepsStorage(declared: Table, live: Table, carried: CarriedColumn): boolean {
  if (declared.strict !== live.strict || affinityOf(carried.to) !== affinityOf(carried.from)) return false;
  const strictType = (type: string): string => (type.trim().toUpperCase() === 'INT' ? 'INTEGER' : type.trim().toUpperCase());
  return !declared.strict || strictType(carried.to) === strictType(carried.from);
}

/**
 * Equal without conversion: the same storage class and value — text and blobs byte for byte
 * (BINARY, whatever the column's collation), integers exactly, reals numerically. `IS` alone tells
 * every two values of different classes apart but an integer and a real of the same value; under
 * the column's `affinity` TEXT (numbers are stored as text) or REAL (integers as reals) no such
 * pair can be stored (datatype3.html#type_affinity), so the class is compared only under the others.
 */
export function identical(old: string, now: string, affinity?: string): string {
  const same = `${now} IS ${old} COLLATE BINARY`;
  return affinity === 'TEXT' || affinity === 'REAL' ? `(${same})` : `(typeof(${now}) = typeof(${old}) AND ${same})`;
}

const NUMERIC_AFFINITIES: ReadonlySet<string> = new Set(['INTEGER', 'REAL', 'NUMERIC']);

/**
 * A carried column converted between numeric affinities (INTEGER, REAL, NUMERIC; a STRICT ANY
 * column, which keeps text as text, aside): REAL 3.0 → INTEGER 3, INTEGER 7 → REAL 7.0. Text is
 * converted to a number alike under all three (datatype3.html#type_affinity: INTEGER and REAL behave
 * as NUMERIC), so a text value stored in the old column stays text in the new one; only integers
 * and reals change class. Compared with {@link numericallyEqual}, a third of {@link carriedEqual}'s cost.
 */
export function convertsBetweenNumbers(declared: Table, live: Table, carried: CarriedColumn): boolean {
  const isAny = (table: Table, type: string): boolean => table.strict && type.trim().toUpperCase() === 'ANY';
  return NUMERIC_AFFINITIES.has(affinityOf(carried.from)) && NUMERIC_AFFINITIES.has(affinityOf(carried.to)) && !isAny(live, carried.from) && !isAny(declared, carried.to);
}

/**
 * Equal across a conversion between numeric affinities: `IS` compares an integer and a real by exact
 * numeric value (3 IS 3.0; 2^53 + 1 IS NOT 2^53 as a real), text byte for byte under BINARY, blobs
 * by their bytes, NULL only with NULL, and never calls a value of one of those classes equal to one
 * of another. For the values such columns store it answers as {@link carriedEqual} does (tested on
 * every pair of numeric affinities); a value it answers otherwise for (a text number written into a
 * numeric column through a changed schema) is refused, never let through.
 */
export function numericallyEqual(old: string, now: string): string {
  return `(${now} IS ${old} COLLATE BINARY)`;
}

/** True when `sql` has an `INSERT [OR …] INTO table` (or REPLACE INTO) followed by VALUES or SELECT, not a column list. */
export function insertsWithoutColumnList(sql: string, table: string): boolean {
  const tokens = tokenize(sql);
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'INTO') || !(tokens[i - 1] !== undefined && (isWord(tokens[i - 1], 'INSERT', 'REPLACE', 'ROLLBACK', 'ABORT', 'FAIL', 'IGNORE')))) continue;
    let at = i + 1;
    // `main.t`, `"t"`; a trigger body names tables without a schema, but SQLite accepts one.
    if (tokens[at + 1]?.text === '.') at += 2;
    const name = tokens[at];
    if (name === undefined || (name.kind !== 'word' && name.kind !== 'quoted') || nameKey(identifierText(name)) !== nameKey(table)) continue;
    let next = at + 1;
    if (isWord(tokens[next], 'AS')) next += 2;
    if (isWord(tokens[next], 'VALUES', 'SELECT', 'WITH')) return true;
  }
  return false;
}

function isGenerated(column: Column): boolean {
  return column.hidden === 2 || column.hidden === 3;
}

function isRowidAlias(table: Table, column: string): boolean {
  const found = findColumn(table, column);
  return table.rowidAlias && found !== undefined && found.primaryKey === 1;
}

/**
 * Which rowid each row of the rebuilt table gets, and how apply finds it in the old one. A rowid
 * table's rows keep their rowids — copied explicitly, or as the INTEGER PRIMARY KEY both declare on
 * the same column — unless the declaration makes another carried column the INTEGER PRIMARY KEY:
 * its values become the rowids (SQLite's rowid alias, lang_createtable.html#rowid), and rows are
 * matched by them. A WITHOUT ROWID table on either side has no rowid to keep: rows are matched by
 * the declared INTEGER PRIMARY KEY, or the WITHOUT ROWID table's primary key. Every key used is
 * unique and never NULL in the table it indexes (the plan's probe refuses rows that would not be).
 */
function rowIdentity(declared: Table, live: Table, carried: readonly CarriedColumn[]): { copiesRowid: boolean; key: TableRebuild['key']; rowids: TableRebuild['rowids'] } {
  const carriedColumn = (table: Table): string | undefined => carried.find((c) => isRowidAlias(table, c.column))?.column;
  const declaredAlias = declared.withoutRowid ? undefined : carriedColumn(declared);
  const liveAlias = live.withoutRowid ? undefined : carriedColumn(live);
  const q = (name: string): string => `"${name}"`;
  if (!live.withoutRowid && !declared.withoutRowid) {
    if (declaredAlias === undefined) {
      const why = liveAlias === undefined ? 'every row keeps its rowid: it is copied explicitly (rowids that FTS indexes and applications hold stay)' : `every row keeps its rowid: ${q(liveAlias)} is no longer the INTEGER PRIMARY KEY, and the rowid is copied explicitly, so each row's rowid stays its ${q(liveAlias)}`;
      return { copiesRowid: true, key: { kind: 'rowid' }, rowids: { kept: true, why } };
    }
    if (liveAlias !== undefined && nameKey(liveAlias) === nameKey(declaredAlias)) {
      return { copiesRowid: false, key: { kind: 'rowid' }, rowids: { kept: true, why: `every row keeps its rowid: ${q(declaredAlias)} is the INTEGER PRIMARY KEY, the rowid, on both sides` } };
    }
  }
  const was = live.withoutRowid ? 'the table had no rowid' : liveAlias === undefined ? 'the rowid was implicit' : `the rowid was ${q(liveAlias)}`;
  const becomes = declared.withoutRowid ? 'it will have none (WITHOUT ROWID)' : declaredAlias !== undefined ? `it becomes ${q(declaredAlias)}, the declared INTEGER PRIMARY KEY` : 'SQLite numbers the rows anew';
  const columns = declaredAlias !== undefined ? [declaredAlias] : primaryKeyColumns(declared.withoutRowid ? declared : live);
  const held = live.withoutRowid ? '' : ': anything that holds the old rowids (an external-content FTS index, an application, a foreign key to the rowid) must be updated';
  return {
    copiesRowid: false,
    key: { kind: 'primary-key', columns },
    rowids: { kept: false, why: `row identity changes: ${was}, ${becomes}${held}; apply matches old and new rows by ${columns.map(q).join(', ')}` },
  };
}

function primaryKeyColumns(table: Table): string[] {
  return table.columns.filter((c) => c.primaryKey > 0).sort((a, b) => a.primaryKey - b.primaryKey).map((c) => c.name);
}

function isVirtual(sql: string): boolean {
  const tokens = tokenize(sql);
  return isWord(tokens[0], 'CREATE') && isWord(tokens[1], 'VIRTUAL');
}

/** `driftd_new_<table>`, or with a number when a live object already has that name. */
function scratchName(table: string, taken: Set<string>): string {
  let name = `driftd_new_${table}`;
  for (let n = 2; taken.has(nameKey(name)); n++) name = `driftd_new_${table}_${n}`;
  taken.add(nameKey(name));
  return name;
}

/** The CREATE TABLE text with the table's name (and any schema prefix) replaced by `name`; everything else verbatim. */
export function renameInCreate(createSql: string, name: string): string {
  const tokens = tokenize(createSql);
  let at = 1;
  if (isWord(tokens[at], 'TEMP', 'TEMPORARY')) at++;
  if (!isWord(tokens[at], 'TABLE')) throw new Error(`not a CREATE TABLE statement: ${createSql.slice(0, 80)}`);
  at++;
  if (isWord(tokens[at], 'IF') && isWord(tokens[at + 1], 'NOT') && isWord(tokens[at + 2], 'EXISTS')) at += 3;
  const first = tokens[at]!;
  let last = first;
  if (tokens[at + 1]?.text === '.') last = tokens[at + 2]!;
  return `${createSql.slice(0, first.start)}${quoteIdentifier(name)}${createSql.slice(last.end)}`;
}

function sqlString(text: string): string {
  return `'${text.split("'").join("''")}'`;
}
