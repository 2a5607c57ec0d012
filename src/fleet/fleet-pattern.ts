import picomatch from 'picomatch';

/**
 * A fleet target's glob, split for a walk that never leaves its root: the
 * segments before the first wildcard are the root (a literal directory), the
 * rest are matched one directory level at a time. Pure: no file is touched.
 *
 * Supported: `*` and `?` (within one name, not matching a leading dot), `[...]`
 * classes, and `**` as a whole segment (any number of directories, none of them
 * hidden); `\` makes the special character after it literal (`\[1\]`: what the
 * config's `$VAR`, `~` and directory expand to is quoted this way, so a value
 * holding `[1]` names that directory, never a class). Braces and extglobs are
 * refused so a pattern means one thing. Matching one name against one segment is picomatch's job (small, no
 * dependencies, the matcher chokidar 3, vite and fast-glob use).
 */
export type SegmentMatcher =
  | { readonly kind: 'globstar' }
  | { readonly kind: 'name'; readonly text: string; readonly test: (name: string) => boolean; /** No wildcard: matches `text` only. */ readonly literal: boolean };

export interface FleetPattern {
  /** The absolute pattern as given (normalised: no `//`, no trailing `/`). */
  readonly source: string;
  /** Absolute directory: the literal segments before the first wildcard. */
  readonly root: string;
  /** The segments below the root; the last one names files and is never `**`. */
  readonly segments: readonly SegmentMatcher[];
}

export type FleetPatternResult = { readonly ok: true; readonly pattern: FleetPattern } | { readonly ok: false; readonly message: string };

const WILDCARD = /[*?[]/;
/** The characters `\` may quote, and `escapeGlob` quotes. */
const SPECIAL = /[\\*?[\]{}()!@+]/g;
/** An escaped pair, removed before looking for syntax. */
const ESCAPED = /\\[\s\S]/g;

/** `text` with every pattern character quoted: it matches itself literally. Pure. */
export function escapeGlob(text: string): string {
  return text.replace(SPECIAL, '\\$&');
}

const hasWildcard = (part: string): boolean => WILDCARD.test(part.replace(ESCAPED, ''));
const unescape = (part: string): string => part.replace(/\\([\s\S])/g, '$1');

/** The offset of a `\\` that quotes no pattern character (or ends the text), else -1. */
function badEscape(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    if (i + 1 >= text.length || !'\\*?[]{}()!@+'.includes(text[i + 1]!)) return i;
    i++;
  }
  return -1;
}
const MAX_SEGMENTS = 64;

