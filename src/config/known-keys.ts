/**
 * Every object key a zod schema accepts, anywhere in it: the names a "did you mean" picks from
 * when the config has an unrecognised key. Walks zod 4's definitions (`_zod.def`: object shapes,
 * optional/default wrappers, arrays, unions, pipes, lazies); memoised per schema.
 */
export function knownKeys(schema: object): ReadonlySet<string> {
  let keys = cache.get(schema);
  if (keys === undefined) {
    keys = new Set();
    if (isZod(schema)) walk(schema, keys, new Set());
    cache.set(schema, keys);
  }
  return keys;
}

const cache = new WeakMap<object, Set<string>>();

interface ZodLike {
  readonly _zod: { readonly def: Record<string, unknown> };
}

function isZod(value: unknown): value is ZodLike {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

function walk(schema: ZodLike, keys: Set<string>, seen: Set<object>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  const def = schema._zod.def;
  if (def.type === 'object' && typeof def.shape === 'object' && def.shape !== null) {
    for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
      keys.add(key);
      if (isZod(child)) walk(child, keys, seen);
    }
  }
  if (def.type === 'lazy' && typeof def.getter === 'function') {
    const inner: unknown = (def.getter as () => unknown)();
    if (isZod(inner)) walk(inner, keys, seen);
  }
  for (const [name, value] of Object.entries(def)) {
    if (name === 'shape') continue;
    if (isZod(value)) walk(value, keys, seen);
    else if (Array.isArray(value)) for (const item of value) if (isZod(item)) walk(item, keys, seen);
  }
}
