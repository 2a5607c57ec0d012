import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
/** The `driftd` command as installed and as systemd runs it: package.json "bin" (the bundle, scripts/bundle-cli.mjs). */
export const MAIN = join(REPO, (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: { driftd: string } }).bin.driftd);

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A real `driftd run` child process on a temp config, with its JSON log lines collected. */
export class DaemonProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  address = '';
  private readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  private constructor(readonly child: ChildProcess) {
    let buffer = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const text = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        try {
          this.lines.push(JSON.parse(text) as LogLine);
        } catch {
          this.lines.push({ level: 0, msg: text });
        }
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((done) => child.on('exit', (code) => done(code)));
  }

  /** Spawns `driftd run --config FILE`, waits for the `listening` line and reads the bound address from it. */
  static async start(configPath: string, options: { env?: Record<string, string>; logLevel?: string } = {}): Promise<DaemonProcess> {
    const child = spawn(process.execPath, [MAIN, 'run', '--config', configPath, '--log-level', options.logLevel ?? 'debug'], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const daemon = new DaemonProcess(child);
    const listening: LogLine = await Promise.race([daemon.waitForLog((line) => line.msg === 'listening'), daemon.exited.then((code): LogLine => ({ level: 0, msg: `exited ${code}: ${daemon.stderr}` }))]);
    if (listening.msg !== 'listening') throw new Error(`daemon did not start: ${listening.msg}`);
    daemon.address = String(listening.address);
    return daemon;
  }

  /** Resolves with the first log line (already seen or future) matching `predicate`. */
  async waitForLog(predicate: (line: LogLine) => boolean, timeoutMs = 20_000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).map((line) => JSON.stringify(line)).join('\n')}\n${this.stderr}`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }

  async get(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.address}${path}`, init);
  }

  async json(path: string): Promise<any> {
    return (await this.get(path)).json();
  }

  /** The value of one sample in /metrics, or undefined. `series` is the name with labels as printed, e.g. `driftd_in_sync{target="app"}`. */
  async metric(series: string): Promise<number | undefined> {
    const text = await (await this.get('/metrics')).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** Sends SIGTERM (unless already gone) and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  get exit(): Promise<number | null> {
    return this.exited;
  }
}

/** Polls `probe` until it returns a truthy value (generous timeout; no wall-clock assertions). */
export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((wake) => setTimeout(wake, 100));
  }
}

export function tempDir(prefix = 'driftd-daemon-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs SQL in ANOTHER process (node + better-sqlite3), like the application would. */
export function sqlInChild(dbPath: string, sql: string): void {
  const script = `const Database = require('better-sqlite3'); const db = new Database(process.argv[1]); db.exec(process.argv[2]); db.close();`;
  execFileSync(process.execPath, ['-e', script, dbPath, sql], { cwd: REPO });
}

/** Writes like an editor: a temp file renamed over the original. */
export function writeAtomically(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export const SCHEMA_SQL = `
CREATE TABLE fine_tuned_models (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model_name TEXT NOT NULL,
  is_custom_base_model BOOLEAN DEFAULT 0
);
CREATE INDEX idx_models_name ON fine_tuned_models(model_name);
`;

/** A database that matches SCHEMA_SQL, created by another process. */
export function createMatchingDatabase(dbPath: string): void {
  sqlInChild(dbPath, SCHEMA_SQL);
}
