import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { DriftdError } from '../errors/driftd-error.js';

const SUFFIX = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';

/**
 * driftd's own compatibility extension (native/driftd-sqlite-compat.c), built by `npm run build`.
 * Fixed relative to this module — `dist/db/` and `src/db/` both reach `dist/native/` — and never
 * taken from config or the environment: whatever file is loaded runs as driftd.
 */
export const COMPAT_EXTENSION_PATH = fileURLToPath(new URL(`../../dist/native/driftd-sqlite-compat.${SUFFIX}`, import.meta.url));
const ENTRY_POINT = 'sqlite3_driftdcompat_init';

export type SqliteOptions = Database.Options;

/**
 * better-sqlite3 is CommonJS: loaded through `require`, not `import`, Node skips translating it into
 * an ES module (cjs-module-lexer over its source, a module wrapper): ~10 % of `node -e 0` off every
 * one-shot command's start-up (BENCHMARKS.md, "CLI start-up").
 */
const require = createRequire(import.meta.url);
const SqliteDatabase = require('better-sqlite3') as typeof Database;

/**
 * The addon's file, handed to better-sqlite3 (its `nativeBinding` option) so it does not load the
 * `bindings` package to search a dozen candidate paths for it on every start; where an install
 * put it elsewhere, better-sqlite3 searches as usual (undefined).
 */
let nativeBinding: string | undefined | null = null;
function addonPath(): string | undefined {
  if (nativeBinding === null) {
    try {
      const path = require.resolve('better-sqlite3/build/Release/better_sqlite3.node');
      nativeBinding = statSync(path).isFile() ? path : undefined;
    } catch {
      nativeBinding = undefined;
    }
  }
  return nativeBinding;
}

/**
 * Opens an SQLite connection that reads SQL as a default SQLite build does (Debian's `sqlite3`
 * shell): double-quoted string literals accepted in schemas and statements
 * (quirks.html#dblquote). better-sqlite3 builds SQLite with SQLITE_DQS=0, so a database whose
 * schema says `CHECK (s IN ("open"))` could neither be read nor altered nor written through it.
 * Every connection driftd opens goes through here: live databases, declarations, reconcile.
 */
export function openSqlite(filename: string, options: SqliteOptions = {}): Database.Database {
  const binding = addonPath();
  const db = new SqliteDatabase(filename, binding === undefined || options.nativeBinding !== undefined ? options : { ...options, nativeBinding: binding });
  try {
    loadCompatExtension(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function loadCompatExtension(db: Database.Database): void {
  let isFile = false;
  let writableByOthers = false;
  try {
    const stats = statSync(COMPAT_EXTENSION_PATH);
    isFile = stats.isFile();
    // Code that anyone may replace must not run as driftd (which may run as a database's owner).
    writableByOthers = (stats.mode & 0o002) !== 0;
  } catch {
    // Reported below.
  }
  if (writableByOthers) {
    throw new DriftdError('SQLITE_COMPAT_MISSING', `driftd's SQLite compatibility extension "${COMPAT_EXTENSION_PATH}" is writable by every user; refusing to load it`, {
      where: { file: COMPAT_EXTENSION_PATH },
      hint: `chmod o-w "${COMPAT_EXTENSION_PATH}" (and check who changed it)`,
    });
  }
  if (!isFile) {
    throw new DriftdError('SQLITE_COMPAT_MISSING', `driftd's SQLite compatibility extension "${COMPAT_EXTENSION_PATH}" is missing`, {
      where: { file: COMPAT_EXTENSION_PATH },
      hint: 'build it: `npm run build` in a driftd checkout, or `node native/build-native.mjs` in the installed package directory (either needs a C compiler: apt-get install gcc)',
    });
  }
  try {
    // The entry point is named explicitly: better-sqlite3 takes it, its typings (7.6) do not say so.
    (db.loadExtension as (path: string, entryPoint: string) => Database.Database)(COMPAT_EXTENSION_PATH, ENTRY_POINT);
  } catch (error) {
    throw new DriftdError('SQLITE_COMPAT_MISSING', `driftd's SQLite compatibility extension "${COMPAT_EXTENSION_PATH}" cannot be loaded: ${(error as Error).message}`, {
      where: { file: COMPAT_EXTENSION_PATH },
      cause: error,
      hint: 'it was built for another system or SQLite: rebuild it with `node native/build-native.mjs` in the driftd package directory (needs a C compiler)',
    });
  }
}
