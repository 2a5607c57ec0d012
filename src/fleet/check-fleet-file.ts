import type { AuditSink } from '../audit/audit-sink.js';
import { createHash } from 'node:crypto';
import { hasExternalContentFts } from '../check/fts-staleness.js';
import { checkDatabase, repairHoldOf, reportDrift, withFtsJudgedFromRows, type BackupSettings } from '../check/check-database.js';
import type { BeneathRoot } from '../db/open-beneath.js';
import { detectMigrationTools } from '../migrations/migration-tools.js';
import { openOptionsOf, openReadOnly, sqliteError } from '../db/open-database.js';
import { diff, type DiffOptions } from '../diff/diff.js';
import { introspect, schemaVersion } from '../introspect/introspect.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from '../repair/assess-safety.js';
import { planRepair } from '../repair/plan-repair.js';
import type { Schema } from '../schema/schema-model.js';
import { type CheckReport } from '../report/report-vocabulary.js';

/** What a check of one file found, before any repair: shared between files with the same schema text. */
interface Verdict {
  readonly inSync: boolean;
  readonly drift: CheckReport['drift'];
  readonly extras: CheckReport['extras'];
  readonly repairable: boolean;
  readonly migrationTools: CheckReport['migrationTools'];
}

/**
 * Verdicts by the text of a database's `sqlite_schema`. SQLite keeps a schema
 * only as the original CREATE statements in `sqlite_schema` and rebuilds its
 * in-memory schema by parsing them on every open (schematab.html), so two files
 * whose rows are identical — type, name, tbl_name and sql, in order — have the
 * same schema, and one introspection and diff serves both. A fleet migrated by
 * the same code has a handful of distinct schemas among thousands of files.
 * Bounded; cleared when the declaration or the target's settings change.
 */
export class VerdictMemo {
  private readonly entries = new Map<string, Verdict>();
  private scope: string | null = null;

  constructor(private readonly capacity = 64) {}

  /** The entries belong to one declaration and one set of diff/safety settings. */
  useScope(scope: string): void {
    if (scope === this.scope) return;
    this.entries.clear();
    this.scope = scope;
  }

  get(key: string): Verdict | undefined {
    return this.entries.get(key);
  }

  set(key: string, verdict: Verdict): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, verdict);
  }

  get size(): number {
    return this.entries.size;
  }
}

export interface FleetFileCheckRequest {
  readonly dbPath: string;
  readonly declared: Schema;
  readonly mode: 'check' | 'dry-run' | 'repair';
  readonly busyTimeoutMs: number;
  readonly diff: DiffOptions;
  readonly safety?: SafetyContext;
  readonly backup: BackupSettings | null;
  /** The target's say-so to repair a database a migration tool manages. */
  readonly repairUnderMigrationTool?: boolean;
  readonly memo: VerdictMemo;
  /** Records the repair's statements and backup (audit trail). */
  readonly audit?: AuditSink;
  readonly clock?: () => number;
  readonly now?: () => Date;
  /** Called when a repair is about to start (see `CheckRequest.onRepairStart`). */
  readonly onRepairStart?: () => void;
  /** The fleet root the file is opened beneath: no link below it is ever followed (src/db/open-beneath.ts). */
  readonly root?: BeneathRoot;
}

/**
 * Checks one fleet file: opens it read-only, reads `sqlite_schema` and, unless
 * a file with the same schema text was already judged, introspects and diffs
 * it. In repair mode a file with safe drift goes through `checkDatabase`, the
 * same repair path as a single-file target (one `BEGIN IMMEDIATE`, re-checked
 * inside). Returns a `CheckReport`; throws `DriftdError`.
 */
export async function checkFleetFile(request: FleetFileCheckRequest): Promise<CheckReport> {
  const clock = request.clock ?? (() => performance.now());
  const safety = request.safety ?? DEFAULT_SAFETY_CONTEXT;
  const t0 = clock();
  const db = openReadOnly(request.dbPath, openOptionsOf(request));
  let verdict: Verdict | undefined;
  let version: number;
  try {
    const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid').raw(true).all();
    version = schemaVersion(db);
    const key = createHash('sha256').update(JSON.stringify(rows)).digest('base64');
    // An FTS index's staleness is judged from each file's rows, so such a declaration's verdicts are not shared.
    const shared = !hasExternalContentFts(request.declared);
    verdict = shared ? request.memo.get(key) : undefined;
    if (!verdict) {
      const live = introspect(db);
      const found = withFtsJudgedFromRows(db, request.declared, live, diff(request.declared, live, request.diff));
      const plan = planRepair(found.drift, safety);
      verdict = { inSync: found.drift.length === 0, drift: reportDrift(found.drift, plan), extras: found.extras, repairable: plan.steps.length > 0, migrationTools: detectMigrationTools(live) };
      if (shared) request.memo.set(key, verdict);
    }
  } catch (error) {
    throw sqliteError(error, request.dbPath, 'introspecting');
  } finally {
    db.close();
  }
  const repairHeld = repairHoldOf({ dbPath: request.dbPath, mode: request.mode, repairable: verdict.repairable, migrationTools: verdict.migrationTools, repairUnderMigrationTool: request.repairUnderMigrationTool === true });
  if (request.mode === 'repair' && verdict.repairable && repairHeld === null) {
    return checkDatabase({
      repairUnderMigrationTool: request.repairUnderMigrationTool === true,
      dbPath: request.dbPath,
      declared: request.declared,
      mode: 'repair',
      busyTimeoutMs: request.busyTimeoutMs,
      diff: request.diff,
      safety,
      backup: request.backup,
      clock,
      ...(request.root ? { root: request.root } : {}),
      ...(request.now ? { now: request.now } : {}),
      ...(request.audit ? { audit: request.audit } : {}),
      ...(request.onRepairStart ? { onRepairStart: request.onRepairStart } : {}),
    });
  }
  const t1 = clock();
  return {
    database: request.dbPath,
    inSync: verdict.inSync,
    drift: verdict.drift,
    extras: verdict.extras,
    applied: [],
    remaining: verdict.drift,
    schemaVersion: version,
    backupPath: null,
    migrationTools: verdict.migrationTools,
    repairHeld,
    timings: { introspectMs: t1 - t0, diffMs: 0, applyMs: 0 },
  };
}
