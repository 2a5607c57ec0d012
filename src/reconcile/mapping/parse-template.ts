/**
 * Templates over other mapped columns: `Fine-tuned {base_model} for {task}`.
 * `{{` and `}}` stand for literal braces. Pure.
 */
export type TemplatePart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'column'; readonly column: string };

export type TemplateParse = { readonly ok: true; readonly parts: readonly TemplatePart[] } | { readonly ok: false; readonly message: string };

export function parseTemplate(template: string): TemplateParse {
  const parts: TemplatePart[] = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const char = template[i]!;
    const next = template[i + 1];
    if (char === '{' && next === '{') {
      text += '{';
      i++;
    } else if (char === '}' && next === '}') {
      text += '}';
      i++;
    } else if (char === '{') {
      const close = template.indexOf('}', i + 1);
      if (close === -1) return { ok: false, message: `unclosed "{" at offset ${i} (write "{{" for a literal brace)` };
      const column = template.slice(i + 1, close);
      if (column.length === 0 || column.includes('{')) return { ok: false, message: `"{${column}}" at offset ${i} does not name a column` };
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'column', column });
      i = close;
    } else if (char === '}') {
      return { ok: false, message: `unmatched "}" at offset ${i} (write "}}" for a literal brace)` };
    } else {
      text += char;
    }
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return { ok: true, parts };
}

/** The columns a template refers to, in order, without duplicates. */
export function templateColumns(parts: readonly TemplatePart[]): string[] {
  const seen: string[] = [];
  for (const part of parts) if (part.kind === 'column' && !seen.includes(part.column)) seen.push(part.column);
  return seen;
}
