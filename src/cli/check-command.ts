import { parseArgs } from 'node:util';
import { printable } from './printable.js';
import { checkDatabase, type CheckMode, type CheckReport } from '../check/check-database.js';
import { loadDeclaredSchemaOnDemand } from '../declared/load-declared-schema-on-demand.js';
import { DriftdError, withContext } from '../errors/driftd-error.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { errorJson, reportJson, reportText, targetErrorText } from './format-report.js';
import { resolveTargets } from './resolve-target.js';
import type { FleetRun } from './run-fleet.js';

/** Fleet files that still carry drift: drifted, held back (migration tool, replica) or failing to repair. */
const stillDrifted = (totals: Readonly<Record<'drifted' | 'held' | 'repair_failing', number>>): number => totals.drifted + totals.held + totals.repair_failing;

/** Fleet support, loaded only when a config has a fleet target (`check --db` must not pay for it). */
type FleetCli = typeof import('./run-fleet.js');
let fleetCli: FleetCli | null = null;

export const OPTIONS = {
  db: { type: 'string' },
  schema: { type: 'string' },
  config: { type: 'string' },
  target: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
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
    const busyTimeoutMs = values['busy-timeout'] !== undefined ? parseTimeout(values['busy-timeout']) : (selection.config?.busyTimeoutMs ?? 5000);
    const results: TargetResult[] = [];
    // Every change is recorded in the audit journal (intent before the commit, outcome after).
    // The journal (and node:crypto, node:os with it) is loaded only when something may be written.
    const journal = mode === 'repair' ? (await import('./cli-journal.js')).journalForWriting(selection.config, io.env) : null;
    for (const target of selection.targets) {
      const backupDir = values.backup ?? (selection.config?.backup.enabled ? selection.config.backup.dir : undefined);
      // `repair --config` leaves a `repair: "report"` target alone: it runs as a dry run and says so (docs/cli.md).
      const reportOnly = mode === 'repair' && target.repair === 'report' && selection.config !== null;
      const targetMode: CheckMode = reportOnly ? 'dry-run' : mode;
      try {
        const declared = await loadDeclaredSchemaOnDemand(target.schema);
        if (target.fleet) {
          // A fleet: one line per target, then the files that drift or fail (docs/fleets.md).
          fleetCli ??= await import('./run-fleet.js');
          const run = await fleetCli.runFleetOnce(target, declared, {
            mode: targetMode,
            reconcile: 'none',
            busyTimeoutMs,
            backup: backupDir ? { dir: backupDir, keep: selection.config?.backup.keep ?? 5 } : null,
            poolSize: selection.config?.poolSize ?? 4,
            ...(journal && targetMode === 'repair' ? { audit: (database: string) => journal.sink({ target: target.name, database, cycle: null, source: 'cli' }) } : {}),
          });
          results.push({ name: target.name, database: target.database, mode: targetMode, reportOnly, outcome: { ok: true, fleet: run } });
          continue;
        }
        const report = await checkDatabase({
          clock: monotonicMs,
          dbPath: target.database,
          declared: declared.schema,
          mode: targetMode,
          busyTimeoutMs,
          diff: { ignoreTables: target.ignoreTables },
          safety: { foreignKeysEnforced: target.foreignKeysEnforced },
          // The command-line flag is the operator's explicit say-so for this run, like the target's key.
          repairUnderMigrationTool: target.repairUnderMigrationTool || values['under-migration-tool'],
          allowHardLinks: target.allowHardLinks === true,
          backup: backupDir ? { dir: backupDir, keep: selection.config?.backup.keep ?? 5 } : null,
          ...(journal && targetMode === 'repair' ? { audit: journal.sink({ target: target.name, database: target.database, cycle: null, source: 'cli' }) } : {}),
        });
        results.push({ name: target.name, database: target.database, mode: targetMode, reportOnly, outcome: { ok: true, report } });
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
      if (!('fleet' in result.outcome)) return [];
      const failed = fleetCli!.fleetFailure(result.outcome.fleet);
      return failed ? [{ name: result.name, error: new DriftdError(failed.code, failed.message) }] : [];
    });
    if (values.json) {
      // `--db/--schema` prints the report itself; `--config` names each target (docs/cli.md).
      const targetJson = (result: TargetResult): Record<string, unknown> =>
        !result.outcome.ok
          ? { target: result.name, database: result.database, error: errorJson(result.outcome.error) }
          : 'fleet' in result.outcome
            ? { ...(result.reportOnly ? { reportOnly: true } : {}), ...fleetCli!.fleetJson(result.outcome.fleet) }
            : { target: result.name, ...(result.reportOnly ? { reportOnly: true } : {}), ...reportJson(result.outcome.report, mode) };
      const output = selection.config
        ? results.length === 1
          ? targetJson(results[0]!)
          : { targets: results.map(targetJson) }
        : adHocJson(results[0]!, mode);
      io.stdout(`${JSON.stringify(output)}\n`);
    } else {
      for (const result of results) {
        if (result.outcome.ok && 'fleet' in result.outcome) {
          const lines = [printable(fleetCli!.fleetSummaryLine(result.outcome.fleet.report)), ...(result.reportOnly ? ['  report-only target: not repaired (repair: "report"); shown as a dry run'] : []), ...fleetCli!.fleetAttentionLines(result.outcome.fleet)];
          io.stdout(`${lines.join('\n')}\n`);
          continue;
        }
        io.stdout(
          result.outcome.ok
            ? reportText(result.outcome.report, result.mode, result.name, { reportOnly: result.reportOnly })
            : targetErrorText(result.name, result.database, result.outcome.error),
        );
      }
    }
    for (const { name, error } of failures) io.stderr(`driftd ${kind}: ${withContext(`target "${name}"`, error).toLine()}\n`);
    if (failures.length > 0) return EXIT.error;
    const inSync = (result: TargetResult): boolean =>
      result.outcome.ok && ('fleet' in result.outcome ? stillDrifted(result.outcome.fleet.report.totals) === 0 : result.outcome.report.inSync);
    return results.every(inSync) ? EXIT.ok : EXIT.found;
  };
}

interface TargetResult {
  readonly name: string;
  readonly database: string;
  /** The mode this target ran in: `dry-run` for a report-only target under `repair --config`. */
  readonly mode: CheckMode;
  readonly reportOnly: boolean;
  readonly outcome: { readonly ok: true; readonly report: CheckReport } | { readonly ok: true; readonly fleet: FleetRun } | { readonly ok: false; readonly error: DriftdError };
}

/** The `--db/--schema` report: its failure was thrown as one stderr line before anything was printed. */
function adHocJson(result: TargetResult, mode: CheckMode): object {
  if (!result.outcome.ok) throw result.outcome.error;
  if ('fleet' in result.outcome) return fleetCli!.fleetJson(result.outcome.fleet);
  return reportJson(result.outcome.report, mode);
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
