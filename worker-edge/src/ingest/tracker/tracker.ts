/**
 * pa.js: first-party browser tracker for the edge collector (Segment HTTP Tracking API compatible).
 * Built by scripts/build-tracker.mjs (esbuild, minified IIFE, es2017) into worker-edge/generated/tracker.min.js.txt
 * and served by the worker at GET /t.js.
 *
 * Install:
 *   <script defer src="https://EDGE/t.js" data-write-key="KEY"></script>
 *
 * Optional attributes on that <script> tag:
 *   data-api="https://host"   API origin (default: the origin of the script's own src)
 *   data-spa="false"          no page views on history.pushState/replaceState/popstate
 *   data-hash="true"          also count hash changes as navigations
 *   data-auto-page="false"    no automatic page view on load
 *   data-cookieless="true"    store nothing (no anonymousId/sessionId/queue); the edge derives a daily-salted id
 *   data-debug="true"         log to the console (otherwise the tracker is silent)
 *
 * Stub snippet (optional, place it BEFORE the tag above) so calls made before t.js has loaded are queued
 * and replayed, with their original timestamps:
 *
 *   <script>!function(w,p){p=w.pa=w.pa||{q:[]};["page","track","identify","reset","flush"].forEach(function(m){p[m]=p[m]||function(){p.q.push([m,arguments,new Date().toISOString()])}})}(window)</script>
 *
 * Each queued entry is `[method, argumentsLike, isoTimestamp?]`; the bare `window.pa={q:[]}` form with
 * hand-pushed `pa.q.push(['track','Signup',{plan:'pro'}])` entries works too. The queue is replayed in order,
 * then the automatic page view is sent (so a queued identify() applies to it). If you call pa.page() yourself
 * on load, set data-auto-page="false" to avoid two page views.
 *
 * Public API (window.pa): page(name?, props?), track(event, props?), identify(userId, traits?), reset(), flush().
 * No call ever throws into the host page; flush() returns a Promise that always resolves.
 *
 * Privacy: with Do-Not-Track or Global Privacy Control on, nothing is sent and nothing is stored.
 *
 * Storage (never in cookieless / opted-out mode): localStorage pa_aid (anonymousId), pa_uid (userId),
 * pa_q (unsent messages, at most 200, replayed on the next load; duplicates possible after a crash or an
 * unload mid-request: dedupe on messageId), sessionStorage (or localStorage if unavailable) pa_sid
 * ("<id>.<lastActivityMs>", 30 min inactivity timeout).
 *
 * This file deliberately does not depend on the DOM lib's global declarations (it is also part of the worker's
 * TypeScript program, which has the Workers types instead): browser globals are reached through the minimal
 * `W` interface below. It is type-checked with the DOM lib by ./tsconfig.json too.
 */
export {};

const VERSION = '1.0.0';
const BATCH = 20;
const FLUSH_MS = 1000;
const MAX_ATTEMPTS = 8;
const MAX_STORED = 200;
const MAX_MSG_BYTES = 32 * 1024;
const SESSION_MS = 30 * 60 * 1000;
const K_AID = 'pa_aid';
const K_UID = 'pa_uid';
const K_Q = 'pa_q';
const K_SID = 'pa_sid';

