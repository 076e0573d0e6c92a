import { env, SELF } from 'cloudflare:test';
import { tableFromIPC } from '@uwdata/flechette';
import * as parquetWasm from 'parquet-wasm/esm/parquet_wasm.js';
import type { EventRow } from '@privacy-analytics/core/schema';
import { parquetForWorkers } from '../src/storage/parquet-wasm-workers';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';

export const EDGE = 'https://edge.test';
export const WRITE_KEY = 'demo-write-key';
export const READ_TOKEN = 'demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';
export const ADMIN_TOKEN = 'demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G';

let ipCounter = 0;
/** A fresh client address per call, so the rate limiter only trips where a test wants it to. */
export function nextIp(): string {
  ipCounter++;
  return `198.51.${Math.floor(ipCounter / 250) % 250}.${(ipCounter % 250) + 1}`;
}

export const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export function basicAuth(writeKey: string): string {
  return `Basic ${btoa(`${writeKey}:`)}`;
}

export async function post(path: string, body: unknown, init: { writeKey?: string | null; headers?: Record<string, string>; ip?: string } = {}) {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': BROWSER_UA,
    'cf-connecting-ip': init.ip ?? nextIp(),
    ...init.headers,
  };
  const writeKey = init.writeKey === undefined ? WRITE_KEY : init.writeKey;
  if (writeKey) headers.authorization = basicAuth(writeKey);
  // A string or bytes is sent as it is (raw JSON text, bytes that are not UTF-8); anything else as JSON.
  return SELF.fetch(`${EDGE}${path}`, { method: 'POST', headers, body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) });
}

let messageCounter = 0;
export function trackMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  messageCounter++;
  return {
    type: 'track',
    event: 'Product Viewed',
    messageId: `msg-${Date.now()}-${messageCounter}-${Math.random().toString(36).slice(2)}`,
    anonymousId: `anon-${messageCounter}`,
    timestamp: new Date().toISOString(),
    properties: { product_id: 'p-1', price: 9.5 },
    context: { userAgent: BROWSER_UA },
    ...overrides,
  };
}

export async function flush(site = 'demo', token = ADMIN_TOKEN) {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${site}/flush`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`flush failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { files: ManifestEntry[]; rows: number };
}

export async function manifest(site = 'demo', query = '', token = READ_TOKEN) {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${site}/manifest${query}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`manifest failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as { files: ManifestEntry[]; totals: { rows: number } };
}

export function decodeParquet(bytes: Uint8Array): EventRow[] {
  parquetForWorkers();
  const table = parquetWasm.readParquet(bytes);
  const arrow = tableFromIPC(table.intoIPCStream(), { useDate: false, useBigInt: false });
  return arrow.toArray() as unknown as EventRow[];
}

/** Every row of a site, read back through R2 directly (not through the API under test). */
export async function readStoredRows(site = 'demo'): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.EVENTS.list({ prefix: `events/site=${site}/`, cursor });
    for (const object of page.objects) {
      const body = await env.EVENTS.get(object.key);
      rows.push(...decodeParquet(new Uint8Array(await body!.arrayBuffer())));
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return rows;
}
