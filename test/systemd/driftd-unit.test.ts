import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, REPO, tempDir } from '../helpers/daemon-process.js';

const UNIT = join(REPO, 'systemd/driftd.service');
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!hasSystemdAnalyze) console.warn('SKIPPED test/systemd/driftd-unit.test.ts: systemd-analyze is not installed (apt-get install systemd)');

/** The unit with its ExecStart binary pointed at this checkout's build, since verify checks that executables exist. */
function unitForThisCheckout(): string {
  chmodSync(MAIN, 0o755);
  const dir = tempDir('driftd-unit-');
  const path = join(dir, 'driftd.service');
  writeFileSync(path, readFileSync(UNIT, 'utf8').replaceAll('/usr/local/bin/driftd', MAIN));
  return path;
}

describe.skipIf(!hasSystemdAnalyze)('systemd/driftd.service', () => {
  it('passes systemd-analyze verify', () => {
    const result = spawnSync('systemd-analyze', ['verify', unitForThisCheckout()], { encoding: 'utf8' });
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('scores 2.0 or lower on systemd-analyze security --offline=true', () => {
    const output = execFileSync('systemd-analyze', ['security', '--offline=true', unitForThisCheckout()], { encoding: 'utf8' });
    const match = /Overall exposure level for driftd\.service: (\d+\.\d+)/.exec(output);
    expect(match, output).not.toBeNull();
    expect(Number(match![1])).toBeLessThanOrEqual(2.0);
  });

  it.each([
    ['Type', 'notify'],
    ['WatchdogSec', '30s'],
    ['Restart', 'on-failure'],
    ['ExecReload', '/bin/kill -HUP $MAINPID'],
    ['ProtectSystem', 'strict'],
    ['NoNewPrivileges', 'yes'],
    ['SystemCallFilter', '@system-service'],
    ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6'],
  ])('sets %s=%s', (key, value) => {
    expect(readFileSync(UNIT, 'utf8').split('\n')).toContain(`${key}=${value}`);
  });

  it('runs validate before start and never sets MemoryDenyWriteExecute (V8 needs W+X pages)', () => {
    const text = readFileSync(UNIT, 'utf8');
    expect(text).toMatch(/^ExecStartPre=\S+ validate --config /m);
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=/m);
  });
});
