import type { AuditSink } from '../audit/audit-sink.js';
import type { BeneathRoot } from '../db/open-beneath.js';
import { openOptionsOf, openReadOnly, openReadWrite, sqliteError, type DatabaseHandle } from '../db/open-database.js';
import { DriftdError, summarizeError, withContext } from '../errors/driftd-error.js';
import { introspect } from '../introspect/introspect.js';
import { findColumn, findTable, nameKey, type Schema, type Table } from '../schema/schema-model.js';
import { quoteIdentifier } from '../sql/quote.js';
import { applyInserts } from './apply/apply-inserts.js';
import { diffDirectories, type ListedDirectory } from './diff/diff-directories.js';
import { filesRead, mapColumns, needsMtime } from './mapping/map-columns.js';
import type { OrphanItem, ReconcileReport, SkippedDirectory } from './reconcile-report.js';
import { isRowidAlias } from './rule/validate-reconcile-rules.js';
import type { ReconcileRule } from './rule/reconcile-rule-format.js';
import { canonicalRowPaths } from './scan/canonical-row-paths.js';
import { inspectDirectory, type RememberedSkip } from './scan/inspect-directory.js';
import { nodeReconcileFs } from './scan/node-reconcile-fs.js';
import type { ReconcileFs } from './scan/reconcile-fs.js';
import { scanRoot, type RootAnchor } from './scan/scan-root.js';
import { runBounded } from '../pipeline/run-bounded.js';
import { createYielder } from '../pipeline/yield-to-loop.js';

export type { ReconcileRule } from './rule/reconcile-rule-format.js';
export type { DanglingRow, OrphanItem, ReconcileReport, ReconcileRuleError, SkippedDirectory, SkipReason } from './reconcile-report.js';
export { reconcileSettled } from './reconcile-report.js';

/** A rule as a round runs it: a bound rule (`{databaseDir}/…`) carries the anchor its root is walked from. */
export type AnchoredRule = ReconcileRule & { readonly anchor?: RootAnchor };
export type { RootAnchor } from './scan/scan-root.js';

export interface ReconcileRequest {
  readonly dbPath: string;
  readonly rules: readonly AnchoredRule[];
  /** `dry-run` scans and reports what it would insert; `apply` inserts. */
  readonly mode: 'dry-run' | 'apply';
  readonly busyTimeoutMs: number;
  /** Wall clock for the settle time; defaults to the system clock. */
  readonly now?: () => Date;
  /** The filesystem; defaults to node:fs. */
  readonly fs?: ReconcileFs;
  /** Where each inserted row is recorded (audit trail); none when absent. */
  readonly audit?: AuditSink;
  /**
   * Kept by the caller between rounds (the daemon keeps one per target): each rule's directories
   * skipped after their metadata was read, so an unchanged one is not read and parsed again. Pruned
   * to the directories skipped in the latest round.
   */
  readonly memory?: ReconcileMemory;
  /** The fleet root the database is opened beneath (src/db/open-beneath.ts); its own directory when absent. */
  readonly root?: BeneathRoot;
  /** Open a database with more than one hard link anyway (the target's `allowHardLinks`; without `root`). */
  readonly allowHardLinks?: boolean;
}

/** Per rule name: directories skipped in the last round, by canonical path. */
export type ReconcileMemory = Map<string, ReadonlyMap<string, RememberedSkip>>;

/** How many orphan directories are inspected at once (matters for an asynchronous `fs`). */
const INSPECT_CONCURRENCY = 8;
/** Yield to the event loop after this long of synchronous inspection, so a daemon's HTTP stays responsive. */
const YIELD_AFTER_MS = 5;

/**
 * The reconcile step the CLI and the daemon share: for each rule, list the
 * root, read the table's keys, diff the two, inspect the orphans and (in apply
 * mode) insert their rows in one BEGIN IMMEDIATE transaction per rule. A rule
 * whose table or mapped columns are missing from the live database reports
 * `blockedBy` and touches nothing: repair the schema first. Never updates or
 * deletes a row. A rule that fails (RECONCILE_ROOT_MISSING,
 * RECONCILE_ROOT_UNREADABLE, RECONCILE_INSERT_FAILED, a DB_* error while
 * scanning or inserting) gets a report with `error` set and the remaining
 * rules still run: an earlier rule's committed inserts must never go
 * unreported because a later rule failed. Throws `DriftdError` (DB_*) only
 * when the database cannot be opened or introspected, before any rule ran.
 */
