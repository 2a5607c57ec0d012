import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** What the watcher saw: the number of events and the first few, as `MASKS path`. */
export interface WatchedEvents {
  readonly events: number;
  readonly sample: readonly string[];
}

/**
 * A separate process that watches directories with inotify for any open, read, create, write,
 * rename-in or delete of an entry in them (test/support/inotify-watcher.py). The kernel reports the
 * event whatever path was used to reach the file, so it proves what a path-based check cannot: that
 * nothing behind a swapped symlink was opened at all.
 */
export class OpenWatcher {
  private readonly child: ChildProcess;
  private readonly ready: Promise<void>;
  private readonly result: Promise<WatchedEvents>;

  constructor(directories: readonly string[]) {
    this.child = spawn('python3', [join(__dirname, 'inotify-watcher.py'), ...directories], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    let onReady: () => void = () => undefined;
    let onResult: (events: WatchedEvents) => void = () => undefined;
    this.ready = new Promise((resolve) => (onReady = resolve));
    this.result = new Promise((resolve, reject) => {
      onResult = resolve;
      this.child.once('exit', (code, signal) => {
        if (code !== 0) reject(new Error(`inotify watcher exited ${code ?? signal}`));
      });
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line === 'ready') onReady();
        else if (line.startsWith('{')) onResult(JSON.parse(line) as WatchedEvents);
      }
    });
  }

  started(): Promise<void> {
    return Promise.race([this.ready, this.result.then(() => undefined)]);
  }

  /** Stops watching and returns what was seen. */
  stop(): Promise<WatchedEvents> {
    this.child.kill('SIGTERM');
    return this.result;
  }
}
