/**
 * Readiness as a pure decision over plain data (no clock, no IO), rendered in
 * the `application/health+json` shape (draft-inadarei-api-health-check):
 * `status` pass | warn | fail and one entry per target under `checks`.
 */
import { STATE_READINESS, type TargetState } from '../pipeline/target-state.js';
import type { ErrorSummary } from '../report/report-vocabulary.js';

export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface TargetHealthInput {
  readonly name: string;
  /** The database opened on the target's last cycle. */
  readonly up: boolean;
  /** Milliseconds since the epoch; null before the first successful check. */
  readonly lastSuccessMs: number | null;
  readonly lastError: Pick<ErrorSummary, 'code' | 'message'> | null;
  /** The target's state (pipeline/target-state.ts); a failing repair warns. Absent: judged by up and staleness alone. */
  readonly state?: TargetState;
  /** The error that explains `state` (code, message, hint). */
  readonly stateError?: ErrorSummary | null;
}

export interface HealthInput {
  readonly nowMs: number;
  /** The longest gap between two scheduled ticks. */
  readonly intervalMs: number;
  readonly configLoaded: boolean;
  /** The last reload attempt (startup counts); a failed one keeps the previous config running: warn, not fail. */
  readonly lastReload: { readonly ok: boolean; readonly atMs: number; readonly problems: readonly string[] };
  readonly targets: readonly TargetHealthInput[];
}

export interface HealthCheck {
  readonly componentId?: string;
  readonly componentType: string;
  readonly status: HealthStatus;
  readonly time?: string;
  readonly output?: string;
  readonly observedValue?: number;
  readonly observedUnit?: string;
}

export interface HealthReport {
  readonly status: HealthStatus;
  readonly description: string;
  readonly checks: Readonly<Record<string, readonly HealthCheck[]>>;
}

/** How many schedule intervals a target's last success may be old before it is not ready. */
export const STALE_AFTER_INTERVALS = 3;

export function assessHealth(input: HealthInput): HealthReport {
  const checks: Record<string, HealthCheck[]> = {};
  checks['config:loaded'] = [
    {
      componentType: 'config',
      status: !input.configLoaded ? 'fail' : input.lastReload.ok ? 'pass' : 'warn',
      time: new Date(input.lastReload.atMs).toISOString(),
      ...(input.lastReload.ok ? {} : { output: `last reload failed, running the previous config: ${input.lastReload.problems.join('; ')}` }),
    },
  ];
  const staleMs = STALE_AFTER_INTERVALS * input.intervalMs;
  for (const target of input.targets) {
    const ageMs = target.lastSuccessMs === null ? null : input.nowMs - target.lastSuccessMs;
    const fresh = ageMs !== null && ageMs <= staleMs;
    const warns = target.state !== undefined && STATE_READINESS[target.state] === 'warn';
    const status: HealthStatus = target.up && fresh ? (warns ? 'warn' : 'pass') : 'fail';
    const output = !target.up
      ? `database does not open${target.lastError ? `: ${target.lastError.code}: ${target.lastError.message}` : ''}`
      : ageMs === null
        ? 'no successful check yet'
        : !fresh
          ? `last successful check ${Math.round(ageMs / 1000)} s ago (limit ${Math.round(staleMs / 1000)} s)${target.lastError ? `; last error ${target.lastError.code}` : ''}`
          : warns
            ? `${target.state!.replace('_', ' ')}${target.stateError ? `: ${target.stateError.code}: ${target.stateError.message}${target.stateError.hint ? ` (hint: ${target.stateError.hint})` : ''}` : ''}`
            : undefined;
    checks[`target:${target.name}`] = [
      {
        componentId: target.name,
        componentType: 'database',
        status,
        ...(target.lastSuccessMs === null ? {} : { time: new Date(target.lastSuccessMs).toISOString() }),
        ...(ageMs === null ? {} : { observedValue: Math.max(0, ageMs) / 1000, observedUnit: 's' }),
        ...(output === undefined ? {} : { output }),
      },
    ];
  }
  const all = Object.values(checks).flat();
  const status: HealthStatus = all.some((check) => check.status === 'fail') ? 'fail' : all.some((check) => check.status === 'warn') ? 'warn' : 'pass';
  return { status, description: 'driftd readiness: config loaded, every database opens, every target checked recently', checks };
}
