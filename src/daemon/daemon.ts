import type { AuditJournal } from '../audit/audit-journal.js';
import { resolvePending } from '../audit/resolve-pending.js';
import type { Config } from '../config/parse-config.js';
import type { ValidatedConfig } from '../config/validate-config.js';
import { assessHealth, type HealthReport } from '../health/assess-health.js';
import type { DaemonMetrics } from '../metrics/daemon-metrics.js';
import { ConfigReloader, type ReloadOutcome, type ReloadReason } from './config-reloader.js';
import { watchConfig } from './config-watcher.js';
import { CycleQueue } from './cycle-queue.js';
import { CycleRecorder } from './cycle-recorder.js';
import { CycleSchedule } from './cycle-schedule.js';
import type { DaemonLogger } from './daemon-logger.js';
import type { FileWatcher } from './file-watcher.js';
import { transition, type LifecycleState } from './lifecycle.js';
import { TargetRunner, reconcileRules, type ReconcileStep } from './target-runner.js';
import { ConnectionPool } from '../fleet/connection-pool.js';
import { FleetRunner } from '../fleet/fleet-runner.js';
import { fleetFiles, fleetSummary, type FleetTargetSummary } from './fleet-status.js';
import type { FleetFilesQuery } from '../http/status-query.js';
import { retryWhileBusy } from './retry-while-busy.js';
import { watchFleet } from './watch-fleet.js';
import { parseFleetPattern } from '../fleet/fleet-pattern.js';
import type { TargetConfig } from '../config/parse-config.js';
import type { TargetHealthInput } from '../health/assess-health.js';
import { targetKind, TARGET_KINDS, type TargetKind } from '../pipeline/target-kind.js';
import { createYielder } from '../pipeline/yield-to-loop.js';
import { DRIFTED_STATES, type FleetSweepReport } from '../report/report-vocabulary.js';
import type { TargetCycleReport } from '../report/report-vocabulary.js';

/** What one cycle's targets reported, by kind. */
interface CycleOutput {
  readonly targets: TargetCycleReport[];
  readonly fleets: FleetSweepReport[];
}

/**
 * What the daemon does with one kind of target. Every per-kind decision goes through the one table of these
 * (`kindRunners`, typed `Record<TargetKind, KindRunner>`): adding a kind breaks the build here.
 */
interface KindRunner {
  /** Keeps a runner for exactly these targets of this kind; returns the names it dropped. */
  sync(names: ReadonlySet<string>): string[];
  /** One cycle's step for `target`, reported into `out`. */
  run(target: TargetConfig, active: ValidatedConfig, cycle: number, reason: CycleReason, out: CycleOutput): Promise<void>;
  health(target: TargetConfig): TargetHealthInput;
  status(target: TargetConfig): DaemonStatus['targets'][number];
  /** Whether a backed-off repair should be retried now (its cause looks gone); queues what the next cycle needs. */
  wake(): boolean;
  close(): void;
}

export type { ReloadOutcome, ReloadReason } from './config-reloader.js';
export { scheduleIntervalMs } from './cycle-schedule.js';

/** `wake`: a backed-off repair's cause looks gone (the waker); runs like `watch` (only what it names, for fleets). */
export type CycleReason = 'schedule' | 'watch' | 'wake' | 'http' | 'reload' | 'start' | 'manual';

/** How often the waker probes backed-off repairs' causes (statfs, stat, the write lock): recovery within ~1 s. */
export const WAKE_PROBE_MS = 1000;

export interface CycleReport {
  readonly cycle: number;
  readonly reason: CycleReason;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly targets: readonly TargetCycleReport[];
  /** The fleet targets' sweeps of this cycle. */
  readonly fleets: readonly FleetSweepReport[];
}

/** One cycle as the status page lists it. */
export interface CycleSummary {
  readonly cycle: number;
  readonly reason: CycleReason;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly targets: readonly { readonly target: string; readonly ok: boolean; readonly durationMs: number }[];
}

const RECENT_CYCLES = 10;