type Props = Record<string, unknown>;
type Msg = Record<string, unknown> & { messageId: string };
type Store = { getItem(k: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void };
type Fn = (a?: unknown, b?: unknown, ts?: string) => unknown;
type Stub = { q?: ArrayLike<unknown>[] } & Record<string, unknown>;

/** The browser globals the tracker uses (a subset of the DOM's Window). */
interface W {
  pa?: Stub;
  document: {
    currentScript: { getAttribute(n: string): string | null; src?: string } | null;
    querySelector(s: string): { getAttribute(n: string): string | null; src?: string } | null;
    referrer: string;
    title: string;
    visibilityState: string;
  };
  location: { href: string; pathname: string; search: string; hash: string };
  history: Record<'pushState' | 'replaceState', (...a: unknown[]) => unknown>;
  navigator: {
    userAgent: string;
    language?: string;
    doNotTrack?: string | null;
    msDoNotTrack?: string;
    globalPrivacyControl?: boolean;
    sendBeacon?(url: string, data: Blob): boolean;
  };
  screen?: { width: number; height: number };
  doNotTrack?: string;
  crypto?: { randomUUID?(): string; getRandomValues?(a: Uint8Array): Uint8Array };
  localStorage: Store;
  sessionStorage: Store;
  addEventListener(t: string, f: () => void, o?: boolean): void;
  console: { log(...a: unknown[]): void };
  fetch(url: string, init: object): Promise<{ status: number }>;
}

const w = globalThis as unknown as W;
const d = w.document;
const nav = w.navigator;

const script = d.currentScript || d.querySelector('script[data-write-key]');
const attr = (n: string): string | null => (script ? script.getAttribute('data-' + n) : null);
const debug = attr('debug') === 'true';
const log = (...a: unknown[]): void => {
  if (debug) {
    try {
      w.console.log('[pa]', ...a);
    } catch (e) {
      /* ignore */
    }
  }
};

/** Run fn, swallowing (and in debug mode logging) anything it throws. */
function safe<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R | undefined {
  return (...a: A) => {
    try {
      return fn(...a);
    } catch (e) {
      log('error', e);
      return undefined;
    }
  };
}

const dnt = (v: unknown): boolean => v === '1' || v === 'yes';
const optedOut = dnt(nav.doNotTrack) || dnt(w.doNotTrack) || dnt(nav.msDoNotTrack) || nav.globalPrivacyControl === true;
const persist = !optedOut && attr('cookieless') !== 'true';
const hashMode = attr('hash') === 'true';

function storage(name: 'localStorage' | 'sessionStorage'): Store | null {
  try {
    const s = w[name];
    s.getItem(K_AID);
    return s;
  } catch (e) {
    return null;
  }
}
const ls = persist ? storage('localStorage') : null;
const ss = persist ? storage('sessionStorage') || ls : null;
const get = (s: Store | null, k: string): string | null => {
  try {
    return s ? s.getItem(k) : null;
  } catch (e) {
    return null;
  }
};
const set = (s: Store | null, k: string, v: string | null): void => {
  try {
    if (s) v === null ? s.removeItem(k) : s.setItem(k, v);
  } catch (e) {
    /* quota, private mode: ignore */
  }
};

function uuid(): string {
  const c = w.crypto;
  try {
    if (c && c.randomUUID) return c.randomUUID();
  } catch (e) {
    /* insecure context */
  }
  const b = new Uint8Array(16);
  try {
    c!.getRandomValues!(b);
  } catch (e) {
    for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  }
  b[6] = (b[6]! & 15) | 64;
  b[8] = (b[8]! & 63) | 128;
  let h = '';
  for (let i = 0; i < 16; i++) h += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + (b[i]! + 256).toString(16).slice(1);
  return h;
}

const writeKey = attr('write-key') || '';
let api = attr('api') || '';
try {
  api = (api || new URL(script && script.src ? script.src : '').origin).replace(/\/+$/, '');
} catch (e) {
  /* no usable src: api stays '' and nothing can be sent */
}
const endpoint = api + '/v1/batch';

let anonymousId: string | null = null;
if (persist) {
  anonymousId = get(ls, K_AID);
  if (!anonymousId) set(ls, K_AID, (anonymousId = uuid()));
}
let userId: string | null = get(ls, K_UID);

function sessionId(): string | undefined {
  if (!persist) return undefined;
  const now = Date.now();
  const cur = (get(ss, K_SID) || '').split('.');
  const id = cur[0] && now - Number(cur[1]) < SESSION_MS ? cur[0] : uuid();
  set(ss, K_SID, id + '.' + now);
  return id;
}

// ---- page context --------------------------------------------------------------------------------------
const locKey = (): string => w.location.pathname + (hashMode ? w.location.hash : '');
let lastKey = locKey();
let lastUrl = '';
function pageInfo(): Props {
  const l = w.location;
  return {
    path: l.pathname,
    url: hashMode ? l.href : l.href.split('#')[0],
    referrer: lastUrl || d.referrer,
    title: d.title,
    search: l.search,
  };
}

let tz: string | undefined;
try {
  tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
} catch (e) {
  /* ignore */
}

const obj = (v: unknown): Props => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Props) : {});

