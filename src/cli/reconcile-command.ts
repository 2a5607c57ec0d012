import { parseArgs } from 'node:util';
import type { AuditJournal } from '../audit/audit-journal.js';
import type { TargetKind } from '../pipeline/target-kind.js';
import { DriftdError, withContext, type ErrorSummary } from '../errors/driftd-error.js';
import { reconcileSettled, reconcileTarget, type ReconcileReport } from '../reconcile/reconcile-target.js';
import type { BoundValue } from '../reconcile/reconcile-report.js';
import { journalForWriting } from './cli-journal.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { errorJson } from './format-report.js';
import { resolveTargets, WITHOUT_CONFIG, type SelectedTarget } from './resolve-target.js';
import { printable } from './printable.js';
import { fleetFailure, fleetJson, fleetSummaryLine, runFleetOnce, type FleetRun } from './run-fleet.js';
import { loadDeclaredSchema } from '../declared/load-declared-schema.js';

export const OPTIONS = {
  config: { type: 'string' },
  target: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
  strict: { type: 'boolean', default: false },
} as const;

interface TargetResult {
  readonly target: string;
  readonly database: string;
  /** `dry-run` for `--dry-run`, and for a `repair: "report"` target (it only reports, as in the daemon). */
  readonly mode: 'dry-run' | 'apply';
  readonly reportOnly: boolean;
  /** One per rule; empty when the target failed before any rule ran. */
  readonly reports: readonly ReconcileReport[];
  /** The target failed as a whole (its database could not be opened or read); null otherwise. */
  readonly error: ErrorSummary | null;
}

/**
 * `driftd reconcile --config FILE [--target NAME] [--dry-run] [--strict] [--json]`: runs
 * each target's reconcile rules. Exit 0 when nothing is left that driftd would do, 1 when
 * orphans remain (dry run, report mode, blocked by drift), 2 when a target or a rule failed —
 * after printing every result, the failed ones with their error. Dangling rows and skipped
 * directories are reported and do not change the exit code (a re-run cannot mend a malformed
 * file, so a wrapper would see a failure forever; the daemon's DriftdSkippedDirectories alert is
 * where they page); `--strict` makes a skipped directory exit 1 too.
 */
export async function reconcileCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(`driftd reconcile: ${(error as Error).message}`);
  }
  if (values.config === undefined) throw usageError('driftd reconcile: name the config: --config FILE (the rules live there)');
  const selection = await resolveTargets({ config: values.config, target: values.target }, io.env);
  const busyTimeoutMs = values['busy-timeout'] !== undefined ? parseTimeout(values['busy-timeout']) : (selection.config?.busyTimeoutMs ?? WITHOUT_CONFIG.busyTimeoutMs);
  const targets = selection.targets.filter((target) => target.reconcile.length > 0);
  if (targets.length === 0) {
    throw new DriftdError('RECONCILE_NO_RULES', `config "${selection.config?.source}" has no reconcile rules${values.target ? ` for target "${values.target}"` : ''}`, {
      hint: 'add a "reconcile" array to the target (docs/reconcile.md)',
    });
  }
  const mode = values['dry-run'] ? 'dry-run' : 'apply';
  const results: ReconciledTarget[] = [];
  const failures: string[] = [];
  const journal = mode === 'apply' ? journalForWriting(selection.config, io.env) : null;
  for (const target of targets) {
    const reportOnly = target.repair === 'report';
    const targetMode = reportOnly ? 'dry-run' : mode;
    const run: ReconcileRun = { mode: targetMode, reportOnly, busyTimeoutMs, poolSize: selection.config?.poolSize ?? WITHOUT_CONFIG.poolSize, journal: journal && targetMode === 'apply' ? journal : null };
    try {
      const reconciled = await RECONCILE_BY_KIND[target.kind](target, run);
      results.push(reconciled);
      failures.push(...reconciled.failures.map((failure) => withContext(`target "${target.name}"`, failure).toLine()));
    } catch (error) {
      // One target's failure never hides what the targets before it already inserted: every result is
      // printed, the failed one with its error, and the exit code is 2 at the end.
      const failure = error instanceof DriftdError ? error : new DriftdError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
      const result: TargetResult = { target: target.name, database: target.database, mode: targetMode, reportOnly, reports: [], error: errorJson(failure) };
      results.push({ failures: [failure], json: () => result, text: () => reconcileText(result, targetMode), settled: () => false });
      failures.push(withContext(`target "${target.name}"`, failure).toLine());
    }
  }
  if (values.json) io.stdout(`${JSON.stringify({ mode, targets: results.map((result) => result.json()) })}\n`);
  else for (const result of results) io.stdout(result.text());
  for (const line of failures) io.stderr(`driftd reconcile: ${line}\n`);
  if (failures.length > 0) return EXIT.error;
  return results.every((result) => result.settled({ strict: values.strict })) ? EXIT.ok : EXIT.found;
}

