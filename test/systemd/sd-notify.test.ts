import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchdogInterval } from '../../src/systemd/sd-notify.js';
import { DaemonProcess, SCHEMA_SQL, createMatchingDatabase, eventually, tempDir } from '../helpers/daemon-process.js';

let addon = true;
try {
  createRequire(import.meta.url)('unix-dgram');
} catch {
  addon = false;
  console.warn('SKIPPED sd_notify delivery test: the optional dependency unix-dgram is not installed');
}
const python = spawnSync('python3', ['--version']).status === 0;
if (!python) console.warn('SKIPPED sd_notify delivery test: python3 (which binds the test notify socket) is missing');

describe('watchdogInterval', () => {
  it.each<[Record<string, string>, number | null]>([
    [{}, null],
    [{ WATCHDOG_USEC: '30000000' }, 15_000],
    [{ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 15_000],
    [{ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '43' }, null],
    [{ WATCHDOG_USEC: 'nonsense' }, null],
    [{ WATCHDOG_USEC: '0' }, null],
  ])('%j → %s ms', (env, expected) => {
    expect(watchdogInterval(env, 42)).toBe(expected);
  });
});

describe.skipIf(!addon || !python)('sd_notify on a real notify socket', () => {
  it('sends READY=1 after start and WATCHDOG=1 pings at half of WATCHDOG_USEC', async () => {
    const dir = tempDir('driftd-notify-');
    const socketPath = join(dir, 'notify.sock');
    // A real unix datagram socket, bound by another process, printing each datagram on one line.
    const receiver = spawn('python3', ['-u', '-c', 'import socket,sys\ns=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("bound")\nwhile True:\n  print(repr(s.recv(4096).decode()))', socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let received = '';
    receiver.stdout.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
    try {
      await eventually(() => received.includes('bound'), 10_000, 'socket bound');
      writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
      createMatchingDatabase(join(dir, 'app.db'));
      const config = join(dir, 'driftd.json');
      writeFileSync(config, JSON.stringify({ http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] }));
      const daemon = await DaemonProcess.start(config, { env: { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: '400000' } });
      try {
        await eventually(() => received.includes('READY=1'), 10_000, 'READY=1');
        expect(received).toContain(`MAINPID=${daemon.child.pid}`);
        await eventually(() => (received.match(/WATCHDOG=1/g) ?? []).length >= 3, 10_000, 'three WATCHDOG=1 pings');
      } finally {
        expect(await daemon.stop()).toBe(0);
      }
      expect(received).toContain('STOPPING=1');
    } finally {
      receiver.kill('SIGKILL');
    }
  });

  it('starts plainly without NOTIFY_SOCKET', async () => {
    const dir = tempDir('driftd-notify-');
    writeFileSync(join(dir, 'schema.sql'), SCHEMA_SQL);
    createMatchingDatabase(join(dir, 'app.db'));
    const config = join(dir, 'driftd.json');
    writeFileSync(config, JSON.stringify({ http: { port: 0 }, targets: [{ name: 'app', database: 'app.db', schema: 'schema.sql' }] }));
    const daemon = await DaemonProcess.start(config, { env: { NOTIFY_SOCKET: '' } });
    await daemon.waitForLog((line) => line.msg === 'systemd notification off');
    expect(await daemon.stop()).toBe(0);
  });
});