// ---- queue and transport -------------------------------------------------------------------------------
let queue: Msg[] = [];
let inflight: Msg[] = [];
let fails = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let sending: Promise<void> | null = null;
/** messageIds this tab has taken over (from pa_q) or created; used to merge pa_q with other tabs. */
const owned: Record<string, 1> = {};

function save(): void {
  if (!ls) return;
  let stored: Msg[] = [];
  try {
    stored = JSON.parse(get(ls, K_Q) || '[]') as Msg[];
  } catch (e) {
    /* corrupt */
  }
  const all = stored.filter((m) => m && !owned[m.messageId]).concat(inflight, queue).slice(-MAX_STORED);
  set(ls, K_Q, all.length ? JSON.stringify(all) : null);
}

function schedule(ms: number): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(safe(send), ms);
}

function body(batch: Msg[]): string {
  return JSON.stringify({ batch, sentAt: new Date().toISOString(), writeKey });
}

function done(status: number): void {
  const batch = inflight;
  inflight = [];
  if (status === 0 || status === 429 || status >= 500) {
    // retryable: back off (jittered, 1 s, 2 s, 4 s ... capped at 30 s), give up on this batch after MAX_ATTEMPTS
    if (++fails >= MAX_ATTEMPTS) {
      log('dropping after retries', batch.length);
      fails = 0;
    } else queue = batch.concat(queue);
    save();
    const base = Math.min(30000, FLUSH_MS * 2 ** (fails - 1 < 0 ? 0 : fails - 1));
    schedule(Math.min(30000, base * (0.5 + Math.random())));
    return;
  }
  if (status >= 300) log('dropped, status', status, batch.length);
  fails = 0;
  save();
  if (queue.length) schedule(0);
}

function send(): Promise<void> {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (sending) return sending;
  if (!queue.length || !api || !writeKey) return Promise.resolve();
  inflight = queue.splice(0, BATCH);
  const b = body(inflight);
  log('send', inflight);
  const p = w.fetch(endpoint, {
    method: 'POST',
    body: b,
    headers: { 'Content-Type': 'text/plain' },
    // keepalive bodies are limited to 64 KiB (UTF-8 bytes; a UTF-16 unit is at most 3 of them)
    keepalive: b.length < 20000,
    credentials: 'omit',
  })
    .then(
      (r) => r.status,
      () => 0,
    )
    .then(safe(done))
    .then(() => {
      sending = null;
    });
  sending = p;
  return p;
}

/** Page is going away (or hidden): hand everything not in flight to sendBeacon. */
function beacon(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = undefined;
  if (!api || !writeKey) return;
  while (queue.length) {
    const chunk = queue.slice(0, BATCH);
    let ok = false;
    try {
      ok = !!nav.sendBeacon && nav.sendBeacon(endpoint, new Blob([body(chunk)], { type: 'text/plain' }));
    } catch (e) {
      /* ignore */
    }
    if (!ok) break;
    log('beacon', chunk);
    queue.splice(0, chunk.length);
  }
  save();
  if (queue.length && !sending) send();
}

function enqueue(type: string, fields: Props, props: Props, ts?: string): void {
  if (optedOut) return;
  const context: Props = {
    library: { name: 'pa.js', version: VERSION },
    page: pageInfo(),
    userAgent: nav.userAgent,
    locale: nav.language,
    screen: w.screen ? { width: w.screen.width, height: w.screen.height } : undefined,
    timezone: tz,
    sessionId: sessionId(),
  };
  // Object.assign, not spread: object spread is ES2018 and would pull in esbuild helpers at target es2017
  const m = Object.assign(
    { type, messageId: uuid(), timestamp: ts || new Date().toISOString(), anonymousId: anonymousId || undefined, userId: userId || undefined },
    fields,
    { properties: props, context },
  ) as Msg;
  if (type === 'identify') delete m.properties;
  // JSON.stringify throws on circular structures and BigInt: the caller's safe() swallows it
  if (new Blob([JSON.stringify(m)]).size > MAX_MSG_BYTES) return log('message too large, dropped', type);
  owned[m.messageId] = 1;
  queue.push(m);
  log('queue', m);
  save();
  if (queue.length >= BATCH && !fails) send();
  else if (timer === undefined) schedule(FLUSH_MS);
}

