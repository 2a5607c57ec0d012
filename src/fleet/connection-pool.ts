/**
 * A counting semaphore over SQLite connections: at most `size` fleet files are
 * being worked on at once across every fleet target of the process, and a file
 * holds its slot for as long as it may have a connection open (including the
 * waits between busy retries). One daemon-wide pool keeps the descriptors a
 * fleet of any size opens bounded by the pool size plus a constant.
 */
export class ConnectionPool {
  private inUse = 0;
  private peak = 0;
  private readonly waiting: Array<() => void> = [];
  private capacity: number;

  constructor(size: number) {
    this.capacity = checkedSize(size);
  }

  get size(): number {
    return this.capacity;
  }

  /** A reloaded `poolSize`: more slots wake waiters now; fewer take effect as slots are released. */
  resize(size: number): void {
    this.capacity = checkedSize(size);
    while (this.inUse < this.capacity && this.waiting.length > 0) {
      this.inUse++;
      this.waiting.shift()!();
    }
  }

  /** Runs `work` in a slot, waiting for one when all are taken. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inUse >= this.capacity) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inUse++;
    this.peak = Math.max(this.peak, this.inUse);
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (inUse unchanged) or free it.
      const next = this.inUse <= this.capacity ? this.waiting.shift() : undefined;
      if (next) next();
      else this.inUse--;
    }
  }

  /** Slots taken now, and the most ever taken at once. */
  get stats(): { readonly inUse: number; readonly peak: number } {
    return { inUse: this.inUse, peak: this.peak };
  }
}

function checkedSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
  return size;
}
