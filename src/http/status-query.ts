import { FILE_STATES, type FileState } from '../report/report-vocabulary.js';

/** `GET /status?target=T&state=drift&limit=100&offset=0`: one fleet target's files, filtered and paged. */
export interface FleetFilesQuery {
  readonly target: string;
  /** null: the files that need attention (drifted or in error). */
  readonly state: FileState | 'all' | null;
  readonly limit: number;
  readonly offset: number;
}

export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
/** Short forms people type: `state=drift`, `state=sync`. */
const ALIASES: Readonly<Record<string, FileState | 'all'>> = { drift: 'drifted', sync: 'in_sync', insync: 'in_sync', errors: 'error', failing: 'repair_failing', all: 'all' };

/**
 * Validates the fleet keys of `GET /status`'s query (target, state, limit,
 * offset). Returns null when it has none of them (the whole status is wanted),
 * a message naming the bad key and value when one is wrong. Pure.
 */
export function parseStatusQuery(raw: Readonly<Record<string, unknown>>): { readonly ok: true; readonly query: FleetFilesQuery | null } | { readonly ok: false; readonly message: string } {
  // Other parameters are not this function's business (the status page may take its own): only these four are.
  const known = ['target', 'state', 'limit', 'offset'];
  if (!Object.keys(raw).some((key) => known.includes(key))) return { ok: true, query: null };
  const one = (key: string): string | undefined => (Array.isArray(raw[key]) ? undefined : (raw[key] as string | undefined));
  const target = one('target');
  if (target === undefined || target === '') return { ok: false, message: 'name the fleet target: ?target=NAME (state, limit and offset filter its files)' };
  const stateText = one('state');
  let state: FleetFilesQuery['state'] = null;
  if (stateText !== undefined && stateText !== 'attention') {
    state = (FILE_STATES as readonly string[]).includes(stateText) ? (stateText as FileState) : (ALIASES[stateText] ?? null);
    if (state === null) return { ok: false, message: `state "${stateText}" is not one of attention, all, ${FILE_STATES.join(', ')} (or drift)` };
  }
  const integer = (key: string, fallback: number, max: number): number | string => {
    const text = one(key);
    if (text === undefined) return fallback;
    const value = Number(text);
    return /^\d+$/.test(text) && value <= max ? value : `${key} must be a whole number from 0 to ${max}, got "${text}"`;
  };
  const limit = integer('limit', DEFAULT_LIMIT, MAX_LIMIT);
  if (typeof limit === 'string') return { ok: false, message: limit };
  const offset = integer('offset', 0, Number.MAX_SAFE_INTEGER);
  if (typeof offset === 'string') return { ok: false, message: offset };
  return { ok: true, query: { target, state, limit, offset } };
}
