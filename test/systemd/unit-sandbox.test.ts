// What a unit file's sandbox directives make writable (src/systemd/unit-sandbox.ts), as
// `driftd validate --unit` reads them; the shipped units' views are proved in a real mount
// namespace by test/deploy/unit-sandbox.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseUnitSandbox, sandboxRefusal, type UnitSandbox } from '../../src/systemd/unit-sandbox.js';
import { ROOT } from '../support/run-cli.js';

const HOME = '/home/ada';
function sandboxOf(text: string, manager: 'system' | 'user' = 'system', env: Record<string, string> = { HOME }): UnitSandbox {
  const parsed = parseUnitSandbox(text, { manager, env });
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.sandbox;
}

describe('parseUnitSandbox', () => {
  it('reads the shipped user unit with its specifiers expanded', () => {
    const sandbox = sandboxOf(readFileSync(join(ROOT, 'systemd/user/driftd.service'), 'utf8'), 'user');
    expect(sandbox).toMatchObject({ manager: 'user', protectSystem: 'strict', protectHome: 'read-only', privateTmp: true, readWritePaths: [`${HOME}/.local/share/ModelForge`, `${HOME}/.local/state/driftd`], stateDirectories: [] });
    expect(sandbox.execStartPre.map((command) => [command.privileged, command.argv.join(' ')])).toEqual([
      [true, `/bin/mkdir -p ${HOME}/.local/state/driftd`],
      [false, `${HOME}/.local/bin/driftd validate --config ${HOME}/.config/driftd/config.json`],
    ]);
  });

  it('reads the shipped system unit: StateDirectory= is writable and sets STATE_DIRECTORY', () => {
    const sandbox = sandboxOf(readFileSync(join(ROOT, 'systemd/driftd.service'), 'utf8'));
    expect(sandbox).toMatchObject({ protectSystem: 'strict', protectHome: 'yes', readWritePaths: ['/var/lib/modelforge'], stateDirectories: ['/var/lib/driftd'], environment: { STATE_DIRECTORY: '/var/lib/driftd' } });
  });

  it('lists accumulate, an empty assignment resets, "-" prefixes are dropped, continuation lines join; other sections are ignored', () => {
    const sandbox = sandboxOf('[Unit]\nReadWritePaths=/nope\n[Service]\nReadWritePaths=/a\nReadWritePaths=\nReadWritePaths=-/b \\\n  /c/\nEnvironment="X=1" Y=2\n');
    expect(sandbox.readWritePaths).toEqual(['/b', '/c/']);
    expect(sandbox.environment).toEqual({ X: '1', Y: '2' });
  });

  it('refuses what it cannot resolve', () => {
    expect(parseUnitSandbox('[Service]\nReadWritePaths=%Z/x\n', { manager: 'user', env: { HOME } })).toEqual({ ok: false, message: expect.stringContaining('specifier %Z') });
    expect(parseUnitSandbox('[Service]\nProtectHome=maybe\n', { manager: 'system', env: {} })).toEqual({ ok: false, message: 'ProtectHome=maybe is not yes, no, read-only or tmpfs' });
  });
});

describe('sandboxRefusal', () => {
  const strictUser = sandboxOf(`[Service]\nProtectSystem=strict\nProtectHome=read-only\nReadWritePaths=${HOME}/.local/state/driftd\nPrivateTmp=yes\nReadOnlyPaths=${HOME}/.local/state/driftd/frozen\n`, 'user');
  it.each([
    ['a ReadWritePaths= directory', `${HOME}/.local/state/driftd/audit`, null],
    ['the home around it', `${HOME}/.config/driftd/audit`, 'ProtectHome=read-only makes /home read-only'],
    ['the system', '/var/lib/driftd', 'ProtectSystem=strict makes the whole file system read-only'],
    ['an API file system', '/dev/shm/x', null],
    ['PrivateTmp=', '/tmp/x', null],
    ['a ReadOnlyPaths= inside a writable one (the more specific wins)', `${HOME}/.local/state/driftd/frozen/x`, 'ReadOnlyPaths='],
    ['a sibling that only shares a prefix', `${HOME}/.local/state/driftd-other`, 'ProtectHome=read-only'],
  ] as const)('%s', (_name, path, refusal) => {
    const verdict = sandboxRefusal(strictUser, path);
    if (refusal === null) expect(verdict).toBeNull();
    else expect(verdict).toContain(refusal);
  });

  it('ProtectSystem=full protects /etc but not /var', () => {
    const full = sandboxOf('[Service]\nProtectSystem=full\n');
    expect(sandboxRefusal(full, '/etc/driftd/audit')).toContain('ProtectSystem=full makes /etc read-only');
    expect(sandboxRefusal(full, '/var/lib/driftd/audit')).toBeNull();
  });
});