/** Parses an absolute glob; every refusal says why. */
export function parseFleetPattern(absolute: string): FleetPatternResult {
  if (!absolute.startsWith('/')) return { ok: false, message: `"${absolute}" must be an absolute path (relative ones resolve against the config's directory)` };
  if (absolute.includes('\0')) return { ok: false, message: 'contains a NUL character' };
  const bad = badEscape(absolute);
  if (bad !== -1) return { ok: false, message: `"${absolute}": "\\" at offset ${bad} quotes nothing; it may only quote one of \\ * ? [ ] { } ( ) ! @ +` };
  if (/[{}]|[!@+*?]\(/.test(absolute.replace(ESCAPED, ''))) return { ok: false, message: `"${absolute}": braces and extglobs are not supported; use *, ?, [...] and ** (and "\\" to quote a character)` };
  const parts = absolute.split('/').filter((part, index) => index === 0 || part !== '');
  parts.shift();
  if (parts.length > MAX_SEGMENTS) return { ok: false, message: `more than ${MAX_SEGMENTS} path segments` };
  if (parts.some((part) => unescape(part) === '.' || unescape(part) === '..')) return { ok: false, message: `"${absolute}": "." and ".." segments are not allowed (the walk must stay under the root)` };
  const first = parts.findIndex(hasWildcard);
  if (first === -1) return { ok: false, message: `"${absolute}" has no wildcard; name one file with "database" instead` };
  const last = parts[parts.length - 1]!;
  if (last === '**') return { ok: false, message: `"${absolute}" ends in "**"; end it with the database file's name or a pattern for it, e.g. "**/*.sqlite"` };
  const segments: SegmentMatcher[] = [];
  for (const part of parts.slice(first)) {
    if (part === '**') {
      // Two globstars in a row mean the same as one.
      if (segments[segments.length - 1]?.kind !== 'globstar') segments.push({ kind: 'globstar' });
      continue;
    }
    if (part.replace(ESCAPED, '').includes('**')) return { ok: false, message: `"${part}": "**" must be a whole segment ("a/**/b")` };
    if (!hasWildcard(part)) {
      const literal = unescape(part);
      segments.push({ kind: 'name', text: literal, test: (name) => name === literal, literal: true });
      continue;
    }
    let test: (name: string) => boolean;
    try {
      test = picomatch(part, { dot: false, nobrace: true, noextglob: true, strictBrackets: true });
    } catch (error) {
      return { ok: false, message: `"${part}" is not a valid pattern: ${(error as Error).message}` };
    }
    segments.push({ kind: 'name', text: part, test, literal: false });
  }
  return { ok: true, pattern: { source: `/${parts.join('/')}`, root: `/${parts.slice(0, first).map(unescape).join('/')}`, segments } };
}

/**
 * Whether `relative` (a path below the root, `/`-separated) matches the
 * pattern's segments. The walk matches level by level; this whole-path form is
 * for one path a watcher reports.
 */
export function matchesFleetPattern(pattern: FleetPattern, relative: string): boolean {
  const names = relative.split('/');
  if (names.some((name) => name === '' || name === '.' || name === '..')) return false;
  let states = closeOverGlobstars(pattern.segments, [0]);
  for (let index = 0; index < names.length; index++) {
    const isLast = index === names.length - 1;
    const next = new Set<number>();
    for (const state of states) {
      const outcome = step(pattern.segments, state, names[index]!, !isLast);
      for (const target of outcome.next) next.add(target);
      if (isLast && outcome.file) return true;
    }
    states = closeOverGlobstars(pattern.segments, [...next]);
    if (states.length === 0) return false;
  }
  return false;
}

/**
 * One name against one walk state (an index into `segments`): which states
 * continue below it when it is a directory, and whether it is a matching file.
 */
export function step(segments: readonly SegmentMatcher[], state: number, name: string, isDirectory: boolean): { readonly next: readonly number[]; readonly file: boolean } {
  const segment = segments[state];
  if (segment === undefined) return { next: [], file: false };
  if (segment.kind === 'globstar') {
    // `**` consumes a visible directory and stays; hidden directories are never entered by a wildcard.
    return { next: isDirectory && !name.startsWith('.') ? [state] : [], file: false };
  }
  if (!segment.test(name)) return { next: [], file: false };
  const isLast = state === segments.length - 1;
  return { next: isDirectory && !isLast ? [state + 1] : [], file: isLast && !isDirectory };
}

/** Adds, for every `**` state, the state after it (the globstar matching no directory). */
export function closeOverGlobstars(segments: readonly SegmentMatcher[], states: readonly number[]): number[] {
  const out = new Set<number>();
  const pending = [...states];
  while (pending.length > 0) {
    const state = pending.pop()!;
    if (out.has(state)) continue;
    out.add(state);
    if (segments[state]?.kind === 'globstar') pending.push(state + 1);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Whether the directory `relative` (below the root, `/`-separated; '' for the
 * root itself) can contain files the pattern matches: a watcher prunes the rest.
 */
export function mayContainMatches(pattern: FleetPattern, relative: string): boolean {
  if (relative === '') return true;
  let states = closeOverGlobstars(pattern.segments, [0]);
  for (const name of relative.split('/')) {
    if (name === '' || name === '.' || name === '..') return false;
    const next = new Set<number>();
    for (const state of states) for (const target of step(pattern.segments, state, name, true).next) next.add(target);
    states = closeOverGlobstars(pattern.segments, [...next]);
    if (states.length === 0) return false;
  }
  return true;
}

/** How many directory levels below the root a watcher must see; null when `**` makes it unbounded. */
export function watchDepth(pattern: FleetPattern): number | null {
  return pattern.segments.some((segment) => segment.kind === 'globstar') ? null : pattern.segments.length - 1;
}

/**
 * The names left to match from `state` when every remaining segment is literal
 * (a glob ending in a tenant directory wildcard and then `app.sqlite` gives
 * `["app.sqlite"]` inside each tenant directory), else null. A walk then looks
 * the path up instead of listing the directory.
 */
export function literalRest(segments: readonly SegmentMatcher[], state: number): readonly string[] | null {
  const rest: string[] = [];
  for (const segment of segments.slice(state)) {
    if (segment.kind !== 'name' || !segment.literal) return null;
    rest.push(segment.text);
  }
  return rest.length > 0 ? rest : null;
}