/** GET /status. */
export interface DaemonStatus {
  readonly state: LifecycleState;
  readonly config: { readonly source: string; readonly schedule: string; readonly watch: boolean; readonly lastReload: { readonly ok: boolean; readonly at: string; readonly problems: readonly string[] }; readonly warnings: readonly string[] };
  readonly cycles: {
    readonly completed: number;
    readonly skippedTicks: number;
    readonly running: boolean;
    readonly last: Omit<CycleSummary, 'targets'> | null;
    readonly recent: readonly CycleSummary[];
  };
  readonly targets: readonly (TargetCycleReport | FleetTargetSummary | { readonly target: string; readonly database: string; readonly pending: true })[];
}

export interface DaemonOptions {
  readonly configPath: string;
  /** The config validated at startup (the CLI refuses to start without one). */
  readonly initial: ValidatedConfig;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: DaemonLogger;
  readonly metrics: DaemonMetrics;
  readonly reconcile?: ReconcileStep;
  /** Where every change to a database is recorded (audit trail); its directory is fixed until restart. */
  readonly audit?: AuditJournal;
  readonly now?: () => Date;
  /** Monotonic milliseconds. */
  readonly clock?: () => number;
}

/**
 * The service loop around one callable step, `runCycle()`: the composition of
 * its four jobs — scheduling (`CycleSchedule`), queueing (`CycleQueue`), reload
 * (`ConfigReloader`, `watchConfig`) and recording (`CycleRecorder`) — around one
 * `TargetRunner` per target. The constructor starts nothing; `start()` arms the
 * node-cron schedule and the chokidar watchers; tests call `runCycle()` directly.
 *
 * Cycles never overlap: a scheduled tick that finds one running is skipped and
 * counted (`driftd_cycles_skipped_total`); a file change or POST /check during
 * a cycle is queued and coalesced into one follow-up cycle. A new config is
 * validated whole (config and every schema file) and switched to only between
 * cycles; an invalid one leaves the last good config running.
 */
export class Daemon {
  private state: LifecycleState = 'created';
  private readonly runners = new Map<string, TargetRunner>();
  private readonly fleets = new Map<string, FleetRunner>();
  /** When each fleet target's last sweep without a sweep-level error ended (ms since the epoch). */
  private readonly fleetSuccessMs = new Map<string, number>();
  /** Fleet files a watcher reported since the last sweep of their target, by target. */
  private readonly fleetPending = new Map<string, Set<string>>();
  /** Fleet targets whose watcher gave up following events one by one (a flood): their next cycle sweeps them whole. */
  private readonly fleetSweepWanted = new Set<string>();
  /** One pool for every fleet target: at most `poolSize` files worked on at once in this process. */
  private readonly pool: ConnectionPool;
  private watcher: FileWatcher | null = null;
  private fleetWatchers: FileWatcher[] = [];
  private waker: NodeJS.Timeout | null = null;
  private skippedTicks = 0;
  private lastCycle: CycleReport | null = null;
  /** The last cycles, newest last, for the status page. */
  private readonly recentCycles: CycleSummary[] = [];
  private readonly now: () => Date;
  private readonly clock: () => number;
  private readonly reconcile: ReconcileStep;
  private readonly queue: CycleQueue<CycleReason, CycleReport>;
  private readonly schedule: CycleSchedule;
  private readonly reloader: ConfigReloader;
  private readonly recorder: CycleRecorder;
  private readonly kinds: Record<TargetKind, KindRunner>;

  constructor(private readonly options: DaemonOptions) {
    this.now = options.now ?? (() => new Date());
    this.clock = options.clock ?? (() => performance.now());
    this.reconcile = options.reconcile ?? reconcileRules;
    this.queue = new CycleQueue((cycle, reason) => this.cycleBody(cycle, reason));
    this.schedule = new CycleSchedule(options.logger, () => this.tick());
    this.recorder = new CycleRecorder(options.metrics, options.logger, this.now);
    this.reloader = new ConfigReloader(
      { configPath: options.configPath, env: options.env, logger: options.logger, metrics: options.metrics, now: this.now, onSwitch: (before, next) => this.switched(before, next) },
      options.initial,
    );
    this.pool = new ConnectionPool(options.initial.config.poolSize);
    this.kinds = this.kindRunners();
    this.syncRunners();
  }

