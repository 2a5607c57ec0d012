/**
 * Cooperative time slicing for long synchronous sweeps: `maybeYield()` returns
 * at once until `sliceMs` of work has passed since the last yield, then waits
 * one `setImmediate` turn so timers, HTTP requests (`/livez`, `/metrics`) and
 * the systemd watchdog ping run in between. better-sqlite3 and the sync fs
 * calls a sweep makes are fast per file but block for seconds over 10,000.
 */
export interface LoopYielder {
  maybeYield(): Promise<void> | undefined;
}

export function createYielder(sliceMs: number, clock: () => number = () => performance.now()): LoopYielder {
  let sliceStart = clock();
  return {
    maybeYield() {
      if (clock() - sliceStart < sliceMs) return undefined;
      return new Promise<void>((resolve) =>
        setImmediate(() => {
          sliceStart = clock();
          resolve();
        }),
      );
    },
  };
}
