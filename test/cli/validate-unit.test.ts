// `driftd validate --unit FILE [--user]` and the read-only check of a running validate (issue 14
// item 1): a config whose write paths the unit (or the mounts validate runs under) leave read-only
// is refused with CONFIG_PATH_READ_ONLY, its config path and a hint.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

const USER_UNIT = join(ROOT, 'systemd/user/driftd.service');
const SYSTEM_UNIT = join(ROOT, 'systemd/driftd.service');

/** ModelForge's shipped config and schema in a temp `.config/driftd`, with `patch` applied. */
function installed(patch: (config: Record<string, unknown>) => void = () => {}): { config: string } {
  const home = tempDir('driftd-validate-unit-');
  const dir = join(home, '.config/driftd');
  mkdirSync(dir, { recursive: true });
  const config = JSON.parse(spawnSync('cat', [join(ROOT, 'deploy/modelforge/config.json')], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
  patch(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  copyFileSync(join(ROOT, 'schemas/modelforge.sql'), join(dir, 'modelforge.sql'));
  return { config: join(dir, 'config.json') };
}

describe('driftd validate --unit', () => {
  it('the shipped ModelForge config passes under the shipped user unit', () => {
    const { config } = installed();
    // A home under /home, as the unit sees it (a home under /tmp would pass for PrivateTmp='s sake).
    const run = runCli(['validate', '--config', config, '--unit', USER_UNIT, '--user'], { HOME: '/home/ada', XDG_STATE_HOME: '', XDG_DATA_HOME: '' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toContain(`every directory it writes is writable under unit "${USER_UNIT}"`);
  });

  it('refuses an audit.dir and a backup.dir the user unit leaves read-only, each at its config path with a hint', () => {
    // The unit's view of a home under /home (this config's files may sit anywhere: only its write paths matter).
    const { config } = installed((c) => {
      c.audit = { dir: '~/.config/driftd/audit' };
      c.backup = { enabled: true, dir: '$HOME/backups' };
    });
    const run = runCli(['validate', '--config', config, '--unit', USER_UNIT, '--user', '--json'], { HOME: '/home/ada', XDG_STATE_HOME: '', XDG_DATA_HOME: '' });
    expect(run.status).toBe(2);
    const { problems } = JSON.parse(run.stdout) as { problems: Array<{ path: string; code: string; message: string; hint: string }> };
    expect(problems.map((problem) => [problem.path, problem.code])).toEqual([
      ['audit.dir', 'CONFIG_PATH_READ_ONLY'],
      ['backup.dir', 'CONFIG_PATH_READ_ONLY'],
    ]);
    expect(problems[0]!.message).toBe(
      `"/home/ada/.config/driftd/audit" (the audit journal) would be read-only for the service of unit "${USER_UNIT}": ProtectHome=read-only makes /home read-only, and no ReadWritePaths= of the unit grants "/home/ada/.config/driftd/audit"`,
    );
    expect(problems[0]!.hint).toContain('ReadWritePaths=');
    expect(problems[1]!.message).toContain('"/home/ada/backups" (backups before repairs)');
  });

  it('under the system unit, an unset audit.dir is $STATE_DIRECTORY/audit (StateDirectory=driftd): writable; a database outside ReadWritePaths= is refused', () => {
    const dir = tempDir('driftd-validate-system-');
    copyFileSync(join(ROOT, 'schemas/modelforge.sql'), join(dir, 'modelforge.sql'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'mf', database: '/var/lib/modelforge/db.sqlite', schema: 'modelforge.sql', repair: 'auto' }, { name: 'other', database: '/srv/other/db.sqlite', schema: 'modelforge.sql', repair: 'auto' }, { name: 'watched', database: '/srv/watched/db.sqlite', schema: 'modelforge.sql' }] }));
    const run = runCli(['validate', '--config', config, '--unit', SYSTEM_UNIT]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('targets[1].database: CONFIG_PATH_READ_ONLY: "/srv/other" (the database of target "other" and its -journal/-wal files) would be read-only');
    expect(run.stderr).toContain('ProtectSystem=strict makes the whole file system read-only, and no ReadWritePaths= or StateDirectory= of the unit grants "/srv/other"');
    // audit.dir (/var/lib/driftd/audit) and the report-only target write nothing the unit forbids.
    expect(run.stderr).not.toContain('audit.dir');
    expect(run.stderr).not.toContain('targets[2]');
  });

  it('--user without --unit, and an unreadable unit, are usage errors', () => {
    const { config } = installed();
    expect(runCli(['validate', '--config', config, '--user']).status).toBe(2);
    const missing = runCli(['validate', '--config', config, '--unit', '/nonexistent/driftd.service']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('/nonexistent/driftd.service');
  });
});

const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
if (!canUnshare) console.warn('SKIPPED the running read-only check in test/cli/validate-unit.test.ts: needs root and `unshare -m` (CI runs as root)');

describe.skipIf(!canUnshare)('driftd validate on a read-only mount (as ExecStartPre inside a sandbox)', () => {
  it('refuses a database directory and audit.dir on a read-only bind mount, naming the mount; writable ones pass', () => {
    const dir = tempDir('driftd-validate-ro-');
    mkdirSync(join(dir, 'frozen'));
    mkdirSync(join(dir, 'live'));
    copyFileSync(join(ROOT, 'schemas/modelforge.sql'), join(dir, 'modelforge.sql'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ audit: { dir: 'frozen/audit' }, targets: [{ name: 'a', database: 'frozen/db/a.sqlite', schema: 'modelforge.sql', repair: 'auto' }, { name: 'b', database: 'live/b.sqlite', schema: 'modelforge.sql', repair: 'auto' }] }));
    const script = `mount --make-rprivate / && mount --bind "$1/frozen" "$1/frozen" && mount -o remount,bind,ro "$1/frozen" && exec "$2" "$3" validate --config "$4"`;
    const run = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', dir, process.execPath, CLI, config], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(2);
    expect(run.stderr).toContain(`audit.dir: CONFIG_PATH_READ_ONLY: "${join(dir, 'frozen/audit')}" (the audit journal) is on a read-only file system (the mount at "${join(dir, 'frozen')}")`);
    expect(run.stderr).toContain(`targets[0].database: CONFIG_PATH_READ_ONLY: "${join(dir, 'frozen/db')}"`);
    expect(run.stderr).not.toContain('targets[1]');
    // Outside the namespace the same config is valid: nothing was made read-only for real.
    expect(runCli(['validate', '--config', config]).status).toBe(0);
  });
});