export async function reconcileTarget(request: ReconcileRequest): Promise<ReconcileReport[]> {
  const fs = request.fs ?? nodeReconcileFs;
  const now = request.now ?? (() => new Date());
  const reports: ReconcileReport[] = [];
  if (request.rules.length === 0) return reports;
  const readonlyDb = openReadOnly(request.dbPath, openOptionsOf(request));
  try {
    let live: Schema;
    try {
      live = introspect(readonlyDb);
    } catch (error) {
      throw sqliteError(error, request.dbPath, 'introspecting');
    }
    for (const rule of request.rules) {
      try {
        reports.push(await reconcileRule(readonlyDb, live, rule, request, fs, now));
      } catch (error) {
        const failure =
          error instanceof DriftdError ? error : withContext(`reconcile rule "${rule.name}" on "${request.dbPath}"`, sqliteError(error, request.dbPath, `reconciling rule "${rule.name}"`));
        reports.push(failedRule(rule, failure));
      }
    }
  } finally {
    readonlyDb.close();
  }
  return reports;
}

/** The report of a rule whose round failed: nothing of it was inserted (its transaction, if any, rolled back). */
function failedRule(rule: ReconcileRule, failure: DriftdError): ReconcileReport {
  return {
    ...emptyReport(rule, null),
    error: summarizeError(failure),
  };
}

function emptyReport(rule: ReconcileRule, blocked: string | null): ReconcileReport {
  return {
    rule: rule.name,
    table: rule.table,
    root: rule.root,
    blockedBy: blocked,
    error: null,
    orphans: [],
    recovered: [],
    raced: [],
    dangling: [],
    skipped: [],
    counts: { directories: 0, rows: 0, matched: 0, unmarked: 0, elsewhere: 0 },
    timings: { scanMs: 0, diffMs: 0, applyMs: 0 },
  };
}

/**
 * Why the rule cannot run on this live schema, or null when it can: the table
 * or a mapped column is missing, or the live table has a NOT NULL column
 * without a default that the rule does not map (every INSERT would fail).
 */
export function blockedBy(live: Schema, rule: ReconcileRule): string | null {
  const table = findTable(live, rule.table);
  if (!table) return `missing_table ${rule.table}`;
  const missing = Object.keys(rule.columns)
    .filter((column) => !findColumn(table, column))
    .map((column) => `missing_column ${table.name}.${column}`);
  const mapped = new Set(Object.keys(rule.columns).map((column) => nameKey(column)));
  const unmapped = table.columns
    .filter((column) => column.hidden === 0 && column.notNull && column.default === null && !isRowidAlias(table, column) && !mapped.has(nameKey(column.name)))
    .map((column) => `extra_column ${table.name}.${column.name} (NOT NULL without a default, not mapped)`);
  const reasons = [...missing, ...unmapped];
  return reasons.length === 0 ? null : reasons.join(', ');
}

function requiredColumns(table: Table, rule: ReconcileRule): Set<string> {
  const required = new Set<string>();
  for (const name of Object.keys(rule.columns)) {
    const column = findColumn(table, name);
    if (column && column.notNull && column.default === null && !isRowidAlias(table, column)) required.add(name);
  }
  return required;
}

function readKeys(db: DatabaseHandle, table: Table, keyColumn: string): Array<[number | null, unknown]> {
  const rowid = table.withoutRowid ? 'NULL' : 'rowid';
  return db.prepare(`SELECT ${rowid}, ${quoteIdentifier(keyColumn)} FROM ${quoteIdentifier(table.name)}`).raw(true).all() as Array<[number | null, unknown]>;
}

