/**
 * The one way driftd's long synchronous work yields to the event loop (a fleet's sweep and
 * listing, the fleet watcher's walk, reconcile's scan and inspection, the daemon between targets):
 * `maybeYield()` returns at once until `sliceMs` of work has passed since the last yield, then
 * pauses so timers, HTTP requests (`/livez`, `/metrics`) and the systemd watchdog ping run in
 * between. better-sqlite3 and the sync fs calls are fast per item but block for seconds over 10,000.
 *
 * The pause is a 1 ms timer, not `setImmediate`: a request needs several loop turns (parse, hooks,
 * reply), and a 1 ms idle lets them all run, where an immediate gives it one turn per slice
 * (reconcile measured `/livez` p50 60 ms at 50,000 entries with immediates).
 *
 * Concurrent workers share one yield: they all wait for the same pause, and the slice restarts
 * once for all of them (separate pauses would let each worker run a whole slice in the same turn,
 * multiplying the pause by their number: 8 × 5 ms between two looks at the sockets, /livez ~1 s).
 */
export interface LoopYielder {
  maybeYield(): Promise<void> | undefined;
}

/** A yielder whose slices are `sliceMs` long; `sliceMs` 0 pauses at every call. */
export function createYielder(sliceMs: number, clock: () => number = () => performance.now()): LoopYielder {
  let sliceStart = clock();
  let turn: Promise<void> | null = null;
  return {
    maybeYield() {
      if (turn) return turn;
      if (clock() - sliceStart < sliceMs) return undefined;
      turn = new Promise<void>((resolve) =>
        setTimeout(() => {
          turn = null;
          sliceStart = clock();
          resolve();
        }, 1),
      );
      return turn;
    },
  };
}
