import { parentPort, workerData } from 'node:worker_threads';
import { verifyCopy } from './verify-copy.js';

// The backup's verification on its own thread (apply-plan.ts): PRAGMA integrity_check of a large
// copy costs about as much as the rebuild itself, and runs on another core meanwhile.
const { path, counts } = workerData as { path: string; counts: [string, number][] };
let problem: string | null;
try {
  problem = verifyCopy(path, new Map(counts));
} catch (error) {
  problem = (error as Error).message;
}
parentPort!.postMessage(problem);
