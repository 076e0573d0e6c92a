/**
 * End-to-end: the browser tracker (GET /t.js) in Debian Chromium, on a test page served from another origin,
 * sending to a real `wrangler dev` edge. What arrives is checked by intercepting the requests in Playwright and,
 * at the end, by flushing the edge's buffers and reading the manifest and the Parquet files back.
 *
 * Needs /usr/bin/chromium (apt-get install -y chromium).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, REPO_ROOT, startLocalEdge, type LocalEdge } from '@privacy-analytics/scripts/harness';

interface PaApi {
  page(name?: unknown, props?: unknown): void;
  track(event: unknown, props?: unknown): void;
  identify(userId: unknown, traits?: unknown): void;
  reset(): void;
  flush(): Promise<void>;
}
declare global {
  interface Window {
    pa: PaApi;
  }
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Sent {
  /** which browser context (one per test) sent it */
  ctx: string;
  body: { batch: Json[]; sentAt: string; writeKey: string };
  resourceType: string;
  contentType: string | undefined;
  /** HTTP status once known (0: failed, undefined: not finished or not observable) */
  status?: number;
  answer?: Json;
  request: Request;
}

// Headless Chromium says "HeadlessChrome" in its User-Agent, which the edge (rightly) files as a bot.
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const CHROMIUM = process.env.PA_E2E_CHROMIUM ?? '/usr/bin/chromium';
const README = join(REPO_ROOT, 'worker-edge/src/ingest/tracker/README.md');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let edge: LocalEdge;
let site: Server;
let siteUrl: string;
let browser: Browser;
const sent: Sent[] = [];
let ctxCounter = 0;

/** Options for one test page, passed to the test site as ?cfg=<json>. */
interface PageCfg {
  /** extra data-* attributes on the tracker's script tag (without the data- prefix) */
  attrs?: Record<string, string>;
  /** include the documented stub snippet, followed by this inline script (calls made before t.js loads) */
  stubCalls?: string;
  title?: string;
}

/** Batches that reached the test site's own /v1/batch (a spy that forwards to the edge; used with data-api). */
const spied: Array<{ body: Sent['body']; contentType: string | undefined; fetchMode: string | undefined; status: number }> = [];

async function spyAndForward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const upstream = await fetch(`${edge.url}/v1/batch`, {
    method: 'POST',
    body: raw,
    headers: { 'content-type': req.headers['content-type'] ?? 'text/plain', 'user-agent': req.headers['user-agent'] ?? '' },
  });
  const answer = await upstream.text();
  spied.push({ body: JSON.parse(raw), contentType: req.headers['content-type'], fetchMode: req.headers['sec-fetch-mode'] as string | undefined, status: upstream.status });
  res.writeHead(upstream.status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(answer);
}

function startSite(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/v1/batch' && req.method === 'POST') {
      spyAndForward(req, res).catch((e: Error) => res.writeHead(502).end(e.message));
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end(); // not 404: Chromium would log that to the console
      return;
    }
    const cfg = JSON.parse(url.searchParams.get('cfg') ?? '{}') as PageCfg;
    const attrs = Object.entries({ 'write-key': DEMO.writeKey, ...cfg.attrs })
      .map(([k, v]) => ` data-${k}="${v.replace(/"/g, '&quot;')}"`)
      .join('');
    const stub = cfg.stubCalls !== undefined ? `${stubSnippet()}\n<script>${cfg.stubCalls}</script>` : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${cfg.title ?? 'Shop'}</title>
${stub}
<script defer src="${edge.url}/t.js"${attrs}></script>
</head><body><h1>test shop</h1></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** The stub snippet exactly as documented in the tracker's README. */
function stubSnippet(): string {
  const m = /<script>!function\(w,p\)[^\n]*<\/script>/.exec(readFileSync(README, 'utf8'));
  if (!m) throw new Error('stub snippet not found in README.md');
  return m[0];
}

const pageUrl = (path: string, cfg: PageCfg = {}) => `${siteUrl}${path}?cfg=${encodeURIComponent(JSON.stringify(cfg))}`;

