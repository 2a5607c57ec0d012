import { parseArgs } from 'node:util';
import { printable } from './printable.js';
import type { AuditJournal } from '../audit/audit-journal.js';
import { checkDatabase, type BackupSettings, type CheckMode } from '../check/check-database.js';
import { loadDeclaredSchemaOnDemand } from '../declared/load-declared-schema-on-demand.js';
import { targetDiffOptions } from '../diff/diff.js';
import { DriftdError, withContext, type ErrorCode } from '../errors/driftd-error.js';
import type { TargetKind } from '../pipeline/target-kind.js';
import type { Schema } from '../schema/schema-model.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { errorJson, reportJson, reportText, targetErrorText } from './format-report.js';
import { resolveTargets, WITHOUT_CONFIG, type SelectedTarget } from './resolve-target.js';

/** Fleet files that still carry drift: drifted, held back (migration tool, replica) or failing to repair. */
const stillDrifted = (totals: Readonly<Record<'drifted' | 'held' | 'repair_failing', number>>): number => totals.drifted + totals.held + totals.repair_failing;

export const OPTIONS = {
  db: { type: 'string' },
  schema: { type: 'string' },
  config: { type: 'string' },
  target: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
  'column-order': { type: 'string' },
  backup: { type: 'string' },
  'under-migration-tool': { type: 'boolean', default: false },
} as const;

/**
 * `driftd check` and `driftd repair`. Exit 0 when nothing declared is missing
 * or different (after the repair), 1 when drift is found or left, 2 on error:
 * `--db/--schema` prints one line on stderr; `--config` prints every target's
 * result first (a failed one with its error) and exits 2 at the end.
 */
export function checkCommand(kind: 'check' | 'repair') {
  return async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
    let values;
    try {
      values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (error) {
      throw usageError(`driftd ${kind}: ${(error as Error).message}`);
    }
    if (kind === 'check' && (values['dry-run'] || values.backup !== undefined || values['under-migration-tool'])) {
      throw usageError('driftd check: --dry-run, --backup and --under-migration-tool belong to repair');
    }
    const mode: CheckMode = kind === 'check' ? 'check' : values['dry-run'] ? 'dry-run' : 'repair';
    const selection = await resolveTargets(values, io.env);
    const busyTimeoutMs = values['busy-timeout'] !== undefined ? parseTimeout(values['busy-timeout']) : (selection.config?.busyTimeoutMs ?? WITHOUT_CONFIG.busyTimeoutMs);
    const results: TargetResult[] = [];
    // Every change is recorded in the audit journal (intent before the commit, outcome after).
    // The journal (and node:crypto, node:os with it) is loaded only when something may be written.
    const journal = mode === 'repair' ? (await import('./cli-journal.js')).journalForWriting(selection.config, io.env) : null;
    for (const target of selection.targets) {
      const backupDir = values.backup ?? (selection.config?.backup.enabled ? selection.config.backup.dir : undefined);
      // `repair --config` leaves a `repair: "report"` target alone: it runs as a dry run and says so (docs/cli.md).
      const reportOnly = mode === 'repair' && target.repair === 'report' && selection.config !== null;
      const targetMode: CheckMode = reportOnly ? 'dry-run' : mode;
      const run: CheckRun = {
        mode: targetMode,
        busyTimeoutMs,
        backup: backupDir ? { dir: backupDir, keep: selection.config?.backup.keep ?? WITHOUT_CONFIG.backupKeep } : null,
        poolSize: selection.config?.poolSize ?? WITHOUT_CONFIG.poolSize,
        // The command-line flag is the operator's explicit say-so for this run, like the target's key.
        underMigrationTool: values['under-migration-tool'],
        journal: journal && targetMode === 'repair' ? journal : null,
        reportOnly,
      };
      try {
        const declared = await loadDeclaredSchemaOnDemand(target.schema);
        results.push({ name: target.name, database: target.database, mode: targetMode, reportOnly, outcome: { ok: true, checked: await CHECK_BY_KIND[target.kind](target, declared.schema, run) } });
      } catch (error) {
        // The ad-hoc `--db/--schema` target: one line on stderr, named by its own message, exit 2.
        if (selection.config === null) throw error;
        // A config target's failure never hides what the targets before it already repaired:
        // every result is printed, the failure with its error, and the exit code is 2 at the end.
        const failure = error instanceof DriftdError ? error : new DriftdError('INTERNAL', error instanceof Error ? error.message : String(error), { cause: error });
        results.push({ name: target.name, database: target.database, mode: targetMode, reportOnly, outcome: { ok: false, error: failure } });
      }
    }
    const failures = results.flatMap((result) => {
      if (!result.outcome.ok) return [{ name: result.name, error: result.outcome.error }];
      const failed = result.outcome.checked.failure;
      return failed ? [{ name: result.name, error: new DriftdError(failed.code, failed.message) }] : [];
    });
    if (values.json) {
      // `--db/--schema` prints the report itself; `--config` names each target (docs/cli.md).
      const targetJson = (result: TargetResult): object =>
        result.outcome.ok ? result.outcome.checked.json(true) : { target: result.name, database: result.database, error: errorJson(result.outcome.error) };
      const output = selection.config
        ? results.length === 1
          ? targetJson(results[0]!)
          : { targets: results.map(targetJson) }
        : adHocJson(results[0]!);
      io.stdout(`${JSON.stringify(output)}\n`);
    } else {
      for (const result of results) io.stdout(result.outcome.ok ? result.outcome.checked.text() : targetErrorText(result.name, result.database, result.outcome.error));
    }
    for (const { name, error } of failures) io.stderr(`driftd ${kind}: ${withContext(`target "${name}"`, error).toLine()}\n`);
    if (failures.length > 0) return EXIT.error;
    return results.every((result) => result.outcome.ok && result.outcome.checked.inSync) ? EXIT.ok : EXIT.found;
  };
}

