/**
 * RFC 6901 JSON pointers (https://www.rfc-editor.org/rfc/rfc6901): `""` is
 * the whole document, `/a/0/b~1c` walks keys and array indexes, `~1` is `/`
 * and `~0` is `~`. Pure.
 */
export type PointerResult = { readonly found: true; readonly value: unknown } | { readonly found: false };

function parsePointer(pointer: string): readonly string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function evaluatePointer(document: unknown, pointer: string): PointerResult {
  let current: unknown = document;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(current)) {
      // RFC 6901 §4: array indexes are decimal without leading zeros.
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return { found: false };
      const index = Number(token);
      if (index >= current.length) return { found: false };
      current = current[index];
    } else if (current !== null && typeof current === 'object') {
      if (!Object.prototype.hasOwnProperty.call(current, token)) return { found: false };
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}
