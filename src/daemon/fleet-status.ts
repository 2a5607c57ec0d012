import type { TargetConfig } from '../config/parse-config.js';
import type { FleetRunner } from '../fleet/fleet-runner.js';
import type { FleetFilesQuery } from '../http/status-query.js';
import type { FleetFileResult, FleetSweepReport, FleetTotals } from '../report/report-vocabulary.js';

/** Files listed under a fleet target in the whole `/status`: enough to act on, never the whole fleet. */
const ATTENTION_IN_SUMMARY = 20;

const needsAttention = (file: FleetFileResult): boolean => file.state === 'drifted' || file.state === 'held' || file.state === 'repair_failing' || file.state === 'error';

/** A fleet target in `GET /status` (typed so the status page can render it). */
export type FleetTargetSummary =
  | { readonly target: string; readonly databases: string; readonly fleet: true; readonly pending: true }
  | {
      readonly target: string;
      readonly databases: string;
      readonly fleet: true;
      readonly files: number;
      readonly totals: FleetTotals;
      readonly droppedTotal: number;
      readonly lastSweep: Pick<FleetSweepReport, 'startedAt' | 'durationMs' | 'checked' | 'unchanged' | 'appeared' | 'dropped' | 'error' | 'unlisted'>;
      readonly attention: { readonly total: number; readonly shown: readonly FleetFileResult[]; readonly more: string };
    };

/** A fleet target in `GET /status`: its last sweep, totals and the first files that need attention. */
export function fleetSummary(target: TargetConfig, runner: FleetRunner): FleetTargetSummary {
  const sweep = runner.report;
  if (!sweep) return { target: target.name, databases: target.database, fleet: true as const, pending: true as const };
  const attention = runner.results().filter(needsAttention);
  return {
    target: target.name,
    databases: target.database,
    fleet: true as const,
    files: sweep.files,
    totals: runner.totals(),
    droppedTotal: runner.dropped,
    lastSweep: { startedAt: sweep.startedAt, durationMs: sweep.durationMs, checked: sweep.checked, unchanged: sweep.unchanged, appeared: sweep.appeared, dropped: sweep.dropped, error: sweep.error, unlisted: sweep.unlisted },
    attention: { total: attention.length, shown: attention.slice(0, ATTENTION_IN_SUMMARY), more: `/status?target=${encodeURIComponent(target.name)}&state=attention&limit=100&offset=0` },
  };
}

/** `GET /status?target=…`: one fleet target's files, filtered and paged; null when no fleet target has that name. */
export function fleetFiles(targets: readonly TargetConfig[], fleets: ReadonlyMap<string, FleetRunner>, query: FleetFilesQuery): Record<string, unknown> | null {
  const target = targets.find((candidate) => candidate.name === query.target);
  const runner = fleets.get(query.target);
  if (!target || !runner) return null;
  const all = query.state === null ? runner.results().filter(needsAttention) : query.state === 'all' ? runner.results() : runner.results(query.state);
  return {
    target: target.name,
    databases: target.database,
    totals: runner.totals(),
    state: query.state ?? 'attention',
    total: all.length,
    limit: query.limit,
    offset: query.offset,
    files: all.slice(query.offset, query.offset + query.limit),
  };
}
