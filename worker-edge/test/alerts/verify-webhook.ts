import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The receiver's check as docs/alerts-and-audiences.md ("Verifying a webhook") gives it, with the clock passed in
 * and TextEncoder for Node's Buffer: the signature must cover this timestamp and this body, and the timestamp must be within
 * `toleranceSeconds` of `nowSeconds` (a replayed request is older).
 */
export function verifyWebhook(secret: string, headers: Record<string, string | undefined>, rawBody: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const timestamp = headers['x-webhook-timestamp'] ?? '';
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers['x-webhook-signature'] ?? '');
  if (!match || match[1] !== timestamp) return false;
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return timingSafeEqual(new TextEncoder().encode(expected), new TextEncoder().encode(match[2]!));
}