/** What one target's reconcile run needs besides the target. */
interface ReconcileRun {
  readonly mode: 'dry-run' | 'apply';
  readonly reportOnly: boolean;
  readonly busyTimeoutMs: number;
  readonly poolSize: number;
  /** Set when this run may insert: every insert is recorded there. */
  readonly journal: AuditJournal | null;
}

/** One target reconciled, whatever its kind: what the command prints and how it exits. */
interface ReconciledTarget {
  /** The failures to print on stderr (exit 2). */
  readonly failures: readonly DriftdError[];
  json(): object;
  text(): string;
  /** Nothing is left that driftd would do. */
  settled(options: { readonly strict: boolean }): boolean;
}

/** How each kind of target is reconciled (a closed table: a new kind in pipeline/target-kind.ts breaks the build here). */
const RECONCILE_BY_KIND = {
  async file(target, run) {
    const audit = run.journal ? { audit: run.journal.sink({ target: target.name, database: target.database, cycle: null, source: 'cli' }) } : {};
    const reports = await reconcileTarget({ dbPath: target.database, rules: target.reconcile, mode: run.mode, busyTimeoutMs: run.busyTimeoutMs, allowHardLinks: target.allowHardLinks === true, ...audit });
    const result: TargetResult = { target: target.name, database: target.database, mode: run.mode, reportOnly: run.reportOnly, reports, error: null };
    return {
      failures: reports.flatMap((report) => (report.error ? [new DriftdError(report.error.code, report.error.message, report.error.hint ? { hint: report.error.hint } : {})] : [])),
      json: () => result,
      text: () => reconcileText(result, run.mode),
      settled: ({ strict }) => reports.every((report) => reconcileSettled(report, { strict })),
    };
  },
  async fleet(target, run) {
    const journal = run.journal;
    const fleet = await runFleetOnce(target, loadDeclaredSchema(target.schema), {
      mode: 'check',
      reconcile: run.mode,
      busyTimeoutMs: run.busyTimeoutMs,
      backup: null,
      poolSize: run.poolSize,
      ...(journal ? { audit: (database: string) => journal.sink({ target: target.name, database, cycle: null, source: 'cli' }) } : {}),
    });
    const failed = fleetFailure(fleet);
    return {
      failures: failed ? [new DriftdError(failed.code, failed.message)] : [],
      json: () => ({ target: target.name, database: target.database, mode: run.mode, reportOnly: run.reportOnly, reports: [], error: null, ...fleetJson(fleet) }),
      text: () => fleetReconcileText(fleet, run.mode, run.reportOnly),
      settled: ({ strict }) => fleet.results.every((file) => (file.reconcile ?? []).every((rule) => rule.blockedBy === null && (!strict || rule.skipped === 0) && rule.orphans === rule.recovered)),
    };
  },
} satisfies Record<TargetKind, (target: SelectedTarget, run: ReconcileRun) => Promise<ReconciledTarget>>;

