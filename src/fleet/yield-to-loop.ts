/**
 * Cooperative time slicing for long synchronous sweeps: `maybeYield()` returns
 * at once until `sliceMs` of work has passed since the last yield, then waits
 * one `setImmediate` turn so timers, HTTP requests (`/livez`, `/metrics`) and
 * the systemd watchdog ping run in between. better-sqlite3 and the sync fs
 * calls a sweep makes are fast per file but block for seconds over 10,000.
 * Concurrent workers share one yield: they all wait for the same turn, and the
 * slice restarts once for all of them (separate yields would let each worker
 * run a whole slice in the same turn, multiplying the pause by their number).
 */
export interface LoopYielder {
  maybeYield(): Promise<void> | undefined;
}

export function createYielder(sliceMs: number, clock: () => number = () => performance.now()): LoopYielder {
  let sliceStart = clock();
  let turn: Promise<void> | null = null;
  return {
    maybeYield() {
      if (turn) return turn;
      if (clock() - sliceStart < sliceMs) return undefined;
      turn = new Promise<void>((resolve) =>
        setImmediate(() => {
          turn = null;
          sliceStart = clock();
          resolve();
        }),
      );
      return turn;
    },
  };
}
