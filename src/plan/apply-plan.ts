import { closeSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type { AuditSink, AuditTicket } from '../audit/audit-sink.js';
import type { BeneathRoot } from '../db/open-beneath.js';
import { openConnectionFile, openConnectionReader, openReadWrite, sqliteError, type DatabaseHandle } from '../db/open-database.js';
import { openSqlite } from '../db/open-sqlite.js';
import { DriftdError } from '../errors/driftd-error.js';
import { isDatabaseCondition, resultCodeOf } from '../errors/result-codes.js';
import { findTable, nameKey, type Schema } from '../schema/schema-model.js';
import { quoteIdentifier } from '../sql/quote.js';
import { indexEntryProblems, structureProblems, type CheckDepth } from './check-structure.js';
import type { PlanDocument } from './plan-document.js';
import type { TableRebuild } from './plan-rebuild.js';
import { prepareConnection, rebuildDriftLeftIn, restoreConnection, runStatement } from './run-rebuild.js';
import { schemaFingerprint, schemaObjects, type SchemaObject } from './schema-fingerprint.js';
import { verifyCopyInBackground, type CopyExpectation } from './verify-copy.js';

export interface ApplyPlanRequest {
  readonly plan: PlanDocument;
  readonly planPath: string;
  /** The declaration, loaded again from `plan.schema`: the rebuilt tables must match it. */
  readonly declared: Schema;
  readonly busyTimeoutMs: number;
  /** Where the verified backup goes (created when missing). */
  readonly backupDir: string;
  readonly audit?: AuditSink;
  readonly now?: () => Date;
  /** The database to apply to; `plan.database` when absent (a fleet applies one plan file by file). */
  readonly dbPath?: string;
  /** A fleet's root: `dbPath` is opened beneath it, never through a link below it (issue 14). */
  readonly root?: BeneathRoot;
  /** Monotonic milliseconds, for timings. */
  readonly clock?: () => number;
  /** `full`: PRAGMA integrity_check of the backup and of each rebuilt table instead of quick_check and the index entry counts (check-structure.ts). */
  readonly depth?: CheckDepth;
}

export interface ApplyOutcome {
  /** `already-applied`: the schema already has the plan's `after` fingerprint; nothing was done. */
  readonly status: 'applied' | 'already-applied';
  readonly database: string;
  readonly backupPath: string | null;
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  /** Where the time went, in ms: the verified backup, the statements with the row and value checks, the checks before COMMIT, the COMMIT. */
  readonly timings: { readonly backupMs: number; readonly rebuildMs: number; readonly verifyMs: number; readonly backupVerifyWaitMs: number; readonly commitMs: number };
}

/**
 * `driftd apply`'s callable step: runs a reviewed plan on its database and proves, before COMMIT,
 * that nothing was lost (PlanDocument.checks lists what). SQLite's 12 steps
 * (lang_altertable.html#otheralter): foreign keys off on this connection outside the transaction
 * (1), one BEGIN IMMEDIATE (2), the indexes and triggers as they were (3, 8), the new table, the
 * copy, the drop, the rename (4-7), views left in place and compiled (9), foreign_key_check (10),
 * COMMIT (11), foreign keys restored (12). The backup is taken under the same write lock, so it is
 * exactly the state the plan changes. Throws `PLAN_STALE` (nothing written: the fingerprint differs),
 * `APPLY_STEP_FAILED` / `APPLY_VERIFY_FAILED` (rolled back), `BACKUP_FAILED`, or a database condition.
 */
export async function applyPlan(request: ApplyPlanRequest): Promise<ApplyOutcome> {
  const { plan } = request;
  const clock = request.clock ?? (() => performance.now());
  const dbPath = request.dbPath ?? plan.database;
  const depth = request.depth ?? 'quick';
  assertDeclarationUnchanged(plan, request.declared, request.planPath);
  const db = openReadWrite(dbPath, { busyTimeoutMs: request.busyTimeoutMs, ...(request.root ? { root: request.root } : {}) });
  let saved: ReturnType<typeof prepareConnection> | null = null;
  let ticket: AuditTicket | null = null;
  let backup: Awaited<ReturnType<typeof startBackup>> | null = null;
  // The database file, read for the backup copy; closed only after the connection (see copyFileUnderLock).
  let source: number | null = null;
  // The backup API's source in WAL mode: closed only after the connection, too.
  const held: { reader: DatabaseHandle | null } = { reader: null };
  try {
    saved = prepareConnection(db);
    // Asked first without the lock, so a stale plan takes no backup and waits for nobody.
    const early = fingerprintOf(db, dbPath);
    if (early === plan.fingerprint.after) return { status: 'already-applied', database: dbPath, backupPath: null, tables: [], timings: { backupMs: 0, rebuildMs: 0, verifyMs: 0, backupVerifyWaitMs: 0, commitMs: 0 } };
    if (early !== plan.fingerprint.before) throw stale(dbPath, request.planPath, early, plan);
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      throw sqliteError(error, dbPath, 'taking the write lock');
    }
    // Under the lock, again: another process may have changed the schema in between.
    const locked = fingerprintOf(db, dbPath);
    if (locked !== plan.fingerprint.before) throw stale(dbPath, request.planPath, locked, plan);
    const objectsBefore = schemaObjects(db);
    const counts = new Map(plan.tables.map((t) => [t.table, rowCount(db, t.table)]));
    // The tables whose foreign keys name a rebuilt one: a DROP with foreign keys on would empty them by cascade.
    const children = [...new Set(plan.tables.flatMap((t) => t.children))].filter((name) => !counts.has(name));
    const childCounts = new Map(children.map((name) => [name, rowCount(db, name)]));
    const t0 = clock();
    // What the copy must match, read on this connection under the lock.
    const pages = Number((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count);
    const wal = String((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toLowerCase() === 'wal';
    const copy = wal
      ? (partial: string) => backupApiCopy((held.reader = openConnectionReader(db, dbPath, request.busyTimeoutMs)), partial)
      : (partial: string) => copyFileUnderLock((source = openConnectionFile(db, dbPath)), partial);
    backup = await startBackup(dbPath, request.backupDir, (request.now ?? (() => new Date()))(), { pages, counts, fingerprint: locked, depth }, copy, request.audit);
    ticket =
      request.audit?.intend({
        kind: 'rebuild',
        plan: request.planPath,
        tables: plan.tables.map((t) => t.table),
        fingerprint: plan.fingerprint,
        statements: plan.tables.flatMap((t) => t.steps.map((step) => ({ table: t.table, sql: step.sql }))),
      }) ?? null;
    const t1 = clock();
    const sequences = new Map<string, bigint | null>();
    for (const rebuild of plan.tables) sequences.set(rebuild.table, rebuildTable(db, rebuild, counts.get(rebuild.table)!));
    const t2 = clock();
    verifyBeforeCommit(db, plan, request.declared, objectsBefore, sequences, depth);
    for (const [child, rows] of childCounts) {
      const now = rowCount(db, child);
      if (now !== rows) throw verifyFailed(child, `the table holds ${now} rows, ${rows} before: a rebuild must not touch the tables whose foreign keys name it`);
    }
    const t3 = clock();
    // The backup's verification ran on its own thread meanwhile: nothing commits without a verified copy.
    const pending = backup;
    backup = null;
    await pending.finish();
    const t3b = clock();
    db.exec('COMMIT');
    const t4 = clock();
    if (ticket) request.audit!.settle(ticket, { status: 'applied' });
    return {
      status: 'applied',
      database: dbPath,
      backupPath: pending.path,
      tables: plan.tables.map((t) => ({ table: t.table, rows: counts.get(t.table)! })),
      timings: { backupMs: t1 - t0, rebuildMs: t2 - t1, verifyMs: t3 - t2, backupVerifyWaitMs: t3b - t3, commitMs: t4 - t3b },
    };
  } catch (error) {
    // SQLite may already have rolled back on its own (SQLITE_FULL): only roll back an open transaction.
    if (db.inTransaction) db.exec('ROLLBACK');
    backup?.abandon((error as Error).message);
    if (ticket) request.audit!.settle(ticket, { status: 'not-applied', reason: `rolled back: ${(error as Error).message}` });
    if (error instanceof DriftdError) throw error;
    throw sqliteError(error, dbPath, 'applying the plan, nothing was applied');
  } finally {
    if (saved) restoreConnection(db, saved);
    db.close();
    if (source !== null) closeSync(source);
    held.reader?.close();
  }
}

/** Steps 4-8 for one table, with the row and value checks before the old table is dropped. Returns the sequence carried. */
function rebuildTable(db: DatabaseHandle, rebuild: TableRebuild, rows: number): bigint | null {
  const sequence = rebuild.keepsSequence ? readSequence(db, rebuild.table) : null;
  const run = (index: number): void => {
    const step = rebuild.steps[index]!;
    try {
      runStatement(db, step, sequence);
    } catch (error) {
      if (isDatabaseCondition(resultCodeOf(error))) throw error;
      throw new DriftdError('APPLY_STEP_FAILED', `rebuild of "${rebuild.table}": step ${index + 1} of ${rebuild.steps.length} (${step.role}) failed, nothing was applied: ${(error as Error).message} in: ${step.sql}`, {
        cause: error,
        where: { table: rebuild.table, step: index + 1 },
        hint: step.role === 'copy' ? 'a row violates a constraint of the declared table (a CHECK, or rows written since the plan): run `driftd plan` again to see which' : undefined,
      });
    }
  };
  const dropAt = rebuild.steps.findIndex((step) => step.role === 'drop');
  for (let i = 0; i < dropAt; i++) run(i);
  // Before the drop, while both tables exist: the same rows, every carried value equal.
  const count = db.prepare(rebuild.countSql).get() as { old: number; new: number };
  if (count.old !== rows || count.new !== rows) {
    throw verifyFailed(rebuild.table, `row counts differ: ${rows} before, ${count.old} in the old table and ${count.new} in the new one`);
  }
  const unequal = db.prepare(rebuild.valueCheckSql).all() as { row: unknown }[];
  if (unequal.length > 0) {
    throw verifyFailed(rebuild.table, `${unequal.length === 5 ? 'at least 5' : unequal.length} rows were not carried with equal values (${rebuild.key.kind === 'rowid' ? 'rowids' : 'primary keys'} ${unequal.map((r) => String(r.row)).join(', ')})`);
  }
  if (rebuild.fractionCheckSql !== null) {
    const fractions = db.prepare(rebuild.fractionCheckSql).all() as { row: unknown }[];
    if (fractions.length > 0) {
      throw verifyFailed(rebuild.table, `${fractions.length === 5 ? 'at least 5' : fractions.length} rows hold a REAL with a fraction under a declared INTEGER, written since the plan was made (${rebuild.key.kind === 'rowid' ? 'rowids' : 'primary keys'} ${fractions.map((r) => String(r.row)).join(', ')})`);
    }
  }
  for (let i = dropAt; i < rebuild.steps.length; i++) run(i);
  return sequence;
}

function verifyBeforeCommit(db: DatabaseHandle, plan: PlanDocument, declared: Schema, objectsBefore: readonly SchemaObject[], sequences: ReadonlyMap<string, bigint | null>, depth: CheckDepth): void {
  for (const rebuild of plan.tables) {
    for (const table of [rebuild.table, ...rebuild.children]) {
      const violations = db.prepare(`PRAGMA foreign_key_check(${quoteIdentifier(table)})`).all() as { rowid: number | null; parent: string }[];
      if (violations.length > 0) {
        throw verifyFailed(rebuild.table, `PRAGMA foreign_key_check("${table}") found ${violations.length} rows without their parent (${violations.slice(0, 5).map((v) => `rowid ${v.rowid} → "${v.parent}"`).join(', ')})`);
      }
    }
    // The table and its indexes only: nothing else was written (every other object's text is compared below).
    const structure = [...structureProblems(db, depth, rebuild.table), ...(depth === 'quick' ? indexEntryProblems(db, rebuild.table) : [])];
    if (structure.length > 0) throw verifyFailed(rebuild.table, structure.join('; '));
    const before = sequences.get(rebuild.table) ?? null;
    if (before !== null) {
      const now = readSequence(db, rebuild.table);
      if (now === null || now < before) throw verifyFailed(rebuild.table, `sqlite_sequence is ${now} after, ${before} before: AUTOINCREMENT would issue old ids again`);
    }
  }
  // Every index, trigger and view kept, with its text; the rebuilt tables' own rows are the declared ones.
  const rebuilt = new Set(plan.tables.map((t) => nameKey(t.table)));
  const after = new Map(schemaObjects(db).map((o) => [`${o.type}\u0000${nameKey(o.name)}`, o]));
  for (const object of objectsBefore) {
    if (object.type === 'table' && rebuilt.has(nameKey(object.name))) continue;
    const now = after.get(`${object.type}\u0000${nameKey(object.name)}`);
    if (!now || now.sql !== object.sql || nameKey(now.tbl_name) !== nameKey(object.tbl_name)) {
      throw verifyFailed(object.tbl_name, `${object.type} "${object.name}" is ${now ? 'changed' : 'gone'} after the rebuild`);
    }
  }
  for (const object of objectsBefore) {
    if (object.type !== 'view') continue;
    try {
      db.prepare(`SELECT * FROM ${quoteIdentifier(object.name)} LIMIT 0`);
    } catch (error) {
      throw verifyFailed(object.name, `view "${object.name}" no longer compiles: ${(error as Error).message}`);
    }
  }
  const left = rebuildDriftLeftIn(db, declared, plan.tables);
  if (left.length > 0) throw verifyFailed(plan.tables.map((t) => t.table).join(', '), `introspected again, the rebuilt tables still differ from the declaration: ${left.join('; ')}`);
  const fingerprint = schemaFingerprint(db);
  if (fingerprint !== plan.fingerprint.after) throw verifyFailed(plan.tables.map((t) => t.table).join(', '), `the schema's fingerprint is ${fingerprint}, not the plan's after (${plan.fingerprint.after})`);
}

/**
 * The backup, taken while apply's connection holds the write lock and before it writes anything, so
 * the copy is exactly the state the plan starts from: the file read byte for byte in a rollback-journal
 * mode (`copyFileUnderLock`), SQLite's online backup API from a second, read-only connection in WAL
 * mode (`backupApiCopy`; SQLite's backup refuses a source connection that holds a write transaction:
 * backup.c returns SQLITE_BUSY). It goes to a temporary name; its verification (page count, schema
 * fingerprint, PRAGMA quick_check or integrity_check, every rebuilt table's row count: verify-copy.ts)
 * starts on a worker thread and is awaited before COMMIT by `finish`, which renames the copy to its
 * final name — a backup under its final name is always a verified one. Recorded in the audit trail.
 */
async function startBackup(dbPath: string, dir: string, now: Date, expected: CopyExpectation, copy: (partial: string) => void | Promise<void>, audit?: AuditSink): Promise<{ path: string; finish: () => Promise<void>; abandon: (reason: string) => void }> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const destination = join(dir, `${basename(dbPath)}.${createHash('sha256').update(resolve(dbPath)).digest('hex').slice(0, 12)}.${stamp}.pre-apply.bak`);
  const partial = `${destination}.partial`;
  const ticket = audit?.intend({ kind: 'backup', path: destination }) ?? null;
  let settled = false;
  const fail = (error: unknown): DriftdError => {
    rmSync(partial, { force: true });
    if (ticket && !settled) audit!.settle(ticket, { status: 'not-applied', reason: `backup failed: ${(error as Error).message}` });
    settled = true;
    return new DriftdError('BACKUP_FAILED', `backing up "${dbPath}" to "${destination}" before applying the plan failed, nothing was applied: ${(error as Error).message}`, {
      cause: error,
      where: { file: dbPath, backup: destination },
      hint: 'check that the backup directory (--backup DIR) is writable and has space for a copy of the database',
    });
  };
  let verification: ReturnType<typeof verifyCopyInBackground>;
  try {
    mkdirSync(dir, { recursive: true });
    await copy(partial);
    verification = verifyCopyInBackground(partial, expected);
  } catch (error) {
    throw fail(error);
  }
  return {
    path: destination,
    finish: async () => {
      const problem = await verification.result;
      if (problem !== null) throw fail(new Error(problem));
      try {
        renameSync(partial, destination);
      } catch (error) {
        throw fail(error);
      }
      if (ticket) audit!.settle(ticket, { status: 'applied' });
      settled = true;
    },
    abandon: (reason) => {
      // The rebuild failed first: wait for nothing, keep no unverified copy.
      verification.cancel();
      void verification.result.then(() => rmSync(partial, { force: true }));
      if (ticket && !settled) audit!.settle(ticket, { status: 'not-applied', reason: `not kept: ${reason}` });
      settled = true;
    },
  };
}

/**
 * The copy in a rollback-journal mode: the database file read byte for byte through `source` while
 * apply's connection holds the write lock and has written nothing yet — no other connection can
 * write, a hot journal was rolled back before apply read the schema, and readers write nothing — so
 * the file is the committed state, page for page (a third of the backup API's time: no pager, no
 * page-by-page copy into a second database). `source` is the connection's own file
 * (`openConnectionFile`: opened beneath its root without following a link, and proved to be the file
 * SQLite has open), never the path reopened. Synced before it counts. `source` must stay open until
 * apply's connection has closed: closing any descriptor of the file drops every POSIX lock this
 * process holds on it (fcntl(2); open-database.ts), apply's own included.
 */
function copyFileUnderLock(source: number, partial: string): void {
  const out = openSync(partial, 'w', 0o644);
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; ; ) {
      const read = readSync(source, buffer, 0, buffer.length, at);
      if (read === 0) break;
      for (let written = 0; written < read; ) written += writeSync(out, buffer, written, read - written, at + written);
      at += read;
    }
    fsyncSync(out);
  } finally {
    closeSync(out);
  }
}

