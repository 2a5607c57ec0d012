import { DriftdError } from '../errors/driftd-error.js';

/**
 * The SQLite busy timeout each attempt runs with. better-sqlite3 waits for a
 * lock inside the call, synchronously, so the event loop (HTTP, other targets,
 * the systemd watchdog pings) is stopped for as long as SQLite waits. driftd
 * therefore lets SQLite wait only this long per attempt and does the rest of
 * the waiting on timers (pragma.html#pragma_busy_timeout).
 */
export const ATTEMPT_BUSY_TIMEOUT_MS = 50;

export interface RetryWhileBusyOptions {
  /** The whole wait allowed for another connection's lock (the config's `busyTimeoutMs`). */
  readonly budgetMs: number;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /**
   * Called after a busy attempt, before the next: resolves when the next attempt
   * is worth making (or the deadline has passed). Without it, the retry sleeps
   * with backoff. A repair uses it to wait for the write lock instead of
   * re-running (and re-backing-up) a whole check every few milliseconds.
   */
  readonly waitBeforeRetry?: (deadline: number) => Promise<void>;
}

/**
 * Runs `attempt` with a short SQLite busy timeout and, while it fails with
 * `DB_BUSY` and the budget is not spent, runs it again after a wait on timers.
 * The last `DB_BUSY` is rethrown when the budget runs out; any other error at
 * once. Every attempt must be safe to repeat: the steps it wraps change a
 * database only in one transaction that rolls back whole on failure.
 */
export async function retryWhileBusy<T>(attempt: (busyTimeoutMs: number) => T | Promise<T>, options: RetryWhileBusyOptions): Promise<T> {
  const deadline = options.clock() + options.budgetMs;
  for (let waitMs = 5; ; waitMs = Math.min(waitMs * 2, 100)) {
    const left = Math.max(0, deadline - options.clock());
    try {
      // Whole milliseconds: better-sqlite3 rejects a fractional `timeout`, and a performance.now() clock leaves
      // one on the last attempt (which then failed as DB_OPEN_FAILED instead of DB_BUSY).
      return await attempt(Math.floor(Math.min(ATTEMPT_BUSY_TIMEOUT_MS, left)));
    } catch (error) {
      if (!(error instanceof DriftdError) || error.code !== 'DB_BUSY') throw error;
      const remaining = deadline - options.clock();
      if (remaining <= 0) throw error;
      if (options.waitBeforeRetry) await options.waitBeforeRetry(deadline);
      else await sleep(Math.min(waitMs, remaining));
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}
