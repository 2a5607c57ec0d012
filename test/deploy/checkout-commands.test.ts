import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';
import { tempDir } from '../support/temp-db.js';

/**
 * The README's commands work in a fresh checkout as written (issue 17 item 1): the Quick start is
 * two commands, every command it shows runs as `./driftd` (no `driftd` on PATH is assumed), and
 * `npm run demo` does not rebuild what `npm ci` just built.
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('the README in a checkout', () => {
  it('Quick start stays two commands: one installs and runs the demo, one runs the tests', () => {
    const block = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(README)?.[1];
    expect(block?.trim().split('\n')).toEqual(['npm ci && npm run demo', 'npm test']);
  });

  it('every driftd command it shows is spelled ./driftd (runnable in the checkout), and runs', () => {
    const commands = [...README.matchAll(/`([^`\s]*driftd) (check|repair|reconcile|run|validate|history|help)\b([^`]*)`/g)];
    const runnable = commands.filter((match) => match[3]!.includes('config.example.json') || match[1] === './driftd');
    expect(runnable.length).toBeGreaterThanOrEqual(4);
    expect(runnable.filter((match) => match[1] !== './driftd').map((match) => match[0])).toEqual([]);
    for (const match of runnable) {
      // Each command's own help: proves the wrapper and the command exist without touching .demo/.
      const run = spawnSync(join(ROOT, 'driftd'), [match[2]!, '--help'], { cwd: ROOT, encoding: 'utf8' });
      expect({ command: match[0], status: run.status }).toEqual({ command: match[0], status: 0 });
    }
    expect(spawnSync(join(ROOT, 'driftd'), ['--version'], { cwd: '/', encoding: 'utf8' }).stdout).toBe(`driftd ${VERSION}\n`);
  });
});

describe('npm run demo builds only when dist/ is stale', () => {
  it('fresh outputs: no build; a newer source or a missing output: build', async () => {
    const { isBuildStale } = (await import(join(ROOT, 'scripts/build-if-stale.mjs'))) as { isBuildStale: (repo: string) => boolean };
    const repo = tempDir('driftd-stale-');
    const write = (path: string, at: number): void => {
      mkdirSync(dirname(join(repo, path)), { recursive: true });
      writeFileSync(join(repo, path), 'x');
      utimesSync(join(repo, path), at, at);
    };
    const then = Date.now() / 1000 - 100;
    for (const input of ['src/cli/main.ts', 'native/driftd-sqlite-compat.c', 'tsconfig.json', 'package.json', 'scripts/bundle-cli.mjs']) write(input, then);
    expect(isBuildStale(repo), 'nothing built yet').toBe(true);
    const build = (at: number): void => {
      for (const output of ['dist/cli/main.js', 'dist/native/driftd-sqlite-compat.so', 'dist/bundle/driftd.cjs']) write(output, at);
    };
    build(then + 10);
    expect(isBuildStale(repo), 'just built (npm ci)').toBe(false);
    write('src/cli/main.ts', then + 20);
    expect(isBuildStale(repo), 'a source edited after the build').toBe(true);
    build(then + 30);
    expect(isBuildStale(repo)).toBe(false);
    write('scripts/bundle-cli.mjs', then + 40);
    expect(isBuildStale(repo), 'the bundler settings edited after the build').toBe(true);
    build(then + 50);
    rmSync(join(repo, 'dist/bundle/driftd.cjs'));
    expect(isBuildStale(repo), 'the bundle missing').toBe(true);
    build(then + 60);
    rmSync(join(repo, 'dist/native/driftd-sqlite-compat.so'));
    expect(isBuildStale(repo), 'an output missing').toBe(true);
  });
});

describe('rerunning the demo starts from scratch, audit journal included', () => {
  it('make-demo removes the journal it is given (demo.mjs: config.example.json\'s audit.dir), and leaves others alone', () => {
    const dir = tempDir('driftd-demo-reset-');
    const journal = join(dir, 'audit');
    mkdirSync(journal);
    writeFileSync(join(journal, 'audit.jsonl'), '{"old": "run"}\n');
    const keep = join(dir, 'unrelated-audit');
    mkdirSync(keep);
    writeFileSync(join(keep, 'audit.jsonl'), 'kept\n');
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts/make-demo.mjs'), join(dir, 'ModelForge'), '--journal', journal], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(existsSync(journal)).toBe(false);
    expect(readFileSync(join(keep, 'audit.jsonl'), 'utf8')).toBe('kept\n');
    expect(existsSync(join(dir, 'ModelForge/database/modelforge.sqlite'))).toBe(true);
  });
});
