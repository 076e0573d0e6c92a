import { parseRetryAfter } from './webhook-retry';
import { signatureHeaders } from './webhook-signature';

/** The outcome of one POST to a webhook; never throws. */
export interface WebhookAttempt {
  ok: boolean;
  /** Worth trying again later: network errors, timeouts, 408, 429 and 5xx. */
  retryable: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The receiver's Retry-After, in ms, when it sent a readable one. */
  retryAfterMs: number | null;
}

export interface WebhookMessage {
  url: string;
  /** JSON text, posted as is (retries send the same bytes). */
  body: string;
  /** Idempotency key for the receiver: the same on every retry of one message. */
  id: string;
  event: 'alert.fired' | 'alert.test' | 'audience.batch';
  /** The site's webhookSecret: adds `x-webhook-timestamp` and `x-webhook-signature: t=<ts>,v1=<hex>` (webhook-signature.ts). */
  secret?: string | undefined;
}

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const WEBHOOK_USER_AGENT = 'privacy-analytics-edge-webhooks/1';

export async function postWebhook(message: WebhookMessage, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<WebhookAttempt> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'x-webhook-id': message.id,
    'x-webhook-event': message.event,
  };
  const started = Date.now();
  if (message.secret) Object.assign(headers, signatureHeaders(message.secret, message.body, started));
  // Not AbortSignal.timeout: its timer would outlive the POST and keep the Durable Object busy (evictions wait on it).
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  try {
    // Redirects are not followed: an allow-listed URL must not send the data elsewhere.
    const response = await fetch(message.url, { method: 'POST', headers, body: message.body, redirect: 'manual', signal: timeout.signal });
    await response.body?.cancel();
    const durationMs = Date.now() - started;
    if (response.status >= 200 && response.status < 300) return { ok: true, retryable: false, status: response.status, error: null, durationMs, retryAfterMs: null };
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const error = response.status >= 300 && response.status < 400 ? `HTTP ${response.status}: redirects are not followed` : `HTTP ${response.status}`;
    return { ok: false, retryable, status: response.status, error, durationMs, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), started) };
  } catch (cause) {
    const error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return { ok: false, retryable: true, status: null, error: error.slice(0, 300), durationMs: Date.now() - started, retryAfterMs: null };
  } finally {
    clearTimeout(timer);
  }
}
