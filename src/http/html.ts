/**
 * HTML built by construction: `html\`…\`` escapes every interpolated value
 * unless it is already a `SafeHtml` fragment (made by `html` itself), so text
 * from databases, directory names or config can never become markup. There is
 * deliberately no way to mark a string as safe other than writing it in a
 * template literal in this codebase.
 */
export class SafeHtml {
  /** Only `html` constructs these. */
  private constructor(readonly text: string) {}

  /** @internal */
  static fromTemplate(text: string): SafeHtml {
    return new SafeHtml(text);
  }

  toString(): string {
    return this.text;
  }
}

/** A value that may appear in `${…}`: text is escaped, fragments and lists of fragments are kept. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** The one escaping function: safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => ESCAPES[char]!);
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return SafeHtml.fromTemplate(out);
}
