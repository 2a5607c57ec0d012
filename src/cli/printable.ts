/**
 * One line of text output as it may safely be printed: control characters (C0, DEL, C1) and the
 * Unicode line and paragraph separators written as escapes (`\n`, `\t`, `\x1b`, `\u2028`). A tenant
 * directory named `a\nb` must not start a line of its own in `check`'s output, where it could pass
 * for another file's verdict (issue 14). A backslash is left as it is (names with one print as
 * before); `--json` is the exact form. Pure.
 */
export function printable(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    switch (char) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default: {
        const code = char.charCodeAt(0);
        return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
      }
    }
  });
}
