// Each shipped unit's deployment, run INSIDE its own sandbox (issue 14 item 1): a private mount
// namespace reproduces what the unit file's ProtectSystem= / ProtectHome= / ReadWritePaths= /
// StateDirectory= / PrivateTmp= build (test/support/unit-sandbox.mjs, with the directives parsed
// from the shipped file itself), the deployment sits where docs/operations.md installs it, and the
// unit's own commands run in its order: ExecStartPre (validate, mkdir), then ExecStart with --once.
// ModelForge's layout must come out repaired (the column added) and reconciled (the lost models
// recovered), with the audit trail and the backup where the unit lets driftd write.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../src/audit/audit-journal.js';
import { parseUnitSandbox, type UnitSandbox } from '../../src/systemd/unit-sandbox.js';
import { LEGACY_TABLE, rowsOf, writeModel } from '../reconcile/modelforge-fixture.js';
import { CLI, ROOT } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

const HARNESS = join(ROOT, 'test/support/unit-sandbox.mjs');
const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
const skipReason = !isRoot ? 'not root (mount namespaces need it; CI runs as root)' : !canUnshare ? '`unshare -m` is not available' : null;
if (skipReason) console.warn(`SKIPPED test/deploy/unit-sandbox.test.ts: ${skipReason}`);

const USER_HOME = '/home/modelforge-user';

