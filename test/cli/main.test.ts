import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/cli-io.js';
import { CLI, ROOT, UNBUNDLED_CLI } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const dir = tempDir('driftd-main-');
const SCHEMA = 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);';

/** Runs `main` in this process, capturing what it writes. */
async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), env: {} };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('main, in-process', () => {
  it.each([['--version'], ['version'], ['-V']])('`driftd %s` prints the package version and exits 0', async (flag) => {
    expect(await run([flag])).toEqual({ code: 0, stdout: `driftd ${VERSION}\n`, stderr: '' });
  });

  it('`driftd help` shows the version and the version command', async () => {
    const result = await run(['help']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe(`driftd ${VERSION} — keeps SQLite databases true to their declared schema`);
    expect(result.stdout).toContain('driftd version | --version');
  });

  it('runs a command: check --db --schema on a database in sync exits 0', async () => {
    const schema = join(dir, 'notes.sql');
    writeFileSync(schema, SCHEMA);
    const result = await run(['check', '--db', createDatabase(dir, SCHEMA), '--schema', schema]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('in sync');
  });

  it('an unknown command (even an Object.prototype name) is a usage error, exit 2', async () => {
    for (const name of ['frobnicate', 'constructor', 'toString']) {
      expect(await run([name])).toEqual({ code: 2, stdout: '', stderr: `USAGE: unknown command "${name}" (hint: run \`driftd help\`)\n` });
    }
  });

  it.each([['the bundle', CLI], ['tsc’s output', UNBUNDLED_CLI]])('importing the built entry point (%s) runs nothing (no output, no exit code)', (_, entry) => {
    // A fresh process imports the entry as a library: had it run `main`, it would print
    // the usage to stdout and set exit code 2.
    const script = `const m = await import(${JSON.stringify(pathToFileURL(entry).href)}); console.log(typeof m.main);`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect({ status: child.status, stdout: child.stdout, stderr: child.stderr }).toEqual({ status: 0, stdout: 'function\n', stderr: '' });
  });

  it('a report larger than a pipe’s buffer reaches the reader whole (stdout is written to descriptor 1 directly)', () => {
    const tables = Array.from({ length: 400 }, (_, t) => `CREATE TABLE wide_${t} (id INTEGER PRIMARY KEY, ${Array.from({ length: 12 }, (_, c) => `c${c} TEXT`).join(', ')});`);
    const schema = join(dir, 'wide.sql');
    writeFileSync(schema, tables.join('\n'));
    const child = spawnSync(process.execPath, [CLI, 'check', '--json', '--db', createDatabase(dir, tables[0]!), '--schema', schema], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(child.status, child.stderr).toBe(1);
    expect(child.stdout.length).toBeGreaterThan(128 * 1024);
    expect((JSON.parse(child.stdout) as { drift: unknown[] }).drift).toHaveLength(399);
  });

  it('through npm’s bin symlink the entry point still runs', () => {
    const link = join(dir, 'driftd');
    spawnSync('ln', ['-s', CLI, link]);
    const child = spawnSync(process.execPath, [link, '--version'], { encoding: 'utf8' });
    expect({ status: child.status, stdout: child.stdout }).toEqual({ status: 0, stdout: `driftd ${VERSION}\n` });
  });
});

describe('only what a command needs is loaded', () => {
  let traces = 0;

  /**
   * The package names and dist/ modules a real `node <entry> …` process resolved: tsc's unbundled
   * dist/cli/main.js by default (module by module), or the bundle (`CLI`, whose modules are its chunks).
   */
  function loaded(
    args: readonly string[],
    entry = UNBUNDLED_CLI,
    tracing: 'modules' | 'builtins' = 'modules',
  ): { status: number | null; packages: Set<string>; modules: Set<string>; packageFiles: string[]; builtins: Set<string> } {
    const trace = join(dir, `trace-${++traces}.txt`);
    writeFileSync(trace, '');
    // The module hooks run the entry through Node's ES loader, so Node's own modules are traced alone.
    const tracers = tracing === 'modules' ? ['--import', join(ROOT, 'test/support/module-trace/register.mjs')] : ['--require', join(ROOT, 'test/support/module-trace/builtins.cjs')];
    const child = spawnSync(process.execPath, [...tracers, ...(entry === '-e' ? ['-e', '0'] : [entry]), ...args], {
      encoding: 'utf8',
      env: { ...process.env, DRIFTD_MODULE_TRACE: trace },
    });
    const lines = [...new Set(readFileSync(trace, 'utf8').split('\n').filter(Boolean))];
    const builtins = new Set(lines.flatMap((line) => (line.startsWith('builtin:') ? [line.slice('builtin:'.length)] : [])));
    const urls = lines.filter((line) => !line.startsWith('builtin:'));
    const packages = new Set(urls.flatMap((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? []));
    const modules = new Set(urls.flatMap((url) => (url.includes('/node_modules/') ? [] : (/\/dist\/(.+)\.c?js$/.exec(url)?.[1] ?? []))));
    const packageFiles = urls.flatMap((url) => /\/node_modules\/(.+)$/.exec(url)?.[1] ?? []).sort();
    return { status: child.status, packages, modules, packageFiles, builtins };
  }

  const DAEMON_PACKAGES = ['fastify', 'prom-client', 'chokidar', 'node-cron'];

  it('check --db --schema x.sql: no config parser, no zod, none of the daemon’s packages', () => {
    const schema = join(dir, 'loaded.sql');
    writeFileSync(schema, SCHEMA);
    const result = loaded(['check', '--db', createDatabase(dir, SCHEMA), '--schema', schema]);
    expect(result.status).toBe(0);
    // better-sqlite3 alone (the tracer sees CommonJS loads too): its addon is named, not searched for with `bindings`.
    expect([...result.packages]).toEqual(['better-sqlite3']);
    // Neither the audit journal (node:crypto with it) nor the repair planner: an in-sync check needs neither
    // (manual-fix, the report's text for unsafe items, is imported by the report builder itself).
    expect([...result.modules].filter((module) => (/^(audit|repair)\//.test(module) && module !== 'repair/safety-context' && module !== 'repair/manual-fix') || module === 'cli/cli-journal')).toEqual([]);
    expect([...result.modules].filter((module) => /^(config|daemon|http|metrics|health|systemd|reconcile)\//.test(module) || module === 'schema/declared-json-format')).toEqual([]);
    // The tracer sees real loads: the same command with a .json declaration does load zod.
    const json = join(dir, 'loaded.json');
    writeFileSync(json, JSON.stringify({ tables: { notes: { columns: { id: { type: 'INTEGER', primaryKey: true }, body: { type: 'TEXT', notNull: true } } } } }));
    const withJson = loaded(['check', '--db', createDatabase(dir, SCHEMA), '--schema', json]);
    expect(withJson.packages).toContain('zod');
    for (const name of DAEMON_PACKAGES) expect(withJson.packages).not.toContain(name);
  });

  // The installed command is the bundle (scripts/bundle-cli.mjs): an in-sync `check` reads four of
  // its files and better-sqlite3's addon — no package's JavaScript (better-sqlite3's is in check.cjs),
  // not the chunks of the planner, the journal, fleets or other commands (BENCHMARKS.md, "CLI start-up").
  it('the bundle: an in-sync check --db --schema x.sql loads the entry, cli-base, check and the runtime helpers, and the addon', () => {
    const schema = join(dir, 'bundle.sql');
    writeFileSync(schema, SCHEMA);
    const result = loaded(['check', '--db', createDatabase(dir, SCHEMA), '--schema', schema], CLI);
    expect(result.status).toBe(0);
    expect([...result.modules].sort()).toEqual(['bundle/check', 'bundle/cli-base', 'bundle/driftd', 'bundle/rolldown-runtime']);
    expect(result.packageFiles).toEqual(['better-sqlite3/build/Release/better_sqlite3.node']);
    // Of Node's own modules, only parseArgs beyond what `node -e 0` loads under the same tracers: not
    // the ES loader, not streams (stdout is written to its descriptor), not perf_hooks (`performance`).
    const node = loaded([], '-e', 'builtins');
    const check = loaded(['check', '--db', createDatabase(dir, SCHEMA), '--schema', schema], CLI, 'builtins');
    expect(check.status).toBe(0);
    expect(node.builtins.size).toBeGreaterThan(0);
    expect([...check.builtins].filter((name) => !node.builtins.has(name)).sort()).toEqual(['internal/util/parse_args/parse_args', 'internal/util/parse_args/utils']);
  });

  it('the bundle: repair of drift loads the planner’s and the journal’s chunks, none of the daemon’s packages', () => {
    const schema = join(dir, 'bundle-repair.sql');
    writeFileSync(schema, `${SCHEMA}\nCREATE INDEX notes_body ON notes (body);`);
    const result = loaded(['repair', '--db', createDatabase(dir, SCHEMA), '--schema', schema], CLI);
    expect(result.status).toBe(0);
    expect(result.modules).toContain('bundle/plan-repair');
    expect(result.modules).toContain('bundle/apply-repair');
    expect(result.modules).toContain('bundle/cli-journal');
    // The journal's record format is a zod schema; the daemon's packages stay out.
    for (const name of DAEMON_PACKAGES) expect(result.packages).not.toContain(name);
  });

  it('the bundle: help and --version load the entry and cli-base (help adds its text), no package', () => {
    for (const [args, extra] of [[['--version'], []], [['help'], ['bundle/help']], [['check', '--help'], ['bundle/help']]] as const) {
      const result = loaded(args, CLI);
      expect(result.status).toBe(0);
      expect(result.packageFiles).toEqual([]);
      expect([...result.modules].sort()).toEqual(['bundle/cli-base', 'bundle/driftd', ...extra].sort());
    }
  });

  it('help and --version load no command and no package (help adds only its text, cli/help)', () => {
    for (const [args, extra] of [[['--version'], []], [['help'], ['cli/help']], [['check', '--help'], ['cli/help']]] as const) {
      const result = loaded(args);
      expect(result.status).toBe(0);
      expect([...result.packages]).toEqual([]);
      expect([...result.modules].sort()).toEqual(['cli/cli-io', ...extra, 'cli/main', 'cli/package-version', 'errors/driftd-error']);
    }
  });

  it('validate loads the config parser but none of the daemon’s listener, metrics or watcher packages', () => {
    const path = join(dir, 'validate.json');
    const schema = join(dir, 'validate.sql');
    writeFileSync(schema, SCHEMA);
    writeFileSync(path, JSON.stringify({ targets: [{ name: 'notes', database: join(dir, 'none.sqlite'), schema }] }));
    const result = loaded(['validate', '--config', path]);
    expect(result.status).toBe(0);
    for (const name of ['fastify', 'prom-client', 'chokidar']) expect(result.packages).not.toContain(name);
    expect(result.modules).toContain('config/parse-config');
  });
});
