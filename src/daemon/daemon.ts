import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import cron, { type ScheduledTask } from 'node-cron';
import { formatProblems, validateConfigFile, type ValidatedConfig } from '../config/validate-config.js';
import type { Config } from '../config/parse-config.js';
import { assessHealth, type HealthReport } from '../health/assess-health.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import type { DaemonLogger } from './daemon-logger.js';
import { watchFiles, type FileWatcher } from './file-watcher.js';
import { transition, type LifecycleState } from './lifecycle.js';
import { TargetRunner, reconcileRules, type ReconcileStep, type TargetCycleReport } from './target-runner.js';

export type CycleReason = 'schedule' | 'watch' | 'http' | 'reload' | 'start' | 'manual';

export type ReloadReason = 'sighup' | 'watch' | 'schema' | 'http';

export interface CycleReport {
  readonly cycle: number;
  readonly reason: CycleReason;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly targets: readonly TargetCycleReport[];
}

export interface ReloadOutcome {
  readonly ok: boolean;
  /** The config differed from the running one and was switched to. */
  readonly changed: boolean;
  readonly problems: readonly string[];
}

export interface DaemonOptions {
  readonly configPath: string;
  /** The config validated at startup (the CLI refuses to start without one). */
  readonly initial: ValidatedConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: DaemonLogger;
  readonly metrics: DaemonMetrics;
  readonly reconcile?: ReconcileStep;
  readonly now?: () => Date;
  /** Monotonic milliseconds. */
  readonly clock?: () => number;
}

/**
 * The service loop around one callable step, `runCycle()`. The constructor
 * starts nothing; `start()` arms the node-cron schedule and the chokidar
 * watchers; tests call `runCycle()` directly.
 *
 * Cycles never overlap: a scheduled tick that finds one running is skipped and
 * counted (`driftd_cycles_skipped_total`); a file change or POST /check during
 * a cycle is queued and coalesced into one follow-up cycle. A new config is
 * validated whole (config and every schema file) and switched to only between
 * cycles; an invalid one leaves the last good config running.
 */
export class Daemon {
  private state: LifecycleState = 'created';
  private active: ValidatedConfig;
  private readonly runners = new Map<string, TargetRunner>();
  private task: ScheduledTask | null = null;
  private watcher: FileWatcher | null = null;
  private running: Promise<CycleReport> | null = null;
  private queued: Promise<CycleReport> | null = null;
  /** Config switches requested during a cycle, run when it ends and before any queued cycle starts. */
  private readonly pendingSwitches: Array<() => void> = [];
  private cycleCount = 0;
  private skippedTicks = 0;
  private lastCycle: CycleReport | null = null;
  /** The last failed reload (file hash and problems), so the same broken file is not re-reported on every tick. */
  private lastAttempt: string | null = null;
  private lastReload: { ok: boolean; atMs: number; problems: readonly string[] };
  private readonly now: () => Date;
  private readonly clock: () => number;
  private readonly reconcile: ReconcileStep;
  private readonly loggedDrift = new Map<string, Set<string>>();
  private readonly loggedSkips = new Set<string>();

  constructor(private readonly options: DaemonOptions) {
    this.now = options.now ?? (() => new Date());
    this.clock = options.clock ?? (() => performance.now());
    this.reconcile = options.reconcile ?? reconcileRules;
    this.active = options.initial;
    this.lastReload = { ok: true, atMs: this.now().getTime(), problems: [] };
    options.metrics.configLoaded(true, this.lastReload.atMs / 1000);
    this.syncRunners();
  }

  get lifecycle(): LifecycleState {
    return this.state;
  }

  get config(): Config {
    return this.active.config;
  }

  /** Arms the schedule and the watchers. */
  start(): void {
    this.state = transition(this.state, 'running');
    this.armSchedule();
    this.armWatcher();
    this.options.logger.info({ schedule: this.config.schedule, watch: this.config.watch, targets: this.config.targets.map((target) => target.name) }, 'daemon started');
  }

  /**
   * Runs one cycle over every target now: the schema step (fast path or full
   * check, repair for `repair: "auto"`), then the reconcile step. If a cycle is
   * running, waits for it and runs one more (coalesced with other waiters).
   */
  runCycle(reason: CycleReason = 'manual'): Promise<CycleReport> {
    if (this.state === 'stopping' || this.state === 'stopped') return this.running ?? Promise.resolve(this.lastCycle ?? this.emptyCycle(reason));
    if (!this.running) return this.startCycle(reason);
    if (!this.queued) {
      this.queued = this.running.then(
        () => {
          this.queued = null;
          return this.startCycle(reason);
        },
        () => {
          this.queued = null;
          return this.startCycle(reason);
        },
      );
    }
    return this.queued;
  }

