#!/usr/bin/env node
import { DriftdError } from '../errors/driftd-error.js';
import { checkCommand } from './check-command.js';
import { EXIT, type CliIo, type Command } from './cli-io.js';
import { reconcileCommand } from './reconcile-command.js';
import { validateCommand } from './validate-command.js';

const HELP = `driftd — keeps SQLite databases true to their declared schema

usage:
  driftd check   (--db FILE --schema FILE | --config FILE [--target NAME]) [--json] [--busy-timeout MS]
  driftd repair  (--db FILE --schema FILE | --config FILE [--target NAME]) [--dry-run] [--backup DIR] [--json]
  driftd reconcile --config FILE [--target NAME] [--dry-run] [--json] [--busy-timeout MS]
  driftd run      --config FILE [--log-level trace|debug|info|warn|error] [--once]
  driftd validate --config FILE [--json]
  driftd history [--config FILE] [--target NAME] [--since TIME] [--limit N] [--json]
  driftd help

exit codes: 0 in sync / nothing to do, 1 drift found or left (reconcile: orphans left or directories skipped), 2 error
`;

/** The composition root: one entry per subcommand, each in its own file. */
const COMMANDS: Record<string, Command> = {
  check: checkCommand('check'),
  repair: checkCommand('repair'),
  reconcile: reconcileCommand,
  // Loaded on demand: fastify, prom-client and chokidar cost startup time the one-shot commands should not pay.
  run: async (argv, io) => (await import('./run-command.js')).runCommand()(argv, io),
  validate: validateCommand,
  history: async (argv, io) => (await import('./history-command.js')).historyCommand(argv, io),
};

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(HELP);
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`USAGE: unknown command "${name}" (hint: run \`driftd help\`)\n`);
    return EXIT.error;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    if (error instanceof DriftdError) {
      io.stderr(`driftd ${name}: ${error.toLine()}\n`);
    } else {
      io.stderr(`driftd ${name}: INTERNAL: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
    return EXIT.error;
  }
}

const io: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`driftd: INTERNAL: ${String(error)}\n`);
    process.exitCode = EXIT.error;
  },
);