async function newContext(init?: () => void): Promise<{ ctx: BrowserContext; id: string; page: Page; errors: Error[]; console: string[] }> {
  const id = `ctx${++ctxCounter}`;
  const ctx = await browser.newContext({ userAgent: USER_AGENT });
  if (init) await ctx.addInitScript(init);
  // A pass-through route: only with request interception on does Chromium hand Playwright the body of a
  // sendBeacon(Blob) request. (page.route handlers in the tests below take precedence over this one.)
  await ctx.route(`${edge.url}/v1/batch`, (route) => route.fallback());
  ctx.on('request', (request) => {
    if (request.method() !== 'POST' || request.url() !== `${edge.url}/v1/batch`) return;
    const raw = request.postData();
    if (!raw) return;
    sent.push({
      ctx: id,
      body: JSON.parse(raw),
      resourceType: request.resourceType(),
      contentType: request.headers()['content-type'],
      request,
    });
  });
  const finished = async (request: Request) => {
    const entry = sent.find((s) => s.request === request);
    if (!entry) return;
    const response = await request.response().catch(() => null);
    // the answer before the status: a waitFor on the status must find the answer there too
    if (response && response.status() === 200) entry.answer = await response.json().catch(() => undefined);
    entry.status = response ? response.status() : 0;
  };
  ctx.on('requestfinished', (r) => void finished(r));
  ctx.on('requestfailed', (r) => void finished(r));
  const page = await ctx.newPage();
  const errors: Error[] = [];
  const consoleLines: string[] = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  return { ctx, id, page, errors, console: consoleLines };
}

const messagesOf = (ctx: string, filter: (s: Sent) => boolean = () => true): Json[] =>
  sent.filter((s) => s.ctx === ctx && filter(s)).flatMap((s) => s.body.batch);