  /** A scheduled tick: skipped and counted when a cycle is still running. */
  tick(): void {
    if (this.running) {
      this.skippedTicks++;
      this.options.metrics.cycleSkipped();
      this.options.logger.debug({ skipped: this.skippedTicks }, 'tick skipped: a cycle is still running');
      return;
    }
    void this.startCycle('schedule');
  }

  /**
   * Re-reads and re-validates the config and every schema file. Valid: switch
   * to it (between cycles) and run a cycle. Invalid: keep the last good config,
   * log every problem, flip `driftd_config_last_reload_successful` to 0.
   * `force` re-reports an unchanged broken file (SIGHUP does).
   */
  async reload(reason: ReloadReason, force = true): Promise<ReloadOutcome> {
    // Switch only between cycles: a running cycle finishes on the config it started with, and a cycle
    // queued behind it (POST /check, a watched write) starts on the new one, never halfway through a switch.
    const outcome = await this.betweenCycles(() => this.switchConfig(reason, force));
    if (outcome.changed && this.state === 'running') {
      await this.armWatcher();
      void this.runCycle('reload');
    }
    return outcome;
  }

  /** Stops timers and watchers, lets the running cycle finish, closes every database. */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = transition(this.state, this.state === 'created' ? 'stopped' : 'stopping');
    this.task?.destroy();
    this.task = null;
    await this.watcher?.close();
    this.watcher = null;
    await this.running?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
    for (const runner of this.runners.values()) runner.close();
    if (this.state === 'stopping') this.state = transition(this.state, 'stopped');
    this.options.logger.info({ cycles: this.cycleCount }, 'daemon stopped');
  }

  /** The longest gap between scheduled ticks, for staleness. */
  intervalMs(): number {
    const schedule = this.config.schedule;
    if (this.interval?.schedule !== schedule) this.interval = { schedule, ms: scheduleIntervalMs(schedule) };
    return this.interval.ms;
  }

  private interval: { schedule: string; ms: number } | null = null;

  health(): HealthReport {
    return assessHealth({
      nowMs: this.now().getTime(),
      intervalMs: this.intervalMs(),
      configLoaded: true,
      lastReload: this.lastReload,
      targets: this.config.targets.map((target) => {
        const runner = this.runners.get(target.name);
        const report = runner?.report ?? null;
        return { name: target.name, up: report?.up ?? false, lastSuccessMs: runner?.lastSuccessAtMs ?? null, lastError: report?.error ?? null };
      }),
    });
  }

  /** GET /status: the daemon's state and each target's last report. */
  status(): Record<string, unknown> {
    return {
      state: this.state,
      config: {
        source: this.options.configPath,
        schedule: this.config.schedule,
        watch: this.config.watch,
        lastReload: { ok: this.lastReload.ok, at: new Date(this.lastReload.atMs).toISOString(), problems: this.lastReload.problems },
      },
      cycles: { completed: this.cycleCount - (this.running ? 1 : 0), skippedTicks: this.skippedTicks, running: this.running !== null, last: this.lastCycle ? { cycle: this.lastCycle.cycle, reason: this.lastCycle.reason, startedAt: this.lastCycle.startedAt, durationMs: this.lastCycle.durationMs } : null },
      targets: this.config.targets.map((target) => this.runners.get(target.name)?.report ?? { target: target.name, database: target.database, pending: true }),
    };
  }

  private startCycle(reason: CycleReason): Promise<CycleReport> {
    const cycle = ++this.cycleCount;
    const run = this.cycleBody(cycle, reason).finally(() => {
      this.running = null;
      // Runs before a queued cycle's start (that waits on this promise, so it comes after this callback).
      this.runPendingSwitches();
    });
    this.running = run;
    return run;
  }

  /** Runs `change` now when no cycle is running, else right after the running one ends and before the next starts. */
  private betweenCycles<T>(change: () => T): Promise<T> {
    if (!this.running) return Promise.resolve(change());
    return new Promise<T>((resolve, reject) => {
      this.pendingSwitches.push(() => {
        try {
          resolve(change());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private runPendingSwitches(): void {
    for (const change of this.pendingSwitches.splice(0)) change();
  }

  private async cycleBody(cycle: number, reason: CycleReason): Promise<CycleReport> {
    const log = this.options.logger;
    this.runPendingSwitches();
    // A schema file edited while watching was off (or missed) is noticed by its hash here; config edits by SIGHUP or the watcher.
    if (this.schemaFilesChanged() && this.switchConfig('schema', false).changed && this.state === 'running') await this.armWatcher();
    // The snapshot this cycle runs on, whole: each target's settings travel with their declaration into the run.
    const active = this.active;
    const startedAt = this.now();
    const t0 = this.clock();
    log.debug({ cycle, reason }, 'cycle started');
    const reports: TargetCycleReport[] = [];
    for (const target of active.config.targets) {
      const runner = this.runners.get(target.name);
      const declared = active.declared.get(target.name);
      if (!runner || !declared) continue;
      const report = await runner.run(target, declared, {
        busyTimeoutMs: active.config.busyTimeoutMs,
        backup: active.config.backup.enabled ? { dir: active.config.backup.dir, keep: active.config.backup.keep } : null,
        reconcileOnlyAfterChange: reason === 'watch',
      });
      this.record(report);
      reports.push(report);
      // Yield between targets so HTTP requests and ticks are served during a long cycle.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result: CycleReport = { cycle, reason, startedAt: startedAt.toISOString(), durationMs: this.clock() - t0, targets: reports };
    this.lastCycle = result;
    log.debug({ cycle, reason, durationMs: result.durationMs }, 'cycle finished');
    return result;
  }

  /** Metrics and log lines for one target's cycle: one line per drift found, repair applied, row recovered. */
  private record(report: TargetCycleReport): void {
    const { metrics, logger } = this.options;
    const target = report.target;
    metrics.checkRan(target, report.durationMs / 1000);
    if (report.error) {
      metrics.checkFailed(target, report.error.code);
      logger.error({ target, code: report.error.code, hint: report.error.hint }, `check failed: ${report.error.message}`);
    } else {
      metrics.checkSucceeded(target, this.now().getTime() / 1000);
    }
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
      for (const item of check.drift) {
        if (seen.has(driftLogKey(item))) continue;
        logger.warn(
          { target, table: item.table, column: item.column, index: item.index, view: item.view, trigger: item.trigger, kind: item.kind, safety: item.safe ? 'safe' : 'unsafe', reason: item.reason, hint: item.hint },
          `drift found: ${item.detail}`,
        );
      }
    }
    for (const step of report.applied) {
      metrics.repairApplied(target, step.table, step.kind);
      logger.info({ target, table: step.table, column: step.column, index: step.index, view: step.view, trigger: step.trigger, kind: step.kind, sql: step.sql }, 'repair applied');
    }
    if (!report.reconciled) return;
    metrics.reconcileRound(
      target,
      report.reconcile.map((rule) => ({ table: rule.table, orphans: Math.max(0, rule.orphans - rule.recovered.length - rule.raced), recovered: rule.recovered.length, dangling: rule.dangling, skipped: rule.skipped.length })),
    );
    for (const rule of report.reconcile) {
      if (rule.blockedBy) logger.warn({ target, rule: rule.rule, table: rule.table }, `reconcile blocked: ${rule.blockedBy}`);
      for (const row of rule.recovered) logger.info({ target, rule: rule.rule, table: rule.table, directory: row.directory, path: row.path }, 'row recovered');
      for (const skipped of rule.skipped) {
        // A directory still being written is normal; anything else the operator should see — once, not every cycle.
        const key = `${target}\u0000${rule.rule}\u0000${skipped.directory}\u0000${skipped.reason}`;
        const first = !this.loggedSkips.has(key);
        this.loggedSkips.add(key);
        const fields = { target, rule: rule.rule, table: rule.table, directory: skipped.directory, reason: skipped.reason };
        if (first && skipped.reason !== 'settling') logger.warn(fields, `directory skipped: ${skipped.detail}`);
        else logger.debug(fields, `directory skipped: ${skipped.detail}`);
      }
    }
  }

  private schemaFilesChanged(): boolean {
    for (const target of this.active.config.targets) {
      const declared = this.active.declared.get(target.name);
      if (declared && fileHash(target.schema) !== declared.contentHash) return true;
    }
    return false;
  }

  /**
   * Validates the config file and every schema file, and switches to them when
   * valid. Synchronous, so no cycle can start halfway through a switch.
   */
  private switchConfig(reason: ReloadReason, force: boolean): ReloadOutcome {
    const result = validateConfigFile(this.options.configPath, this.options.env);
    const nowMs = this.now().getTime();
    if (!result.ok) {
      const problems = formatProblems(result.problems);
      const attempt = `${result.configHash}\u0000${problems.join('\n')}`;
      // The same broken file seen again (every tick, every write of a half-saved file) is reported once.
      if (!force && attempt === this.lastAttempt && !this.lastReload.ok) return { ok: false, changed: false, problems };
      this.lastAttempt = attempt;
      this.lastReload = { ok: false, atMs: nowMs, problems };
      this.options.metrics.configLoaded(false, nowMs / 1000);
      this.options.logger.error({ reason, config: this.options.configPath, problems }, 'config reload failed; keeping the last good config');
      return { ok: false, changed: false, problems };
    }
    const next = result.validated;
    this.lastAttempt = null;
    const changed = next.configHash !== this.active.configHash || schemaHashes(next) !== schemaHashes(this.active);
    const before = this.active.config;
    this.lastReload = { ok: true, atMs: nowMs, problems: [] };
    this.options.metrics.configLoaded(true, nowMs / 1000);
    if (changed) {
      this.active = next;
      this.syncRunners();
      if (this.state === 'running' && before.schedule !== next.config.schedule) this.armSchedule();
      if (before.http.host !== next.config.http.host || before.http.port !== next.config.http.port) {
        this.options.logger.warn({ host: next.config.http.host, port: next.config.http.port }, 'http listener settings take effect on restart only');
      }
    }
    this.options.logger.info({ reason, config: this.options.configPath, changed, targets: next.config.targets.map((target) => target.name) }, 'config reloaded');
    return { ok: true, changed, problems: [] };
  }

  /** Makes the runners match the active config: new targets get one, removed ones are closed and their series dropped. */
  private syncRunners(): void {
    const wanted = new Set(this.active.config.targets.map((target) => target.name));
    for (const [name, runner] of this.runners) {
      if (!wanted.has(name)) {
        runner.close();
        this.runners.delete(name);
        this.options.metrics.removeTarget(name);
      }
    }
    for (const name of wanted) {
      const existing = this.runners.get(name);
      if (!existing) {
        this.runners.set(name, new TargetRunner(name, { reconcile: this.reconcile, clock: this.clock, now: this.now }));
        this.options.metrics.addTarget(name);
      }
    }
  }

  private armSchedule(): void {
    this.task?.destroy();
    const logger = this.options.logger;
    this.task = cron.createTask(this.config.schedule, () => this.tick(), {
      name: 'driftd-cycle',
      // Overlap is ours to decide and count (tick()); node-cron's own warnings go to our log.
      suppressMissedWarning: true,
      logger: {
        info: (message) => logger.debug({ source: 'node-cron' }, String(message)),
        warn: (message) => logger.warn({ source: 'node-cron' }, String(message)),
        error: (message) => logger.error({ source: 'node-cron' }, String(message)),
        debug: (message) => logger.debug({ source: 'node-cron' }, String(message)),
      },
    });
    void this.task.start();
  }

  private async armWatcher(): Promise<void> {
    const previous = this.watcher;
    this.watcher = null;
    await previous?.close();
    if (!this.config.watch) return;
    const config = this.config;
    const configFiles = new Set([this.options.configPath, ...config.targets.map((target) => target.schema)]);
    const databaseFiles = config.targets.flatMap((target) => [target.database, `${target.database}-wal`]);
    this.watcher = watchFiles(
      [...configFiles, ...databaseFiles],
      config.debounceMs,
      (changed) => {
        if (this.state !== 'running') return;
        const configTouched = [...changed].some((path) => configFiles.has(path));
        this.options.logger.debug({ changed: [...changed] }, 'files changed');
        if (configTouched) void this.reload('watch', false);
        else void this.runCycle('watch');
      },
      (error) => this.options.logger.warn({ error: String(error) }, 'file watcher error'),
    );
  }

  private emptyCycle(reason: CycleReason): CycleReport {
    return { cycle: this.cycleCount, reason, startedAt: this.now().toISOString(), durationMs: 0, targets: [] };
  }
}

function driftLogKey(item: { kind: string; table: string; column?: string; index?: string; detail: string }): string {
  return [item.kind, item.table, item.column ?? '', item.index ?? '', item.detail].join('\u0000');
}

function schemaHashes(validated: ValidatedConfig): string {
  return [...validated.declared.entries()].map(([name, declared]) => `${name}=${declared.contentHash}`).join(',');
}

function fileHash(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

/** The longest gap between the next few runs of a cron expression (irregular schedules take their worst case). */
export function scheduleIntervalMs(expression: string): number {
  const task = cron.createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(6).map((date) => date.getTime());
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]! - runs[i - 1]!);
    return longest > 0 ? longest : 30_000;
  } finally {
    void task.destroy();
  }
}
