// Runs every case of the bad-input corpus through the real CLI (a child process per case) and
// checks: the exit code, the error code and a message that names what and where, and that no file
// in the case's directory changed — compared byte for byte, with types, modes and link targets.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CASES, REPO, type CorpusCase } from './corpus-cases.js';
import { snapshot } from './snapshot.js';

const MAIN = join(REPO, 'dist/cli/main.js');
const isRoot = process.getuid?.() === 0;
const work = mkdtempSync(join(tmpdir(), 'driftd-corpus-'));
// nobody must be able to reach the case directories
chmodSync(work, 0o755);
afterAll(() => {
  spawnSync('chmod', ['-R', 'u+rwx', work]);
  rmSync(work, { recursive: true, force: true });
});

/** Holds BEGIN EXCLUSIVE on `dbPath` in another process until the returned function is called. */
async function holdExclusiveLock(dbPath: string): Promise<() => Promise<void>> {
  const script = `
    const Database = require(${JSON.stringify(join(REPO, 'node_modules/better-sqlite3'))});
    const db = new Database(${JSON.stringify(dbPath)});
    db.exec('BEGIN EXCLUSIVE');
    process.stdout.write('locked\\n');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited ${code}`)));
  });
  return async () => {
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
  };
}

async function runCase(testCase: CorpusCase) {
  const dir = mkdtempSync(join(work, `${testCase.id}-`));
  chmodSync(dir, 0o755);
  const built = testCase.build(dir);
  const before = snapshot(dir);
  const release = built.lockPath ? await holdExclusiveLock(built.lockPath) : null;
  let result;
  try {
    const env = { ...process.env };
    delete env.DRIFTD_CORPUS_UNSET_TOKEN;
    // Nobody's own state directory (repair --db records its audit journal there); the inherited one is root's.
    if (testCase.asNobody && isRoot) {
      env.XDG_STATE_HOME = join(work, 'state-nobody');
      mkdirSync(env.XDG_STATE_HOME, { recursive: true, mode: 0o777 });
      chmodSync(env.XDG_STATE_HOME, 0o777);
    }
    result = spawnSync(process.execPath, [MAIN, ...built.args], {
      encoding: 'utf8',
      timeout: 30_000,
      env,
      ...(testCase.asNobody && isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
  } finally {
    await release?.();
  }
  const after = snapshot(dir);
  return { dir, built, before, after, status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

describe('bad-input corpus (CLI)', () => {
  it('has at least 40 cases, with unique ids, in every group', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.id)).size).toBe(CASES.length);
    expect(new Set(CASES.map((c) => c.group))).toEqual(new Set(['config', 'schema', 'database', 'tree']));
  });

  it.each(CASES.map((testCase) => [`${testCase.group}: ${testCase.title} (${testCase.id})`, testCase] as const))('%s', async (_title, testCase) => {
    if (testCase.asNobody && !isRoot) return; // permission cases need root to switch to nobody (CI runs as root)
    const run = await runCase(testCase);
    const output = run.status === 2 ? run.stderr : run.stdout;
    const context = `exit ${run.status} (${run.signal ?? 'no signal'})\nstdout: ${run.stdout.slice(0, 1500)}\nstderr: ${run.stderr.slice(0, 1500)}`;
    expect(run.signal, context).toBeNull();
    expect(run.status, context).toBe(testCase.expect.exit);
    if (testCase.expect.code) expect(output, context).toContain(testCase.expect.code);
    expect(output, context).toMatch(testCase.expect.message);
    expect(output, context).not.toMatch(/INTERNAL|at .*\.js:\d+:\d+/); // a crash or a stack trace is never an answer
    expect([...run.after.entries()], 'no file changed, none appeared or vanished').toEqual([...run.before.entries()]);
  });
});
