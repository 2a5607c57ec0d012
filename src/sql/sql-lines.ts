import { tokenize, type Token } from './tokenize.js';

/** Words that start a line (outside parentheses): the clauses of a SELECT, compound operators, joins, a trigger's BEGIN/END. */
const LINE_STARTS = new Set([
  'select', 'from', 'where', 'group', 'having', 'order', 'limit', 'window', 'union', 'except', 'intersect',
  'join', 'left', 'right', 'full', 'inner', 'cross', 'natural', 'begin', 'end',
]);
/** Words after which a `(` is not a function call's: keep the space. */
const SPACED_BEFORE_PAREN = new Set(['in', 'as', 'values', 'on', 'from', 'join', 'exists', 'and', 'or', 'not', 'when', 'then', 'else', 'select', 'where', 'using', 'over', 'filter', 'is']);

/**
 * Lays SQL text out one clause per line, for a person to compare two definitions
 * line by line (views, triggers, virtual tables). Display only: the diff
 * decides equality on normalised text, never on this layout. Pure.
 */
export function sqlLines(sql: string): string[] {
  const tokens = tokenize(sql);
  const lines: string[] = [];
  let line = '';
  let depth = 0;
  let inBody = false;
  let previous: Token | undefined;
  const flush = (): void => {
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = '';
  };
  for (const token of tokens) {
    const word = token.kind === 'word' ? token.text.toLowerCase() : '';
    const joinAfterModifier = word === 'join' && previous?.kind === 'word' && ['left', 'right', 'full', 'inner', 'cross', 'natural', 'outer'].includes(previous.text.toLowerCase());
    // `AS SELECT` of a view and `DELETE FROM` stay on one line.
    const afterLead = previous?.kind === 'word' && ['as', 'delete'].includes(previous.text.toLowerCase()) && word !== 'end';
    const startsLine = depth === 0 && LINE_STARTS.has(word) && !joinAfterModifier && !afterLead;
    if (startsLine && line.trim() !== '') flush();
    if (word === 'end' && depth === 0) inBody = false;
    if (line === '') line = inBody ? '  ' : '';
    else if (!tightBefore(token, previous)) line += ' ';
    line += token.text;
    if (token.kind === 'punct' && token.text === '(') depth++;
    if (token.kind === 'punct' && token.text === ')') depth = Math.max(0, depth - 1);
    if (word === 'begin' && depth === 0) {
      flush();
      inBody = true;
    }
    if (token.kind === 'punct' && token.text === ';' && depth === 0) flush();
    previous = token;
  }
  flush();
  return lines;
}

function tightBefore(token: Token, previous: Token | undefined): boolean {
  if (previous === undefined) return true;
  if (token.kind === 'punct' && [',', ')', '.', ';'].includes(token.text)) return true;
  if (previous.kind === 'punct' && ['(', '.'].includes(previous.text)) return true;
  if (token.kind === 'punct' && token.text === '(') {
    return (previous.kind === 'word' && !SPACED_BEFORE_PAREN.has(previous.text.toLowerCase())) || previous.kind === 'quoted';
  }
  return false;
}

/**
 * A line-by-line diff of two texts (longest common subsequence): `  ` for a line both
 * have, `- ` for one only `from` has, `+ ` for one only `to` has. Pure.
 */
export function lineDiff(from: readonly string[], to: readonly string[]): string[] {
  const rows = from.length;
  const cols = to.length;
  const common: number[][] = Array.from({ length: rows + 1 }, () => new Array<number>(cols + 1).fill(0));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      common[i]![j] = from[i] === to[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && from[i] === to[j]) {
      out.push(`  ${from[i]}`);
      i++;
      j++;
    } else if (i < rows && (j === cols || common[i + 1]![j]! >= common[i]![j + 1]!)) {
      out.push(`- ${from[i]}`);
      i++;
    } else {
      out.push(`+ ${to[j]}`);
      j++;
    }
  }
  return out;
}
