import { parseArgs } from 'node:util';
import { checkDatabase, type CheckMode, type CheckReport } from '../check/check-database.js';
import { loadDeclaredSchema } from '../declared/load-declared-schema.js';
import { DriftdError, withContext } from '../errors/driftd-error.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { reportJson, reportText } from './format-report.js';
import { resolveTargets } from './resolve-target.js';

const OPTIONS = {
  db: { type: 'string' },
  schema: { type: 'string' },
  config: { type: 'string' },
  target: { type: 'string' },
  json: { type: 'boolean', default: false },
  'dry-run': { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
  backup: { type: 'string' },
} as const;

/**
 * `driftd check` and `driftd repair`. Exit 0 when nothing declared is missing
 * or different (after the repair), 1 when drift is found or left, 2 on error.
 */
export function checkCommand(kind: 'check' | 'repair') {
  return async (argv: readonly string[], io: CliIo): Promise<ExitCode> => {
    let values;
    try {
      values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
    } catch (error) {
      throw usageError(`driftd ${kind}: ${(error as Error).message}`);
    }
    if (kind === 'check' && (values['dry-run'] || values.backup !== undefined)) throw usageError('driftd check: --dry-run and --backup belong to repair');
    const mode: CheckMode = kind === 'check' ? 'check' : values['dry-run'] ? 'dry-run' : 'repair';
    const selection = resolveTargets(values, io.env);
    const busyTimeoutMs = values['busy-timeout'] !== undefined ? parseTimeout(values['busy-timeout']) : (selection.config?.busyTimeoutMs ?? 5000);
    const reports: Array<{ name: string; report: CheckReport }> = [];
    for (const target of selection.targets) {
      const declared = loadDeclaredSchema(target.schema);
      const backupDir = values.backup ?? (selection.config?.backup.enabled ? selection.config.backup.dir : undefined);
      const targetMode: CheckMode = mode === 'repair' && target.repair === 'report' && selection.config ? 'dry-run' : mode;
      try {
        const report = await checkDatabase({
          dbPath: target.database,
          declared: declared.schema,
          mode: targetMode,
          busyTimeoutMs,
          diff: { ignoreTables: target.ignoreTables },
          safety: { foreignKeysEnforced: target.foreignKeysEnforced },
          backup: backupDir ? { dir: backupDir, keep: selection.config?.backup.keep ?? 5 } : null,
        });
        reports.push({ name: target.name, report });
      } catch (error) {
        if (error instanceof DriftdError) throw withContext(`target "${target.name}"`, error);
        throw error;
      }
    }
    if (values.json) {
      // `--db/--schema` prints the report itself; `--config` names each target (README "CLI reference").
      const output = selection.config
        ? reports.length === 1
          ? { target: reports[0]!.name, ...reportJson(reports[0]!.report, mode) }
          : { targets: reports.map(({ name, report }) => ({ target: name, ...reportJson(report, mode) })) }
        : reportJson(reports[0]!.report, mode);
      io.stdout(`${JSON.stringify(output)}\n`);
    } else {
      for (const { name, report } of reports) io.stdout(reportText(report, mode, name));
    }
    return reports.every(({ report }) => report.inSync) ? EXIT.ok : EXIT.found;
  };
}

function parseTimeout(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw usageError(`--busy-timeout takes milliseconds, got "${text}"`);
  return value;
}