/** Readable lines: each orphan with its row, each dangling row, each skipped directory with its reason. */
function reconcileText(result: TargetResult, mode: 'dry-run' | 'apply'): string {
  const lines: string[] = [];
  if (result.error !== null) {
    lines.push(`${result.target}: ${result.database}`);
    lines.push(`  error: ${result.error.code}: ${result.error.message}${result.error.hint ? ` (hint: ${result.error.hint})` : ''}`);
    lines.push('  result: failed; no rule ran, nothing inserted');
  }
  for (const report of result.reports) {
    lines.push(`${result.target}: rule "${report.rule}" → table ${report.table} (root ${report.root})`);
    if (result.reportOnly) lines.push('  report-only target (repair: "report"): nothing inserted; shown as a dry run');
    if (report.error !== null) {
      lines.push(`  error: ${report.error.code}: ${report.error.message}${report.error.hint ? ` (hint: ${report.error.hint})` : ''}`);
      lines.push('  result: failed; nothing inserted for this rule');
      continue;
    }
    if (report.blockedBy !== null) {
      lines.push(`  blocked by drift: ${report.blockedBy}; nothing scanned or inserted`);
      lines.push('  result: run `driftd repair` first, then reconcile');
      continue;
    }
    const recovered = new Set(report.recovered);
    const raced = new Set(report.raced);
    for (const orphan of report.orphans) {
      const verb = recovered.has(orphan) ? 'recovered   ' : raced.has(orphan) ? 'already in  ' : mode === 'dry-run' ? 'would insert' : 'not inserted';
      lines.push(`  ${verb} ${orphan.directory}`);
      lines.push(`               ${formatRow(orphan.values)}`);
    }
    for (const row of report.dangling) lines.push(`  dangling     row ${row.rowid ?? '(no rowid)'}: ${row.storedPath} (directory gone; row left alone)`);
    for (const skip of report.skipped) lines.push(`  skipped      ${skip.directory}: ${skip.reason}: ${skip.detail}`);
    const waiting = report.orphans.length - report.recovered.length - report.raced.length;
    const parts = [
      `${report.counts.directories} director${report.counts.directories === 1 ? 'y' : 'ies'}, ${report.counts.rows} row${report.counts.rows === 1 ? '' : 's'} (${report.counts.matched} matched)`,
      mode === 'apply' ? `${report.recovered.length} recovered` : `${waiting} would be inserted`,
      ...(report.raced.length > 0 ? [`${report.raced.length} inserted meanwhile by another writer`] : []),
      `${report.dangling.length} dangling row${report.dangling.length === 1 ? '' : 's'} reported`,
      `${report.skipped.length} skipped`,
      ...(report.counts.unmarked > 0 ? [`${report.counts.unmarked} without marker files ignored`] : []),
    ];
    lines.push(`  result: ${parts.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A fleet: one summary line, then each file whose rounds failed, were blocked, skipped directories or left orphans. */
function fleetReconcileText(fleet: FleetRun, mode: 'dry-run' | 'apply', reportOnly: boolean): string {
  const rounds = fleet.results.flatMap((file) => (file.reconcile ?? []).map((rule) => ({ file, rule })));
  const sum = (pick: (rule: (typeof rounds)[number]['rule']) => number): number => rounds.reduce((total, { rule }) => total + pick(rule), 0);
  const recovered = sum((rule) => rule.recovered);
  const waiting = sum((rule) => rule.orphans - rule.recovered);
  const lines = [
    `${fleetSummaryLine(fleet.report)}; ${mode === 'apply' ? `${recovered} row${recovered === 1 ? '' : 's'} recovered, ${waiting} orphan${waiting === 1 ? '' : 's'} left` : `${waiting} row${waiting === 1 ? '' : 's'} would be inserted`}; ${sum((rule) => rule.dangling)} dangling; ${sum((rule) => rule.skipped)} skipped`,
  ];
  if (reportOnly) lines.push('  report-only target (repair: "report"): nothing inserted; shown as a dry run');
  if (fleet.report.error) lines.push(`  error: ${fleet.report.error.code}: ${fleet.report.error.message}`);
  for (const file of fleet.results) {
    if (file.state === 'error' && file.error && file.reconcile === null) lines.push(`  error    ${file.path}: ${file.error.code}: ${file.error.message}`);
    for (const rule of file.reconcile ?? []) {
      const where = `${file.path} (rule "${rule.rule}")`;
      if (rule.error) lines.push(`  error    ${where}: ${rule.error.code}: ${rule.error.message}`);
      else if (rule.blockedBy) lines.push(`  blocked  ${where}: ${rule.blockedBy}`);
      else if (rule.skipped > 0 || rule.orphans > rule.recovered) lines.push(`  pending  ${where}: ${rule.orphans - rule.recovered} orphan(s) not inserted, ${rule.skipped} skipped`);
    }
  }
  // A tenant's name is the tenant's choice: a newline in it must not start a line of its own.
  return `${lines.map(printable).join('\n')}\n`;
}

function formatRow(values: Readonly<Record<string, BoundValue>>): string {
  return Object.entries(values)
    .map(([column, value]) => `${column}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
}

function parseTimeout(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw usageError(`--busy-timeout takes milliseconds, got "${text}"`);
  return value;
}
