import cron, { type ScheduledTask } from 'node-cron';
import type { DaemonLogger } from './daemon-logger.js';

/**
 * Scheduling: one node-cron task that calls `onTick` on the config's schedule.
 * Re-arming replaces the task (a reload that changes the schedule). Overlap is
 * not decided here: the tick handler asks the queue.
 */
export class CycleSchedule {
  private task: ScheduledTask | null = null;
  private interval: { expression: string; ms: number } | null = null;

  constructor(
    private readonly logger: DaemonLogger,
    private readonly onTick: () => void,
  ) {}

  arm(expression: string): void {
    this.task?.destroy();
    const logger = this.logger;
    this.task = cron.createTask(expression, () => this.onTick(), {
      name: 'driftd-cycle',
      // Overlap is ours to decide and count (Daemon.tick()); node-cron's own warnings go to our log.
      suppressMissedWarning: true,
      logger: {
        info: (message) => logger.debug({ source: 'node-cron' }, String(message)),
        warn: (message) => logger.warn({ source: 'node-cron' }, String(message)),
        error: (message) => logger.error({ source: 'node-cron' }, String(message)),
        debug: (message) => logger.debug({ source: 'node-cron' }, String(message)),
      },
    });
    void this.task.start();
  }

  stop(): void {
    this.task?.destroy();
    this.task = null;
  }

  /** The longest gap between ticks of `expression` (memoized for the last expression asked). */
  intervalMs(expression: string): number {
    if (this.interval?.expression !== expression) this.interval = { expression, ms: scheduleIntervalMs(expression) };
    return this.interval.ms;
  }
}

/** The longest gap between the next few runs of a cron expression (irregular schedules take their worst case). */
export function scheduleIntervalMs(expression: string): number {
  const task = cron.createTask(expression, () => undefined);
  try {
    const runs = task.getNextRuns(6).map((date) => date.getTime());
    let longest = 0;
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i]! - runs[i - 1]!);
    return longest > 0 ? longest : 30_000;
  } finally {
    void task.destroy();
  }
}