// ---- public API ----------------------------------------------------------------------------------------
function page(name?: unknown, props?: unknown, ts?: string): void {
  if (name && typeof name === 'object') {
    props = name;
    name = undefined;
  }
  lastKey = locKey();
  const info = pageInfo();
  enqueue('page', typeof name === 'string' ? { name } : {}, Object.assign({}, info, obj(props)), ts);
  lastUrl = info.url as string;
}

function track(event: unknown, props?: unknown, ts?: string): void {
  if (typeof event !== 'string' || !event) return log('track: event name required');
  enqueue('track', { event }, obj(props), ts);
}

function identify(id: unknown, traits?: unknown, ts?: string): void {
  if (id && typeof id === 'object') {
    traits = id;
    id = undefined;
  }
  if (id !== undefined && id !== null && id !== '') {
    userId = String(id);
    set(ls, K_UID, userId);
  }
  const m: Props = { traits: obj(traits) };
  enqueue('identify', m, {}, ts);
}

function reset(): void {
  userId = null;
  set(ls, K_UID, null);
  set(ss, K_SID, null);
  if (persist) set(ls, K_AID, (anonymousId = uuid()));
}

const api_: Record<string, Fn> = {
  page,
  track,
  identify,
  reset,
  flush: () => send(),
};

const pa: Record<string, unknown> = { version: VERSION };
for (const k in api_) {
  const f = safe(api_[k]!);
  // never throws; only the documented two arguments are passed on; flush() always resolves
  pa[k] = k === 'flush' ? () => f() || Promise.resolve() : (a?: unknown, b?: unknown) => void f(a, b);
}

const init = safe(() => {
  const stub = w.pa;
  if (stub && stub.version) return; // t.js included twice
  w.pa = pa;
  if (optedOut) return log('Do-Not-Track / Global Privacy Control: tracking disabled');
  if (!writeKey) log('missing data-write-key');

  // messages left unsent by a previous page load
  if (ls) {
    try {
      const old = JSON.parse(get(ls, K_Q) || '[]') as Msg[];
      if (Array.isArray(old) && old.length) {
        for (const m of old) if (m && typeof m.messageId === 'string') owned[m.messageId] = 1;
        queue = old.filter((m) => m && typeof m.messageId === 'string');
        schedule(FLUSH_MS);
      }
    } catch (e) {
      /* ignore */
    }
  }

  // replay calls queued by the stub
  const q = stub && stub.q;
  if (q && q.length) {
    for (let i = 0; i < q.length; i++) {
      safe(() => {
        const e = q[i]!;
        const f = api_[e[0] as string];
        const a = e[1];
        // stub form [method, arguments, isoTimestamp] or hand-pushed [method, arg1, arg2]
        const isArgs = Array.isArray(a) || Object.prototype.toString.call(a) === '[object Arguments]';
        const args = isArgs ? (a as unknown[]) : [a, e[2]];
        const ts = isArgs && typeof e[2] === 'string' ? e[2] : undefined;
        if (f === page || f === track || f === identify) f(args[0], args[1], ts);
        else if (f) f();
      })();
    }
  }

  if (attr('auto-page') !== 'false') page();

  const on = (t: string, f: () => void): void => w.addEventListener(t, safe(f), true);
  on('visibilitychange', () => {
    if (d.visibilityState === 'hidden') beacon();
  });
  on('pagehide', beacon);
  on('online', () => {
    if (queue.length && !sending) send();
  });

  if (attr('spa') !== 'false') {
    const check = safe(() => {
      if (locKey() !== lastKey) page();
    });
    // deferred so the app can update document.title first; also coalesces replaceState right after pushState
    const navigated = (): void => void setTimeout(check, 0);
    const h = w.history;
    for (const k of ['pushState', 'replaceState'] as const) {
      const orig = h[k];
      if (typeof orig !== 'function') continue;
      h[k] = function (this: unknown, ...a: unknown[]) {
        const r = orig.apply(this, a);
        safe(navigated)();
        return r;
      };
    }
    on('popstate', navigated);
    if (hashMode) on('hashchange', navigated);
  }
});
init();
