import { createHmac } from 'node:crypto';

/** The outcome of one POST to a webhook; never throws. */
export interface WebhookAttempt {
  ok: boolean;
  /** Worth trying again later: network errors, timeouts, 408, 429 and 5xx. */
  retryable: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookMessage {
  url: string;
  /** JSON text, posted as is (retries send the same bytes). */
  body: string;
  /** Idempotency key for the receiver: the same on every retry of one message. */
  id: string;
  event: 'alert.fired' | 'audience.batch';
  /** The site's webhookSecret: adds `x-webhook-signature: sha256=<hex HMAC-SHA256 of the body>`. */
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
  if (message.secret) headers['x-webhook-signature'] = `sha256=${createHmac('sha256', message.secret).update(message.body).digest('hex')}`;
  const started = Date.now();
  try {
    // Redirects are not followed: an allow-listed URL must not send the data elsewhere.
    const response = await fetch(message.url, { method: 'POST', headers, body: message.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    const durationMs = Date.now() - started;
    if (response.status >= 200 && response.status < 300) return { ok: true, retryable: false, status: response.status, error: null, durationMs };
    const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
    const error = response.status >= 300 && response.status < 400 ? `HTTP ${response.status}: redirects are not followed` : `HTTP ${response.status}`;
    return { ok: false, retryable, status: response.status, error, durationMs };
  } catch (cause) {
    const error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return { ok: false, retryable: true, status: null, error: error.slice(0, 300), durationMs: Date.now() - started };
  }
}
