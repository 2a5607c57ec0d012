import type { ErrorSummary } from '../errors/driftd-error.js';

/**
 * The one state table of a target (and of each file of a fleet), from which
 * every view is derived: `/status`, the status page, `--json`, the log line
 * said once per change, `/readyz` and the `driftd_target_state` gauge the
 * alerts read. In precedence order: the first that applies is the state.
 *
 * | state | when |
 * |---|---|
 * | `error` | the last cycle could not check the database (missing, corrupt, locked past the busy timeout…) |
 * | `repair_failing` | a needed repair failed and none has succeeded since (backed off, or retried next cycle) |
 * | `held` | safe drift is left unrepaired on purpose: a migration tool manages the file, or it is a replica |
 * | `drifted` | declared objects are missing or different |
 * | `in_sync` | nothing declared is missing or different |
 */
export type TargetState = 'in_sync' | 'drifted' | 'held' | 'repair_failing' | 'error';

/** Every state, in report order. */
export const TARGET_STATES = ['in_sync', 'drifted', 'held', 'repair_failing', 'error'] as const satisfies readonly TargetState[];

/** What the state is judged from: plain data every kind of target has. */
export interface StateInput {
  /** The error of the last cycle's attempt (null when it completed). */
  readonly cycleError: ErrorSummary | null;
  /** The failing repair's last error while repairs fail (null otherwise). */
  readonly repairFailure: ErrorSummary | null;
  /** `cycleError` is that repair's own failure (this cycle's attempt rolled back). */
  readonly repairAttemptFailed?: boolean;
  /** Why safe drift is held back (null when nothing is). */
  readonly repairHeld: string | null;
  /** null before the first check. */
  readonly inSync: boolean | null;
}

export interface JudgedState {
  readonly state: TargetState;
  /** The error that explains the state (`error`, `repair_failing`), else null. */
  readonly error: ErrorSummary | null;
}

/** Pure: the state and the error every view shows. */
export function judgeState(input: StateInput): JudgedState {
  if (input.cycleError !== null && input.repairAttemptFailed !== true && input.cycleError.code !== 'DB_BUSY') return { state: 'error', error: input.cycleError };
  if (input.repairFailure !== null) return { state: 'repair_failing', error: input.cycleError ?? input.repairFailure };
  if (input.cycleError !== null) return { state: 'error', error: input.cycleError };
  if (input.inSync === false && input.repairHeld !== null) return { state: 'held', error: null };
  if (input.inSync === false) return { state: 'drifted', error: null };
  return { state: 'in_sync', error: null };
}

/** How each state reads in `/readyz` (a failing repair or held drift is a warning; `error` is judged by up/staleness). */
export const STATE_READINESS = {
  in_sync: 'pass',
  drifted: 'pass',
  held: 'pass',
  repair_failing: 'warn',
  error: 'pass',
} as const satisfies Record<TargetState, 'pass' | 'warn'>;

/** The worst of several states (a fleet's files), by the table's precedence. */
export function worstState(states: Iterable<TargetState>): TargetState {
  let worst = 0;
  for (const state of states) worst = Math.max(worst, TARGET_STATES.indexOf(state));
  return TARGET_STATES[worst]!;
}