/**
 * The copy in WAL mode, where the file alone is not the committed state (the WAL holds the rest):
 * SQLite's online backup API, all pages in one step, from a second, read-only connection opened
 * through the same directory descriptor as apply's (`openConnectionReader`: never the path again,
 * so a name swapped for a link fails to open). It is closed after apply's connection, like the file
 * copy's descriptor (SQLite's unix VFS shares one descriptor per file between a process's
 * connections, so its close drops none of apply's locks — test/db/connection-file.test.ts — but
 * nothing here depends on that). The copy must still match what apply's connection reads under the
 * lock: its page count, schema fingerprint and row counts.
 */
async function backupApiCopy(reader: DatabaseHandle, partial: string): Promise<void> {
  await reader.backup(partial, { progress: () => 0x7fffffff });
}

/** The declaration apply loaded must still declare each rebuilt table as the plan does. */
function assertDeclarationUnchanged(plan: PlanDocument, declared: Schema, planPath: string): void {
  for (const rebuild of plan.tables) {
    const table = findTable(declared, rebuild.table);
    if (!table || table.sql !== rebuild.declaredSql) {
      throw new DriftdError('PLAN_STALE', `the declaration "${plan.schema}" no longer declares "${rebuild.table}" as plan "${planPath}" does; nothing was applied`, {
        where: { file: planPath, table: rebuild.table },
        hint: 'make a new plan from the current declaration: driftd plan',
      });
    }
  }
}

