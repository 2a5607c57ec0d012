import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { formatProblems, validateConfigFile, type ValidateConfigResult } from '../config/validate-config.js';
import { unitWriteProblems } from '../config/write-paths.js';
import { FILE_LIMITS, readRegularFileOrThrow } from '../fs/read-regular-file.js';
import { parseUnitSandbox, type UnitSandbox } from '../systemd/unit-sandbox.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';

export const OPTIONS = { config: { type: 'string' }, unit: { type: 'string' }, user: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } as const;

/**
 * `driftd validate --config FILE [--unit UNIT [--user]] [--json]`: parses the config and loads
 * every schema file, touching no database (for systemd's ExecStartPre and CI). A directory the
 * config makes driftd write that is on a read-only mount here (ExecStartPre runs inside the
 * unit's sandbox) is a problem (CONFIG_PATH_READ_ONLY); with `--unit`, so is one the unit file's
 * ProtectSystem=/ProtectHome=/ReadWritePaths= would leave read-only, checked from any shell (the
 * config's paths expanded with the environment the unit sets: STATE_DIRECTORY, Environment=).
 * Exit 0 when valid, 2 with every problem and its config path otherwise.
 */
export async function validateCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(`driftd validate: ${(error as Error).message}`);
  }
  if (values.config === undefined) throw usageError('driftd validate: name the config: --config FILE');
  if (values.user && values.unit === undefined) throw usageError('driftd validate: --user says how to read --unit FILE; name the unit');
  const sandbox = values.unit === undefined ? null : readUnit(values.unit, values.user ? 'user' : 'system', io.env);
  const env = sandbox ? { ...io.env, ...sandbox.environment } : io.env;
  let result: ValidateConfigResult = validateConfigFile(values.config, env);
  if (result.ok && sandbox) {
    const problems = unitWriteProblems(result.validated.config, sandbox, resolve(values.unit!));
    if (problems.length > 0) result = { ok: false, problems, configHash: result.validated.configHash };
  }
  if (values.json) {
    io.stdout(`${JSON.stringify(result.ok ? { ok: true, targets: result.validated.config.targets.map((target) => target.name), warnings: result.validated.warnings } : { ok: false, problems: result.problems })}\n`);
    return result.ok ? EXIT.ok : EXIT.error;
  }
  if (!result.ok) {
    io.stderr(`driftd validate: config "${values.config}" has ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:\n`);
    for (const line of formatProblems(result.problems)) io.stderr(`  ${line}\n`);
    return EXIT.error;
  }
  const { config } = result.validated;
  for (const warning of result.validated.warnings) io.stderr(`driftd validate: warning: ${warning}\n`);
  io.stdout(
    `config "${config.source}" is valid: ${config.targets.length} target${config.targets.length === 1 ? '' : 's'} (${config.targets.map((target) => target.name).join(', ')}), schedule "${config.schedule}"${sandbox ? `; every directory it writes is writable under unit "${resolve(values.unit!)}"` : ''}\n`,
  );
  return EXIT.ok;
}

function readUnit(path: string, manager: 'system' | 'user', env: Readonly<Record<string, string | undefined>>): UnitSandbox {
  const { bytes } = readRegularFileOrThrow(resolve(path), 'unit file', { missing: 'USAGE', notAFile: 'USAGE', tooLarge: 'USAGE', unreadable: 'USAGE' }, { maxBytes: FILE_LIMITS.config });
  const parsed = parseUnitSandbox(bytes.toString('utf8'), { manager, env });
  if (!parsed.ok) throw usageError(`driftd validate: --unit "${path}": ${parsed.message}`);
  return parsed.sandbox;
}
