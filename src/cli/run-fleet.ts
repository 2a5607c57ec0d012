import type { BackupSettings } from '../check/check-database.js';
import { SETTING_DEFAULTS } from '../config/config-format.js';
import type { TargetConfig } from '../config/parse-config.js';
import { retryWhileBusy } from '../daemon/retry-while-busy.js';
import type { ErrorCode } from '../errors/driftd-error.js';
import type { DeclaredSchema } from '../declared/load-declared-schema.js';
import { ConnectionPool } from '../fleet/connection-pool.js';
import { printable } from './printable.js';
import { FleetRunner, type FleetSweepSettings } from '../fleet/fleet-runner.js';
import { FILE_STATES, type FleetFileResult, type FleetSweepReport } from '../report/report-vocabulary.js';

export interface FleetRun {
  readonly report: FleetSweepReport;
  readonly results: readonly FleetFileResult[];
}

/** One sweep of a fleet target, as the one-shot commands run it: every file checked fully (no earlier state). */
export async function runFleetOnce(
  target: TargetConfig,
  declared: { readonly schema: DeclaredSchema['schema'] },
  settings: {
    readonly mode: FleetSweepSettings['mode'];
    readonly reconcile: FleetSweepSettings['reconcile'];
    readonly busyTimeoutMs: number;
    readonly backup: BackupSettings | null;
    readonly poolSize: number;
    readonly audit?: FleetSweepSettings['audit'];
  },
): Promise<FleetRun> {
  const clock = (): number => performance.now();
  const runner = new FleetRunner(target.name, {
    pool: new ConnectionPool(settings.poolSize),
    retry: (attempt, budgetMs) => retryWhileBusy(attempt, { budgetMs, clock }),
    clock,
    now: () => new Date(),
  });
  // One sweep, no earlier state: the hash only ties results to a declaration between sweeps; there is no
  // next attempt to back off, so the config's default back-off serves.
  const report = await runner.sweep(target, { schema: declared.schema, contentHash: 'one-shot' }, { mode: settings.mode, busyTimeoutMs: settings.busyTimeoutMs, backup: settings.backup, reconcile: settings.reconcile, repairBackoff: SETTING_DEFAULTS.repairBackoff, ...(settings.audit ? { audit: settings.audit } : {}) });
  return { report, results: runner.results() };
}

/** `tenants: /srv/t/*\/app.sqlite: 262 files: 220 in sync, 37 drifted, 0 repaired, 5 in error` (raw: the caller prints it through `printable`) */
export function fleetSummaryLine(report: FleetSweepReport): string {
  const labels = { in_sync: 'in sync', drifted: 'drifted', repaired: 'repaired', held: 'held', repair_failing: 'repair failing', error: 'in error' } satisfies Record<(typeof FILE_STATES)[number], string>;
  // held and repair failing only when some file is: the line's usual shape stays as it was.
  const shown = FILE_STATES.filter((state) => (state !== 'held' && state !== 'repair_failing') || report.totals[state] > 0);
  const counts = shown.map((state) => `${report.totals[state]} ${labels[state]}`).join(', ');
  const extra = [
    ...(report.dropped > 0 ? [`${report.dropped} dropped (deleted while it ran)`] : []),
    ...(report.unlisted.length > 0 ? [`${report.unlisted.length} director${report.unlisted.length === 1 ? 'y' : 'ies'} not listable`] : []),
  ];
  return `${report.target}: ${report.pattern}: ${report.files} file${report.files === 1 ? '' : 's'}: ${counts}${extra.length > 0 ? `; ${extra.join('; ')}` : ''}`;
}

/** The files that need attention, one line each (control characters in names escaped): drift with its items, errors with their code. */
export function fleetAttentionLines(run: FleetRun): string[] {
  const lines: string[] = [];
  if (run.report.error) lines.push(`  error: ${run.report.error.code}: ${run.report.error.message}${run.report.error.hint ? ` (hint: ${run.report.error.hint})` : ''}`);
  for (const entry of run.report.unlisted) lines.push(`  unlisted ${entry.directory}: ${entry.message}`);
  for (const result of run.results) {
    if (result.state === 'drifted') {
      const items = result.drift.map((item) => `${item.kind} ${item.column ? `${item.table}.${item.column}` : item.index ? `${item.table} index ${item.index}` : item.table} (${item.safe ? 'safe' : 'unsafe'})`);
      lines.push(`  drifted  ${result.path}: ${items.join(', ')}`);
    } else if ((result.state === 'error' || result.state === 'repair_failing') && result.error) {
      lines.push(`  ${result.state === 'error' ? 'error   ' : 'repair failing'} ${result.path}: ${result.error.code}: ${result.error.message}`);
    }
  }
  return lines.map(printable);
}

/** The `--json` object of a fleet target: totals and every file's result. */
export function fleetJson(run: FleetRun): Record<string, unknown> {
  const { report } = run;
  return {
    target: report.target,
    databases: report.pattern,
    files: report.files,
    totals: report.totals,
    dropped: report.dropped,
    unlisted: report.unlisted,
    ...(report.error ? { error: report.error } : {}),
    results: run.results,
  };
}

/** A fleet run failed as a whole, or some of its files did: the most frequent code and a count, for stderr. */
export function fleetFailure(run: FleetRun): { readonly code: ErrorCode; readonly message: string } | null {
  if (run.report.error) return { code: run.report.error.code, message: run.report.error.message };
  const failed = run.results.filter((result) => result.state === 'error' || result.state === 'repair_failing');
  if (failed.length === 0) return null;
  const byCode = new Map<ErrorCode, number>();
  for (const result of failed) byCode.set(result.error?.code ?? 'INTERNAL', (byCode.get(result.error?.code ?? 'INTERNAL') ?? 0) + 1);
  const ranked = [...byCode.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { code: ranked[0]![0], message: `${failed.length} of ${run.report.files} files failed: ${ranked.map(([code, count]) => `${code} ×${count}`).join(', ')}` };
}
