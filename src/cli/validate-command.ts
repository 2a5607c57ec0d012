import { parseArgs } from 'node:util';
import { formatProblems, validateConfigFile } from '../config/validate-config.js';
import { EXIT, usageError, type CliIo, type ExitCode } from './cli-io.js';

export const OPTIONS = { config: { type: 'string' }, json: { type: 'boolean', default: false } } as const;

/**
 * `driftd validate --config FILE`: parses the config and loads every schema
 * file, touching no database (for systemd's ExecStartPre and CI). Exit 0 when
 * valid, 2 with every problem and its config path otherwise.
 */
export async function validateCommand(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw usageError(`driftd validate: ${(error as Error).message}`);
  }
  if (values.config === undefined) throw usageError('driftd validate: name the config: --config FILE');
  const result = validateConfigFile(values.config, io.env);
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
  io.stdout(`config "${config.source}" is valid: ${config.targets.length} target${config.targets.length === 1 ? '' : 's'} (${config.targets.map((target) => target.name).join(', ')}), schedule "${config.schedule}"\n`);
  return EXIT.ok;
}
