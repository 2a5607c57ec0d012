import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DriftKind, ExtraKind } from '../diff/drift.js';
import { TARGET_STATES, type TargetState } from '../pipeline/target-state.js';
import type { ErrorCode, FleetTotals, ReportedDrift } from '../report/report-vocabulary.js';

/** How old the process_ and nodejs_ samples in a served /metrics text may be. */
export const PROCESS_METRICS_MAX_AGE_MS = 1000;

/** What one target's cycle contributes to the gauges that describe its current state. */
export interface TargetSnapshot {
  readonly target: string;
  readonly up: boolean;
  readonly inSync: boolean | null;
  /** `kind` label values are the closed sets of the diff: a report can only carry kinds driftd knows. */
  readonly drift: readonly Pick<ReportedDrift, 'table' | 'kind' | 'safe'>[];
  readonly extras: readonly { readonly kind: ExtraKind }[];
}

/** Per reconcile rule: the table it fills and what the round saw. */
export interface ReconcileSnapshot {
  readonly table: string;
  /** Orphan directories still without a row after the round. */
  readonly orphans: number;
  readonly recovered: number;
  readonly dangling: number;
  readonly skipped: number;
}

/**
 * The daemon's Prometheus metrics, on ONE registry per daemon (never the
 * global one, so two daemons in a process — or a test — never share series).
 * Labels come only from {target, table, kind, safety, code}: never a path or a
 * directory name, so cardinality stays bounded by the config.
 */
