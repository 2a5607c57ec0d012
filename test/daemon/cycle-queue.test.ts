import { describe, expect, it } from 'vitest';
import { CycleQueue } from '../../src/daemon/cycle-queue.js';

/** A cycle body whose runs end only when the test says so. */
function gatedBody() {
  const events: string[] = [];
  const gates: Array<() => void> = [];
  const body = (cycle: number, reason: string) => {
    events.push(`start ${cycle} ${reason}`);
    return new Promise<string>((resolve) =>
      gates.push(() => {
        events.push(`end ${cycle}`);
        resolve(`${cycle}:${reason}`);
      }),
    );
  };
  return { events, gates, body };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('CycleQueue', () => {
  it('starts at once when idle, and coalesces every request during a cycle into one follow-up', async () => {
    const { events, gates, body } = gatedBody();
    const queue = new CycleQueue(body);
    const first = queue.run('a');
    const second = queue.run('b');
    const third = queue.run('c');
    expect(second).toBe(third);
    expect(queue.isRunning).toBe(true);
    gates.shift()!();
    expect(await first).toBe('1:a');
    await turn();
    gates.shift()!();
    expect(await second).toBe('2:b');
    expect(events).toEqual(['start 1 a', 'end 1', 'start 2 b', 'end 2']);
    expect(queue.count).toBe(2);
  });

  it('a tick during a cycle is refused, not queued', async () => {
    const { events, gates, body } = gatedBody();
    const queue = new CycleQueue(body);
    expect(queue.tryStart('tick')).toBe(true);
    expect(queue.tryStart('tick')).toBe(false);
    gates.shift()!();
    await queue.settle();
    expect(events).toEqual(['start 1 tick', 'end 1']);
  });

  it('runs a switch at once when idle, else after the running cycle and before the queued one', async () => {
    const { events, gates, body } = gatedBody();
    const queue = new CycleQueue(body);
    expect(await queue.betweenCycles(() => events.push('switch idle'))).toBe(1);
    void queue.run('a');
    const switched = queue.betweenCycles(() => {
      events.push('switch');
      return 'done';
    });
    const queued = queue.run('b');
    gates.shift()!();
    expect(await switched).toBe('done');
    await turn();
    gates.shift()!();
    await queued;
    expect(events).toEqual(['switch idle', 'start 1 a', 'end 1', 'switch', 'start 2 b', 'end 2']);
  });

  it('a failed cycle still releases the queue and the cycle behind it runs', async () => {
    let calls = 0;
    const queue = new CycleQueue(async (cycle: number) => {
      calls++;
      if (cycle === 1) throw new Error('boom');
      return cycle;
    });
    const first = queue.run('x');
    const second = queue.run('y');
    await expect(first).rejects.toThrow('boom');
    expect(await second).toBe(2);
    expect(calls).toBe(2);
    expect(queue.isRunning).toBe(false);
  });
});
