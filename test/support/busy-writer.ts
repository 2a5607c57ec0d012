import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * An application in another process that commits one INSERT every `intervalMs` into `table` (a
 * column `model_name`), until stopped. Each commit touches the database file (and its -wal).
 */
export class BusyWriter {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;

  constructor(dbPath: string, intervalMs: number, table = 'fine_tuned_models') {
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('busy_timeout = 5000');
      const insert = db.prepare('INSERT INTO ${table} (model_name) VALUES (?)');
      let n = 0;
      setInterval(() => insert.run('busy-' + n++), Number(process.argv[2]));
      process.stdout.write('ready\\n');
      process.on('SIGTERM', () => { db.close(); process.exit(0); });`;
    this.child = spawn(process.execPath, ['-e', script, dbPath, String(intervalMs)], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    this.ready = new Promise((resolveReady, reject) => {
      this.child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolveReady());
      this.child.once('exit', (code) => reject(new Error(`writer exited ${code}`)));
    });
  }

  started(): Promise<void> {
    return this.ready;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolveExit) => this.child.once('exit', resolveExit));
    this.child.kill('SIGTERM');
    await exited;
  }
}
