import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
/**
 * The built CLI as installed: package.json "bin", the bundle scripts/bundle-cli.mjs writes into
 * dist/bundle/ (`npm test` builds before vitest runs). CLI tests run what users run.
 */
export const CLI = resolve(ROOT, (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { bin: { driftd: string } }).bin.driftd);
/** tsc's unbundled output of the same CLI, module by module as the library loads (start-up tests trace it). */
export const UNBUNDLED_CLI = resolve(ROOT, 'dist/cli/main.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <CLI> ...args` to completion (`env` adds to the inherited environment). */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliResult {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs the CLI asynchronously (for runs that must overlap another process, or run as another user). */
export function runCliAsync(args: readonly string[], options: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolvePromise({ status, stdout, stderr }));
  });
}
