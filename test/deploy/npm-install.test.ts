import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_TABLE } from '../reconcile/modelforge-fixture.js';
import { ROOT } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

// Installs driftd as a user would: `npm pack`, then `npm install -g --prefix PREFIX driftd-X.tgz`,
// and runs the installed `driftd` — so a file missing from package.json "files", or a dist/ import of
// a devDependency, fails here. `npm test` has built dist/, so the pack skips `prepare`.
//
// Speed: dependencies come from npm's cache where it has them (--prefer-offline; `npm ci` filled it).
// better-sqlite3's install script would compile SQLite from source (minutes: its prebuilt binaries
// are on GitHub, unreachable here), so scripts are skipped and the addon this checkout built is
// copied in — the same pinned version, checked below. DRIFTD_INSTALL_TEST_SCRIPTS=1 runs the real
// install scripts instead (about 4 minutes on a 2-core machine).
const RUN_SCRIPTS = process.env.DRIFTD_INSTALL_TEST_SCRIPTS === '1';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const work = tempDir('driftd-npm-install-');
const prefix = join(work, 'prefix');
const installed = join(prefix, 'lib/node_modules/driftd');
const bin = join(prefix, 'bin/driftd');

function npm(args: readonly string[], cwd: string): string {
  return execFileSync('npm', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** Runs the installed `driftd` from outside the checkout, with nothing of the checkout on its paths. */
function driftd(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(bin, [...args], { cwd: work, encoding: 'utf8', timeout: 60_000, env: { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: work } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .sort();
}

beforeAll(() => {
  const tarball = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
  npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', ...(RUN_SCRIPTS ? [] : ['--ignore-scripts']), join(work, tarball)], work);
  if (!RUN_SCRIPTS) {
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    const versionOf = (root: string): string => (JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }).version;
    expect(versionOf(installed), 'the installed better-sqlite3 is the version this checkout built').toBe(versionOf(ROOT));
    mkdirSync(dirname(join(installed, addon)), { recursive: true });
    copyFileSync(join(ROOT, addon), join(installed, addon));
  }
}, 600_000);

describe('npm pack + npm install -g --prefix', () => {
  it('installs the bin where the units expect it: PREFIX/bin/driftd (/usr/local/bin/driftd, ~/.local/bin/driftd)', () => {
    expect(existsSync(bin)).toBe(true);
    expect(readFileSync(join(ROOT, 'systemd/driftd.service'), 'utf8')).toContain('ExecStart=/usr/local/bin/driftd run');
    expect(readFileSync(join(ROOT, 'systemd/user/driftd.service'), 'utf8')).toContain('ExecStart=%h/.local/bin/driftd run');
  });

  it('ships every file the operations page copies out of the package', () => {
    for (const path of ['systemd/driftd.service', 'systemd/user/driftd.service', 'deploy/modelforge/config.json', 'schemas/modelforge.sql', 'deploy/prometheus/alerts.yml', 'deploy/grafana/driftd-dashboard.json', 'config.example.json']) {
      expect(existsSync(join(installed, path)), path).toBe(true);
    }
  });

  it('ships all of dist/, and every native artifact built in the checkout (a compiled SQLite extension must be listed in "files")', () => {
    expect(filesUnder(join(installed, 'dist'))).toEqual(filesUnder(join(ROOT, 'dist')));
    // Anything compiled at build time outside node_modules (.so, .node, .dylib, .dll) is needed at run time:
    // when one appears, add it (or its folder) to package.json "files" and this test passes again.
    const skip = new Set(['node_modules', '.git', '.demo', 'coverage']);
    const built: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (skip.has(entry.name)) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (/\.(so|node|dylib|dll)$/.test(entry.name)) built.push(relative(ROOT, path));
      }
    };
    walk(ROOT);
    expect(built.filter((path) => !existsSync(join(installed, path)))).toEqual([]);
  });

  it('installs exactly the dependency tree of npm-shrinkwrap.json, the tree the tests ran (overrides included)', () => {
    // A global install ignores package.json "overrides" and package-lock.json; it honours a shipped
    // npm-shrinkwrap.json (docs.npmjs.com/cli/configuring-npm/npm-shrinkwrap-json). Every package
    // the installed driftd can load, at its place in the tree, has the lockfile's version.
    expect(existsSync(join(ROOT, 'package-lock.json')), 'one lockfile: npm-shrinkwrap.json').toBe(false);
    const lock = JSON.parse(readFileSync(join(ROOT, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean; devOptional?: boolean; link?: boolean }> };
    const expected = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && !entry.dev && !entry.devOptional && !entry.link)
      .map(([path, entry]) => `${path} ${entry.version}`)
      .sort();
    const found: string[] = [];
    const walk = (dir: string, prefix: string): void => {
      const modules = join(dir, 'node_modules');
      if (!existsSync(modules)) return;
      for (const entry of readdirSync(modules, { withFileTypes: true })) {
        if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
        const names = entry.name.startsWith('@') ? readdirSync(join(modules, entry.name)).map((name) => `${entry.name}/${name}`) : [entry.name];
        for (const name of names) {
          const path = `${prefix}node_modules/${name}`;
          const manifest = join(modules, name, 'package.json');
          if (!existsSync(manifest)) continue;
          found.push(`${path} ${(JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version}`);
          walk(join(modules, name), `${path}/`);
        }
      }
    };
    walk(installed, '');
    expect(found.sort()).toEqual(expected);
    expect(found).toContain('node_modules/fastify/node_modules/light-my-request 6.6.0');
  });

  it('driftd --version prints the package version', () => {
    expect(driftd(['--version'])).toEqual({ status: 0, stdout: `driftd ${VERSION}\n`, stderr: '' });
  });

  it('driftd validate accepts the shipped example config, schema files included', () => {
    const result = driftd(['validate', '--config', join(installed, 'config.example.json')]);
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain('is valid: 1 target (modelforge)');
  });

  it('driftd check finds the missing column of a legacy ModelForge database with the shipped schema (exit 1), and run --once loads the daemon', () => {
    const db = createDatabase(work, LEGACY_TABLE);
    const check = driftd(['check', '--db', db, '--schema', join(installed, 'schemas/modelforge.sql')]);
    expect({ status: check.status, stderr: check.stderr }).toEqual({ status: 1, stderr: '' });
    expect(check.stdout).toContain('missing_column     fine_tuned_models.is_custom_base_model');
    const config = join(work, 'driftd.json');
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'mf', database: db, schema: join(installed, 'schemas/modelforge.sql'), repair: 'auto' }] }));
    const run = driftd(['run', '--config', config, '--once']);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(driftd(['check', '--db', db, '--schema', join(installed, 'schemas/modelforge.sql')]).status).toBe(0);
  });
});
