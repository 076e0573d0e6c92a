/**
 * A fake webhook receiver for the worker tests, run by Miniflare as the outbound service (Node
 * side): every fetch() the worker makes lands here, so alert and audience deliveries go through
 * the real postWebhook code. Paths under /hooks/ record each request; `?fail=N` answers 503 to the
 * first N requests of that URL, `?status=N` always answers N. GET /__sink/<name> lists what
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
  const status = fixed !== null ? Number(fixed) : served < failFirst ? 503 : 200;
  if (status === 503) failuresServed.set(url.href, served + 1);
  const list = received.get(url.pathname) ?? [];
  list.push({ url: url.href, status, headers: Object.fromEntries(request.headers), body: await request.text() });
  received.set(url.pathname, list);
  return new Response(status < 300 ? 'ok' : 'failed', { status, headers: status >= 300 && status < 400 ? { location: 'https://elsewhere.example/' } : {} });
}