export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly checks: Counter<'target'>;
  private readonly checkFailures: Counter<'target' | 'code'>;
  private readonly checkDuration: Histogram<'target'>;
  private readonly lastSuccess: Gauge<'target'>;
  private readonly inSync: Gauge<'target'>;
  private readonly targetUp: Gauge<'target'>;
  private readonly driftItems: Gauge<'target' | 'table' | 'kind' | 'safety'>;
  private readonly extraItems: Gauge<'target' | 'kind'>;
  private readonly repairs: Counter<'target' | 'table' | 'kind'>;
  private readonly repairFailures: Counter<'target'>;
  private readonly targetStates: Gauge<'target' | 'state'>;
  private readonly databaseBusy: Counter<'target'>;
  private readonly orphanDirectories: Gauge<'target' | 'table'>;
  private readonly recoveredRows: Counter<'target' | 'table'>;
  private readonly danglingRows: Gauge<'target' | 'table'>;
  private readonly skippedDirectories: Gauge<'target' | 'table'>;
  private readonly fleetFiles: Gauge<'target' | 'state'>;
  private readonly fleetFilesDropped: Counter<'target'>;
  private readonly cyclesSkipped: Counter;
  private readonly reloadSuccessful: Gauge;
  private readonly reloadSuccessTimestamp: Gauge;
  /** The label sets each target's state gauges were last set with, so stale series are removed, not left at an old value. */
  private readonly stateSeries = new Map<string, { drift: Set<string>; extras: Set<string>; tables: Set<string> }>();
  /** Every (metric, labels) a target has touched, so removing a target removes all of its series. */
  private readonly touched = new Map<string, Map<string, { metric: { remove(labels: Record<string, string>): void }; labels: Record<string, string> }>>();

  constructor(build: { version: string; nodeVersion: string }) {
    const registers = [this.registry];
    new Gauge({ name: 'driftd_build_info', help: 'Always 1; labels give the driftd and Node.js versions.', labelNames: ['version', 'node_version'], registers }).set(
      { version: build.version, node_version: build.nodeVersion },
      1,
    );
    this.checks = new Counter({ name: 'driftd_checks_total', help: 'Checks run per target (full or fast-path).', labelNames: ['target'], registers });
    this.checkFailures = new Counter({ name: 'driftd_check_failures_total', help: 'Checks that failed, by error code.', labelNames: ['target', 'code'], registers });
    this.checkDuration = new Histogram({
      name: 'driftd_check_duration_seconds',
      help: 'Time one target took in a cycle: schema step and reconcile step.',
      labelNames: ['target'],
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.lastSuccess = new Gauge({ name: 'driftd_last_successful_check_timestamp_seconds', help: 'Unix time of the last check that completed.', labelNames: ['target'], registers });
    this.inSync = new Gauge({ name: 'driftd_in_sync', help: '1 when nothing declared is missing or different.', labelNames: ['target'], registers });
    this.targetUp = new Gauge({ name: 'driftd_target_up', help: '1 when the database opened on the last cycle.', labelNames: ['target'], registers });
    this.driftItems = new Gauge({ name: 'driftd_drift_items', help: 'Drift items left after the last check, by kind and safety.', labelNames: ['target', 'table', 'kind', 'safety'], registers });
    this.extraItems = new Gauge({ name: 'driftd_extra_items', help: 'Objects the database has and the declaration does not.', labelNames: ['target', 'kind'], registers });
    this.repairs = new Counter({ name: 'driftd_repairs_total', help: 'Repair steps applied.', labelNames: ['target', 'table', 'kind'], registers });
    this.repairFailures = new Counter({ name: 'driftd_repair_failures_total', help: 'Repairs attempted and rolled back, whatever the cause (step, verify, backup, disk full, I/O, lock).', labelNames: ['target'], registers });
    this.targetStates = new Gauge({ name: 'driftd_target_state', help: 'The target\'s state: 1 on one of in_sync, drifted, held, repair_failing, error (a fleet: its worst file).', labelNames: ['target', 'state'], registers });
    this.databaseBusy = new Counter({ name: 'driftd_database_busy_total', help: 'Checks that found the database locked for the whole busy timeout.', labelNames: ['target'], registers });
    this.orphanDirectories = new Gauge({ name: 'driftd_orphan_directories', help: 'Directories without a row left after the last reconcile round (not recovered: report mode, or a failed insert).', labelNames: ['target', 'table'], registers });
    this.recoveredRows = new Counter({ name: 'driftd_recovered_rows_total', help: 'Rows recovered from orphan directories.', labelNames: ['target', 'table'], registers });
    this.danglingRows = new Gauge({ name: 'driftd_dangling_rows', help: 'Rows whose directory is missing, seen by the last reconcile round.', labelNames: ['target', 'table'], registers });
    this.skippedDirectories = new Gauge({ name: 'driftd_skipped_directories', help: 'Directories the last reconcile round could not use.', labelNames: ['target', 'table'], registers });
    this.fleetFiles = new Gauge({ name: 'driftd_fleet_files', help: 'Files of a fleet target by state after the last sweep (in_sync, drifted, repaired, error).', labelNames: ['target', 'state'], registers });
    this.fleetFilesDropped = new Counter({ name: 'driftd_fleet_files_dropped_total', help: 'Files of a fleet target that disappeared (no longer matched, or deleted while a sweep reached them).', labelNames: ['target'], registers });
    this.cyclesSkipped = new Counter({ name: 'driftd_cycles_skipped_total', help: 'Scheduled ticks that found a cycle still running.', registers });
    this.reloadSuccessful = new Gauge({ name: 'driftd_config_last_reload_successful', help: '1 when the last config load succeeded.', registers });
    this.reloadSuccessTimestamp = new Gauge({ name: 'driftd_config_last_reload_success_timestamp_seconds', help: 'Unix time of the last successful config load.', registers });
    collectDefaultMetrics({ register: this.registry });
    // prom-client names three gauges `*_total`, which `promtool check metrics` rejects (only counters may end in
    // _total). The same numbers stay available per type as nodejs_active_handles / _requests / _resources.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
  }

  /** Creates every per-target series at zero so dashboards see them before the first event. */
  addTarget(target: string): void {
    this.invalidate();
    this.checks.inc(this.track(this.checks, { target }), 0);
    this.repairFailures.inc(this.track(this.repairFailures, { target }), 0);
    this.databaseBusy.inc(this.track(this.databaseBusy, { target }), 0);
  }

  /** Drops a target's series (it left the config). */
  removeTarget(target: string): void {
    this.invalidate();
    for (const { metric, labels } of this.touched.get(target)?.values() ?? []) metric.remove(labels);
    this.touched.delete(target);
    this.stateSeries.delete(target);
  }

  checkRan(target: string, seconds: number): void {
    this.invalidate();
    this.checks.inc(this.track(this.checks, { target }));
    this.checkDuration.observe(this.track(this.checkDuration, { target }), seconds);
  }

  checkFailed(target: string, code: ErrorCode): void {
    this.invalidate();
    this.checkFailures.inc(this.track(this.checkFailures, { target, code }));
    if (code === 'DB_BUSY') this.databaseBusy.inc(this.track(this.databaseBusy, { target }));
  }

  /**
   * A repair was attempted and rolled back, whatever the code (a full disk, an I/O error, a lock, a
   * failed step): the counter DriftdRepairFailing alerts on (deploy/prometheus/alerts.yml).
   */
  repairFailed(target: string, count = 1): void {
    this.invalidate();
    this.repairFailures.inc(this.track(this.repairFailures, { target }), count);
  }

  /**
   * The target's state from the one table (pipeline/target-state.ts): 1 on the current state's series,
   * 0 on the others (five series per target). A fleet reports its worst file's state. DriftdRepairFailing
   * reads `state="repair_failing"`, so it stays firing while repairs are backed off between attempts.
   */
  targetStateIs(target: string, state: TargetState): void {
    this.invalidate();
    for (const each of TARGET_STATES) this.targetStates.set(this.track(this.targetStates, { target, state: each }), each === state ? 1 : 0);
  }

  checkSucceeded(target: string, atSeconds: number): void {
    this.invalidate();
    this.lastSuccess.set(this.track(this.lastSuccess, { target }), atSeconds);
  }

  targetState(snapshot: TargetSnapshot): void {
    this.invalidate();
    const { target } = snapshot;
    this.targetUp.set(this.track(this.targetUp, { target }), snapshot.up ? 1 : 0);
    if (snapshot.inSync !== null) this.inSync.set(this.track(this.inSync, { target }), snapshot.inSync ? 1 : 0);
    const series = this.seriesOf(target);
    const drift = new Map<string, number>();
    for (const item of snapshot.drift) {
      const key = JSON.stringify({ target, table: item.table, kind: item.kind, safety: item.safe ? 'safe' : 'unsafe' });
      drift.set(key, (drift.get(key) ?? 0) + 1);
    }
    for (const key of series.drift) if (!drift.has(key)) this.driftItems.remove(JSON.parse(key) as Record<string, string>);
    for (const [key, count] of drift) this.driftItems.set(this.track(this.driftItems, JSON.parse(key) as Record<string, string>), count);
    series.drift = new Set(drift.keys());
    const extras = new Map<string, number>();
    for (const item of snapshot.extras) extras.set(item.kind, (extras.get(item.kind) ?? 0) + 1);
    for (const kind of series.extras) if (!extras.has(kind)) this.extraItems.remove({ target, kind });
    for (const [kind, count] of extras) this.extraItems.set(this.track(this.extraItems, { target, kind }), count);
    series.extras = new Set(extras.keys());
  }

  repairApplied(target: string, table: string, kind: DriftKind, count = 1): void {
    this.invalidate();
    this.repairs.inc(this.track(this.repairs, { target, table, kind }), count);
  }

  /**
   * A fleet target's sweep: its files by state (one series per state, never per
   * file) and how many files disappeared.
   */
  fleetSwept(target: string, totals: FleetTotals, dropped: number): void {
    this.invalidate();
    for (const [state, count] of Object.entries(totals)) this.fleetFiles.set(this.track(this.fleetFiles, { target, state }), count);
    this.fleetFilesDropped.inc(this.track(this.fleetFilesDropped, { target }), dropped);
  }

  reconcileRound(target: string, rules: readonly ReconcileSnapshot[]): void {
    this.invalidate();
    const series = this.seriesOf(target);
    for (const rule of rules) {
      const labels = { target, table: rule.table };
      this.orphanDirectories.set(this.track(this.orphanDirectories, labels), rule.orphans);
      this.danglingRows.set(this.track(this.danglingRows, labels), rule.dangling);
      this.skippedDirectories.set(this.track(this.skippedDirectories, labels), rule.skipped);
      this.recoveredRows.inc(this.track(this.recoveredRows, labels), rule.recovered);
      series.tables.add(rule.table);
    }
  }

  cycleSkipped(): void {
    this.invalidate();
    this.cyclesSkipped.inc();
  }

  configLoaded(ok: boolean, atSeconds: number): void {
    this.invalidate();
    this.reloadSuccessful.set(ok ? 1 : 0);
    if (ok) this.reloadSuccessTimestamp.set(atSeconds);
  }

  /**
   * The exposition text for GET /metrics. Every driftd_* change invalidates the
   * cached text at once; without one, the text is reused for up to
   * `PROCESS_METRICS_MAX_AGE_MS`, so only the process_ and nodejs_ samples can be
   * that old. Rendering walks /proc and waits a loop turn for the event-loop
   * lag, so a burst of scrapes (or a load test) must not render once per
   * request; scrapes arriving during a render share it.
   */
  text(): Promise<string> {
    const nowMs = performance.now();
    if (this.cached && nowMs - this.cached.atMs < PROCESS_METRICS_MAX_AGE_MS) return Promise.resolve(this.cached.text);
    // Share a render only if nothing changed since it started; otherwise this caller must see the change.
    if (this.rendering && this.rendering.generation === this.generation) return this.rendering.text;
    const generation = this.generation;
    const text = this.registry.metrics();
    const rendering = { generation, text };
    this.rendering = rendering;
    text.then(
      (rendered) => {
        if (this.rendering === rendering) this.rendering = null;
        if (generation === this.generation) this.cached = { text: rendered, atMs: nowMs };
      },
      () => {
        if (this.rendering === rendering) this.rendering = null;
      },
    );
    return text;
  }

  private cached: { text: string; atMs: number } | null = null;
  private rendering: { generation: number; text: Promise<string> } | null = null;
  /** Bumped by every driftd_* change. */
  private generation = 0;

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Records that `labels` (which carry a target) were used on `metric`, and returns them. */
  private track<L extends Record<string, string>>(metric: { remove(labels: Record<string, string>): void }, labels: L): L {
    const target = labels.target ?? '';
    let series = this.touched.get(target);
    if (!series) {
      series = new Map();
      this.touched.set(target, series);
    }
    const key = `${(metric as unknown as { name: string }).name}\u0000${JSON.stringify(labels)}`;
    if (!series.has(key)) series.set(key, { metric, labels });
    return labels;
  }

  private invalidate(): void {
    this.cached = null;
    this.generation++;
  }

  private seriesOf(target: string): { drift: Set<string>; extras: Set<string>; tables: Set<string> } {
    let series = this.stateSeries.get(target);
    if (!series) {
      series = { drift: new Set(), extras: new Set(), tables: new Set() };
      this.stateSeries.set(target, series);
    }
    return series;
  }
}
