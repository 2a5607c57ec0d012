import type { AuditSink } from '../audit/audit-sink.js';
import { createHash } from 'node:crypto';
import { checkDatabase, checkedReport, inspectDatabase, judgeCheck, type BackupSettings, type CheckFindings } from '../check/check-database.js';
import { replicaHold } from '../check/replica.js';
import type { BeneathRoot } from '../db/open-beneath.js';
import { openOptionsOf, openReadOnly, sqliteError } from '../db/open-database.js';
import type { DiffOptions } from '../diff/diff.js';
import { schemaVersion } from '../introspect/introspect.js';
import { DEFAULT_SAFETY_CONTEXT, type SafetyContext } from '../repair/assess-safety.js';
import type { Schema } from '../schema/schema-model.js';
import type { CheckReport } from '../report/report-vocabulary.js';

/**
 * Findings by the text of a database's `sqlite_schema`. SQLite keeps a schema
 * only as the original CREATE statements in `sqlite_schema` and rebuilds its
 * in-memory schema by parsing them on every open (schematab.html), so two files
 * whose rows are identical — type, name, tbl_name and sql, in order — have the
 * same schema, and one introspection and diff serves both. A fleet migrated by
 * the same code has a handful of distinct schemas among thousands of files.
 * Findings that depend on a file's rows (`fromRows`: an FTS index judged from
 * them, a step pretested against them) are never shared. Each file is judged
 * from them on its own (`judgeCheck`: its replica hold is its own).
 * Bounded; cleared when the declaration or the target's settings change.
 */
export class VerdictMemo {
  private readonly entries = new Map<string, CheckFindings>();
  private scope: string | null = null;

  constructor(private readonly capacity = 64) {}

  /** The entries belong to one declaration and one set of diff/safety settings. */
  useScope(scope: string): void {
    if (scope === this.scope) return;
    this.entries.clear();
    this.scope = scope;
  }

  get(key: string): CheckFindings | undefined {
    return this.entries.get(key);
  }

  set(key: string, findings: CheckFindings): void {
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, findings);
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
 * Checks one fleet file with the one check step: opens it read-only, reads
 * `sqlite_schema` and, unless a file with the same schema text was already
 * inspected, takes the same look as a single-file target (`inspectDatabase`:
 * introspect, diff, FTS from the rows, plan pretested against the rows); the
 * same judgement (`judgeCheck`) decides. In repair mode a file to repair goes
 * through `checkDatabase`, the same repair path as a single-file target (one
 * `BEGIN IMMEDIATE`, re-checked inside). Returns a `CheckReport`; throws `DriftdError`.
 */
export async function checkFleetFile(request: FleetFileCheckRequest): Promise<CheckReport> {
  const clock = request.clock ?? (() => performance.now());
  const safety = request.safety ?? DEFAULT_SAFETY_CONTEXT;
  const t0 = clock();
  const db = openReadOnly(request.dbPath, openOptionsOf(request));
  let findings: CheckFindings | undefined;
  let version: number;
  try {
    const rows = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY rowid').raw(true).all();
    version = schemaVersion(db);
    const key = createHash('sha256').update(JSON.stringify(rows)).digest('base64');
    findings = request.memo.get(key);
    if (!findings) {
      findings = await inspectDatabase(db, request.dbPath, { declared: request.declared, diff: request.diff, safety });
      if (!findings.fromRows) request.memo.set(key, findings);
    }
  } catch (error) {
    throw sqliteError(error, request.dbPath, 'introspecting');
  } finally {
    db.close();
  }
  const verdict = judgeCheck(findings, { mode: request.mode, repairUnderMigrationTool: request.repairUnderMigrationTool === true, replica: () => replicaHold(request.dbPath) });
  if (verdict.repair) {
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
  return checkedReport(request.dbPath, verdict, version, { introspectMs: clock() - t0, diffMs: 0, applyMs: 0 });
}
