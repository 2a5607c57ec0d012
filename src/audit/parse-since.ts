const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const satisfies Record<string, number>;

/**
 * A reader's "since": an ISO 8601 time (`2026-11-29T13:00:00Z`) or a duration
 * back from `now` (`90s`, `30m`, `12h`, `7d`). Null when it is neither.
 * Shared by `driftd history --since` and `GET /events?since=`.
 */
export function parseSince(text: string, now: Date): Date | null {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(ms) ? null : new Date(ms);
}

export const SINCE_FORMS = 'an ISO 8601 time (2026-11-29T13:00:00Z) or a duration back from now (30m, 12h, 7d)';
