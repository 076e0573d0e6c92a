import { createExecutionContext, createScheduledController, env, runInDurableObject, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { vi } from 'vitest';
import { addCounts, countAccepted, type CountableRow, type MetricCounts } from '../../src/buffer/counters';
import worker from '../../src/index';
import { basicAuth, BROWSER_UA, EDGE } from '../helpers';
import { SINK_ORIGIN, type ReceivedWebhook } from './webhook-sink';
import { bufferOf } from '../../src/stubs';

export { SINK_ORIGIN };
export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;

export type Role = 'viewer' | 'read' | 'admin';

export function tokenOf(site: string, role: Role): string {
  return `${site}-${role}-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`;
}

export async function call(site: string, role: Role, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${tokenOf(site, role)}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await SELF.fetch(`${EDGE}/v1/sites/${site}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

/** What the fake webhook receiver got at /hooks/<name> (every attempt, with the status it answered). */
export async function received(name: string): Promise<ReceivedWebhook[]> {
  return (await fetch(`${SINK_ORIGIN}/__sink/${name}`)).json();
}

export function hookUrl(name: string, query = ''): string {
  return `${SINK_ORIGIN}/hooks/${name}${query}`;
}

/** Runs the worker's real cron handler as if it fired at `at`. */
export async function runCron(at: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at, cron: '*/5 * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Pretends the clock shows `at` everywhere in this isolate (the worker and its Durable Objects included). */
export function setClock(at: number): void {
  // Installing fake timers again would wrap Date once more on every call.
  if (!vi.isFakeTimers()) vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(at);
}

export function restoreClock(): void {
  vi.useRealTimers();
}

let ipCounter = 0;

/**
 * Sends messages to the real ingest endpoint with the site's write key, at the current (simulated)
 * time. It calls the worker's fetch handler directly: SELF.fetch in this pool version slows down
 * with every request made (about 0.1 ms more per earlier request), and a replayed day makes thousands.
 */
export async function ingestNow(site: string, messages: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 100) {
    ipCounter++;
    const request = new Request<unknown, IncomingRequestCfProperties>(`${EDGE}/v1/batch`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': BROWSER_UA,
        'cf-connecting-ip': `203.0.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`,
        authorization: basicAuth(`${site}-write-key`),
      },
      body: JSON.stringify({ batch: messages.slice(i, i + 100) }),
    });
    const res = await worker.fetch(request, env);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`ingest into ${site}: ${res.status} ${text}`);
  }
}

/** Writes counters straight through the buffer's counting function, minute by minute with the given times. */
export async function countDirectly(site: string, minutes: { at: number; rows: CountableRow[] }[], conversionEvents = ['Order Completed'], shard = 0): Promise<void> {
  await runInDurableObject(bufferOf(env, site, shard), (_instance, state) => {
    const events = new Set(conversionEvents);
    state.storage.transactionSync(() => {
      for (const { at, rows } of minutes) countAccepted(state.storage.sql, at, rows, events);
    });
  });
}

/** Writes arbitrary counters (any metric name) at the given times, straight into a buffer shard. */
export async function writeCounts(site: string, entries: { at: number; counts: MetricCounts }[], shard = 0): Promise<void> {
  await runInDurableObject(bufferOf(env, site, shard), (_instance, state) => {
    state.storage.transactionSync(() => {
      for (const { at, counts } of entries) addCounts(state.storage.sql, at, counts);
    });
  });
}

/** A deterministic pseudo-random generator (mulberry32). */
export function randomGenerator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson-distributed count (Knuth; fine for the small rates used here). */
export function poisson(rate: number, random: () => number): number {
  const limit = Math.exp(-rate);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

/** A 32-hex id standing for a hashed person id. */
export function hashedIdOf(n: number): string {
  const random = randomGenerator(n * 7919 + 17);
  return Array.from({ length: 4 }, () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0')).join('');
}
