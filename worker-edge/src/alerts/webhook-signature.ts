import { createHmac } from 'node:crypto';

/**
 * How every webhook the edge posts (alerts, audience batches) is signed, Stripe-style: the HMAC covers the timestamp
 * as well as the body, so a receiver that checks the timestamp against its clock can refuse a captured request
 * replayed later. Receiver side: docs/alerts-and-audiences.md, "Verifying a webhook".
 */
export const WEBHOOK_TIMESTAMP_HEADER = 'x-webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'x-webhook-signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>" under the site's webhookSecret>`. */
export function webhookSignature(secret: string, body: string, timestampSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${v1}`;
}

/** The two signature headers for a POST made at `now` (epoch ms); each attempt is signed afresh. */
export function signatureHeaders(secret: string, body: string, now: number): Record<string, string> {
  const timestampSeconds = Math.floor(now / 1000);
  return { [WEBHOOK_TIMESTAMP_HEADER]: String(timestampSeconds), [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, body, timestampSeconds) };
}