async function reconcileRule(
  readonlyDb: DatabaseHandle,
  live: Schema,
  rule: AnchoredRule,
  request: ReconcileRequest,
  fs: ReconcileFs,
  now: () => Date,
): Promise<ReconcileReport> {
  const blocked = blockedBy(live, rule);
  const table = findTable(live, rule.table);
  if (blocked !== null || !table) return emptyReport(rule, blocked);
  const t0 = performance.now();
  const listing = await scanRoot(fs, rule.root, rule.name, rule.anchor);
  const parentCache = new Map<string, string>();
  const pathOptions = { relativeTo: rule.relativeTo, root: rule.root, realRoot: listing.realRoot };
  const rows = await canonicalRowPaths(fs, readKeys(readonlyDb, table, rule.keyColumn), pathOptions, parentCache);
  const t1 = performance.now();
  const found = diffDirectories(listing.directories, rows);
  const t2 = performance.now();

  const required = requiredColumns(table, rule);
  const options = {
    realRoot: listing.realRoot,
    ...(rule.anchor ? { anchor: rule.anchor } : {}),
    markers: rule.markers,
    settleSeconds: rule.settleSeconds,
    files: filesRead(rule),
    needsMtime: needsMtime(rule),
    nowMs: now().getTime(),
    ...(request.memory?.has(rule.name) ? { remembered: request.memory.get(rule.name)! } : {}),
  };
  const orphans: Array<{ item: OrphanItem; canonicalPath: string; listed: ListedDirectory }> = [];
  const skipped: SkippedDirectory[] = [...listing.skipped];
  let unmarked = 0;
  const outcomes = await runBounded(found.orphans, INSPECT_CONCURRENCY, createYielder(YIELD_AFTER_MS), async (directory: ListedDirectory) => {
    const inspection = await inspectDirectory(fs, directory, options);
    if (inspection.kind !== 'ready') return { directory, inspection } as const;
    return { directory, inspection, row: mapColumns(rule, inspection.facts, required) } as const;
  });
  for (const outcome of outcomes) {
    const { directory, inspection } = outcome;
    if (inspection.kind === 'unmarked') unmarked++;
    else if (inspection.kind === 'skipped') skipped.push({ directory: directory.name, path: directory.path, reason: inspection.reason, detail: inspection.detail });
    else if (outcome.row && !outcome.row.ok) skipped.push({ directory: directory.name, path: directory.path, reason: outcome.row.reason, detail: outcome.row.detail });
    else if (outcome.row?.ok) orphans.push({ item: { directory: directory.name, path: directory.path, values: outcome.row.values }, canonicalPath: directory.canonicalPath, listed: directory });
  }
  if (request.memory) {
    const remembered = new Map<string, RememberedSkip>();
    for (const outcome of outcomes) {
      const { directory, inspection } = outcome;
      if (inspection.kind === 'skipped' && inspection.fingerprint) remembered.set(directory.canonicalPath, { fingerprint: inspection.fingerprint, reason: inspection.reason, detail: inspection.detail });
      else if (inspection.kind === 'ready' && inspection.fingerprint && outcome.row && !outcome.row.ok) remembered.set(directory.canonicalPath, { fingerprint: inspection.fingerprint, reason: outcome.row.reason, detail: outcome.row.detail });
    }
    request.memory.set(rule.name, remembered);
  }
  const t3 = performance.now();

  let recovered: readonly OrphanItem[] = [];
  let raced: readonly OrphanItem[] = [];
  let blockedInTransaction: string | null = null;
  if (request.mode === 'apply' && orphans.length > 0) {
    const writable = openReadWrite(request.dbPath, openOptionsOf(request));
    try {
      const outcome = await applyInserts(writable, {
        table: table.name,
        rule: rule.name,
        orphans,
        ...(request.audit ? { audit: { sink: request.audit, keyColumn: rule.keyColumn } } : {}),
        presentKeys: async () => {
          // The schema may have changed since the scan: re-check the columns inside the transaction.
          const current = introspect(writable);
          const currentTable = findTable(current, rule.table);
          const blockedNow = blockedBy(current, rule);
          if (blockedNow !== null || !currentTable) return { blockedBy: blockedNow ?? `missing_table ${rule.table}` };
          const currentRows = await canonicalRowPaths(fs, readKeys(writable, currentTable, rule.keyColumn), pathOptions, parentCache);
          const recheck = diffDirectories(
            orphans.map((orphan) => orphan.listed),
            currentRows,
          );
          const stillAbsent = new Set(recheck.orphans.map((orphan) => orphan.canonicalPath));
          return new Set(orphans.map((orphan) => orphan.canonicalPath).filter((path) => !stillAbsent.has(path)));
        },
      });
      recovered = outcome.recovered;
      raced = outcome.raced;
      blockedInTransaction = outcome.blockedBy;
    } catch (error) {
      throw sqliteError(error, request.dbPath, `inserting recovered rows for rule "${rule.name}"`);
    } finally {
      writable.close();
    }
  }
  const t4 = performance.now();
  return {
    rule: rule.name,
    table: table.name,
    root: rule.root,
    blockedBy: blockedInTransaction,
    error: null,
    orphans: orphans.map((orphan) => orphan.item),
    recovered,
    raced,
    dangling: found.dangling.map((row) => ({ rowid: row.rowid, storedPath: row.storedPath })),
    skipped,
    counts: { directories: listing.directories.length, rows: rows.length, matched: found.matched, unmarked, elsewhere: found.elsewhere },
    timings: { scanMs: t1 - t0 + (t3 - t2), diffMs: t2 - t1, applyMs: t4 - t3 },
  };
}

