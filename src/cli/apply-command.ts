import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDeclaredSchemaOnDemand } from '../declared/load-declared-schema-on-demand.js';
import { DriftdError } from '../errors/driftd-error.js';
import { readRegularFileOrThrow } from '../fs/read-regular-file.js';
import { applyPlan } from '../plan/apply-plan.js';
import { parsePlanDocument, type PlanDocument } from '../plan/plan-document.js';
import { adHocAuditDir, journalForWriting } from './cli-journal.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';
import { WITHOUT_CONFIG } from './resolve-target.js';
import type { Config } from '../config/parse-config.js';
import type { AuditJournal } from '../audit/audit-journal.js';
import type { FleetFileResult } from '../plan/apply-fleet.js';
import type { CheckDepth } from '../plan/check-structure.js';
import type { Schema } from '../schema/schema-model.js';

const OPTIONS = {
  config: { type: 'string' },
  target: { type: 'string' },
  backup: { type: 'string' },
  json: { type: 'boolean', default: false },
  'busy-timeout': { type: 'string' },
  'full-integrity-check': { type: 'boolean', default: false },
} as const;

const PLAN_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * `driftd apply PLAN [--backup DIR] [--config FILE] [--full-integrity-check]`: runs a plan `driftd plan` wrote (src/plan/apply-plan.ts).
 * Exit 0 when applied (or already applied: the schema has the plan's after fingerprint), 2 when
 * refused (PLAN_STALE: the schema changed since the plan; nothing written) or failed (rolled back).
 * The backup goes to --backup DIR, else the config's backup.dir, else the state directory's
 * `driftd/backups`; the audit trail to the config's journal, else the state directory's.
 */
export async function applyCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageError(`driftd apply: ${(error as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw usageError('driftd apply: name one plan file: driftd apply PLAN');
  const planPath = resolve(positionals[0]!);
  const plan = readPlan(planPath);
  let config: Config | null = null;
  if (values.config !== undefined) {
    const [{ loadConfig }, { configProblemsError }] = await Promise.all([import('../config/load-config.js'), import('../config/parse-config.js')]);
    const loaded = loadConfig(values.config, io.env);
    if (!loaded.ok) throw configProblemsError(resolve(values.config), loaded.problems);
    config = loaded.config;
  }
  const busyTimeoutMs = values['busy-timeout'] !== undefined ? Number(values['busy-timeout']) : (config?.busyTimeoutMs ?? WITHOUT_CONFIG.busyTimeoutMs);
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw usageError(`--busy-timeout takes milliseconds, got "${values['busy-timeout']}"`);
  const backupDir = resolve(values.backup ?? (config?.backup.enabled ? config.backup.dir : join(dirname(adHocAuditDir(io.env)), 'backups')));
  const declared = await loadDeclaredSchemaOnDemand(plan.schema);
  const journal = journalForWriting(config, io.env);
  const depth = values['full-integrity-check'] ? 'full' : 'quick';
  if (values.target !== undefined) {
    if (config === null) throw usageError('--target needs --config');
    const fleetTarget = config.targets.find((t) => t.name === values.target);
    if (!fleetTarget) throw new DriftdError('CONFIG_TARGET_UNKNOWN', `config "${config.source}" has no target "${values.target}"`, { hint: `known targets: ${config.targets.map((t) => t.name).join(', ')}` });
    if (!fleetTarget.fleet) throw usageError(`driftd apply: target "${fleetTarget.name}" is one database; apply without --target (the plan names its database)`);
    return applyToFleet(plan, planPath, declared.schema, fleetTarget.name, fleetTarget.fleet.pattern, { busyTimeoutMs, backupDir, depth, json: values.json }, journal, io);
  }
  const target = config?.targets.find((t) => t.database === plan.database)?.name ?? 'cli';
  const outcome = await applyPlan({
    plan,
    planPath,
    declared: declared.schema,
    busyTimeoutMs,
    backupDir,
    depth,
    audit: journal.sink({ target, database: plan.database, cycle: null, source: 'cli' }),
  });
  if (values.json) {
    io.stdout(`${JSON.stringify(outcome)}\n`);
  } else if (outcome.status === 'already-applied') {
    io.stdout(`${outcome.database}: plan ${planPath} is already applied (the schema has its after fingerprint); nothing done\n`);
  } else {
    io.stdout(
      `${outcome.database}: applied plan ${planPath}: rebuilt ${outcome.tables.map((t) => `"${t.table}" (${t.rows} rows)`).join(', ')}; every check passed before COMMIT\n  backup (verified): ${outcome.backupPath}\n  audit trail: ${journal.path}\n`,
    );
  }
  return EXIT.ok;
}

/** `apply PLAN --config F --target FLEET`: file by file, canary first, stop at the first failure (src/plan/apply-fleet.ts). */
async function applyToFleet(
  plan: PlanDocument,
  planPath: string,
  declared: Schema,
  target: string,
  pattern: string,
  options: { busyTimeoutMs: number; backupDir: string; depth: CheckDepth; json: boolean },
  journal: AuditJournal,
  io: CliIo,
): Promise<ExitCode> {
  const [{ parseFleetPattern }, { listFleet }, { applyPlanToFleet }] = await Promise.all([import('../fleet/fleet-pattern.js'), import('../fleet/list-fleet.js'), import('../plan/apply-fleet.js')]);
  const parsed = parseFleetPattern(pattern);
  if (!parsed.ok) throw usageError(`target "${target}": ${parsed.message}`);
  const listing = await listFleet(parsed.pattern);
  const results = await applyPlanToFleet({
    plan,
    planPath,
    declared,
    root: parsed.pattern.root,
    files: listing.files,
    busyTimeoutMs: options.busyTimeoutMs,
    backupDir: options.backupDir,
    depth: options.depth,
    audit: (database) => journal.sink({ target, database, cycle: null, source: 'cli' }),
    onFile: options.json ? undefined : (result) => io.stdout(`${fleetLine(result)}\n`),
  });
  const failed = results.find((result) => result.status === 'failed');
  const count = (status: string): number => results.filter((result) => result.status === status).length;
  if (options.json) {
    io.stdout(`${JSON.stringify({ target, plan: planPath, files: results })}\n`);
  } else {
    const notRun = count('not-run');
    io.stdout(`target "${target}": ${results.length} files: ${count('applied')} applied, ${count('already-applied')} already applied, ${count('failed')} failed, ${notRun} not run${notRun > 0 ? ' (run the same command again to resume there)' : ''}\n`);
  }
  if (failed && failed.status === 'failed') {
    io.stderr(`driftd apply: ${failed.error.code}: target "${target}": stopped at ${failed.database}: ${failed.error.message}${failed.error.hint ? ` (hint: ${failed.error.hint})` : ''}\n`);
    return EXIT.error;
  }
  return EXIT.ok;
}

function fleetLine(result: FleetFileResult): string {
  const canary = result.canary ? ' (canary)' : '';
  switch (result.status) {
    case 'applied':
      return `  applied${canary} ${result.database}: backup ${result.outcome.backupPath}`;
    case 'already-applied':
      return `  already applied${canary} ${result.database}`;
    case 'failed':
      return `  FAILED${canary} ${result.database}: ${result.error.code}: ${result.error.message}`;
    case 'not-run':
      return `  not run ${result.database}`;
    default: {
      const unreachable: never = result;
      return unreachable;
    }
  }
}

function readPlan(path: string): PlanDocument {
  const { bytes } = readRegularFileOrThrow(path, 'plan file', { missing: 'PLAN_NOT_FOUND', notAFile: 'PLAN_INVALID', tooLarge: 'PLAN_INVALID', unreadable: 'PLAN_INVALID' }, { maxBytes: PLAN_LIMIT_BYTES });
  const parsed = parsePlanDocument(bytes.toString('utf8'));
  if (!parsed.ok) {
    throw new DriftdError('PLAN_INVALID', `plan file "${path}" is not a driftd plan: ${parsed.problems.slice(0, 5).join('; ')}`, {
      where: { file: path },
      hint: 'make the plan with `driftd plan --out PLAN`; an edited plan must still match its format',
    });
  }
  return parsed.plan;
}
