/**
 * A fake webhook receiver for the worker tests, run by Miniflare as the outbound service (Node
 * side): every fetch() the worker makes lands here, so alert and audience deliveries go through
 * the real postWebhook code. Paths under /hooks/ record each request; `?fail=N` answers 503 (or
 * `failStatus`) to the first N requests of that URL, `?status=N` always answers N, `?retryAfter=S`
 * adds `Retry-After: S` to failures. GET /__sink/<name> lists what
 * /hooks/<name> received, DELETE clears it. Anything else answers 502, as if offline.
 */
export const SINK_ORIGIN = 'http://127.0.0.1:8788';

export interface ReceivedWebhook {
  url: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

const received = new Map<string, ReceivedWebhook[]>();
const failuresServed = new Map<string, number>();

export async function webhookSink(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (url.origin !== SINK_ORIGIN) return new Response(`no network in tests (${url.origin})`, { status: 502 });
  const sinkName = /^\/__sink\/(.+)$/.exec(url.pathname)?.[1];
  if (sinkName !== undefined) {
    const key = `/hooks/${sinkName}`;
    if (request.method === 'DELETE') received.delete(key);
    return Response.json(received.get(key) ?? []);
  }
  if (!url.pathname.startsWith('/hooks/')) return new Response('not found', { status: 404 });
  const served = failuresServed.get(url.href) ?? 0;
  const failFirst = Number(url.searchParams.get('fail') ?? '0');
  const fixed = url.searchParams.get('status');
  const failing = served < failFirst;
  const status = fixed !== null ? Number(fixed) : failing ? Number(url.searchParams.get('failStatus') ?? '503') : 200;
  if (fixed === null && failing) failuresServed.set(url.href, served + 1);
  const retryAfter = url.searchParams.get('retryAfter');
  const list = received.get(url.pathname) ?? [];
  list.push({ url: url.href, status, headers: Object.fromEntries(request.headers), body: await request.text() });
  received.set(url.pathname, list);
  const headers: Record<string, string> = status >= 300 && status < 400 ? { location: 'https://elsewhere.example/' } : {};
  if (retryAfter !== null && status >= 400) headers['retry-after'] = retryAfter;
  return new Response(status < 300 ? 'ok' : 'failed', { status, headers });
}
