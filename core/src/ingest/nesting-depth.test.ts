import { describe, expect, it } from 'vitest';
import { tooDeepPath } from './nesting-depth';

function nestedArray(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('tooDeepPath', () => {
  it('null within the limit, counting the root container as level 1', () => {
    expect(tooDeepPath({ a: { b: [1] } }, 3)).toBeNull();
    expect(tooDeepPath('text', 0)).toBeNull();
    expect(tooDeepPath({ a: { b: [1] } }, 2)).toBe('a.b');
  });

  it('names the path to the first container past the limit, shortened after six keys', () => {
    expect(tooDeepPath({ ok: [[1]], properties: { deep: nestedArray(10) } }, 4)).toBe('properties.deep.0.0');
    expect(tooDeepPath({ properties: { deep: nestedArray(100) } }, 64)).toBe('properties.deep.0.0.0.0…');
  });

  it('walks any depth JSON.parse accepts without overflowing the stack', () => {
    const deep = JSON.parse(`{"p":${'['.repeat(200_000)}${']'.repeat(200_000)}}`) as unknown;
    expect(tooDeepPath(deep, 64)).toBe('p.0.0.0.0.0…');
  });
});
