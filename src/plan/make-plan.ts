import { openReadOnly, sqliteError } from '../db/open-database.js';
import { openSqlite } from '../db/open-sqlite.js';
import type { SqlConnection } from '../db/sql-connection.js';
import { diff, type DiffOptions } from '../diff/diff.js';
import { DriftdError } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import { findTable, type Schema } from '../schema/schema-model.js';
import { APPLY_CHECKS, PROCEDURE_URL, type PlanDocument } from './plan-document.js';
import { planRebuilds, type LeftDrift, type TableRebuild } from './plan-rebuild.js';
import { existingForeignKeyViolations, probeValues } from './probe-values.js';
import { prepareConnection, rebuildDriftLeftIn, runStatement } from './run-rebuild.js';
import { schemaFingerprint } from './schema-fingerprint.js';
import { quoteIdentifier } from '../sql/quote.js';

export interface MakePlanRequest {
  readonly dbPath: string;
  readonly schemaPath: string;
  readonly declared: Schema;
  readonly busyTimeoutMs: number;
  readonly diff?: DiffOptions;
  readonly now?: () => Date;
}

export type MakePlanResult = { readonly kind: 'plan'; readonly plan: PlanDocument } | { readonly kind: 'nothing'; readonly left: readonly LeftDrift[] };

/**
 * `driftd plan`'s callable step: reads the live database read-only (nothing is written to it),
 * plans every rebuild it needs (`planRebuilds`), probes every row of those tables for values the
 * rebuild would change or SQLite would refuse, and runs the statements on an empty in-memory copy
 * of the schema, which must come out matching the declaration (that copy's fingerprint is the
 * plan's `after`). Throws `PLAN_REFUSED` naming every table, rule, count and example rowids.
 */
