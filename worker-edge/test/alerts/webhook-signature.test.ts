import { describe, expect, it } from 'vitest';
import { webhookSignature } from '../../src/alerts/webhook-signature';
import { verifyWebhook } from './verify-webhook';

describe('webhook signature', () => {
  it('is t=<ts>,v1=<HMAC-SHA256 of "<ts>.<body>">, which the documented check accepts for that body and time only', () => {
    const body = '{"type":"alert.fired"}';
    const signature = webhookSignature('a-secret-of-16-chars', body, 1_924_000_000);
    expect(signature).toBe(`t=1924000000,v1=${signature.slice(16)}`);
    const headers = { 'x-webhook-timestamp': '1924000000', 'x-webhook-signature': signature };
    expect(verifyWebhook('a-secret-of-16-chars', headers, body, 1_924_000_100)).toBe(true);
    expect(verifyWebhook('a-secret-of-16-chars', headers, `${body} `, 1_924_000_100)).toBe(false);
    expect(verifyWebhook('a-secret-of-16-chars', headers, body, 1_924_000_301)).toBe(false);
    expect(webhookSignature('a-secret-of-16-chars', body, 1_924_000_001)).not.toBe(signature);
  });
});
