/**
 * The daemon's lifecycle as an explicit table of allowed transitions (after
 * node-cron's task states): a state change not listed here is a bug, and
 * `transition` says so instead of leaving the daemon half-started.
 *
 * created ──start()──▶ running ──stop()──▶ stopping ──(cycle done, all closed)──▶ stopped
 *    └──────────────────stop()───────────────────────────────────────────────────▶ stopped
 */
export type LifecycleState = 'created' | 'running' | 'stopping' | 'stopped';

export const LIFECYCLE_TRANSITIONS: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  created: ['running', 'stopped'],
  running: ['stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export function canTransition(from: LifecycleState, to: LifecycleState): boolean {
  return LIFECYCLE_TRANSITIONS[from].includes(to);
}

/** Returns `to`, or throws naming the illegal step. */
export function transition(from: LifecycleState, to: LifecycleState): LifecycleState {
  if (!canTransition(from, to)) throw new Error(`daemon lifecycle: cannot go from ${from} to ${to}`);
  return to;
}
