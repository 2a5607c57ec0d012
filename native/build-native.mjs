#!/usr/bin/env node
// Compiles native/driftd-sqlite-compat.c into dist/native/ with the system C compiler ($CC, else cc).
// Run by `npm run build` (and so by `prepare`, which `npm ci` and `npm pack` run). The header comes
// from the better-sqlite3 that driftd runs on, so the extension matches its SQLite.
//
// `--install` (the package's `install` script, which runs when a packed driftd is installed): keep
// the extension the tarball carries when it loads here; otherwise compile it; and when that is not
// possible, warn and let the install finish — driftd then says SQLITE_COMPAT_MISSING and how to
// build it, instead of an install that fails for want of a compiler.
//
// The extension also lets SQLite open files beneath a directory descriptor (see the C file's header).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const require = createRequire(import.meta.url);
const include = join(dirname(require.resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
const suffix = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
const outDir = join(root, 'dist', 'native');
const out = join(outDir, `driftd-sqlite-compat.${suffix}`);
const partial = `${out}.${process.pid}.tmp`;
const cc = process.env.CC || 'cc';
const installing = process.argv.includes('--install');

/** Whether the built extension loads into the better-sqlite3 driftd runs on. */
function loads(path) {
  try {
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    try {
      db.loadExtension(path, 'sqlite3_driftdcompat_init');
    } finally {
      db.close();
    }
    return true;
  } catch {
    return false;
  }
}

if (installing && existsSync(out) && loads(out)) process.exit(0);
mkdirSync(outDir, { recursive: true });
try {
  execFileSync(cc, ['-O2', '-fPIC', '-shared', '-I', include, join(here, 'driftd-sqlite-compat.c'), '-o', partial], { stdio: 'inherit' });
} catch (error) {
  rmSync(partial, { force: true });
  console.error(`driftd: compiling the SQLite compatibility extension with "${cc}" failed: ${error.message}`);
  console.error('driftd: install a C compiler (Debian: apt-get install gcc) or set CC, then run `npm run build` (in an installed package: `node native/build-native.mjs`).');
  process.exit(installing ? 0 : 1);
}
// driftd loads the extension only when it, dist/native and dist are writable by no one but their
// owner (src/db/open-sqlite.ts); a umask of 002 would otherwise make them group-writable.
chmodSync(partial, 0o755);
renameSync(partial, out);
for (const dir of [outDir, dirname(outDir)]) chmodSync(dir, statSync(dir).mode & 0o755);
