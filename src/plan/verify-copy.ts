import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { openSqlite } from '../db/open-sqlite.js';
import { quoteIdentifier } from '../sql/quote.js';

/** Fixed relative to this module, like the compatibility extension: `src/plan/` and `dist/plan/` both reach `dist/plan/`. */
const WORKER_PATH = fileURLToPath(new URL('../../dist/plan/verify-copy-worker.js', import.meta.url));

/**
 * Checks a backup copy: PRAGMA integrity_check must say `ok` and every table to be rebuilt must
 * hold the row count the database held when the copy was taken. Returns the problem, or null.
 */
export function verifyCopy(path: string, counts: ReadonlyMap<string, number>): string | null {
  const copy = openSqlite(path, { readonly: true, fileMustExist: true });
  try {
    const integrity = (copy.prepare('PRAGMA integrity_check').all() as Record<string, string>[]).map((row) => Object.values(row)[0]);
    if (integrity.length !== 1 || integrity[0] !== 'ok') return `the copy fails PRAGMA integrity_check: ${integrity.slice(0, 3).join('; ')}`;
    for (const [table, rows] of counts) {
      const copied = Number((copy.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(table)}`).get() as { n: number }).n);
      if (copied !== rows) return `the copy holds ${copied} rows of "${table}", the database ${rows}`;
    }
    return null;
  } finally {
    copy.close();
  }
}

/**
 * {@link verifyCopy} on a worker thread, so the rebuild's statements run meanwhile on this one;
 * in this thread when the worker cannot start (a source checkout without `npm run build`).
 */
export function verifyCopyInBackground(path: string, counts: ReadonlyMap<string, number>): { readonly result: Promise<string | null>; cancel(): void } {
  if (!existsSync(WORKER_PATH)) return { result: Promise.resolve().then(() => verifyCopy(path, counts)), cancel: () => undefined };
  let worker: Worker | null = null;
  const result = new Promise<string | null>((resolve) => {
    let settled = false;
    const done = (problem: string | null): void => {
      if (settled) return;
      settled = true;
      resolve(problem);
    };
    worker = new Worker(WORKER_PATH, { workerData: { path, counts: [...counts] } });
    worker.once('message', (problem: string | null) => done(problem));
    worker.once('error', (error) => done(`verifying the copy failed: ${error.message}`));
    worker.once('exit', (code) => done(code === 0 ? 'the verification of the copy ended without an answer' : `the verification of the copy exited with code ${code}`));
  });
  return { result, cancel: () => void worker?.terminate() };
}
