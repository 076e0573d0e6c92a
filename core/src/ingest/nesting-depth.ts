/**
 * Where a parsed JSON value nests containers (objects, arrays) more than `maxDepth` deep, as a path like
 * `properties.deep.0.0.0…`; null when it does not. Iterative, so it is safe on any depth JSON.parse accepts, unlike
 * JSON.stringify and every recursive walk after it, which overflow the stack somewhere past ten thousand levels.
 * The root container is level 1.
 */
export function tooDeepPath(value: unknown, maxDepth: number): string | null {
  interface Frame {
    value: unknown;
    depth: number;
    key: string;
    parent: Frame | null;
  }
  const stack: Frame[] = [{ value, depth: 1, key: '', parent: null }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (typeof frame.value !== 'object' || frame.value === null) continue;
    if (frame.depth > maxDepth) return pathOf(frame);
    const entries = Array.isArray(frame.value) ? frame.value.entries() : Object.entries(frame.value);
    for (const [key, child] of entries) {
      if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, key: String(key), parent: frame });
    }
  }
  return null;

  function pathOf(frame: Frame): string {
    const keys: string[] = [];
    for (let at: Frame | null = frame; at?.parent; at = at.parent) keys.push(at.key);
    keys.reverse();
    const shown = keys.slice(0, PATH_KEYS_SHOWN).map((key) => (key.length > 40 ? `${key.slice(0, 40)}…` : key));
    return shown.join('.') + (keys.length > PATH_KEYS_SHOWN ? '…' : '');
  }
}

const PATH_KEYS_SHOWN = 6;
