// Issue 14, defect 5 (security): the compatibility extension was loaded whenever it was not
// world-writable, so a replacement owned by another user, group-writable, reached through a symlink
// or lying in a 0777 directory was loaded — and ran as driftd (as root, when driftd runs as root).
// Now the package root, dist/, dist/native/ and the file must each be owned by root or driftd's own
// user and writable by no one else, no step a symlink, checked on the descriptors walked from the
// package root; the file loaded is that descriptor (/proc/self/fd/N). Each case runs the built CLI
// from a copy of the package, replacing the extension one way.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPAT_EXTENSION_PATH } from '../../src/db/open-sqlite.js';
import { ROOT } from '../support/run-cli.js';
import { runShell, tempDir } from '../support/temp-db.js';

/** A user that is neither root nor us: the file's owner in the "other owner" case. */
const OTHER_UID = 4242;

function packageCopy(): { pkg: string; native: string; extension: string; run: (command: string) => { status: number | null; stderr: string } } {
  const dir = tempDir('driftd-native-');
  const pkg = join(dir, 'pkg');
  cpSync(join(ROOT, 'dist'), join(pkg, 'dist'), { recursive: true, filter: (source) => !source.includes(`${sep}native`) });
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  const native = join(pkg, 'dist', 'native');
  mkdirSync(native, { mode: 0o755 });
  chmodSync(native, 0o755);
  const extension = join(native, basename(COMPAT_EXTENSION_PATH));
  cpSync(COMPAT_EXTENSION_PATH, extension);
  chmodSync(extension, 0o755);
  const db = join(dir, 'app.sqlite');
  runShell(db, 'CREATE TABLE t (a TEXT);');
  const schema = join(dir, 'app.sql');
  writeFileSync(schema, 'CREATE TABLE t (a TEXT, b TEXT);');
  const run = (command: string) => {
    const result = spawnSync(process.execPath, [join(pkg, 'dist', 'cli', 'main.js'), command, '--db', db, '--schema', schema], { encoding: 'utf8' });
    return { status: result.status, stderr: result.stderr };
  };
  return { pkg, native, extension, run };
}

describe('loading the compatibility extension', () => {
  it('loads a copy owned by us, writable by no one else (the control case)', () => {
    const { run } = packageCopy();
    expect(run('check')).toMatchObject({ status: 1 });
  });

  it.each([
    {
      condition: 'owned by another user',
      replace: ({ extension }: ReturnType<typeof packageCopy>) => chownSync(extension, OTHER_UID, OTHER_UID),
      says: `owned by uid ${OTHER_UID}`,
    },
    { condition: 'group-writable', replace: ({ extension }: ReturnType<typeof packageCopy>) => chmodSync(extension, 0o775), says: 'is group-writable' },
    {
      condition: 'a symlink to a file elsewhere',
      replace: ({ pkg, extension }: ReturnType<typeof packageCopy>) => {
        const elsewhere = join(pkg, '..', 'elsewhere.so');
        renameSync(extension, elsewhere);
        symlinkSync(elsewhere, extension);
      },
      says: 'is reached through a symlink',
    },
    {
      condition: 'in a directory every user may write (0777 dist/native)',
      replace: ({ native }: ReturnType<typeof packageCopy>) => chmodSync(native, 0o777),
      says: 'which is writable by every user',
    },
    {
      condition: 'below a directory reached through a symlink (dist/native a link)',
      replace: ({ pkg, native }: ReturnType<typeof packageCopy>) => {
        renameSync(native, join(pkg, '..', 'native-elsewhere'));
        symlinkSync(join(pkg, '..', 'native-elsewhere'), native);
      },
      says: 'is reached through a symlink',
    },
    {
      condition: 'below a group-writable dist/',
      replace: ({ pkg }: ReturnType<typeof packageCopy>) => chmodSync(join(pkg, 'dist'), 0o775),
      says: 'which is group-writable',
    },
    {
      condition: 'in a package directory owned by another user',
      replace: ({ pkg }: ReturnType<typeof packageCopy>) => chownSync(pkg, OTHER_UID, OTHER_UID),
      says: `owned by uid ${OTHER_UID}`,
    },
  ])('refuses an extension $condition with SQLITE_COMPAT_MISSING and the reason', ({ replace, says }) => {
    const copy = packageCopy();
    replace(copy);
    const before = readFileSync(join(copy.pkg, '..', 'app.sqlite'));
    for (const command of ['check', 'repair']) {
      const result = copy.run(command);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('SQLITE_COMPAT_MISSING');
      expect(result.stderr).toContain(says);
    }
    // Nothing was opened, let alone repaired.
    expect(readFileSync(join(copy.pkg, '..', 'app.sqlite')).equals(before)).toBe(true);
  });
});
