import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { DaemonLogger } from './daemon-logger.js';
import type { ErrorSummary } from '../errors/driftd-error.js';
import { TARGET_STATES, worstState, type TargetState } from '../pipeline/target-state.js';
import { driftedFiles, type FleetFileResult, type FleetSweepReport } from '../report/report-vocabulary.js';
import type { TargetCycleReport } from '../report/report-vocabulary.js';

/**
 * Recording: turns one target's cycle report into metrics and log lines — one
 * line per drift item when first found, per repair applied, per row recovered,
 * per skipped directory (once). Remembers only what it has already logged.
 */
export class CycleRecorder {
  private readonly loggedDrift = new Map<string, Set<string>>();
  private readonly loggedSkips = new Set<string>();
  /** Per fleet file, what was last logged about it (its drift or its error), so a recheck that finds the same says nothing. */
  private readonly loggedFiles = new Map<string, string>();
  /** Per target, the state (and its error's code) last logged: a change is said once, not every cycle. */
  private readonly loggedStates = new Map<string, string>();

  constructor(
    private readonly metrics: DaemonMetrics,
    private readonly logger: DaemonLogger,
    private readonly now: () => Date,
  ) {}

  record(report: TargetCycleReport): void {
    const { metrics, logger } = this;
    const target = report.target;
    metrics.checkRan(target, report.durationMs / 1000);
    const failure = report.cycleError;
    if (failure) {
      metrics.checkFailed(target, failure.code);
      logger.error({ target, code: failure.code, hint: failure.hint }, `${report.repairFailed ? 'repair' : 'check'} failed: ${failure.message}`);
      if (report.repairFailed) metrics.repairFailed(target);
      if (report.repairFailed && report.repairBackoff && report.repairBackoff.failures > 0) {
        logger.warn({ target, failures: report.repairBackoff.failures, retryAt: report.repairBackoff.retryAt, code: report.repairBackoff.lastCode }, 'repairs backed off: drift is checked and reported, not repaired, until the cause goes (space freed, permissions or owner changed), the retry time, or a schema change');
      }
    } else {
      metrics.checkSucceeded(target, this.now().getTime() / 1000);
    }
    metrics.targetStateIs(target, report.state);
    // The failure line above already said what this cycle's own attempt hit.
    this.recordStateChange(target, report.state, report.error, { target }, failure !== null && failure.code === report.error?.code);
    const check = report.check;
    metrics.targetState({
      target,
      up: report.up,
      inSync: check ? check.inSync : null,
      drift: (check?.remaining ?? []).map((item) => ({ table: item.table, kind: item.kind, safe: item.safe })),
      extras: check?.extras ?? [],
    });
    if (check && !report.fastPath && report.checkedAt === report.startedAt) {
      // One line per drift item when it is first found, not again on every later full check.
      const seen = this.loggedDrift.get(target) ?? new Set<string>();
      const current = new Set(check.drift.map(driftLogKey));
      this.loggedDrift.set(target, current);
      let newDrift = false;
      for (const item of check.drift) {
        if (seen.has(driftLogKey(item))) continue;
        newDrift = true;
        logger.warn(
          { target, table: item.table, column: item.column, index: item.index, view: item.view, trigger: item.trigger, kind: item.kind, safety: item.safe ? 'safe' : 'unsafe', reason: item.reason, hint: item.hint },
          `drift found: ${item.detail}`,
        );
      }
      // Said once with the drift it holds back, not on every later check.
      if (newDrift && check.repairHeld !== null) logger.warn({ target, migrationTools: check.migrationTools.map((tool) => tool.id) }, `repair held: ${check.repairHeld}`);
    }
    for (const step of report.applied) {
      metrics.repairApplied(target, step.table, step.kind);
      logger.info({ target, table: step.table, column: step.column, index: step.index, view: step.view, trigger: step.trigger, kind: step.kind, sql: step.sql }, 'repair applied');
    }
    if (!report.reconciled) return;
    this.recordReconcile(report);
  }

  /** One line when a target's (or fleet file's) state or the code of its error changes; nothing while it stays. */
  private recordStateChange(key: string, state: TargetState, error: ErrorSummary | null, fields: Record<string, unknown>, alreadySaid: boolean): void {
    const said = `${state}\u0000${error?.code ?? ''}`;
    const before = this.loggedStates.get(key);
    if (before === said) return;
    this.loggedStates.set(key, said);
    if (alreadySaid || (before === undefined && (state === 'in_sync' || state === 'drifted'))) return;
    const line = `state: ${state.replace('_', ' ')}${error ? ` (${error.code}: ${error.message})` : ''}`;
    if (state === 'repair_failing' || state === 'error') this.logger.error({ ...fields, state, code: error?.code, hint: error?.hint }, line);
    else this.logger.info({ ...fields, state }, line);
  }

