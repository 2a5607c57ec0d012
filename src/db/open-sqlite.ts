import SqliteDatabase from 'better-sqlite3';
import type Database from 'better-sqlite3';
import { closeSync, constants, fstatSync, openSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DriftdError } from '../errors/driftd-error.js';

const SUFFIX = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';

/** The package directory: fixed relative to this module (`dist/db/` and `src/db/` both lie two levels below it). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
/** The components from the package root to the extension, each checked on the way down. */
const EXTENSION_COMPONENTS = ['dist', 'native', `driftd-sqlite-compat.${SUFFIX}`] as const;

/**
 * driftd's own extension (native/driftd-sqlite-compat.c), built by `npm run build`. Fixed
 * relative to this module and never taken from config or the environment: whatever file is
 * loaded runs as driftd.
 */
export const COMPAT_EXTENSION_PATH = `${PACKAGE_ROOT}/${EXTENSION_COMPONENTS.join('/')}`;
const ENTRY_POINT = 'sqlite3_driftdcompat_init';
/** Names in the namespace the extension resolves beneath a descriptor (src/db/open-beneath.ts). */
const BENEATH_PREFIX = '/.driftd-beneath:';

export type SqliteOptions = Database.Options;

// better-sqlite3 is imported, not `require`d: the `driftd` command is a bundle (scripts/bundle-cli.mjs)
// that carries better-sqlite3's JavaScript inside its check chunk, so a one-shot command reads one
// file instead of thirteen (BENCHMARKS.md, "CLI start-up"). Only its addon comes from node_modules.
const require = createRequire(import.meta.url);

/** The addon as better-sqlite3's `nativeBinding` option takes it: its file, or the loaded addon. */
type NativeBinding = string | object;

/**
 * The addon, handed to better-sqlite3 (its `nativeBinding` option) so it does not load the
 * `bindings` package to search a dozen candidate paths for it on every start. Resolved as a module
 * path, so an installed driftd whose bundled better-sqlite3 has no build of its own finds the
 * application's (the same pinned version) further up node_modules. Where an install put it
 * elsewhere, `bindings` searches as better-sqlite3 itself would — told better-sqlite3's directory,
 * since `bindings` otherwise starts from its caller's file, which in the bundle is driftd's.
 */
let nativeBinding: NativeBinding | null = null;
function addon(): NativeBinding {
  if (nativeBinding === null) {
    let path: string | null = null;
    try {
      path = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
      if (!statSync(path).isFile()) path = null;
    } catch {
      // Not there: searched for below.
    }
    nativeBinding = path ?? searchedAddon();
  }
  return nativeBinding;
}

function searchedAddon(): object {
  const packageRoot = dirname(require.resolve('better-sqlite3/package.json'));
  const bindings = createRequire(`${packageRoot}/package.json`)('bindings') as (options: { bindings: string; module_root: string }) => object;
  return bindings({ bindings: 'better_sqlite3.node', module_root: packageRoot });
}

/**
 * Opens an SQLite connection that reads SQL as a default SQLite build does (Debian's `sqlite3`
 * shell): double-quoted string literals accepted in schemas and statements
 * (quirks.html#dblquote). better-sqlite3 builds SQLite with SQLITE_DQS=0, so a database whose
 * schema says `CHECK (s IN ("open"))` could neither be read nor altered nor written through it.
 * Every connection driftd opens goes through here: live databases, declarations, reconcile.
 *
 * The extension also resolves names beneath a directory descriptor (`BeneathRoot.sqlitePath`);
 * it installs that for the whole process when it is first loaded, which better-sqlite3 can only
 * do after a connection is open — so before the first such name, one in-memory connection loads it.
 */
