import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, REPO, tempDir } from '../helpers/daemon-process.js';

const UNIT = join(REPO, 'systemd/user/driftd.service');
const INSTALLED_BIN = '%h/.local/bin/driftd';
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasSystemdAnalyze) console.warn('SKIPPED test/systemd/driftd-user-unit.test.ts: systemd-analyze is not installed (apt-get install systemd)');

/** The unit with its binary pointed at this checkout's build (verify checks that executables exist), and a private XDG_RUNTIME_DIR. */
function unitForThisCheckout(): { path: string; env: NodeJS.ProcessEnv } {
  chmodSync(MAIN, 0o755);
  const dir = tempDir('driftd-user-unit-');
  const runtime = join(dir, 'runtime');
  mkdirSync(runtime, { mode: 0o700 });
  const path = join(dir, 'driftd.service');
  writeFileSync(path, readFileSync(UNIT, 'utf8').replaceAll(INSTALLED_BIN, MAIN));
  return { path, env: { ...process.env, XDG_RUNTIME_DIR: runtime } };
}

describe.skipIf(!hasSystemdAnalyze)('systemd/user/driftd.service', () => {
  it('passes systemd-analyze --user verify', () => {
    const unit = unitForThisCheckout();
    const result = spawnSync('systemd-analyze', ['--user', 'verify', unit.path], { encoding: 'utf8', env: unit.env });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('keeps its exposure at 3.5 or lower on systemd-analyze --user security --offline=true', () => {
    // The offline analyser scores it as if it were a system service (it counts "runs as root" and
    // capabilities a user's process never has); the ceiling only keeps hardening from being lost.
    const unit = unitForThisCheckout();
    const output = execFileSync('systemd-analyze', ['--user', 'security', '--offline=true', unit.path], { encoding: 'utf8', env: unit.env });
    const match = /Overall exposure level for driftd\.service: (\d+\.\d+)/.exec(output);
    expect(match, output).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(3.5);
  });

  it('runs the binary and config of the documented install, validates first, and writes only ModelForge’s data and its state', () => {
    const lines = readFileSync(UNIT, 'utf8').split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        `ExecStartPre=${INSTALLED_BIN} validate --config %E/driftd/config.json`,
        `ExecStart=${INSTALLED_BIN} run --config %E/driftd/config.json --log-level info`,
        'Type=notify',
        'ProtectSystem=strict',
        'ProtectHome=read-only',
        'ReadWritePaths=%h/.local/share/ModelForge %h/.local/state/driftd',
        'NoNewPrivileges=yes',
        'SystemCallFilter=@system-service',
        'WantedBy=default.target',
      ]),
    );
    expect(lines.some((line) => /^(User|Group|MemoryDenyWriteExecute)=/.test(line))).toBe(false);
    // The operations page installs exactly these paths.
    const operations = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
    for (const step of ['npm install -g --prefix ~/.local', '~/.config/systemd/user/driftd.service', '~/.config/driftd/config.json', 'systemctl --user enable --now driftd']) {
      expect(operations).toContain(step);
    }
  });
});
