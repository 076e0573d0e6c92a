/**
 * Test support shared by the analytics and CLI tests: hand-built event rows and loading them into
 * either engine through the edge's own Parquet writer (so tests also exercise the load path).
 */
import { rowsOf } from '../ingest/messages-to-rows';
import { identityHasher } from '../privacy/keyed-hash';
import { SCHEMA_VERSION, type EventRow } from '../schema/event-columns';
import { buildPersonMap } from '../analytics/identity';
import { generateDemoEvents } from '../demo-data/generate';
import type { EventStore } from '../connectors/node/event-store';
import { encodeRows } from '../connectors/node/encode-rows';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';

let sequence = 0;

export type EventInput = Partial<Omit<EventRow, 'timestamp' | 'properties'>> & { at: string; properties?: Record<string, unknown> | string };

/** One event row; `at` is an ISO time (UTC when no zone is given). */
export function ev(input: EventInput): EventRow {
  const { at, properties, ...rest } = input;
  const ts = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(at) ? at : `${at}Z`);
  if (!Number.isFinite(ts)) throw new Error(`bad test time ${at}`);
  sequence += 1;
  return {
    event_id: `e${String(sequence).padStart(8, '0')}`,
    timestamp: ts,
    received_at: ts,
    type: 'track',
    event: 'track',
    name: null,
    site: 'test',
    anonymous_id: null,
    user_id: null,
    previous_id: null,
    group_id: null,
    session_id: null,
    page_url: null,
    page_path: null,
    page_title: null,
    referrer_host: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: null,
    utm_content: null,
    channel: 'direct',
    country: null,
    region: null,
    device_type: null,
    os: null,
    browser: null,
    browser_version: null,
    locale: null,
    library: null,
    product_id: null,
    category: null,
    price: null,
    quantity: null,
    revenue: null,
    currency: null,
    order_id: null,
    experiment: null,
    variant: null,
    properties: typeof properties === 'string' ? properties : JSON.stringify(properties ?? {}),
    quality_flags: '',
    schema_version: SCHEMA_VERSION,
    ...rest,
  };
}

/** A track event of user `user` (user_id) at `at`. */
export function track(user: string, event: string, at: string, rest: Omit<EventInput, 'at' | 'event'> = {}): EventRow {
  return ev({ at, event, type: 'track', user_id: user, ...rest });
}

/** Replaces the events of `store` with `rows` and rebuilds the person map. */
export async function loadRows(store: EventStore, rows: readonly EventRow[]): Promise<void> {
  await store.resetEvents();
  if (rows.length) await store.loadParquetBytes(encodeRows(rows), 'test rows');
  await buildPersonMap(store);
}

/** Demo events (seed 5, 6000 messages over 21 days from 2026-10-01) as the edge stores them, without scrubbing. */
export async function demoRows(): Promise<EventRow[]> {
  return rowsOf(
    generateDemoEvents({ seed: 5, events: 6000, start: new Date('2026-10-01T00:00:00Z'), days: 21 }),
    (raw) => ({ receivedAt: Date.parse(String(raw.timestamp)), country: 'CN', region: null, requestUserAgent: null }),
    { site: 'demo', hasher: identityHasher, queryParams: [], scrub: false },
  );
}

/** DuckDB-Wasm and single-threaded native DuckDB, both loaded with the demo rows through their own Parquet paths. */
export async function openDemoEnginePair(): Promise<{ wasm: EventStore; native: EventStore }> {
  const parquet = encodeRows(await demoRows());
  const [wasm, native] = await Promise.all([openWasmStore(), openNativeStore({ threads: 1 })]);
  for (const store of [wasm, native]) {
    await store.resetEvents();
    await store.loadParquetBytes(parquet, 'demo');
    await buildPersonMap(store);
  }
  return { wasm, native };
}

/** A result as comparable JSON: non-integers rounded to `digits` significant digits (engines sum in different orders). */
export function canonical(value: unknown, digits = 12): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(digits)) : v)));
}
