// Runs a shipped unit's commands inside the file-system view its sandbox directives build, as
// systemd would (systemd.exec(5)), in private mount namespaces — root only (CI runs as root).
//   node unit-sandbox.mjs stage SPEC.json    (under `unshare -m --propagation private`)
// 1. "stage": places the deployment at its documented locations, visible in this namespace only
//    (bind mounts of the test's staging directories over /home, /var/lib, an overlay on /etc), then
//    runs the unit's commands in order, stopping at the first failure: a `+` command (privileged,
//    unsandboxed) right there, every other one through phase 2;
// 2. "sandbox" (a nested `unshare -m`, one per command, as systemd sets one up per process):
//    applies ProtectHome= / ProtectSystem= / ReadWritePaths= / StateDirectory= / PrivateTmp= with
//    bind mounts and read-only remounts (a missing ReadWritePaths= fails it: 226/NAMESPACE), checks
//    the view with write probes, then runs the one command.
// Prints one JSON line: { probes, commands: [{ argv, status, stdout, stderr }] }.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [phase, specPath] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const mount = (...args) => execFileSync('mount', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function mountPoints() {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4].replace(/\\([0-7]{3})/g, (_m, octal) => String.fromCharCode(parseInt(octal, 8))));
}
/**
 * The driftd package these tests run (this checkout). Installed, driftd lives under /usr or ~/.local, which the units
 * leave readable; a checkout under /tmp (PrivateTmp=) or a home directory (ProtectHome=yes) would vanish from the
 * sandbox with its tmpfs, so it is bound back at its own path, read-only under ProtectSystem=strict as an install is.
 */
const PACKAGE = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const under = (path, prefix) => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);

function run(command) {
  const result = spawnSync(command.argv[0], command.argv.slice(1), { encoding: 'utf8', env: spec.env, timeout: 120_000 });
  return { argv: command.argv, status: result.status, stdout: result.stdout ?? '', stderr: (result.stderr ?? '') + (result.error ? String(result.error) : '') };
}

if (phase === 'stage') {
  mount('--make-rprivate', '/');
  for (const place of spec.stage) {
    if (place.bind) mount('--bind', place.bind, place.at);
    if (place.overlay) {
      const work = `${place.upper}.work`;
      mkdirSync(work, { recursive: true });
      try {
        mount('-t', 'overlay', 'overlay', '-o', `lowerdir=${place.at},upperdir=${place.upper},workdir=${work}`, place.at);
      } catch {
        // No overlayfs: a copy of the directory with the staged files on top, bound over it.
        const copy = `${place.upper}.copy`;
        cpSync(place.at, copy, { recursive: true, verbatimSymlinks: true });
        cpSync(place.upper, copy, { recursive: true });
        mount('--bind', copy, place.at);
      }
    }
  }
  // systemd creates StateDirectory= before the first command.
  for (const dir of spec.sandbox.stateDirectories) mkdirSync(dir, { recursive: true, mode: 0o755 });
  // In the unit's order: a `+` command runs here, unsandboxed; every other one in a sandbox set up for it, as systemd does.
  const commands = [];
  let probes = null;
  for (const [index, command] of spec.commands.entries()) {
    let result;
    if (command.privileged) result = run(command);
    else {
      const nested = spawnSync('unshare', ['-m', '--propagation', 'private', process.execPath, process.argv[1], 'sandbox', specPath, String(index)], { encoding: 'utf8', timeout: 600_000 });
      const inner = nested.status === 0 ? JSON.parse(nested.stdout.trim().split('\n').at(-1)) : null;
      // A sandbox that cannot be built is what systemd reports as status 226/NAMESPACE.
      result = inner ? inner.command : { argv: command.argv, status: 226, stdout: '', stderr: `226/NAMESPACE: ${nested.stderr}` };
      probes = inner ? inner.probes : probes;
    }
    commands.push(result);
    if (result.status !== 0 && !command.ignoreFailure) break;
  }
  process.stdout.write(`${JSON.stringify({ probes, commands })}\n`);
} else if (phase === 'sandbox') {
  const s = spec.sandbox;
  const readOnly = [];
  if (s.protectSystem === 'strict') readOnly.push('/');
  else if (s.protectSystem !== 'no') readOnly.push('/usr', '/boot', '/efi', ...(s.protectSystem === 'full' ? ['/etc'] : []));
  const homes = ['/home', '/root', '/run/user'].filter((dir) => existsSync(dir));
  const homeTmpfs = s.protectHome === 'yes' || s.protectHome === 'tmpfs' ? homes : [];
  const privateTmp = s.privateTmp ? ['/tmp', '/var/tmp'] : [];
  let hold = null;
  if ([...homeTmpfs, ...privateTmp].some((dir) => under(PACKAGE, dir))) {
    hold = mkdtempSync('/dev/shm/driftd-sandbox-package-');
    mount('--rbind', PACKAGE, hold);
  }
  // Mounted writable first (the package may need a mount point inside), made read-only once it is bound.
  for (const dir of homeTmpfs) mount('-t', 'tmpfs', '-o', s.protectHome === 'yes' ? 'mode=000' : 'mode=755', 'tmpfs', dir);
  if (s.protectHome === 'read-only') readOnly.push(...homes);
  // Each protected directory becomes a mount of its own (with what is mounted below it), so it can be made read-only alone.
  for (const dir of readOnly) if (dir !== '/' && existsSync(dir)) mount('--rbind', dir, dir);
  const writable = [...s.readWritePaths, ...s.stateDirectories];
  for (const dir of writable) mount('--bind', dir, dir);
  for (const dir of privateTmp) mount('-t', 'tmpfs', '-o', 'mode=1777', 'tmpfs', dir);
  if (hold !== null) {
    mkdirSync(PACKAGE, { recursive: true });
    mount('--rbind', hold, PACKAGE);
    execFileSync('umount', ['-l', hold]);
    rmSync(hold, { recursive: true, force: true });
  }
  for (const dir of homeTmpfs) mount('-o', 'remount,ro', dir);
  const keep = [...writable, ...privateTmp, ...(s.protectSystem === 'strict' ? ['/dev', '/proc', '/sys'] : [])];
  for (const point of mountPoints()) {
    if (!readOnly.some((dir) => under(point, dir)) || keep.some((dir) => under(point, dir))) continue;
    try {
      mount('-o', 'remount,bind,ro', point);
    } catch {
      // Already read-only, or a mount the kernel will not remount (left as it is; the probes below tell).
    }
  }
  // The view, proved: each probe is a write that must succeed or fail as the unit says.
  const probes = {};
  for (const dir of [...spec.probes.writable, ...spec.probes.readOnly]) {
    const file = join(dir, `.driftd-sandbox-probe-${process.pid}`);
    try {
      writeFileSync(file, 'probe');
      rmSync(file);
      probes[dir] = 'writable';
    } catch (error) {
      probes[dir] = error.code;
    }
  }
  process.stdout.write(`${JSON.stringify({ probes, command: run(spec.commands[Number(process.argv[4])]) })}\n`);
}
