import type { LoopYielder } from './yield-to-loop.js';

/**
 * The one bounded worker pool: runs `work` over `items` with at most `limit` in flight, results in
 * the input order. The workers share `yielder` (yield-to-loop.ts) and look at it before taking an
 * item: once a yield is due, no worker starts another item first. Used by a fleet's sweep (its
 * files) and by reconcile (its orphan directories); the daemon-wide cap on open connections across
 * fleet targets is `ConnectionPool`'s, a semaphore the items' work takes a slot of.
 */
export async function runBounded<T, R>(items: readonly T[], limit: number, yielder: LoopYielder, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const turn = yielder.maybeYield();
      if (turn) {
        await turn;
        continue;
      }
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
