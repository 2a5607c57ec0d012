#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DriftdError } from '../errors/driftd-error.js';
import { EXIT, type CliIo, type Command } from './cli-io.js';
import { packageVersion } from './package-version.js';

const usage = (version: string): string => `driftd ${version} — keeps SQLite databases true to their declared schema

usage:
  driftd check   (--db FILE --schema FILE | --config FILE [--target NAME]) [--json] [--busy-timeout MS]
  driftd repair  (--db FILE --schema FILE | --config FILE [--target NAME]) [--dry-run] [--backup DIR] [--under-migration-tool] [--json]
  driftd plan    (--db FILE --schema FILE | --config FILE [--target NAME]) --out PLAN [--json]
  driftd apply   PLAN [--backup DIR] [--config FILE [--target FLEET]] [--json]
  driftd reconcile --config FILE [--target NAME] [--dry-run] [--json] [--busy-timeout MS]
  driftd run      --config FILE [--log-level trace|debug|info|warn|error] [--once]
  driftd validate --config FILE [--json]
  driftd version | --version
  driftd history [--config FILE] [--target NAME] [--since TIME] [--limit N] [--json]
  driftd help

exit codes: 0 in sync / nothing to do, 1 drift found or left (reconcile: orphans left or directories skipped), 2 error
`;

/**
 * The composition root: one entry per subcommand, each in its own file, imported only when that
 * command runs — `help` loads none of them, `check --db --schema x.sql` neither the config parser
 * nor the daemon's packages (fastify, prom-client, chokidar, node-cron). Start-up cost: BENCHMARKS.md.
 */
const COMMANDS: Readonly<Record<string, Command>> = {
  check: async (argv, io) => (await import('./check-command.js')).checkCommand('check')(argv, io),
  repair: async (argv, io) => (await import('./check-command.js')).checkCommand('repair')(argv, io),
  plan: async (argv, io) => (await import('./plan-command.js')).planCommand(argv, io),
  apply: async (argv, io) => (await import('./apply-command.js')).applyCommand(argv, io),
  reconcile: async (argv, io) => (await import('./reconcile-command.js')).reconcileCommand(argv, io),
  run: async (argv, io) => (await import('./run-command.js')).runCommand()(argv, io),
  validate: async (argv, io) => (await import('./validate-command.js')).validateCommand(argv, io),
  history: async (argv, io) => (await import('./history-command.js')).historyCommand(argv, io),
};

/**
 * Runs one command line (without `node` and the script) and returns its exit code. No side
 * effects beyond `io` and what the command itself does, so tests call it in-process.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(usage(packageVersion()));
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  if (name === 'version' || name === '--version' || name === '-V') {
    io.stdout(`driftd ${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
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

/** True when this file is the process's script (`node dist/cli/main.js`, or npm's `driftd` symlink to it). */
function isProcessEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isProcessEntry()) {
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
}