  get lifecycle(): LifecycleState {
    return this.state;
  }

  get config(): Config {
    return this.reloader.current.config;
  }

  /** Arms the schedule and the watchers. */
  start(): void {
    this.state = transition(this.state, 'running');
    this.schedule.arm(this.config.schedule);
    void this.armWatcher();
    this.waker = setInterval(() => this.wakeIfCauseGone(), WAKE_PROBE_MS);
    this.waker.unref();
    this.options.logger.info({ schedule: this.config.schedule, watch: this.config.watch, targets: this.config.targets.map((target) => target.name) }, 'daemon started');
    this.warnSharedDatabases();
  }

  /**
   * Runs one cycle over every target now: the schema step (fast path or full
   * check, repair for `repair: "auto"`), then the reconcile step. If a cycle is
   * running, waits for it and runs one more (coalesced with other waiters).
   */
  runCycle(reason: CycleReason = 'manual'): Promise<CycleReport> {
    if (this.state === 'stopping' || this.state === 'stopped') return this.queue.current ?? Promise.resolve(this.lastCycle ?? this.emptyCycle(reason));
    return this.queue.run(reason);
  }

  /** A scheduled tick: skipped and counted when a cycle is still running. */
  tick(): void {
    if (this.queue.tryStart('schedule')) return;
    this.skippedTicks++;
    this.options.metrics.cycleSkipped();
    this.options.logger.debug({ skipped: this.skippedTicks }, 'tick skipped: a cycle is still running');
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
    const outcome = await this.queue.betweenCycles(() => this.reloader.load(reason, force));
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
    this.schedule.stop();
    if (this.waker) clearInterval(this.waker);
    this.waker = null;
    await this.watcher?.close();
    this.watcher = null;
    await Promise.all(this.fleetWatchers.splice(0).map((watcher) => watcher.close()));
    await this.queue.settle();
    for (const kind of TARGET_KINDS) this.kinds[kind].close();
    if (this.state === 'stopping') this.state = transition(this.state, 'stopped');
    this.options.logger.info({ cycles: this.queue.count }, 'daemon stopped');
  }

  /**
   * The waker: a backed-off repair whose cause looks gone (space freed, mode or owner changed, the lock a busy
   * repair waited for released) is retried now rather than at its retry time or the next tick. Costs a statfs
   * and two stats per backed-off file, nothing when no repair is failing; returns whether it started a cycle.
   */
  wakeIfCauseGone(): boolean {
    if (this.state !== 'running' || this.queue.isRunning) return false;
    const wake = this.retryWanted();
    if (wake) void this.runCycle('wake');
    return wake;
  }

  /**
   * Whether a backed-off repair's cause looks gone (the waker's question, callable alone): queues the woken
   * fleet files for the next cycle, which sweeps only them.
   */
  retryWanted(): boolean {
    let wake = false;
    for (const kind of TARGET_KINDS) if (this.kinds[kind].wake()) wake = true;
    return wake;
  }

  /** The longest gap between scheduled ticks, for staleness. */
  intervalMs(): number {
    return this.schedule.intervalMs(this.config.schedule);
  }

  health(): HealthReport {
    return assessHealth({
      nowMs: this.now().getTime(),
      intervalMs: this.intervalMs(),
      configLoaded: true,
      lastReload: this.reloader.lastReload,
      targets: this.config.targets.map((target) => this.kinds[targetKind(target)].health(target)),
    });
  }

  /**
   * GET /status (and the page at /): the daemon's state and each target's last
   * report (a fleet target: its totals and the first files that need attention).
   */
  status(): DaemonStatus {
    const lastReload = this.reloader.lastReload;
    const lastCycle = this.lastCycle;
    return {
      state: this.state,
      config: {
        source: this.options.configPath,
        schedule: this.config.schedule,
        watch: this.config.watch,
        lastReload: { ok: lastReload.ok, at: new Date(lastReload.atMs).toISOString(), problems: lastReload.problems },
        warnings: this.reloader.current.warnings,
      },
      cycles: {
        completed: this.queue.count - (this.queue.isRunning ? 1 : 0),
        skippedTicks: this.skippedTicks,
        running: this.queue.isRunning,
        last: lastCycle ? { cycle: lastCycle.cycle, reason: lastCycle.reason, startedAt: lastCycle.startedAt, durationMs: lastCycle.durationMs } : null,
        recent: [...this.recentCycles],
      },
      targets: this.config.targets.map((target) => this.kinds[targetKind(target)].status(target)),
    };
  }

