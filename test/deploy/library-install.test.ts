import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_TABLE } from '../reconcile/modelforge-fixture.js';
import { ROOT, runCli } from '../support/run-cli.js';
import { createDatabase, tempDir } from '../support/temp-db.js';

// The library as an application gets it: `npm pack` this checkout, install the tarball into a
// fresh project holding examples/modelforge-app (with its type dependencies), compile the example
// with strict tsc against the installed package's .d.ts, and run it. Dependencies come from npm's
// cache (--prefer-offline); install scripts are skipped and this checkout's better-sqlite3 addon is
// copied in, as in npm-install.test.ts. `npm test` has built dist/, so the pack skips `prepare`.
const work = tempDir('driftd-library-install-');
const app = join(work, 'app');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function npm(args: readonly string[], cwd: string): string {
  return execFileSync('npm', [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** Runs node in the example project, with nothing of the checkout on its module paths. */
function inApp(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [...args], { cwd: app, encoding: 'utf8', timeout: 300_000, env: { PATH: process.env.PATH, HOME: work } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let compiled: { status: number | null; stdout: string; stderr: string };

beforeAll(() => {
  const tarball = npm(['pack', '--ignore-scripts', '--silent', '--pack-destination', work], ROOT).trim().split('\n').pop()!;
  cpSync(join(ROOT, 'examples/modelforge-app'), app, { recursive: true, filter: (source) => !/\/(node_modules|dist)$/.test(source) });
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  // The tarball instead of the registry's driftd; the checkout's TypeScript instead of another copy.
  manifest.dependencies.driftd = `file:../${tarball}`;
  delete manifest.devDependencies.typescript;
  writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(dirname(join(app, addon)), { recursive: true });
  copyFileSync(join(ROOT, addon), join(app, addon));
  compiled = inApp([TSC, '-p', 'tsconfig.json']);
}, 900_000);

describe('the example application against the packed tarball', () => {
  // src/type-test.ts holds misuses under @ts-expect-error: were a shipped type `any`, the directive
  // would be unused and tsc would fail, so this one compile proves the types both accept and refuse.
  it('compiles with strict tsc against the shipped types (every misuse in src/type-test.ts is an error)', () => {
    expect(compiled).toEqual({ status: 0, stdout: '', stderr: '' });
    // The package's own typings were checked too (skipLibCheck is off in the example).
    expect((JSON.parse(readFileSync(join(app, 'tsconfig.json'), 'utf8')) as { compilerOptions: { skipLibCheck: boolean; strict: boolean } }).compilerOptions).toMatchObject({ skipLibCheck: false, strict: true });
  });

  it('repairs a legacy ModelForge database at start-up on its own connection, then inserts; the next start has nothing to do', () => {
    const db = createDatabase(work, `${LEGACY_TABLE}`);
    const first = inApp(['dist/main.js', db]);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: `driftd: repaired "${db}" (1 step)\n` });
    expect(JSON.parse(first.stdout)).toMatchObject({ applied: ['ALTER TABLE "fine_tuned_models" ADD COLUMN is_custom_base_model BOOLEAN DEFAULT 0;'], inSync: true });
    const second = inApp(['dist/main.js', db]);
    expect({ status: second.status, stderr: second.stderr }).toEqual({ status: 0, stderr: '' });
    expect(JSON.parse(second.stdout)).toMatchObject({ applied: [], inSync: true });
    // The example's declaration means what schemas/modelforge.sql means.
    expect(runCli(['check', '--db', db, '--schema', join(ROOT, 'schemas/modelforge.sql')]).status).toBe(0);
    const rows = new Database(db, { readonly: true });
    try {
      expect(rows.prepare("SELECT count(*) AS n FROM fine_tuned_models WHERE model_name = 'demo-adapter' AND is_custom_base_model = 1").get()).toEqual({ n: 2 });
    } finally {
      rows.close();
    }
  });

  it('stops start-up on unsafe drift (the policy), with the reason', () => {
    const db = createDatabase(work, LEGACY_TABLE.replace(/task TEXT NOT NULL/i, 'task INTEGER NOT NULL'));
    const result = inApp(['dist/main.js', db]);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/cannot start: SCHEMA_UNSAFE_DRIFT: .*column_type fine_tuned_models\.task/);
  });
});
