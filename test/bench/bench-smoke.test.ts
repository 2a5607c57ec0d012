import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';

// Every bench/*.bench.mjs is run in its smoke mode (env BENCH_SMOKE=1: tiny sizes, a few seconds),
// so a benchmark that no longer runs against today's code fails CI. Its figures are printed by the
// script and never asserted here: on a shared machine they say nothing. The convention is in
// BENCHMARKS.md ("Smoke mode"); a new script is picked up by its file name alone.
const SCRIPTS = readdirSync(join(ROOT, 'bench')).filter((name) => name.endsWith('.bench.mjs')).sort();

function runSmoke(script: string): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    // --expose-gc: the daemon bench measures memory after gc, as `npm run bench:daemon` runs it.
    const child = spawn(process.execPath, ['--expose-gc', join(ROOT, 'bench', script)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_SMOKE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolvePromise({ status, signal, stdout, stderr }));
  });
}

describe('benchmarks run (smoke mode)', () => {
  it('finds the bench scripts', () => {
    expect(SCRIPTS).toEqual(expect.arrayContaining(['check.bench.mjs', 'cli-startup.bench.mjs', 'daemon.bench.mjs', 'peers.bench.mjs', 'reconcile.bench.mjs']));
  });

  it.concurrent.each(SCRIPTS)('%s exits 0 with BENCH_SMOKE=1', async (script) => {
    const result = await runSmoke(script);
    // On failure the assertion shows the script's own output: what broke and where.
    expect({ status: result.status, signal: result.signal, output: result.status === 0 ? '' : `${result.stdout}\n${result.stderr}` }).toEqual({ status: 0, signal: null, output: '' });
    expect(result.stdout.length).toBeGreaterThan(0);
  }, 180_000);
});
