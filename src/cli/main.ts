#!/usr/bin/env node
import { realpathSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DriftdError } from '../errors/driftd-error.js';
import { EXIT, type CliIo, type Command } from './cli-io.js';
import { packageVersion } from './package-version.js';

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

/** Every command `main` runs (each has its help in help.ts: a test checks). */
export const COMMAND_NAMES: readonly string[] = [...Object.keys(COMMANDS), 'version', 'help'];

/**
 * Runs one command line (without `node` and the script) and returns its exit code. No side
 * effects beyond `io` and what the command itself does, so tests call it in-process.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    const { generalHelpText } = await import('./help.js');
    io.stdout(generalHelpText(packageVersion()));
    return name === undefined ? EXIT.error : EXIT.ok;
  }
  // `driftd help CMD`, `driftd CMD --help`, `driftd CMD -h` (git's forms): the command's own help, exit 0.
  const asksHelp = rest.includes('--help') || rest.includes('-h');
  const helpFor = name === 'help' ? (asksHelp ? 'help' : rest[0]!) : asksHelp ? name : null;
  if (helpFor !== null) {
    const { COMMAND_HELP, commandHelpText } = await import('./help.js');
    const help = Object.hasOwn(COMMAND_HELP, helpFor) ? COMMAND_HELP[helpFor] : undefined;
    if (!help) {
      io.stderr(`USAGE: unknown command "${helpFor}" (hint: run \`driftd help\` for the commands)\n`);
      return EXIT.error;
    }
    io.stdout(commandHelpText(helpFor, help));
    return EXIT.ok;
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

/**
 * Writes to descriptor 1 or 2 directly: `process.stdout`'s first use builds a stream and loads Node's
 * stream modules (~3 ms of a one-shot `check`, BENCHMARKS.md "CLI start-up"), and on Linux it writes
 * synchronously anyway. Whatever a direct write cannot do (EAGAIN on a descriptor someone made
 * non-blocking, EPIPE, …) goes to the stream from then on, which handles it as it always has.
 */
function stdioWriter(fd: 1 | 2, stream: () => NodeJS.WriteStream): (text: string) => void {
  let viaStream = false;
  return (text) => {
    if (viaStream) {
      stream().write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    try {
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    } catch {
      viaStream = true;
      stream().write(bytes.subarray(offset));
    }
  };
}

if (isProcessEntry()) {
  const io: CliIo = {
    stdout: stdioWriter(1, () => process.stdout),
    stderr: stdioWriter(2, () => process.stderr),
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
