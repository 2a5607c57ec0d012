import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { COMMAND_HELP } from '../../src/cli/help.js';
import { COMMAND_NAMES, main } from '../../src/cli/main.js';
import { runCli } from '../support/run-cli.js';

/** `driftd CMD --help`, `-h` and `driftd help CMD` (issue 17 item 2): exit 0, every option described, an example. */
async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), env: {} };
  return { code: await main(argv, io), stdout, stderr };
}

/** The options each command's parser accepts, from the command module itself. */
async function parserOptions(name: string): Promise<string[]> {
  const modules: Record<string, () => Promise<{ OPTIONS: Record<string, unknown> }>> = {
    check: () => import('../../src/cli/check-command.js'),
    repair: () => import('../../src/cli/check-command.js'),
    reconcile: () => import('../../src/cli/reconcile-command.js'),
    run: () => import('../../src/cli/run-command.js'),
    validate: () => import('../../src/cli/validate-command.js'),
    history: () => import('../../src/cli/history-command.js'),
  };
  const load = modules[name];
  if (!load) return [];
  const options = Object.keys((await load()).OPTIONS);
  // check and repair share one parser; check refuses the repair-only flags with a usage error.
  return name === 'check' ? options.filter((option) => !['dry-run', 'backup', 'under-migration-tool'].includes(option)) : options;
}

describe('help for every command', () => {
  it('every command main runs has a help entry, and no entry names a command that does not exist', () => {
    expect([...COMMAND_NAMES].sort()).toEqual(Object.keys(COMMAND_HELP).sort());
  });

  it.each(COMMAND_NAMES.map((name) => [name, name]))('driftd %s --help, -h and `driftd help %s` print its usage, options and an example, exit 0', async (name: string) => {
    const long = await run([name, '--help']);
    expect(long).toMatchObject({ code: 0, stderr: '' });
    expect(long.stdout.split('\n')[0]).toMatch(new RegExp(`^usage: driftd ${name}\\b`));
    expect(long.stdout).toContain('\noptions:\n');
    expect(long.stdout).toContain('\nexamples:\n');
    expect(long.stdout).toMatch(/\nexit codes: /);
    expect(await run([name, '-h'])).toEqual(long);
    expect(await run(['help', name])).toEqual(long);
    for (const option of await parserOptions(name)) expect(long.stdout, `--${option} is described`).toMatch(new RegExp(`\\n  --${option}\\b.*\\S`));
  });

  it('--help wins over the other options, as in git: nothing runs', async () => {
    const result = await run(['repair', '--db', '/nonexistent/x.sqlite', '--schema', '/nonexistent/s.sql', '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('--backup DIR');
  });

  it('`driftd help nosuch` is a usage error (exit 2)', async () => {
    expect(await run(['help', 'nosuch'])).toMatchObject({ code: 2, stdout: '' });
  });

  it('the general help lists every command and points at per-command help', async () => {
    const result = await run(['help']);
    expect(result.code).toBe(0);
    for (const name of COMMAND_NAMES) expect(result.stdout).toContain(`driftd ${name}`);
    expect(result.stdout).toContain('driftd help COMMAND');
  });

  it('as a real process: driftd check --help exits 0', () => {
    const result = runCli(['check', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--busy-timeout MS');
  });
});
