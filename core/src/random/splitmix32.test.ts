import { describe, expect, it } from 'vitest';
import { hashInts, murmurSplitmix32, splitmix32 } from './splitmix32';

describe('splitmix32 variants', () => {
  it('keep their finalisers apart (pinned outputs)', () => {
    expect([splitmix32(0), splitmix32(1)]).toEqual([1684164658, 1580013426]);
    const murmur = murmurSplitmix32(0);
    expect([murmur(), murmur(), murmur(), murmur()]).toEqual([2462723854, 1020716019, 454327756, 1275600319]);
  });

  it('hashInts keeps large integers distinct', () => {
    expect(hashInts(2 ** 40)).not.toBe(hashInts(0));
    expect(hashInts(1, 2)).toBe(3118925703);
  });
});
