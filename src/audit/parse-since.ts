const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const satisfies Record<string, number>;

/**
 * A reader's "since": an ISO 8601 time (`2026-11-29T13:00:00Z`) or a duration
 * back from `now` (`90s`, `30m`, `12h`, `7d`). Null when it is neither, or when it names no
 * instant a Date can hold (±8.64e15 ms around 1970: `99999999999d` back, year 275760).
 * Shared by `driftd history --since` and `GET /events?since=`.
 */
export function parseSince(text: string, now: Date): Date | null {
  const relative = /^(\d+)([smhd])$/.exec(text);
  const ms = relative
    ? now.getTime() - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]
    : /^\d{4}-\d{2}-\d{2}/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  const since = new Date(ms);
  return Number.isNaN(since.getTime()) ? null : since;
}

export const SINCE_FORMS = 'an ISO 8601 time (2026-11-29T13:00:00Z) or a duration back from now (30m, 12h, 7d)';
