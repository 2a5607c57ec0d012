// Issue 16, one yielder and one bounded worker pool: a fleet's sweep, its listing, the fleet watcher, reconcile's
// scan and inspection and the daemon between targets all pause through createYielder, and a fleet's files and
// reconcile's orphans are worked on by runBounded.
import { describe, expect, it } from 'vitest';
import { runBounded } from '../../src/pipeline/run-bounded.js';
import { createYielder } from '../../src/pipeline/yield-to-loop.js';

describe('createYielder', () => {
  it('returns at once within a slice, then one pause shared by every caller, and the slice restarts after it', async () => {
    let now = 0;
    const yielder = createYielder(8, () => now);
    expect(yielder.maybeYield()).toBeUndefined();
    now = 7.9;
    expect(yielder.maybeYield()).toBeUndefined();
    now = 8;
    const first = yielder.maybeYield();
    expect(first).toBeInstanceOf(Promise);
    expect(yielder.maybeYield()).toBe(first);
    await first;
    expect(yielder.maybeYield()).toBeUndefined();
  });

  it('lets timers run in its pause (a 1 ms timer, so a request gets several loop turns)', async () => {
    let now = 0;
    const yielder = createYielder(5, () => now);
    let fired = false;
    setTimeout(() => (fired = true), 0);
    now = 5;
    await yielder.maybeYield();
    expect(fired).toBe(true);
  });

  it('pauses at every call with a slice of 0', async () => {
    const yielder = createYielder(0, () => 0);
    const turn = yielder.maybeYield();
    expect(turn).toBeInstanceOf(Promise);
    await turn;
    expect(yielder.maybeYield()).toBeInstanceOf(Promise);
  });
});

describe('runBounded', () => {
  it('keeps the input order and never has more than `limit` items in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 25 }, (_, index) => index);
    const results = await runBounded(items, 4, createYielder(1_000_000), async (item) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setTimeout(resolve, item % 3));
      inFlight--;
      return item * 2;
    });
    expect(results).toEqual(items.map((item) => item * 2));
    expect(peak).toBe(4);
  });

  it('starts no item while a yield is due: the timers of the loop run between slices even when every item is synchronous', async () => {
    let now = 0;
    const yielder = createYielder(8, () => now);
    const ticks: number[] = [];
    const started: number[] = [];
    const timer = setInterval(() => ticks.push(started.length), 0);
    try {
      // Each item "takes" 3 ms of the injected clock and never awaits anything real.
      await runBounded(Array.from({ length: 12 }, (_, index) => index), 3, yielder, async (item) => {
        started.push(item);
        now += 3;
      });
    } finally {
      clearInterval(timer);
    }
    expect(started).toEqual([...Array(12).keys()]);
    // 36 ms of work in 8 ms slices: the loop ran timers between slices, before the last item started.
    expect(ticks.some((count) => count > 0 && count < 12)).toBe(true);
  });

  it('runs nothing for no items', async () => {
    expect(await runBounded([], 4, createYielder(8), async () => 1)).toEqual([]);
  });
});
