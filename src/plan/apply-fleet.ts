import type { AuditSink } from '../audit/audit-sink.js';
import { DriftdError, summarizeError, type ErrorSummary } from '../errors/driftd-error.js';
import type { Schema } from '../schema/schema-model.js';
import { openFleetRoot } from '../fleet/list-fleet.js';
import { applyPlan, type ApplyOutcome } from './apply-plan.js';
import type { CheckDepth } from './check-structure.js';
import type { PlanDocument } from './plan-document.js';

export interface FleetApplyRequest {
  readonly plan: PlanDocument;
  readonly planPath: string;
  readonly declared: Schema;
  /** The fleet's root directory: every file is opened beneath it, never through a link below it. */
  readonly root: string;
  /** The fleet's files, sorted (listFleet). */
  readonly files: readonly string[];
  readonly busyTimeoutMs: number;
  readonly backupDir: string;
  readonly depth?: CheckDepth;
  /** The audit sink of one file (every file's backup and rebuild are recorded under its own database). */
  readonly audit?: (database: string) => AuditSink;
  /** Called after each file, for progress lines. */
  readonly onFile?: (result: FleetFileResult) => void;
}

/** One file's outcome: `not-run` after the first failure (the next run resumes there). */
export type FleetFileResult =
  | { readonly database: string; readonly status: 'applied' | 'already-applied'; readonly outcome: ApplyOutcome; readonly canary: boolean }
  | { readonly database: string; readonly status: 'failed'; readonly error: ErrorSummary; readonly canary: boolean }
  | { readonly database: string; readonly status: 'not-run'; readonly canary: boolean };

/**
 * Applies one plan to every file of a fleet, file by file: the canary first (the file the plan was
 * made from when it is in the fleet, else the first), then the others in order. Stops at the first
 * failure — a file whose schema is not the plan's (PLAN_STALE), a check that fails, a lock — and
 * marks the rest `not-run`. Run again, it resumes where it stopped: a file already rebuilt has the
 * plan's after fingerprint and is skipped, the failed one is tried again. Each file is one
 * `applyPlan`: its own verified backup, its own transaction, its own audit entries.
 */
export async function applyPlanToFleet(request: FleetApplyRequest): Promise<FleetFileResult[]> {
  const canary = request.files.includes(request.plan.database) ? request.plan.database : request.files[0];
  const order = canary === undefined ? [] : [canary, ...request.files.filter((file) => file !== canary)];
  const results: FleetFileResult[] = [];
  let stopped = false;
  // One descriptor of the root for the whole run: a tenant that swaps its directory for a symlink
  // after the listing meets DB_OUTSIDE_ROOT, not a file outside the root.
  const root = openFleetRoot(request.root);
  try {
    for (const database of order) {
      const isCanary = database === canary;
      if (stopped) {
        results.push({ database, status: 'not-run', canary: isCanary });
        continue;
      }
      let result: FleetFileResult;
      try {
        const outcome = await applyPlan({
          plan: request.plan,
          planPath: request.planPath,
          declared: request.declared,
          busyTimeoutMs: request.busyTimeoutMs,
          backupDir: request.backupDir,
          depth: request.depth,
          dbPath: database,
          root,
          ...(request.audit ? { audit: request.audit(database) } : {}),
        });
        result = { database, status: outcome.status, outcome, canary: isCanary };
      } catch (error) {
        const failure = error instanceof DriftdError ? error : new DriftdError('INTERNAL', (error as Error).message, { cause: error });
        result = { database, status: 'failed', error: summarizeError(failure), canary: isCanary };
        stopped = true;
      }
      results.push(result);
      request.onFile?.(result);
    }
  } finally {
    root.release();
  }
  return results;
}