async function waitFor<T>(what: string, probe: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitForMessage = (ctx: string, what: string, match: (m: Json) => boolean, filter?: (s: Sent) => boolean) =>
  waitFor(what, () => messagesOf(ctx, filter).find(match));

beforeAll(async () => {
  edge = await startLocalEdge();
  site = await startSite();
  const addr = site.address();
  siteUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
  await edge?.stop();
});

describe('GET /t.js', () => {
  it('serves the built tracker as JavaScript, under 3 KB gzipped', async () => {
    const res = await fetch(`${edge.url}/t.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/javascript/);
    const text = await res.text();
    expect(text).toBe(readFileSync(join(REPO_ROOT, 'worker-edge/generated/tracker.min.js.txt'), 'utf8'));
    expect(text).toContain('/v1/batch');
    expect(gzipSync(text).length).toBeLessThan(3 * 1024);
    expect(gunzipSync(gzipSync(text)).toString()).toBe(text);
  });
});

describe('tracker in Chromium', () => {
  it('sends the first page view, track, identify and an SPA page view in Segment format', async () => {
    const { ctx, id, page, errors, console: consoleLines } = await newContext();
    await page.goto(pageUrl('/shop/', { title: 'Shop home' }));

    const first = await waitForMessage(id, 'first page view', (m) => m.type === 'page');
    expect(first).toMatchObject({
      type: 'page',
      properties: { path: '/shop/', title: 'Shop home', referrer: '' },
      context: {
        library: { name: 'pa.js' },
        page: { path: '/shop/', title: 'Shop home' },
        userAgent: USER_AGENT,
      },
    });
    expect(first.properties.url).toBe(pageUrl('/shop/', { title: 'Shop home' }));
    expect(first.properties.search).toMatch(/^\?cfg=/);
    expect(first.messageId).toMatch(UUID);
    expect(first.anonymousId).toMatch(UUID);
    expect(first.userId).toBeUndefined();
    expect(new Date(first.timestamp).toISOString()).toBe(first.timestamp);
    expect(typeof first.context.locale).toBe('string');
    expect(typeof first.context.timezone).toBe('string');
    expect(first.context.screen.width).toBeGreaterThan(0);
    expect(first.context.sessionId).toMatch(UUID);

    const envelope = sent.find((s) => s.ctx === id)!;
    expect(envelope.body.writeKey).toBe(DEMO.writeKey);
    expect(new Date(envelope.body.sentAt).toISOString()).toBe(envelope.body.sentAt);
    expect(envelope.contentType).toMatch(/^text\/plain/); // CORS-safelisted: no preflight
    expect(envelope.resourceType).toBe('fetch');

    await page.evaluate(() => {
      window.pa.track('Product Viewed', { product_id: 'p1' });
      window.pa.identify('user-1', { plan: 'pro' });
    });
    const tracked = await waitForMessage(id, 'track', (m) => m.type === 'track');
    expect(tracked).toMatchObject({ event: 'Product Viewed', properties: { product_id: 'p1' }, anonymousId: first.anonymousId });
    expect(tracked.context.sessionId).toBe(first.context.sessionId);
    const identified = await waitForMessage(id, 'identify', (m) => m.type === 'identify');
    expect(identified).toMatchObject({ userId: 'user-1', traits: { plan: 'pro' }, anonymousId: first.anonymousId });

    // SPA navigation: a page view with the new path, the previous URL as referrer, and the userId from now on
    await page.evaluate(() => {
      history.pushState({}, '', '/shop/item-1');
      document.title = 'Item 1';
    });
    const spa = await waitForMessage(id, 'SPA page view', (m) => m.type === 'page' && m.properties.path === '/shop/item-1');
    expect(spa).toMatchObject({ userId: 'user-1', properties: { url: `${siteUrl}/shop/item-1`, referrer: first.properties.url, title: 'Item 1', search: '' } });
    // replaceState to the same path is not a navigation
    await page.evaluate(() => history.replaceState({ x: 1 }, '', '/shop/item-1'));
    // history.back() (popstate) is
    await page.evaluate(() => history.back());
    await waitForMessage(id, 'popstate page view', (m) => m.type === 'page' && m.messageId !== first.messageId && m.properties.path === '/shop/');
    await sleep(1_500);
    expect(messagesOf(id).filter((m) => m.type === 'page').map((m) => m.properties.path)).toEqual(['/shop/', '/shop/item-1', '/shop/']);

    // the edge accepted every batch
    await waitFor('edge answers', () => sent.filter((s) => s.ctx === id).every((s) => s.status !== undefined));
    for (const s of sent.filter((x) => x.ctx === id)) {
      expect(s.status).toBe(200);
      expect(s.answer).toMatchObject({ rejected: [], bots: 0 });
    }
    expect(messagesOf(id).length).toBe(5);

    const stored = await page.evaluate(() => ({ aid: localStorage.getItem('pa_aid'), uid: localStorage.getItem('pa_uid'), q: localStorage.getItem('pa_q') }));
    expect(stored).toEqual({ aid: first.anonymousId, uid: 'user-1', q: null });
    expect(errors).toEqual([]);
    expect(consoleLines).toEqual([]); // no data-debug: silent
    await ctx.close();
  });

  it('replays calls queued by the documented stub snippet, with their original timestamps', async () => {
    const { ctx, id, page, errors } = await newContext();
    await page.goto(
      pageUrl('/early/', {
        stubCalls: "pa.identify('early-user',{plan:'free'});pa.track('Early Click',{n:1});window.__stubAt=Date.now();",
      }),
    );
    const early = await waitForMessage(id, 'replayed track', (m) => m.type === 'track' && m.event === 'Early Click');
    const pageView = await waitForMessage(id, 'auto page view', (m) => m.type === 'page');
    const identify = messagesOf(id).find((m) => m.type === 'identify');
    expect(identify).toMatchObject({ userId: 'early-user', traits: { plan: 'free' } });
    expect(early).toMatchObject({ userId: 'early-user', properties: { n: 1 } });
    expect(pageView.userId).toBe('early-user'); // queue replayed before the automatic page view
    const stubAt = await page.evaluate(() => (window as unknown as { __stubAt: number }).__stubAt);
    expect(Date.parse(early.timestamp)).toBeLessThanOrEqual(stubAt);
    expect(await page.evaluate(() => typeof (window.pa as unknown as { q?: unknown }).q)).toBe('undefined');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('flushes with sendBeacon (text/plain Blob) on pagehide', async () => {
    const { ctx, id, page } = await newContext();
    await page.goto(pageUrl('/beacon/'));
    await waitForMessage(id, 'first page view', (m) => m.type === 'page');

    // queued (the 1 s batch timer has not fired yet), then the page is hidden
    await page.evaluate(() => {
      window.pa.track('Before Hide');
      dispatchEvent(new Event('pagehide'));
    });
    const beacon = await waitFor('beacon', () => sent.find((s) => s.ctx === id && s.body.batch.some((m) => m.event === 'Before Hide')));
    expect(beacon.resourceType).toBe('ping'); // sendBeacon, not fetch
    expect(beacon.contentType).toBe('text/plain'); // the Blob's type: CORS-safelisted
    expect(beacon.body.writeKey).toBe(DEMO.writeKey);
    // sent once: the batch timer was cancelled
    await sleep(1_500);
    expect(messagesOf(id).filter((m) => m.event === 'Before Hide').length).toBe(1);
    await ctx.close();
  });

  it('flushes with sendBeacon when the page is closed (to the data-api host)', async () => {
    // Playwright loses sight of requests made while its page closes, so this page sends to the test site's own
    // /v1/batch spy (data-api), which records the batch and forwards it to the edge.
    const { ctx, page } = await newContext();
    await page.goto(pageUrl('/close/', { attrs: { api: siteUrl } }));
    await waitFor('first page view at the spy', () => spied.find((s) => s.body.batch.some((m) => m.properties?.path === '/close/')));
    // until the page view's answer is back, a new message would follow it at once with fetch(), not on close
    await page.waitForFunction(() => localStorage.getItem('pa_q') === null);
    await page.evaluate(() => window.pa.track('Before Close', { n: 2 }));
    await page.close();
    const closing = await waitFor('beacon on close', () => spied.find((s) => s.body.batch.some((m) => m.event === 'Before Close')));
    expect(closing.fetchMode).toBe('no-cors'); // a beacon (the tracker's fetch() is mode "cors")
    expect(closing.contentType).toBe('text/plain');
    expect(closing.status).toBe(200); // the edge accepted it
    const first = spied.find((s) => s.body.batch.some((m) => m.properties?.path === '/close/'))!;
    expect(first.fetchMode).toBe('cors');
    await ctx.close();
  });

  for (const [name, init] of [
    ['Global Privacy Control', () => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true })],
    ['Do-Not-Track', () => Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1', configurable: true })],
  ] as const) {
    it(`sends and stores nothing with ${name}`, async () => {
      const { ctx, id, page, errors } = await newContext(init);
      await page.goto(pageUrl('/private/'));
      await page.waitForFunction(() => typeof window.pa?.track === 'function' && !('q' in window.pa));
      await page.evaluate(async () => {
        window.pa.track('Should Not Send', { a: 1 });
        window.pa.identify('nobody');
        history.pushState({}, '', '/private/2');
        dispatchEvent(new Event('pagehide'));
        await window.pa.flush();
      });
      await sleep(2_000);
      expect(sent.filter((s) => s.ctx === id)).toEqual([]);
      expect(await page.evaluate(() => Object.keys(localStorage).concat(Object.keys(sessionStorage)))).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    });
  }

  it('stores nothing and sends no anonymousId/sessionId with data-cookieless="true"', async () => {
    const { ctx, id, page, console: consoleLines } = await newContext();
    await page.goto(pageUrl('/cookieless/', { attrs: { cookieless: 'true', debug: 'true' } }));
    const pv = await waitForMessage(id, 'page view', (m) => m.type === 'page');
    expect(pv.anonymousId).toBeUndefined();
    expect(pv.context.sessionId).toBeUndefined();
    expect(pv.messageId).toMatch(UUID);
    expect(await page.evaluate(() => Object.keys(localStorage).concat(Object.keys(sessionStorage)))).toEqual([]);
    expect(consoleLines.some((l) => l.startsWith('log: [pa] queue'))).toBe(true); // data-debug="true" logs
    await ctx.close();
  });

  it('works when storage throws and crypto.randomUUID is missing', async () => {
    const { ctx, id, page, errors } = await newContext(() => {
      for (const name of ['localStorage', 'sessionStorage']) {
        Object.defineProperty(window, name, {
          get() {
            throw new DOMException('blocked', 'SecurityError');
          },
        });
      }
      Object.defineProperty(Crypto.prototype, 'randomUUID', { value: undefined });
    });
    await page.goto(pageUrl('/no-storage/'));
    const pv = await waitForMessage(id, 'page view', (m) => m.type === 'page');
    expect(pv.messageId).toMatch(UUID); // getRandomValues fallback
    expect(pv.anonymousId).toMatch(UUID); // in memory only
    await page.evaluate(() => window.pa.track('No Storage'));
    const t = await waitForMessage(id, 'track', (m) => m.event === 'No Storage');
    expect(t.anonymousId).toBe(pv.anonymousId);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('never throws into the page (circular properties, bad arguments, throwing getters)', async () => {
    const { ctx, id, page, errors } = await newContext();
    await page.goto(pageUrl('/errors/'));
    await waitForMessage(id, 'page view', (m) => m.type === 'page');
    const results = await page.evaluate(() => {
      const out: string[] = [];
      const attempt = (label: string, f: () => unknown) => {
        try {
          f();
          out.push(`${label}: ok`);
        } catch (e) {
          out.push(`${label}: threw ${String(e)}`);
        }
      };
      const circular: Record<string, unknown> = { a: 1 };
      circular.self = circular;
      attempt('circular track', () => window.pa.track('Circular', circular));
      attempt('circular identify', () => window.pa.identify('u', circular));
      attempt('circular page', () => window.pa.page('P', circular));
      attempt('throwing getter', () =>
        window.pa.track('Getter', Object.defineProperty({}, 'x', { enumerable: true, get: () => { throw new Error('boom'); } })),
      );
      attempt('bigint', () => window.pa.track('BigInt', { n: BigInt(1) }));
      attempt('no event name', () => window.pa.track(undefined));
      attempt('symbol', () => window.pa.track(Symbol('x') as unknown as string));
      attempt('too large', () => window.pa.track('Huge', { s: 'x'.repeat(100_000) }));
      // an event handler path: a pagehide with nothing queued
      attempt('pagehide', () => dispatchEvent(new Event('pagehide')));
      window.pa.track('After Errors', { ok: true });
      return out;
    });
    expect(results.every((r) => r.endsWith(': ok'))).toBe(true);
    await waitForMessage(id, 'track after the errors', (m) => m.event === 'After Errors');
    await sleep(500);
    const events = messagesOf(id).filter((m) => m.type === 'track').map((m) => m.event);
    expect(events).toEqual(['After Errors']);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('retries after a 503 with backoff and delivers the same message', async () => {
    const { ctx, id, page } = await newContext();
    let calls = 0;
    await page.route(`${edge.url}/v1/batch`, async (route) => {
      if (++calls === 1) {
        await route.fulfill({ status: 503, headers: { 'access-control-allow-origin': '*' }, body: 'edge down' });
      } else {
        await route.continue();
      }
    });
    await page.goto(pageUrl('/retry/'));
    const failed = await waitFor('the 503', () => sent.find((s) => s.ctx === id && s.status === 503));
    const messageId = failed.body.batch[0]!.messageId as string;
    const failedAt = Date.now();
    // while backing off, the message is persisted for a reload
    const persisted = await page.evaluate(() => JSON.parse(localStorage.getItem('pa_q') ?? '[]') as Array<{ messageId: string }>);
    expect(persisted.map((m) => m.messageId)).toContain(messageId);

    const retried = await waitFor('the retry', () => sent.find((s) => s.ctx === id && s.status === 200 && s.body.batch.some((m) => m.messageId === messageId)));
    expect(Date.now() - failedAt).toBeGreaterThan(300); // waited (≈1 s ± jitter) before retrying
    expect(retried.answer).toMatchObject({ accepted: 1, rejected: [] });
    expect(await page.evaluate(() => localStorage.getItem('pa_q'))).toBeNull();
    await ctx.close();
  });

  it('keeps unsent messages across a reload (pa_q) and delivers them from the next page load', async () => {
    const { ctx, id, page } = await newContext();
    await page.route(`${edge.url}/v1/batch`, (route) =>
      route.fulfill({ status: 503, headers: { 'access-control-allow-origin': '*' }, body: 'edge down' }),
    );
    await page.goto(pageUrl('/offline/'));
    const failed = await waitFor('the 503', () => sent.find((s) => s.ctx === id && s.status === 503));
    const messageId = failed.body.batch[0]!.messageId as string;
    await page.evaluate(() => window.pa.track('Queued Offline'));
    await page.waitForFunction(() => (localStorage.getItem('pa_q') ?? '').includes('Queued Offline'));
    // Leave while the edge is still down. sendBeacon cannot report delivery, so make it unavailable (as when a
    // tab crashes or the beacon quota is used up): the persisted queue is what carries the messages over.
    await page.evaluate(() => {
      Object.defineProperty(navigator, 'sendBeacon', { value: () => false });
    });
    await page.goto('about:blank');
    await page.unrouteAll({ behavior: 'wait' });
    await page.goto(pageUrl('/offline/'));
    const delivered = await waitFor('the persisted message, delivered after the reload', () =>
      sent.find((s) => s.ctx === id && s.status === 200 && s.body.batch.some((m) => m.messageId === messageId)),
    );
    expect(delivered.answer?.rejected).toEqual([]);
    await waitForMessage(id, 'the persisted track', (m) => m.event === 'Queued Offline', (s) => s.status === 200);
    await page.waitForFunction(() => localStorage.getItem('pa_q') === null);
    await ctx.close();
  });

  it('drops (does not retry) a batch answered with a 4xx other than 429', async () => {
    const { ctx, id, page } = await newContext();
    await page.route(`${edge.url}/v1/batch`, (route) =>
      route.fulfill({ status: 400, headers: { 'access-control-allow-origin': '*', 'content-type': 'application/json' }, body: '{"error":"invalid_batch"}' }),
    );
    await page.goto(pageUrl('/bad/'));
    await waitFor('the 400', () => sent.find((s) => s.ctx === id && s.status === 400));
    await sleep(3_000);
    expect(sent.filter((s) => s.ctx === id).length).toBe(1);
    expect(await page.evaluate(() => localStorage.getItem('pa_q'))).toBeNull();
    await ctx.close();
  });
});

/**
 * READ-API CHECK — depends on the worker's flush / manifest / files routes (being written by the main engineer).
 * If the routes answer 404 the test is skipped with a note instead of failing; set PA_E2E_SKIP_READ_API=1 to
 * skip it outright. Runs last, against everything the tests above delivered to this edge.
 */
describe.skipIf(process.env.PA_E2E_SKIP_READ_API === '1')('edge read API: delivered events are stored (flush + manifest)', () => {
  it('flushes the demo site and finds the tracked events in the manifest and the Parquet files', async (testCtx) => {
    const accepted = sent.filter((s) => s.status === 200).reduce((n, s) => n + Number(s.answer?.accepted ?? 0), 0);
    expect(accepted).toBeGreaterThan(0);

    const flush = await fetch(`${edge.url}/v1/sites/${DEMO.site}/flush`, {
      method: 'POST',
      headers: { authorization: `Bearer ${DEMO.adminToken}` },
    });
    if (flush.status === 404) {
      testCtx.skip(`flush route not there yet (${await flush.text()})`);
      return;
    }
    expect(flush.status).toBe(200);
    await flush.arrayBuffer();

    const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}/manifest`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
    expect(res.status).toBe(200);
    const manifest = (await res.json()) as { files: Array<{ key: string; rows: number }>; totals: { rows: number; files: number } };
    // every message the edge answered as accepted (beacons' answers are not all observable, hence >=)
    expect(manifest.totals.rows).toBeGreaterThanOrEqual(accepted);
    expect(manifest.totals.files).toBeGreaterThan(0);

    // read the Parquet files back (ZSTD: DuckDB reads them)
    const dir = mkdtempSync(join(tmpdir(), 'pa-e2e-parquet-'));
    const paths: string[] = [];
    for (const [i, file] of manifest.files.entries()) {
      const r = await fetch(`${edge.url}/v1/sites/${DEMO.site}/files/${file.key.split('/').map(encodeURIComponent).join('/')}`, {
        headers: { authorization: `Bearer ${DEMO.readToken}` },
      });
      expect(r.status).toBe(200);
      const path = join(dir, `${i}.parquet`);
      writeFileSync(path, Buffer.from(await r.arrayBuffer()));
      paths.push(path);
    }
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const list = paths.map((p) => `'${p}'`).join(',');
    const rows = (
      await conn.runAndReadAll(`select type, event, page_path, product_id, library, user_id is not null as has_user from read_parquet([${list}])`)
    ).getRowObjectsJson() as Array<Record<string, unknown>>;
    conn.closeSync();
    expect(rows.length).toBe(manifest.totals.rows);
    expect(rows).toContainEqual(expect.objectContaining({ type: 'track', event: 'Product Viewed', product_id: 'p1', library: 'pa.js' }));
    expect(rows).toContainEqual(expect.objectContaining({ type: 'identify', has_user: true }));
    expect(rows).toContainEqual(expect.objectContaining({ type: 'page', page_path: '/shop/item-1', has_user: true }));
    expect(rows).toContainEqual(expect.objectContaining({ type: 'track', event: 'Before Close' })); // the close beacon
    expect(rows).toContainEqual(expect.objectContaining({ type: 'track', event: 'Queued Offline' })); // survived the reload
    expect(rows.filter((r) => r.event === 'Should Not Send')).toEqual([]);
  });
});
