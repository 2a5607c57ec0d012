/**
 * The line of a statement SQLite refused with a syntax error, instead of the statement's first
 * line. SQLite's message names the token it stopped at (`near "DEFAUL": syntax error`,
 * `unrecognized token: "'x"`), but the same text can occur earlier where it was fine, so each
 * occurrence is tried in order: the statement cut right after it is prepared, and the first cut
 * that fails with the same message is where parsing stopped (an earlier, valid occurrence leaves
 * an "incomplete input" instead). `prepare` compiles and never runs. Returns null when the
 * message names no token or no occurrence reproduces it (then the statement's line stands).
 */
export function syntaxErrorLine(
  statement: { readonly text: string; readonly line: number },
  message: string,
  prepare: (sql: string) => void,
): number | null {
  const near = /^(?:near "([\s\S]*)": syntax error|unrecognized token: "([\s\S]*)")$/.exec(message);
  if (near === null) return null;
  const text = near[1] ?? near[2]!;
  if (text === '') return null;
  for (let at = statement.text.indexOf(text); at !== -1; at = statement.text.indexOf(text, at + 1)) {
    try {
      prepare(statement.text.slice(0, at + text.length));
    } catch (error) {
      if ((error as Error).message !== message) continue;
      return statement.line + countNewlines(statement.text.slice(0, at));
    }
  }
  return null;
}

function countNewlines(text: string): number {
  let count = 0;
  for (const char of text) if (char === '\n') count++;
  return count;
}
