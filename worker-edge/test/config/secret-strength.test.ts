import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { loadSitesConfig } from '../../src/config/sites';
import { estimatedSecretBits, secretWeakness } from '../../src/config/secret-strength';
import { errorResponse } from '../../src/http/http-error';

const STRONG = 'q3VtN8xK2pLr7ZcW5hYb1Fd9Gs4Jm6Ta0Re2Ux8Io3E'; // 43 base64url characters: 258 bits
const HEX = 'c0ffee4b1d2e3f405162738495a6b7c8d9eaf0b1c2d3e4f5a6b7c8d9e0f1a2b3';

function sitesWith(secrets: Record<string, unknown>) {
  return { SITES: '{}', SITE_SECRETS: JSON.stringify({ shop: { writeKeys: ['shop-write-key'], hashKey: STRONG, ...secrets } }) };
}

describe('secret strength', () => {
  it('passes 32 random bytes as base64, base64url and hex', () => {
    expect(secretWeakness(STRONG)).toBeNull();
    expect(secretWeakness(HEX)).toBeNull();
    expect(secretWeakness(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))))).toBeNull();
  });

  it('refuses short, low-alphabet and repetitive secrets, and says why without quoting them', () => {
    expect(secretWeakness('changeme')).toMatch(/has 8 characters; at least 43/);
    expect(secretWeakness(HEX.slice(0, 40))).toMatch(/has 40 characters; at least 43/);
    expect(secretWeakness(HEX.slice(0, 48))).toMatch(/about 192 bits/);
    expect(estimatedSecretBits(HEX.slice(0, 60))).toBe(240);
    expect(secretWeakness(HEX.slice(0, 60))).toMatch(/about 240 bits; at least 256/);
    expect(secretWeakness('a'.repeat(30) + STRONG.slice(0, 20))).toMatch(/repeats one character 30 times/);
    for (const weak of ['changeme', 'a'.repeat(64)]) expect(secretWeakness(weak)).not.toContain(weak);
  });

  it('the edge refuses weak tokens and hash keys, and a token equal to a write key, naming the field', () => {
    expect(() => loadSitesConfig(sitesWith({ hashKey: 'short-hash-key' }))).toThrow(/site "shop" hashKey is too weak: it has 14 characters/);
    expect(() => loadSitesConfig(sitesWith({ readTokens: [STRONG, 'password1'] }))).toThrow(/site "shop" readTokens\[1\] is too weak/);
    expect(() => loadSitesConfig(sitesWith({ adminTokens: ['x'.repeat(60)] }))).toThrow(/adminTokens\[0\] is too weak/);
    const writeKey = HEX;
    const sameAsWriteKey = { SITES: '{}', SITE_SECRETS: JSON.stringify({ shop: { writeKeys: [writeKey], hashKey: STRONG, viewerTokens: [writeKey] } }) };
    expect(() => loadSitesConfig(sameAsWriteKey)).toThrow(/viewerTokens\[0\] equals a write key of site "shop"/);
    expect(() => loadSitesConfig(sitesWith({ readTokens: [STRONG], adminTokens: [HEX] }))).not.toThrow();
  });

  it('a refused configuration answers 503 edge_misconfigured, not the reason (that goes to the logs)', async () => {
    let error: unknown;
    try {
      loadSitesConfig(sitesWith({ hashKey: 'short-hash-key' }));
    } catch (caught) {
      error = caught;
    }
    const response = errorResponse(error);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('edge_misconfigured');
    expect(body.message).not.toContain('hashKey');
  });

  it('the test configuration itself passes', () => {
    expect(() => loadSitesConfig(env)).not.toThrow();
  });
});