  /** GET /status?target=…: a fleet target's files, filtered by state and paged; null for no such fleet target. */
  fleetFiles(query: FleetFilesQuery): Record<string, unknown> | null {
    return fleetFiles(this.config.targets, this.fleets, query);
  }

  private async cycleBody(cycle: number, reason: CycleReason): Promise<CycleReport> {
    const log = this.options.logger;
    // A schema file edited while watching was off (or missed) is noticed by its hash here; config edits by SIGHUP or the watcher.
    if (this.reloader.schemaFilesChanged() && this.reloader.load('schema', false).changed && this.state === 'running') await this.armWatcher();
    // The snapshot this cycle runs on, whole: each target's settings travel with their declaration into the run.
    const active = this.reloader.current;
    const startedAt = this.now();
    const t0 = this.clock();
    log.debug({ cycle, reason }, 'cycle started');
    const reports: TargetCycleReport[] = [];
    const fleets: FleetSweepReport[] = [];
    // Yield between targets (a slice of 0: at every one) so HTTP requests and ticks are served during a long cycle.
    const yielder = createYielder(0);
    for (const target of active.config.targets) {
      await this.kinds[targetKind(target)].run(target, active, cycle, reason, { targets: reports, fleets });
      await yielder.maybeYield();
    }
    const result: CycleReport = { cycle, reason, startedAt: startedAt.toISOString(), durationMs: this.clock() - t0, targets: reports, fleets };
    this.lastCycle = result;
    this.recentCycles.push({ cycle, reason, startedAt: result.startedAt, durationMs: result.durationMs, targets: [...reports.map((report) => ({ target: report.target, ok: report.ok, durationMs: report.durationMs })), ...fleets.map((sweep) => ({ target: sweep.target, ok: sweep.error === null, durationMs: sweep.durationMs }))] });
    if (this.recentCycles.length > RECENT_CYCLES) this.recentCycles.shift();
    log.debug({ cycle, reason, durationMs: result.durationMs }, 'cycle finished');
    return result;
  }

  /** A changed config became active: runners follow its targets, the schedule its expression. */
  private switched(before: Config, next: ValidatedConfig): void {
    this.syncRunners();
    if (this.state === 'running' && before.schedule !== next.config.schedule) this.schedule.arm(next.config.schedule);
    if (before.http.host !== next.config.http.host || before.http.port !== next.config.http.port) {
      this.options.logger.warn({ host: next.config.http.host, port: next.config.http.port }, 'http listener settings take effect on restart only');
    }
    if (this.options.audit && JSON.stringify(before.audit) !== JSON.stringify(next.config.audit)) {
      // Between cycles (the queue switches configs there), so no change's intent and outcome straddle two journals.
      this.options.audit.reconfigure(next.config.audit);
      this.options.logger.info({ audit: next.config.audit, previous: before.audit.dir }, 'audit journal switched');
      // As at start: answer what a killed driftd left pending in the journal now in use.
      const resolved = resolvePending(this.options.audit);
      for (const item of resolved.resolved) this.options.logger.warn({ id: item.id, database: item.database, outcome: item.outcome.status }, 'audit: resolved a change interrupted by a stop');
    }
    this.warnSharedDatabases();
  }

  private warnSharedDatabases(): void {
    for (const warning of this.reloader.current.warnings) this.options.logger.warn({ config: this.options.configPath }, warning);
  }

