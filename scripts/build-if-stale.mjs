// Whether dist/ is older than what it is built from, so `npm run demo` right after `npm ci` (which
// built it through `prepare`) does not build again; after an edit it does.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The inputs of `npm run build`: TypeScript sources, the native extension's C, the compiler and bundler settings. */
const INPUTS = ['src', 'native', 'tsconfig.json', 'package.json', 'scripts/bundle-cli.mjs'];
/** What the build writes; the oldest of them must be newer than every input. */
const OUTPUTS = ['dist/cli/main.js', 'dist/native/driftd-sqlite-compat.so', 'dist/bundle/driftd.cjs'];

function newestUnder(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, entry)));
  return newest;
}

/** True when an output is missing or older than an input. */
export function isBuildStale(repo) {
  const outputs = OUTPUTS.map((path) => join(repo, path));
  if (outputs.some((path) => !existsSync(path))) return true;
  const oldestOutput = Math.min(...outputs.map((path) => statSync(path).mtimeMs));
  return Math.max(...INPUTS.map((path) => newestUnder(join(repo, path)))) > oldestOutput;
}