/** What one target's check or repair needs besides the target and its declaration. */
interface CheckRun {
  readonly mode: CheckMode;
  readonly busyTimeoutMs: number;
  readonly backup: BackupSettings | null;
  readonly poolSize: number;
  readonly underMigrationTool: boolean;
  /** Set when this run may write: every change is recorded there. */
  readonly journal: AuditJournal | null;
  readonly reportOnly: boolean;
}

/** One target checked, whatever its kind: what the command prints and how it exits. */
interface CheckedTarget {
  /** In sync after the run (a fleet: no file still carries drift). */
  readonly inSync: boolean;
  /** The target failed as a whole, or some of its files did (stderr, exit 2). */
  readonly failure: { readonly code: ErrorCode; readonly message: string } | null;
  /** The `--json` object: named by the target with `--config` (`named`), the bare report for `--db/--schema`. */
  json(named: boolean): object;
  text(): string;
}

/**
 * How each kind of target is checked and reported (a closed table: a new kind in
 * pipeline/target-kind.ts breaks the build here). Both go through the one check step;
 * a fleet sweeps its files with the daemon's runner, loaded only when a config has one.
 */
const CHECK_BY_KIND = {
  async file(target, declared, run) {
    const report = await checkDatabase({
      clock: monotonicMs,
      dbPath: target.database,
      declared,
      mode: run.mode,
      busyTimeoutMs: run.busyTimeoutMs,
      diff: targetDiffOptions(target),
      safety: { foreignKeysEnforced: target.foreignKeysEnforced },
      repairUnderMigrationTool: target.repairUnderMigrationTool || run.underMigrationTool,
      allowHardLinks: target.allowHardLinks === true,
      backup: run.backup,
      ...(run.journal ? { audit: run.journal.sink({ target: target.name, database: target.database, cycle: null, source: 'cli' }) } : {}),
    });
    return {
      inSync: report.inSync,
      failure: null,
      json: (named) => (named ? { target: target.name, ...(run.reportOnly ? { reportOnly: true } : {}), ...reportJson(report, run.mode) } : reportJson(report, run.mode)),
      text: () => reportText(report, run.mode, target.name, { reportOnly: run.reportOnly }),
    };
  },
  async fleet(target, declared, run) {
    // A fleet: one line per target, then the files that drift or fail (docs/fleets.md).
    const fleetCli = await import('./run-fleet.js');
    const journal = run.journal;
    const fleet = await fleetCli.runFleetOnce(target, { schema: declared }, {
      mode: run.mode,
      reconcile: 'none',
      busyTimeoutMs: run.busyTimeoutMs,
      backup: run.backup,
      poolSize: run.poolSize,
      ...(journal ? { audit: (database: string) => journal.sink({ target: target.name, database, cycle: null, source: 'cli' }) } : {}),
    });
    return {
      inSync: stillDrifted(fleet.report.totals) === 0,
      failure: fleetCli.fleetFailure(fleet),
      json: (named) => (named ? { ...(run.reportOnly ? { reportOnly: true } : {}), ...fleetCli.fleetJson(fleet) } : fleetCli.fleetJson(fleet)),
      text: () => `${[printable(fleetCli.fleetSummaryLine(fleet.report)), ...(run.reportOnly ? ['  report-only target: not repaired (repair: "report"); shown as a dry run'] : []), ...fleetCli.fleetAttentionLines(fleet)].join('\n')}\n`,
    };
  },
} satisfies Record<TargetKind, (target: SelectedTarget, declared: Schema, run: CheckRun) => Promise<CheckedTarget>>;

interface TargetResult {
  readonly name: string;
  readonly database: string;
  /** The mode this target ran in: `dry-run` for a report-only target under `repair --config`. */
  readonly mode: CheckMode;
  readonly reportOnly: boolean;
  readonly outcome: { readonly ok: true; readonly checked: CheckedTarget } | { readonly ok: false; readonly error: DriftdError };
}

/** The `--db/--schema` report: its failure was thrown as one stderr line before anything was printed. */
function adHocJson(result: TargetResult): object {
  if (!result.outcome.ok) throw result.outcome.error;
  return result.outcome.checked.json(false);
}

/**
 * The report's timings clock. Not `performance.now()`, the engine's default: the `performance`
 * global loads Node's perf_hooks modules on first use (~2 ms of a one-shot `check`).
 */
const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function parseTimeout(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw usageError(`--busy-timeout takes milliseconds, got "${text}"`);
  return value;
}