  /** Makes the runners match the active config: new targets get one, removed ones are closed and their series dropped. */
  private syncRunners(): void {
    this.pool.resize(this.config.poolSize);
    const configured = new Set(this.config.targets.map((target) => target.name));
    for (const kind of TARGET_KINDS) {
      const names = new Set(this.config.targets.filter((target) => targetKind(target) === kind).map((target) => target.name));
      // A target that changed kind keeps its series: the other kind's runner adds them again.
      for (const name of this.kinds[kind].sync(names)) if (!configured.has(name)) this.options.metrics.removeTarget(name);
    }
  }

  /** The one table of what differs per kind of target. */
  private kindRunners(): Record<TargetKind, KindRunner> {
    const backupOf = (active: ValidatedConfig) => (active.config.backup.enabled ? { dir: active.config.backup.dir, keep: active.config.backup.keep } : null);
    return {
      file: {
        sync: (names) => {
          const dropped: string[] = [];
          for (const [name, runner] of this.runners) {
            if (names.has(name)) continue;
            runner.close();
            this.runners.delete(name);
            dropped.push(name);
          }
          for (const name of names) {
            if (this.runners.has(name)) continue;
            this.runners.set(name, new TargetRunner(name, { reconcile: this.reconcile, clock: this.clock, now: this.now }));
            this.options.metrics.addTarget(name);
          }
          return dropped;
        },
        run: async (target, active, cycle, reason, out) => {
          const runner = this.runners.get(target.name);
          const declared = active.declared.get(target.name);
          if (!runner || !declared) return;
          const report = await runner.run(target, declared, {
            busyTimeoutMs: active.config.busyTimeoutMs,
            backup: backupOf(active),
            reconcileOnlyAfterChange: reason === 'watch' || reason === 'wake',
            ...(this.options.audit ? { audit: this.options.audit.sink({ target: target.name, database: target.database, cycle, source: 'daemon' }) } : {}),
            fullCheck: active.config.fullCheck,
            repairBackoff: active.config.repairBackoff,
          });
          this.recorder.record(report);
          out.targets.push(report);
        },
        health: (target) => {
          const runner = this.runners.get(target.name);
          const report = runner?.report ?? null;
          return { name: target.name, up: report?.up ?? false, lastSuccessMs: runner?.lastSuccessAtMs ?? null, lastError: report?.error ?? null, ...(report ? { state: report.state, stateError: report.error } : {}) };
        },
        status: (target) => this.runners.get(target.name)?.report ?? { target: target.name, database: target.database, pending: true as const },
        wake: () => {
          let wake = false;
          for (const runner of this.runners.values()) if (runner.wantsRetry()) wake = true;
          return wake;
        },
        close: () => {
          for (const runner of this.runners.values()) runner.close();
        },
      },
      fleet: {
        sync: (names) => {
          const dropped: string[] = [];
          for (const name of this.fleets.keys()) {
            if (names.has(name)) continue;
            this.fleets.delete(name);
            this.fleetSuccessMs.delete(name);
            this.fleetPending.delete(name);
            this.fleetSweepWanted.delete(name);
            dropped.push(name);
          }
          for (const name of names) {
            if (this.fleets.has(name)) continue;
            this.fleets.set(name, new FleetRunner(name, { pool: this.pool, retry: (attempt, budgetMs) => retryWhileBusy(attempt, { budgetMs, clock: this.clock }), clock: this.clock, now: this.now }));
            this.options.metrics.addTarget(name);
          }
          return dropped;
        },
        run: async (target, active, cycle, reason, out) => {
          const fleet = this.fleets.get(target.name);
          const declared = active.declared.get(target.name);
          const pending = this.fleetPending.get(target.name);
          this.fleetPending.delete(target.name);
          const whole = this.fleetSweepWanted.delete(target.name);
          // A watcher's (or the waker's) cycle sweeps only the files it reported (and skips a fleet it reported
          // nothing for); every other cycle lists the whole fleet again, which also picks up what a watcher missed.
          const narrow = reason === 'watch' || reason === 'wake';
          if (!fleet || !declared || (narrow && !pending && !whole)) return;
          const writes = target.repair === 'auto';
          const sweep = await fleet.sweep(target, declared, {
            mode: writes ? 'repair' : 'check',
            busyTimeoutMs: active.config.busyTimeoutMs,
            backup: backupOf(active),
            reconcile: narrow ? 'none' : writes ? 'apply' : 'dry-run',
            repairBackoff: active.config.repairBackoff,
            ...(narrow && pending && !whole ? { only: [...pending] } : {}),
            ...(this.options.audit ? { audit: (database: string) => this.options.audit!.sink({ target: target.name, database, cycle, source: 'daemon' }) } : {}),
          });
          if (sweep.error === null) this.fleetSuccessMs.set(target.name, this.now().getTime());
          // Drift items summed over every file that still carries drift (drifted, held, repair failing).
          this.recorder.recordFleet(sweep, fleet.results().filter((file) => (DRIFTED_STATES as readonly string[]).includes(file.state)));
          out.fleets.push(sweep);
        },
        health: (target) => {
          const fleet = this.fleets.get(target.name);
          const sweep = fleet?.report ?? null;
          const failing = fleet?.results('repair_failing') ?? [];
          const first = failing[0];
          const stateError = first?.error ? { ...first.error, message: `${failing.length} file${failing.length === 1 ? '' : 's'} (first ${first.path}): ${first.error.message}` } : null;
          return { name: target.name, up: sweep !== null && sweep.error === null, lastSuccessMs: this.fleetSuccessMs.get(target.name) ?? null, lastError: sweep?.error ?? null, ...(failing.length > 0 ? { state: 'repair_failing' as const, stateError } : {}) };
        },
        status: (target) => {
          const fleet = this.fleets.get(target.name);
          return fleet ? fleetSummary(target, fleet) : { target: target.name, databases: target.database, fleet: true as const, pending: true as const };
        },
        wake: () => {
          let wake = false;
          for (const [name, fleet] of this.fleets) {
            const woken = fleet.wokenFiles();
            if (woken.length === 0) continue;
            const pending = this.fleetPending.get(name) ?? new Set<string>();
            for (const path of woken) pending.add(path);
            this.fleetPending.set(name, pending);
            wake = true;
          }
          return wake;
        },
        close: () => undefined,
      },
    } satisfies Record<TargetKind, KindRunner>;
  }

