import { identifierText, tokenize, type Token } from './tokenize.js';

/**
 * An annotation in a declaration's comments: a declared rename, or a declaration that an object is
 * new. Accepted spellings (sqldef's and Atlas's, and driftd's own `@new`):
 * `-- @renamed from=OLD`, `/* @renamed from=OLD *\/`, `-- atlas:renamed_from OLD`, `-- @new`;
 * OLD may be quoted as SQL quotes identifiers (`"old name"`, `` `old` ``, `[old]`, `'old'`).
 */
export type Annotation =
  | { readonly kind: 'renamed'; readonly from: string; readonly line: number; readonly text: string }
  | { readonly kind: 'new'; readonly line: number; readonly text: string };

/** A comment that starts like an annotation but does not parse as one: refused, never ignored. */
export interface MalformedAnnotation {
  readonly line: number;
  readonly text: string;
}

const RENAMED = /^@renamed\b\s*(.*)$/is;
const ATLAS = /^atlas:renamed_from\b\s*(.*)$/is;
const NEW = /^@new\b\s*$/is;
const LOOKS_LIKE = /^(@renamed|@new|atlas:renamed_from)\b/i;

/**
 * Every annotation in `text`, with its 1-based line. Comments are the gaps between SQL tokens, so
 * a `--` inside a string literal is never read as one.
 */
export function findAnnotations(text: string, tokens: readonly Token[] = tokenize(text)): { annotations: Annotation[]; malformed: MalformedAnnotation[] } {
  const annotations: Annotation[] = [];
  const malformed: MalformedAnnotation[] = [];
  const lineOf = lineCounter(text);
  let from = 0;
  for (let t = 0; t <= tokens.length; t++) {
    const to = t < tokens.length ? tokens[t]!.start : text.length;
    for (const comment of commentsIn(text, from, to)) {
      const body = comment.body.trim();
      if (!LOOKS_LIKE.test(body)) continue;
      const line = lineOf(comment.start);
      const parsed = parseAnnotation(body, line);
      if (parsed === null) malformed.push({ line, text: body });
      else annotations.push(parsed);
    }
    if (t < tokens.length) from = tokens[t]!.end;
  }
  return { annotations, malformed };
}

function commentsIn(text: string, from: number, to: number): Array<{ start: number; body: string }> {
  const found: Array<{ start: number; body: string }> = [];
  let i = from;
  while (i < to) {
    if (text.startsWith('--', i)) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 || end > to ? to : end;
      found.push({ start: i, body: text.slice(i + 2, stop) });
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 || end + 2 > to ? to : end + 2;
      found.push({ start: i, body: text.slice(i + 2, end === -1 ? stop : end) });
      i = stop;
    } else {
      i++;
    }
  }
  return found;
}

function parseAnnotation(body: string, line: number): Annotation | null {
  if (NEW.test(body)) return { kind: 'new', line, text: body };
  const renamed = RENAMED.exec(body);
  if (renamed) {
    const tokens = tokenize(renamed[1]!);
    if (tokens.length !== 3 || tokens[0]!.kind !== 'word' || tokens[0]!.text.toLowerCase() !== 'from' || tokens[1]!.text !== '=') return null;
    const from = nameOf(tokens[2]!);
    return from === null ? null : { kind: 'renamed', from, line, text: body };
  }
  const atlas = ATLAS.exec(body);
  if (atlas) {
    const tokens = tokenize(atlas[1]!);
    if (tokens.length !== 1) return null;
    const from = nameOf(tokens[0]!);
    return from === null ? null : { kind: 'renamed', from, line, text: body };
  }
  return null;
}

function nameOf(token: Token): string | null {
  if (token.kind !== 'word' && token.kind !== 'quoted' && token.kind !== 'string') return null;
  const name = identifierText(token);
  return name === '' ? null : name;
}

/** The 1-based line of an offset into `text` (a binary search over the line starts, counted once). */
export function lineCounter(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}
