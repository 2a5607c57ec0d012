import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { openSqlite } from '../db/open-sqlite.js';
import { quoteIdentifier } from '../sql/quote.js';
import { structureProblems, type CheckDepth } from './check-structure.js';
import { schemaFingerprint } from './schema-fingerprint.js';

/** Fixed relative to this module, like the compatibility extension: `src/plan/` and `dist/plan/` both reach `dist/plan/`. */
const WORKER_PATH = fileURLToPath(new URL('../../dist/plan/verify-copy-worker.js', import.meta.url));

/** What the copy must match — the database's page count, schema fingerprint and rebuilt tables' row counts, read by apply under its lock — and how deep to check it. */
export interface CopyExpectation {
  readonly pages: number;
  readonly fingerprint: string;
  readonly counts: ReadonlyMap<string, number>;
  readonly depth: CheckDepth;
}

/**
 * Checks a backup copy: as many pages as the database had, the same schema fingerprint, PRAGMA quick_check (or with `full`
 * integrity_check) `ok` over the whole copy, and every table to be rebuilt holding the row count
 * the database held when the copy was taken. Returns the problem, or null.
 */
export function verifyCopy(path: string, expected: CopyExpectation): string | null {
  const { counts } = expected;
  const copy = openSqlite(path, { readonly: true, fileMustExist: true });
  try {
    const pages = Number((copy.prepare('PRAGMA page_count').get() as { page_count: number }).page_count);
    if (pages !== expected.pages) return `the copy has ${pages} pages, the database ${expected.pages}`;
    const fingerprint = schemaFingerprint(copy);
    if (fingerprint !== expected.fingerprint) return `the copy's schema is ${fingerprint}, the database's ${expected.fingerprint}`;
    const problems = structureProblems(copy, expected.depth);
    if (problems.length > 0) return `the copy fails ${problems.join('; ')}`;
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
export function verifyCopyInBackground(path: string, expected: CopyExpectation): { readonly result: Promise<string | null>; cancel(): void } {
  if (!existsSync(WORKER_PATH)) return { result: Promise.resolve().then(() => verifyCopy(path, expected)), cancel: () => undefined };
  let worker: Worker | null = null;
  const result = new Promise<string | null>((resolve) => {
    let settled = false;
    const done = (problem: string | null): void => {
      if (settled) return;
      settled = true;
      resolve(problem);
    };
    worker = new Worker(WORKER_PATH, { workerData: { path, pages: expected.pages, fingerprint: expected.fingerprint, counts: [...expected.counts], depth: expected.depth } });
    worker.once('message', (problem: string | null) => done(problem));
    worker.once('error', (error) => done(`verifying the copy failed: ${error.message}`));
    worker.once('exit', (code) => done(code === 0 ? 'the verification of the copy ended without an answer' : `the verification of the copy exited with code ${code}`));
  });
  return { result, cancel: () => void worker?.terminate() };
}