  /**
   * A fleet target's sweep: counts per state, drift items summed over its files
   * (labels stay target/table/kind/safety: never a path), repairs and recovered
   * rows per table and kind; one log line per file whose drift or error is new,
   * per repair applied (with the file's path) and per sweep that dropped files.
   */
  recordFleet(report: FleetSweepReport, drifted: readonly FleetFileResult[]): void {
    const { metrics, logger } = this;
    const target = report.target;
    metrics.checkRan(target, report.durationMs / 1000);
    if (report.error) {
      metrics.checkFailed(target, report.error.code);
      logger.error({ target, code: report.error.code, hint: report.error.hint }, `fleet sweep failed: ${report.error.message}`);
    } else {
      metrics.checkSucceeded(target, this.now().getTime() / 1000);
    }
    metrics.fleetSwept(target, report.totals, report.dropped);
    if (report.repairFailures > 0) metrics.repairFailed(target, report.repairFailures);
    metrics.targetStateIs(target, report.error ? 'error' : worstState(TARGET_STATES.filter((state) => report.totals[state] > 0)));
    metrics.targetState({
      target,
      up: report.error === null,
      inSync: driftedFiles(report.totals) === 0,
      drift: drifted.flatMap((file) => file.drift.map((item) => ({ table: item.table, kind: item.kind, safe: item.safe }))),
      extras: [],
    });
    for (const { table, kind, count } of report.repairs) metrics.repairApplied(target, table, kind, count);
    if (report.reconcile.length > 0) metrics.reconcileRound(target, report.reconcile);
    if (report.dropped > 0) logger.info({ target, dropped: report.dropped, files: report.files }, `${report.dropped} file${report.dropped === 1 ? '' : 's'} dropped: no longer there`);
    for (const entry of report.unlisted) logger.warn({ target, directory: entry.directory }, `fleet directory not listable: ${entry.message}`);
    for (const file of report.fresh) {
      const fileKey = `${target}\u0000${file.path}`;
      for (const step of file.applied) logger.info({ target, database: file.path, table: step.table, column: step.column, index: step.index, kind: step.kind, sql: step.sql }, 'repair applied');
      const said = (file.state === 'error' || file.state === 'repair_failing') && file.error ? `${file.state}:${file.error.code}` : file.state === 'drifted' ? `drift:${file.drift.map(driftLogKey).join('\u0001')}` : '';
      if (said === (this.loggedFiles.get(fileKey) ?? '')) continue;
      if (said === '') this.loggedFiles.delete(fileKey);
      else this.loggedFiles.set(fileKey, said);
      if (file.state === 'repair_failing' && file.error) logger.error({ target, database: file.path, code: file.error.code, hint: file.error.hint, retryAt: file.repairBackoff?.retryAt }, `repair failed: ${file.error.message}`);
      else if (file.state === 'error' && file.error) logger.error({ target, database: file.path, code: file.error.code, hint: file.error.hint }, `check failed: ${file.error.message}`);
      else if (file.state === 'drifted') {
        logger.warn({ target, database: file.path, kinds: [...new Set(file.drift.map((item) => item.kind))], items: file.drift.length, safe: file.drift.filter((item) => item.safe).length }, `drift found: ${file.drift.map((item) => item.detail).join('; ')}`);
      }
    }
  }

  private recordReconcile(report: TargetCycleReport): void {
    const { metrics, logger } = this;
    const target = report.target;
    metrics.reconcileRound(
      target,
      report.reconcile.map((rule) => ({ table: rule.table, orphans: Math.max(0, rule.orphans - rule.recovered.length - rule.raced), recovered: rule.recovered.length, dangling: rule.dangling, skipped: rule.skipped.length })),
    );
    // Only the directories skipped in this round stay remembered: the set follows the tree, it does not grow with churn.
    const skippedNow = new Set<string>();
    for (const rule of report.reconcile) {
      if (rule.blockedBy) logger.warn({ target, rule: rule.rule, table: rule.table }, `reconcile blocked: ${rule.blockedBy}`);
      for (const row of rule.recovered) logger.info({ target, rule: rule.rule, table: rule.table, directory: row.directory, path: row.path }, 'row recovered');
      for (const skipped of rule.skipped) {
        // A directory still being written is normal; anything else the operator should see — once, not every cycle.
        const key = `${target}\u0000${rule.rule}\u0000${skipped.directory}\u0000${skipped.reason}`;
        const first = !this.loggedSkips.has(key);
        skippedNow.add(key);
        const fields = { target, rule: rule.rule, table: rule.table, directory: skipped.directory, reason: skipped.reason };
        // Each skip is logged once (README): a settling directory at info (a later round takes it),
        // any other at warn (it waits for a person); repeats at debug.
        if (first && skipped.reason === 'settling') logger.info(fields, `directory skipped: ${skipped.detail}`);
        else if (first) logger.warn(fields, `directory skipped: ${skipped.detail}`);
        else logger.debug(fields, `directory skipped: ${skipped.detail}`);
      }
    }
    for (const key of this.loggedSkips) if (key.startsWith(`${target}\u0000`) && !skippedNow.has(key)) this.loggedSkips.delete(key);
    for (const key of skippedNow) this.loggedSkips.add(key);
  }

  /** How many skipped directories are remembered (bounded by the directories skipped in each target's last round). */
  get rememberedSkips(): number {
    return this.loggedSkips.size;
  }
}

function driftLogKey(item: { kind: string; table: string; column?: string; index?: string; detail: string }): string {
  return [item.kind, item.table, item.column ?? '', item.index ?? '', item.detail].join('\u0000');
}
