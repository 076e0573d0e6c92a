import { describe, expect, it } from 'vitest';
import { QUALITY_FLAGS } from '../schema/event-columns';
import { INVALID_QUALITY_FLAGS } from './quality-gate';

describe('the quality gate', () => {
  it('matches invalid flags by substring exactly: no other flag name contains one', () => {
    for (const invalid of INVALID_QUALITY_FLAGS) {
      expect(Object.keys(QUALITY_FLAGS)).toContain(invalid);
      expect(Object.keys(QUALITY_FLAGS).filter((flag) => flag.includes(invalid))).toEqual([invalid]);
    }
  });
});
