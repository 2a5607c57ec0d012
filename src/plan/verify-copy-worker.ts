import { parentPort, workerData } from 'node:worker_threads';
import type { CheckDepth } from './check-structure.js';
import { verifyCopy } from './verify-copy.js';

// The backup's verification on its own thread (apply-plan.ts): it reads the whole copy (and PRAGMA
// integrity_check of a large copy, with --full-integrity-check, costs more than the rebuild itself),
// on another core meanwhile.
const { path, pages, fingerprint, counts, depth } = workerData as { path: string; pages: number; fingerprint: string; counts: [string, number][]; depth: CheckDepth };
let problem: string | null;
try {
  problem = verifyCopy(path, { pages, fingerprint, counts: new Map(counts), depth });
} catch (error) {
  problem = (error as Error).message;
}
parentPort!.postMessage(problem);