export function openSqlite(filename: string, options: SqliteOptions = {}): Database.Database {
  if (filename.startsWith(BENEATH_PREFIX) && !beneathInstalled) openSqlite(':memory:').close();
  // better-sqlite3 takes the loaded addon too; its typings (7.6) say only a path.
  const db = new SqliteDatabase(filename, options.nativeBinding !== undefined ? options : { ...options, nativeBinding: addon() as string });
  try {
    loadCompatExtension(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

let beneathInstalled = false;
/** The extension's descriptor, checked once: what is loaded is the file that was checked. */
let extensionFd: number | null = null;

function loadCompatExtension(db: Database.Database): void {
  const fd = checkedExtension();
  try {
    // Loaded through the descriptor that was checked (`/proc/self/fd/<fd>` is that open file, not a
    // path walked again). The entry point is named explicitly: better-sqlite3 takes it, its typings (7.6) do not say so.
    (db.loadExtension as (path: string, entryPoint: string) => Database.Database)(`/proc/self/fd/${fd}`, ENTRY_POINT);
  } catch (error) {
    throw new DriftdError('SQLITE_COMPAT_MISSING', `driftd's SQLite compatibility extension "${COMPAT_EXTENSION_PATH}" cannot be loaded: ${(error as Error).message}`, {
      where: { file: COMPAT_EXTENSION_PATH },
      cause: error,
      hint: 'it was built for another system or SQLite: rebuild it with `node native/build-native.mjs` in the driftd package directory (needs a C compiler)',
    });
  }
  beneathInstalled = true;
}

/**
 * Opens the extension once per process, walking from the package root one component at a time
 * without following a link, and checks every step on its descriptor: the package root, `dist`,
 * `dist/native` and the file itself must be owned by root or by driftd's own user and writable by
 * no one else (no group or world write), and no step may be a symlink. Code someone else can
 * replace must not run as driftd, which may run as a database's owner or as root (issue 14).
 * The descriptor is kept, so what is loaded later is what was checked here.
 */
function checkedExtension(): number {
  if (extensionFd !== null) return extensionFd;
  const refuse = (reason: string, hint: string, cause?: unknown): DriftdError =>
    new DriftdError('SQLITE_COMPAT_MISSING', `driftd's SQLite compatibility extension "${COMPAT_EXTENSION_PATH}" ${reason}; refusing to load it`, { where: { file: COMPAT_EXTENSION_PATH }, hint, ...(cause ? { cause } : {}) });
  let fd: number;
  try {
    fd = openSync(PACKAGE_ROOT, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (error) {
    throw refuse(`cannot be reached: the package directory "${PACKAGE_ROOT}" cannot be opened (${(error as Error).message})`, 'reinstall driftd', error);
  }
  let path = PACKAGE_ROOT;
  try {
    assertTrusted(fstatSync(fd), path, 'directory', refuse);
    for (let index = 0; index < EXTENSION_COMPONENTS.length; index++) {
      const last = index === EXTENSION_COMPONENTS.length - 1;
      const name = EXTENSION_COMPONENTS[index]!;
      path = `${path}/${name}`;
      let next: number;
      try {
        next = openSync(`/proc/self/fd/${fd}/${name}`, constants.O_RDONLY | constants.O_NOFOLLOW | (last ? constants.O_NONBLOCK : constants.O_DIRECTORY));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          throw new DriftdError('SQLITE_COMPAT_MISSING', `driftd's SQLite compatibility extension "${COMPAT_EXTENSION_PATH}" is missing`, {
            where: { file: COMPAT_EXTENSION_PATH },
            hint: 'build it: `npm run build` in a driftd checkout, or `node native/build-native.mjs` in the installed package directory (either needs a C compiler: apt-get install gcc)',
          });
        }
        if (code === 'ELOOP' || code === 'ENOTDIR') throw refuse(`is reached through a symlink ("${path}")`, `replace the link "${path}" with the real ${last ? 'file' : 'directory'} (rebuild: node native/build-native.mjs)`, error);
        throw refuse(`cannot be opened at "${path}": ${(error as Error).message}`, 'check the package directory\'s permissions', error);
      }
      closeSync(fd);
      fd = next;
      assertTrusted(fstatSync(fd), path, last ? 'file' : 'directory', refuse);
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  extensionFd = fd;
  return fd;
}

function assertTrusted(stats: Stats, path: string, kind: 'file' | 'directory', refuse: (reason: string, hint: string) => DriftdError): void {
  const self = process.geteuid?.() ?? 0;
  if (kind === 'file' ? !stats.isFile() : !stats.isDirectory()) throw refuse(`is not a regular ${kind} at "${path}"`, 'rebuild it: node native/build-native.mjs');
  if (stats.uid !== 0 && stats.uid !== self) {
    throw refuse(`${kind === 'file' ? 'is' : `lies in directory "${path}",`} owned by uid ${stats.uid}, neither root nor driftd's own user (uid ${self})`, `chown root "${path}" or reinstall driftd as its own user (and check who changed it)`);
  }
  if ((stats.mode & 0o002) !== 0) {
    throw refuse(`${kind === 'file' ? 'is' : `lies in directory "${path}", which is`} writable by every user`, `chmod o-w "${path}" (and check who changed it)`);
  }
  if ((stats.mode & 0o020) !== 0) {
    throw refuse(`${kind === 'file' ? 'is' : `lies in directory "${path}", which is`} group-writable`, `chmod g-w "${path}" (and check who changed it)`);
  }
}
