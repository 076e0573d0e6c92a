/**
 * When a failed webhook POST is tried again (alerts and audience batches alike): 30 s after the first attempt, then
 * doubling (1, 2, 4, 8, 16, 32 minutes), never more than an hour. A receiver's Retry-After (429, 503) is honoured
 * when it asks for longer, up to the same hour, so a receiver cannot park a delivery for days.
 */
export const FIRST_RETRY_DELAY_MS = 30_000;
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

export function retryDelayMs(attemptsMade: number, retryAfterMs: number | null = null): number {
  const backoff = Math.min(FIRST_RETRY_DELAY_MS * 2 ** (attemptsMade - 1), MAX_RETRY_DELAY_MS);
  return retryAfterMs === null ? backoff : Math.min(Math.max(backoff, retryAfterMs), MAX_RETRY_DELAY_MS);
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
