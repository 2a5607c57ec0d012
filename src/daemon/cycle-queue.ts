/**
 * Queueing: cycles never overlap. A scheduled tick that finds one running is
 * skipped (the caller counts it); any other request during a cycle is queued and
 * coalesced into one follow-up cycle. Config switches requested during a cycle
 * run when it ends and before any queued cycle starts, so no cycle ever sees half
 * a switch. Knows nothing about what a cycle does: `body` is handed in.
 */
export class CycleQueue<Reason, Result> {
  private running: Promise<Result> | null = null;
  private queued: Promise<Result> | null = null;
  private readonly pendingSwitches: Array<() => void> = [];
  private started = 0;

  constructor(private readonly body: (cycle: number, reason: Reason) => Promise<Result>) {}

  /** Cycles started so far (the running one included). */
  get count(): number {
    return this.started;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** The running cycle, if any. */
  get current(): Promise<Result> | null {
    return this.running;
  }

  /** Starts a cycle now, or queues one behind the running cycle (shared with every other waiter). */
  run(reason: Reason): Promise<Result> {
    if (!this.running) return this.start(reason);
    if (!this.queued) {
      const next = (): Promise<Result> => {
        this.queued = null;
        return this.start(reason);
      };
      this.queued = this.running.then(next, next);
    }
    return this.queued;
  }

  /** Starts a cycle unless one is running; answers whether it started (false: the tick is skipped). */
  tryStart(reason: Reason): boolean {
    if (this.running) return false;
    void this.start(reason);
    return true;
  }

  /** Runs `change` now when no cycle is running, else right after the running one ends and before the next starts. */
  betweenCycles<T>(change: () => T): Promise<T> {
    if (!this.running) return Promise.resolve(change());
    return new Promise<T>((resolve, reject) => {
      this.pendingSwitches.push(() => {
        try {
          resolve(change());
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Resolves when the running and the queued cycle (if any) have ended, whatever their outcome. */
  async settle(): Promise<void> {
    await this.running?.catch(() => undefined);
    await this.queued?.catch(() => undefined);
  }

  private start(reason: Reason): Promise<Result> {
    const cycle = ++this.started;
    this.runPendingSwitches();
    const run = this.body(cycle, reason).finally(() => {
      this.running = null;
      // Runs before a queued cycle's start (that waits on this promise, so it comes after this callback).
      this.runPendingSwitches();
    });
    this.running = run;
    return run;
  }

  private runPendingSwitches(): void {
    for (const change of this.pendingSwitches.splice(0)) change();
  }
}
