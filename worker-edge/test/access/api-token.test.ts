import { describe, expect, it } from 'vitest';
import { hexToBytes, newApiToken, newTokenId, parseApiToken, sameHash, tokenHash, tokenHashHex } from '../../src/access/api-token';

describe('API tokens', () => {
  it('carry their site and id, and parse back', () => {
    const id = newTokenId();
    const token = newApiToken('demo', id);
    expect(token).toMatch(/^pat\.demo\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(parseApiToken(token)).toEqual({ site: 'demo', id });
  });

  it('are unique', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => newApiToken('demo', newTokenId())));
    expect(tokens.size).toBe(200);
  });

  it('refuse malformed shapes', () => {
    const good = newApiToken('demo', newTokenId());
    for (const bad of [good.slice(0, -1), `${good}x`, good.replace('pat.', 'pat:'), 'pat.demo.123.abc', 'pat.DEMO.0123456789abcdef.' + 'a'.repeat(43)]) {
      expect(parseApiToken(bad), bad).toBeNull();
    }
  });

  it('compare SHA-256 digests in full', async () => {
    const a = await tokenHash('pat.demo.0123456789abcdef.x');
    const b = await tokenHash('pat.demo.0123456789abcdef.y');
    expect(sameHash(a, a.slice())).toBe(true);
    expect(sameHash(a, b)).toBe(false);
    expect(sameHash(a, a.slice(0, 16))).toBe(false);
    expect(hexToBytes(await tokenHashHex('x'))).toEqual(await tokenHash('x'));
  });
});
