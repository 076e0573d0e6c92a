import { describe, expect, it } from 'vitest';
import { MAX_RETRY_DELAY_MS, parseRetryAfter, retryDelayMs } from '../../src/alerts/webhook-retry';

describe('webhook retry delays', () => {
  it('double from 30 s and stop at an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n) / 1000)).toEqual([30, 60, 120, 240, 480, 960, 1920]);
    expect(retryDelayMs(12)).toBe(MAX_RETRY_DELAY_MS);
  });

  it("honour a receiver's Retry-After when it is longer than the backoff, up to an hour", () => {
    expect(retryDelayMs(1, 600_000)).toBe(600_000);
    expect(retryDelayMs(3, 5_000)).toBe(120_000);
    expect(retryDelayMs(1, 86_400_000)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('read Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2031, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2031 12:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('Wed, 01 Jan 2031 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});