export function makePlan(request: MakePlanRequest): MakePlanResult {
  const db = openReadOnly(request.dbPath, { busyTimeoutMs: request.busyTimeoutMs });
  try {
    // One read transaction: the fingerprint, the schema and the probed rows are one snapshot.
    db.exec('BEGIN');
    let live: Schema;
    let before: string;
    try {
      live = introspect(db);
      before = schemaFingerprint(db);
    } catch (error) {
      throw sqliteError(error, request.dbPath, 'introspecting');
    }
    const found = diff(request.declared, live, request.diff);
    const planning = planRebuilds(request.declared, live, found.drift);
    const refusals = planning.refusals.map((r) => `"${r.table}": ${r.reason}`);
    for (const rebuild of planning.rebuilds) {
      const declaredTable = findTable(request.declared, rebuild.table)!;
      const liveTable = findTable(live, rebuild.table)!;
      refusals.push(...probeValues(db, rebuild, declaredTable, liveTable, live).map((r) => r.message));
      for (const violation of existingForeignKeyViolations(db, [rebuild.table, ...rebuild.children])) {
        refusals.push(`"${violation.table}": ${violation.count} rows already violate a foreign key (rowid → parent: ${violation.examples.join(', ')}); apply requires PRAGMA foreign_key_check to be empty: fix them first`);
      }
    }
    db.exec('COMMIT');
    if (refusals.length > 0) {
      throw new DriftdError('PLAN_REFUSED', `no plan written for "${request.dbPath}": ${refusals.length} problem${refusals.length === 1 ? '' : 's'} would change or lose data:\n  ${refusals.join('\n  ')}`, {
        where: { file: request.dbPath },
        hint: 'fix the rows named (or the declaration), then plan again; driftd never converts a value it cannot carry back unchanged',
      });
    }
    if (planning.rebuilds.length === 0) return { kind: 'nothing', left: planning.left };
    const after = dryRun(db, request.declared, planning.rebuilds, request.dbPath);
    const plan: PlanDocument = {
      format: 'driftd-plan',
      version: 1,
      created: (request.now ?? (() => new Date()))().toISOString(),
      database: request.dbPath,
      schema: request.schemaPath,
      fingerprint: { before, after },
      procedure: PROCEDURE_URL,
      checks: APPLY_CHECKS,
      tables: planning.rebuilds,
      left: planning.left,
    };
    return { kind: 'plan', plan };
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

/** A view's columns: name → the table column it reads (`an expression` when none); null when it does not compile. */
function viewColumns(db: ReturnType<typeof openSqlite>, view: string): Map<string, string> | null {
  try {
    const columns = db.prepare(`SELECT * FROM ${quoteIdentifier(view)}`).columns();
    return new Map(columns.map((column) => [column.name, column.table === null || column.column === null ? 'an expression' : `${column.table}.${column.column}`]));
  } catch {
    return null;
  }
}

/**
 * Runs the plan on an empty in-memory copy of the live schema (no rows): every statement must
 * execute, and the rebuilt tables must match the declaration. Returns the copy's fingerprint,
 * which is what the real database's will be after apply.
 */
function dryRun(live: SqlConnection, declared: Schema, rebuilds: readonly TableRebuild[], dbPath: string): string {
  const objects = live
    .prepare(
      `SELECT s.type, s.name, s.sql FROM sqlite_schema AS s LEFT JOIN pragma_table_list AS l ON l.schema = 'main' AND l.name = s.name
       WHERE s.sql IS NOT NULL AND s.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND coalesce(l.type, '') <> 'shadow'
       ORDER BY CASE s.type WHEN 'table' THEN 0 WHEN 'index' THEN 1 WHEN 'view' THEN 2 ELSE 3 END, s.rowid`,
    )
    .all() as { type: string; name: string; sql: string }[];
  const memory = openSqlite(':memory:');
  try {
    for (const object of objects) memory.exec(object.sql);
    const views = objects.filter((object) => object.type === 'view').map((object) => object.name);
    const viewsBefore = new Map(views.flatMap((view) => {
      const columns = viewColumns(memory, view);
      return columns === null ? [] : [[view, columns] as const];
    }));
    prepareConnection(memory);
    memory.exec('BEGIN');
    for (const rebuild of rebuilds) {
      rebuild.steps.forEach((step, index) => {
        try {
          runStatement(memory, step, null);
        } catch (error) {
          throw new DriftdError('PLAN_REFUSED', `no plan written for "${dbPath}": step ${index + 1} of the rebuild of "${rebuild.table}" fails on a copy of the schema: ${(error as Error).message} in: ${step.sql}`, {
            where: { file: dbPath, table: rebuild.table },
            cause: error,
          });
        }
      });
    }
    // Views stay in place (step 9): each must still compile, and give each column from the same
    // table column — `CREATE VIEW v (x, y) AS SELECT * FROM t` names by position, and a rebuild that
    // reorders t's columns would put other values under x and y.
    for (const [view, before] of viewsBefore) {
      const after = viewColumns(memory, view);
      const moved = after === null ? [] : [...before].filter(([name, origin]) => after.get(name) !== origin).map(([name, origin]) => `${name} (was ${origin}, now ${after.get(name) ?? 'gone'})`);
      if (after !== null && moved.length === 0 && after.size === before.size) continue;
      const what = after === null ? 'no longer compiles' : `would read other columns: ${moved.join(', ')}`;
      throw new DriftdError('PLAN_REFUSED', `no plan written for "${dbPath}": after the rebuild, view "${view}" ${what}; name the view's columns in its SELECT (a, b, … instead of *) in the declaration and the database, then plan again`, { where: { file: dbPath, view } });
    }
    const left = rebuildDriftLeftIn(memory, declared, rebuilds);
    if (left.length > 0) {
      throw new DriftdError('PLAN_REFUSED', `no plan written for "${dbPath}": on a copy of the schema the rebuilt tables still differ from the declaration: ${left.join('; ')}`, { where: { file: dbPath } });
    }
    const after = schemaFingerprint(memory);
    memory.exec('COMMIT');
    return after;
  } finally {
    memory.close();
  }
}
