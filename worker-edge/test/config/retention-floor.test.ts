import { describe, expect, it } from 'vitest';
import { loadSitesConfig } from '../../src/config/sites';
import { retentionFloor } from '../../src/lifecycle/retention-policy';

const STRONG = 'floor-test-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
const secrets = JSON.stringify({ shop: { writeKeys: ['shop-write-key'], hashKey: `hash-${STRONG}`, adminTokens: [STRONG] } });

describe('retention floor', () => {
  it('is three years unless configured, or the configured retention when that is lower', () => {
    expect(retentionFloor({})).toBe(1095);
    expect(retentionFloor({ retentionDays: 4000 })).toBe(1095);
    expect(retentionFloor({ retentionDays: 30 })).toBe(30);
    expect(retentionFloor({ retentionDays: 30, retentionFloorDays: 7 })).toBe(7);
    expect(retentionFloor({ retentionFloorDays: 2000 })).toBe(2000);
  });

  it('a configured retention below the configured floor is a configuration error', () => {
    expect(() => loadSitesConfig({ SITES: JSON.stringify({ shop: { retentionDays: 30, retentionFloorDays: 365 } }), SITE_SECRETS: secrets })).toThrow(
      /retentionDays \(30\) is below its retentionFloorDays \(365\)/,
    );
    expect(loadSitesConfig({ SITES: JSON.stringify({ shop: { retentionDays: 400, retentionFloorDays: 365 } }), SITE_SECRETS: secrets }).sites.get('shop')).toMatchObject({ retentionFloorDays: 365 });
  });
});