  private async armWatcher(): Promise<void> {
    const previous = this.watcher;
    this.watcher = null;
    await previous?.close();
    await Promise.all(this.fleetWatchers.splice(0).map((watcher) => watcher.close()));
    const logger = this.options.logger;
    if (this.config.watch) {
      for (const target of this.config.targets) {
        const parsed = target.fleet ? parseFleetPattern(target.fleet.pattern) : null;
        if (!parsed?.ok) continue;
        this.fleetWatchers.push(
          watchFleet(
            parsed.pattern,
            this.config.debounceMs,
            (changed) => {
              if (this.state !== 'running') return;
              const pending = this.fleetPending.get(target.name) ?? new Set<string>();
              for (const path of changed) pending.add(path);
              this.fleetPending.set(target.name, pending);
              logger.debug({ target: target.name, changed: changed.size }, 'fleet files changed');
              void this.runCycle('watch');
            },
            (error) => logger.warn({ target: target.name, error: String(error) }, 'fleet watcher error'),
            {
              onSweep: () => {
                if (this.state !== 'running') return;
                this.fleetSweepWanted.add(target.name);
                logger.debug({ target: target.name }, 'fleet watcher asks for a sweep (an event flood, or a directory gone)');
                void this.runCycle('watch');
              },
            },
          ),
        );
      }
    }
    this.watcher = watchConfig(this.options.configPath, this.config, {
      onConfigChange: (changed) => {
        if (this.state !== 'running') return;
        logger.debug({ changed: [...changed] }, 'files changed');
        void this.reload('watch', false);
      },
      onDatabaseChange: (changed) => {
        if (this.state !== 'running') return;
        logger.debug({ changed: [...changed] }, 'files changed');
        void this.runCycle('watch');
      },
      onError: (error) => logger.warn({ error: String(error) }, 'file watcher error'),
    });
  }

  private emptyCycle(reason: CycleReason): CycleReport {
    return { cycle: this.queue.count, reason, startedAt: this.now().toISOString(), durationMs: 0, targets: [], fleets: [] };
  }
}
