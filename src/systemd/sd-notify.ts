import { createRequire } from 'node:module';

/**
 * systemd's readiness and watchdog protocol (sd_notify(3)): datagrams such as
 * `READY=1` and `WATCHDOG=1` sent to the unix socket named in NOTIFY_SOCKET.
 * Node has no unix datagram sockets, so this goes through the optional
 * dependency `unix-dgram` (a small node-gyp addon, no libsystemd needed). When
 * NOTIFY_SOCKET is unset, or the addon is not installed, `createNotifier`
 * returns a notifier that does nothing and says why: the daemon then starts
 * plainly (Type=simple semantics).
 */
export interface Notifier {
  /** Why notifications are off, or null when they are on. */
  readonly disabledReason: string | null;
  /** Half of WATCHDOG_USEC in ms when systemd asked for watchdog pings for this process, else null. */
  readonly watchdogIntervalMs: number | null;
  notify(state: string): void;
  /** Starts WATCHDOG=1 pings from the event loop (a blocked loop stops them, which is the point). */
  startWatchdog(): void;
  close(): void;
}

interface UnixDgramSocket {
  send(buffer: Buffer, offset: number, length: number, path: string, callback?: (error?: Error) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

export function createNotifier(env: Readonly<Record<string, string | undefined>>, onError: (error: Error) => void, pid: number = process.pid): Notifier {
  const socketPath = env.NOTIFY_SOCKET;
  if (!socketPath) return disabled('NOTIFY_SOCKET is not set (not started by systemd with Type=notify)');
  let dgram: UnixDgramModule;
  try {
    dgram = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  } catch (error) {
    return disabled(`the optional package unix-dgram is not installed (${(error as Error).message.split('\n')[0]})`);
  }
  const socket = dgram.createSocket('unix_dgram');
  socket.on('error', onError);
  // An abstract socket is written with a leading "@" (sd_notify(3)); on the wire its first byte is NUL.
  const address = socketPath.startsWith('@') ? `\0${socketPath.slice(1)}` : socketPath;
  const watchdogIntervalMs = watchdogInterval(env, pid);
  let timer: NodeJS.Timeout | null = null;
  const notify = (state: string): void => {
    const buffer = Buffer.from(state);
    socket.send(buffer, 0, buffer.length, address, (error) => {
      if (error) onError(error);
    });
  };
  return {
    disabledReason: null,
    watchdogIntervalMs,
    notify,
    startWatchdog() {
      if (watchdogIntervalMs === null || timer) return;
      notify('WATCHDOG=1');
      timer = setInterval(() => notify('WATCHDOG=1'), watchdogIntervalMs);
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      socket.close();
    },
  };
}

/** WATCHDOG_USEC halved, when set and meant for this process (WATCHDOG_PID absent or equal): sd_watchdog_enabled(3). */
export function watchdogInterval(env: Readonly<Record<string, string | undefined>>, pid: number): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

function disabled(reason: string): Notifier {
  return { disabledReason: reason, watchdogIntervalMs: null, notify: () => undefined, startWatchdog: () => undefined, close: () => undefined };
}