interface CommandResult {
  readonly argv: readonly string[];
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface SandboxRun {
  readonly probes: Record<string, string> | null;
  readonly commands: readonly CommandResult[];
  readonly error?: string;
}

/** ModelForge before 0.2.1 under `data`: the database without is_custom_base_model, two models whose INSERT failed. */
function modelforgeData(data: string): void {
  mkdirSync(join(data, 'database'), { recursive: true });
  mkdirSync(join(data, 'models'));
  const db = new Database(join(data, 'database/modelforge.sqlite'));
  db.exec(LEGACY_TABLE);
  db.close();
  writeModel(join(data, 'models'), 'legal-summarizer_8e1f2a3b', { base: 'google/flan-t5-base', taskType: 'SEQ_2_SEQ_LM', pipelineTask: 'summarization' });
  writeModel(join(data, 'models'), 'poetry-gpt_f0e1d2c3', { base: 'EleutherAI/gpt-neo-125m', pipelineTask: null });
}

/** `driftd` as the documented install leaves it on the unit's path: a launcher for this checkout's build. */
function launcher(path: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\nexec ${process.execPath} ${CLI} "$@"\n`);
  chmodSync(path, 0o755);
}

/** The unit's ExecStartPre= commands, then its ExecStart= with --once (one cycle, then exit). */
function commandsOf(sandbox: UnitSandbox, substitute: (arg: string) => string = (arg) => arg) {
  return [
    ...sandbox.execStartPre.map((command) => ({ ...command, argv: command.argv.map(substitute) })),
    ...sandbox.execStart.map((command) => ({ ...command, argv: [...command.argv.map(substitute), '--once'] })),
  ];
}

function runInSandbox(spec: Record<string, unknown>): SandboxRun {
  const specPath = join(tempDir('driftd-sandbox-spec-'), 'spec.json');
  writeFileSync(specPath, JSON.stringify(spec));
  const run = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, HARNESS, 'stage', specPath], { encoding: 'utf8', timeout: 600_000 });
  expect(run.status, run.stderr).toBe(0);
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as SandboxRun;
  expect(result.error, result.error).toBeUndefined();
  return result;
}

const briefly = (commands: readonly CommandResult[]) => commands.map((command) => ({ argv: command.argv.slice(-4).join(' '), status: command.status, stderr: command.stderr.slice(0, 2000) }));

/** The user unit's deployment, staged as a home at /home/modelforge-user (bound over /home inside the namespace only). */
function userDeployment(configure: (config: Record<string, unknown>) => void = () => {}) {
  const stage = tempDir('driftd-user-unit-stage-');
  const home = join(stage, 'home/modelforge-user');
  modelforgeData(join(home, '.local/share/ModelForge'));
  const configDir = join(home, '.config/driftd');
  mkdirSync(configDir, { recursive: true });
  const config = JSON.parse(readFileSync(join(ROOT, 'deploy/modelforge/config.json'), 'utf8')) as Record<string, unknown>;
  configure(config);
  writeFileSync(join(configDir, 'config.json'), JSON.stringify(config, null, 2));
  copyFileSync(join(ROOT, 'schemas/modelforge.sql'), join(configDir, 'modelforge.sql'));
  launcher(join(home, '.local/bin/driftd'));
  const parsed = parseUnitSandbox(readFileSync(join(ROOT, 'systemd/user/driftd.service'), 'utf8'), { manager: 'user', env: { HOME: USER_HOME } });
  if (!parsed.ok) throw new Error(parsed.message);
  const sandbox = parsed.sandbox;
  // The user manager's environment: HOME and PATH, no XDG variable set (their defaults apply).
  const spec = {
    stage: [{ bind: join(stage, 'home'), at: '/home' }],
    sandbox,
    env: { PATH: process.env.PATH, HOME: USER_HOME, ...sandbox.environment },
    commands: commandsOf(sandbox),
    probes: { writable: sandbox.readWritePaths, readOnly: [USER_HOME, `${USER_HOME}/.config/driftd`, '/usr', '/etc', '/var'] },
  };
  return { stage, home, sandbox, spec };
}

describe.skipIf(skipReason !== null)('the shipped units, run inside their own sandbox', () => {
  it('systemd/user/driftd.service with deploy/modelforge/config.json: validates, adds the column and recovers the models; journal and backup in ~/.local/state/driftd', () => {
    const { home, sandbox, spec } = userDeployment();
    expect(sandbox).toMatchObject({ protectSystem: 'strict', protectHome: 'read-only', readWritePaths: [`${USER_HOME}/.local/share/ModelForge`, `${USER_HOME}/.local/state/driftd`] });
    const run = runInSandbox(spec);
    // The view is the unit's: its two directories writable, the rest of the home and the system read-only.
    expect(run.probes).toEqual({
      [`${USER_HOME}/.local/share/ModelForge`]: 'writable',
      [`${USER_HOME}/.local/state/driftd`]: 'writable',
      [USER_HOME]: 'EROFS',
      [`${USER_HOME}/.config/driftd`]: 'EROFS',
      '/usr': 'EROFS',
      '/etc': 'EROFS',
      '/var': 'EROFS',
    });
    expect(briefly(run.commands)).toEqual(briefly(run.commands).map((command) => ({ ...command, status: 0 })));
    expect(run.commands.map((command) => command.argv[1] ?? command.argv[0])).toEqual(['-p', 'validate', 'run']);
    const data = join(home, '.local/share/ModelForge');
    expect(rowsOf(join(data, 'database/modelforge.sqlite')).map((row) => [row.model_name, row.task, row.is_custom_base_model, row.model_path])).toEqual([
      ['legal-summarizer_8e1f2a3b', 'summarization', 0, `${USER_HOME}/.local/share/ModelForge/models/legal-summarizer_8e1f2a3b`],
      ['poetry-gpt_f0e1d2c3', 'text-generation', 0, `${USER_HOME}/.local/share/ModelForge/models/poetry-gpt_f0e1d2c3`],
    ]);
    const entries = new AuditJournal({ dir: join(home, '.local/state/driftd/audit'), maxBytes: 8 << 20, keep: 5 }).entries();
    expect(entries.map((entry) => `${entry.kind}:${entry.outcome}`)).toEqual(['backup:applied', 'repair:applied', 'recover:applied', 'recover:applied']);
    expect(readdirSync(join(home, '.local/state/driftd/backups'))).toEqual([expect.stringMatching(/^modelforge\.sqlite\.[0-9a-f]{12}\..+\.bak$/)]);
  });

  it('a config whose audit.dir the unit leaves read-only is refused by the unit\'s own ExecStartPre validate (CONFIG_PATH_READ_ONLY naming audit.dir and the mount), and nothing is touched', () => {
    const { home, spec } = userDeployment((config) => {
      config.audit = { dir: '~/.config/driftd/audit' };
    });
    const run = runInSandbox(spec);
    const validate = run.commands.at(-1)!;
    expect(validate.argv[1]).toBe('validate');
    expect(validate.status).toBe(2);
    expect(validate.stderr).toContain(`audit.dir: CONFIG_PATH_READ_ONLY: "${USER_HOME}/.config/driftd/audit" (the audit journal) is on a read-only file system (the mount at "/home")`);
    expect(validate.stderr).toContain('hint: set audit.dir to a writable directory');
    expect(rowsOf(join(home, '.local/share/ModelForge/database/modelforge.sqlite'))).toEqual([]);
  });

  it('systemd/driftd.service with the ModelForge layout under /var/lib/modelforge: validates, repairs and recovers; journal in $STATE_DIRECTORY/audit', () => {
    const stage = tempDir('driftd-system-unit-stage-');
    const varLib = join(stage, 'var-lib');
    modelforgeData(join(varLib, 'modelforge'));
    // The documented system config: ModelForge's mapping with its paths under /var/lib, no audit.dir (the default).
    const shipped = readFileSync(join(ROOT, 'deploy/modelforge/config.json'), 'utf8').replaceAll('$XDG_DATA_HOME/ModelForge', '/var/lib/modelforge').replaceAll('$XDG_STATE_HOME/driftd', '/var/lib/driftd');
    const config = JSON.parse(shipped) as Record<string, unknown>;
    delete config.audit;
    const etc = join(stage, 'etc-upper');
    mkdirSync(join(etc, 'driftd'), { recursive: true });
    writeFileSync(join(etc, 'driftd/config.json'), JSON.stringify(config, null, 2));
    copyFileSync(join(ROOT, 'schemas/modelforge.sql'), join(etc, 'driftd/modelforge.sql'));
    // /usr/local/bin/driftd is this checkout's build, reached through a launcher in the staged /var/lib (the stage's /tmp is private to the unit).
    launcher(join(varLib, 'driftd-bin/driftd'));
    const parsed = parseUnitSandbox(readFileSync(join(ROOT, 'systemd/driftd.service'), 'utf8'), { manager: 'system', env: {} });
    if (!parsed.ok) throw new Error(parsed.message);
    const sandbox = parsed.sandbox;
    expect(sandbox).toMatchObject({ protectSystem: 'strict', protectHome: 'yes', readWritePaths: ['/var/lib/modelforge'], stateDirectories: ['/var/lib/driftd'], privateTmp: true });
    const run = runInSandbox({
      stage: [
        { bind: varLib, at: '/var/lib' },
        { overlay: true, upper: etc, at: '/etc' },
      ],
      sandbox,
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...sandbox.environment },
      commands: commandsOf(sandbox, (arg) => (arg === '/usr/local/bin/driftd' ? '/var/lib/driftd-bin/driftd' : arg)),
      probes: { writable: ['/var/lib/modelforge', '/var/lib/driftd', '/tmp'], readOnly: ['/etc/driftd', '/usr', '/var/lib'] },
    });
    expect(run.probes).toEqual({ '/var/lib/modelforge': 'writable', '/var/lib/driftd': 'writable', '/tmp': 'writable', '/etc/driftd': 'EROFS', '/usr': 'EROFS', '/var/lib': 'EROFS' });
    expect(briefly(run.commands)).toEqual(briefly(run.commands).map((command) => ({ ...command, status: 0 })));
    expect(rowsOf(join(varLib, 'modelforge/database/modelforge.sqlite')).map((row) => [row.model_name, row.is_custom_base_model])).toEqual([
      ['legal-summarizer_8e1f2a3b', 0],
      ['poetry-gpt_f0e1d2c3', 0],
    ]);
    const entries = new AuditJournal({ dir: join(varLib, 'driftd/audit'), maxBytes: 8 << 20, keep: 5 }).entries();
    expect(entries.map((entry) => `${entry.kind}:${entry.outcome}`)).toEqual(['backup:applied', 'repair:applied', 'recover:applied', 'recover:applied']);
  });
});
