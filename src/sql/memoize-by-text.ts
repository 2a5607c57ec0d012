/**
 * Memoises a pure function of SQL text. A daemon re-reads the same CREATE
 * statements on every check; tokenising them again produced most of a check's
 * JavaScript time and garbage at 1,000 tables. Results must be immutable
 * (they are shared between callers). Bounded: when full, the oldest entry goes.
 */
export function memoizeByText<T>(compute: (text: string) => T, capacity = 20_000): (text: string) => T {
  const cache = new Map<string, T>();
  return (text) => {
    const hit = cache.get(text);
    if (hit !== undefined) return hit;
    const value = compute(text);
    if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
    cache.set(text, value);
    return value;
  };
}
