import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * A separate process that swaps a model directory inside a reconcile root with a symlink to an
 * outside directory and back, as fast as it can, with renameat2(RENAME_EXCHANGE): one atomic
 * syscall per swap, so the path is always either the real directory or the symlink, never absent.
 * Node has no renameat2; Python's ctypes calls glibc's. Counts full out-and-back swaps.
 */
const SCRIPT = join(__dirname, 'rename-exchange-swapper.py');

export class Swapper {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private swaps = 0;
  private readonly exited: Promise<number>;

  /**
   * `inside` is the directory in the root; `parked` is a symlink (outside the root's listing) to the
   * outside directory. `pauseMicros` rests after each out-and-back swap (default none: as fast as it can).
   */
  constructor(inside: string, parked: string, options: { readonly pauseMicros?: number } = {}) {
    this.child = spawn('python3', [SCRIPT, inside, parked, ...(options.pauseMicros ? [String(options.pauseMicros)] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    let onReady: () => void = () => undefined;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') onReady();
        else this.swaps = Number(line.replace('stopped ', ''));
      }
    });
    this.exited = new Promise((resolve, reject) =>
      this.child.once('exit', (code, signal) => (code === 0 ? resolve(this.swaps) : reject(new Error(`swapper exited ${code ?? signal}`)))),
    );
  }

  started(): Promise<void> {
    return Promise.race([this.ready, this.exited.then(() => undefined)]);
  }

  /** Out-and-back swaps made so far (updated every 500). */
  get count(): number {
    return this.swaps;
  }

  /** Stops after the current pair (the directory is back in place) and returns the number of swaps made. */
  stop(): Promise<number> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}
