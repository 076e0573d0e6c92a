/**
 * A small memo for pure functions of strings that repeat a lot (user agents): a Map that drops its
 * oldest entry past `capacity`. Per isolate; nothing in it outlives the process.
 */
export function memoize<T>(compute: (key: string) => T, capacity = 2000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key: string) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as T;
    const value = compute(key);
    if (cache.size >= capacity) cache.delete(cache.keys().next().value as string);
    cache.set(key, value);
    return value;
  };
}
