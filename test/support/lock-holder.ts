import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';

const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');

// Runs in a separate process: takes the lock, says so, holds it until told to release (a line on
// stdin) or killed. `commitSql` runs before COMMIT, so a holder can also change the schema.
const HOLDER = `
const Database = require(process.env.BETTER_SQLITE3);
const db = new Database(process.env.DB_PATH, { timeout: 0 });
db.exec(process.env.BEGIN_SQL);
if (process.env.WRITE_SQL) db.exec(process.env.WRITE_SQL);
process.stdout.write('locked\\n');
process.stdin.setEncoding('utf8');
process.stdin.once('data', () => {
  db.exec('COMMIT');
  db.close();
  process.stdout.write('released\\n');
  process.exit(0);
});
`;

export interface LockHolder {
  readonly child: ChildProcess;
  /** Commits and exits; resolves when the process has gone. */
  release(): Promise<void>;
  /** Kills the process (its transaction rolls back). */
  kill(): Promise<void>;
}

/**
 * Starts another process that holds `BEGIN IMMEDIATE` or `BEGIN EXCLUSIVE` on
 * the database, optionally after running `writeSql` inside the transaction.
 * Resolves once the lock is held.
 */
export function holdLock(dbPath: string, begin: 'BEGIN IMMEDIATE' | 'BEGIN EXCLUSIVE', writeSql = ''): Promise<LockHolder> {
  const child = spawn(process.execPath, ['-e', HOLDER], {
    env: { ...process.env, BETTER_SQLITE3: betterSqlite3, DB_PATH: dbPath, BEGIN_SQL: begin, WRITE_SQL: writeSql },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited early with ${code}`)));
    child.stdout!.setEncoding('utf8').once('data', (chunk: string) => {
      if (!chunk.startsWith('locked')) return reject(new Error(`lock holder said ${chunk}`));
      resolve({
        child,
        release: async () => {
          child.stdin!.write('release\n');
          await exited;
        },
        kill: async () => {
          if (child.exitCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
