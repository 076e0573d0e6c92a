import { describe, expect, it } from 'vitest';
import { benchIdentityRelink, expectedRelinkPersons } from './identity-relink';

describe('identity re-link benchmark data', () => {
  it('builds the same table in both engines and the person map finds the persons its construction implies', async () => {
    const result = await benchIdentityRelink({ persons: 3000 });
    expect(result.rows).toBe(3000 * 2 + 1000 + 1500 + 500 + 1200);
    expect(result.stats.persons).toBe(expectedRelinkPersons(3000));
    // one offline order in 50 carries a counter phone shared by its store's members: those keys link nobody
    expect(result.stats.sharedContactKeys).toBeGreaterThan(0);
    // offline buyers (1,200) who logged in with their own phone (600, less 60 counter-phone orders) are linked
    expect(result.coverage.onlineOfflineLinkRate).toBeCloseTo(540 / 1200, 10);
  }, 120_000);
});