function stale(dbPath: string, planPath: string, now: string, plan: PlanDocument): DriftdError {
  return new DriftdError('PLAN_STALE', `the schema of "${dbPath}" changed since plan "${planPath}" was made (fingerprint ${now}, the plan was made from ${plan.fingerprint.before}); nothing was applied`, {
    where: { file: dbPath, plan: planPath },
    hint: 'review the change, then make a new plan: driftd plan',
  });
}

function verifyFailed(table: string, what: string): DriftdError {
  return new DriftdError('APPLY_VERIFY_FAILED', `rebuild of "${table}": ${what}; rolled back, nothing was applied`, { where: { table } });
}

/** The AUTOINCREMENT counter as an exact integer (a JS number would bind back as a REAL). */
function readSequence(db: DatabaseHandle, table: string): bigint | null {
  const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ? AND typeof(seq) = 'integer'").safeIntegers(true).get(table) as { seq: bigint } | undefined;
  return row?.seq ?? null;
}

function fingerprintOf(db: DatabaseHandle, dbPath: string): string {
  try {
    return schemaFingerprint(db);
  } catch (error) {
    throw sqliteError(error, dbPath, 'reading the schema');
  }
}

function rowCount(db: { prepare(sql: string): { get(): unknown } }, table: string): number {
  return Number((db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`).get() as { n: number }).n);
}
