#!/usr/bin/env node
// Bundles the CLI (`npm run build`, after tsc): dist/cli/main.js and everything it imports become a
// few CommonJS chunks in dist/bundle/, which is what the `driftd` command runs (package.json "bin",
// ./driftd). Why: Node 20 resolves, reads and compiles every ES module one by one through its
// asynchronous ES loader, and a `driftd check` loaded ~48 of driftd's plus better-sqlite3's 13
// CommonJS files — a third of its start-up above `node -e 0` (BENCHMARKS.md, "CLI start-up").
// CommonJS chunks load synchronously and keep the ES loader out of the process altogether (another
// ~7 ms of Node's own modules). Node 22's compile cache would help too; driftd runs on Node 20.
//
// The chunks follow the commands, as main.ts's lazy imports do, so no command loads another's code:
//   driftd.cjs      the entry: main.ts (`help` and `--version` stop here, plus cli-base and help)
//   cli-base.cjs    what main.ts imports statically (the exit codes, DriftdError, the version)
//   check.cjs       everything `check`/`repair` import statically, better-sqlite3's JS with it
//   the rest        rolldown's own split of what other commands and lazy paths load (fleets,
//                   the repair planner, the audit journal, zod, the daemon's packages)
// Every module is in exactly one chunk (one DriftdError class, one connection state per process).
// The library (package.json "exports") is not bundled: it stays tsc's ES modules in dist/.
//
// The input is tsc's output (dist/), so the bundle runs exactly the JavaScript the tests run.
// Packages stay external (required from node_modules when a chunk that uses them loads; chokidar,
// ES-only, through require(esm), silent since Node 20.19 — "engines"), except better-sqlite3's
// JavaScript (pinned exactly; its addon is still loaded from node_modules).
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const outDir = join(dist, 'bundle');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** better-sqlite3's JavaScript is bundled; the other dependencies load from node_modules. */
const BUNDLED_PACKAGES = new Set(['better-sqlite3']);
const EXTERNAL_PACKAGES = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies ?? {})].filter((name) => !BUNDLED_PACKAGES.has(name)));
const BUILTINS = new Set(builtinModules);

function isExternal(id) {
  if (id.startsWith('node:') || BUILTINS.has(id)) return true;
  if (id.startsWith('.') || id.startsWith('/') || id.startsWith('\0')) return false;
  const name = id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0];
  return EXTERNAL_PACKAGES.has(name);
}

/** Modules main.ts imports statically, read from tsc's output (relative `import … from './x.js'`). */
const mainSource = readFileSync(join(dist, 'cli', 'main.js'), 'utf8');
const mainImports = [...mainSource.matchAll(/^import [^;]*? from '(\.[^']+)';$/gm)].map((match) => join(dist, 'cli', match[1]));
const isMainImport = (id) => mainImports.includes(id);
const CHECK_COMMAND = join(dist, 'cli', 'check-command.js');

const captured = { 'cli-base': 0, check: 0 };
const countCaptured = (group, test) => (id) => {
  const hit = test(id);
  if (hit) captured[group]++;
  return hit;
};

rmSync(outDir, { recursive: true, force: true });
const bundle = await rolldown({
  input: { driftd: join(dist, 'cli', 'main.js') },
  platform: 'node',
  external: isExternal,
  // Unresolved imports are errors, not silently external: a package missing from "dependencies" fails the build.
  onLog(level, log, handler) {
    if (log.code === 'UNRESOLVED_IMPORT' || level === 'warn') handler('error', log);
    else handler(level, log);
  },
});
const { output } = await bundle.write({
  dir: outDir,
  format: 'cjs',
  entryFileNames: '[name].cjs',
  chunkFileNames: '[name].cjs',
  sourcemap: false,
  codeSplitting: {
    includeDependenciesRecursively: true,
    groups: [
      { name: 'cli-base', debugName: 'cli-base', test: countCaptured('cli-base', isMainImport), priority: 2 },
      { name: 'check', debugName: 'check', test: countCaptured('check', (id) => id === CHECK_COMMAND), priority: 1 },
    ],
  },
});
await bundle.close();

// The layout is a contract of start-up (test/cli/main.test.ts checks what a real process loads):
// fail the build, not the first user, when a rename leaves a group empty or the entry pulls in check.cjs.
if (captured['cli-base'] === 0 || captured.check === 0) throw new Error(`bundle-cli: a chunk group matched no module (${JSON.stringify(captured)}); main.ts or check-command.ts moved?`);
const entry = output.find((chunk) => chunk.fileName === 'driftd.cjs');
if (!entry || entry.imports.includes('check.cjs')) throw new Error('bundle-cli: the entry must not require check.cjs up front (help would load the check path)');
const check = output.find((chunk) => chunk.fileName === 'check.cjs');
const checkPackages = check.imports.filter((name) => !name.endsWith('.cjs') && !name.startsWith('node:'));
if (checkPackages.length > 0) throw new Error(`bundle-cli: check.cjs requires packages up front (${checkPackages.join(', ')}); an in-sync check must load none`);
console.log(`bundle-cli: ${output.length} chunks in dist/bundle (check.cjs ${(check.code.length / 1024).toFixed(0)} KiB)`);
