/**
 * Test support shared by the analytics and CLI tests: hand-built event rows and loading them into
 * either engine through the edge's own Parquet writer (so tests also exercise the load path).
 */
import { SCHEMA_VERSION, type EventRow } from '../../worker-edge/src/schema/event-columns';
import type { EventStore } from './event-store';
import { encodeRows } from './inputs';
import { buildPersonMap } from '../../web/src/lib/analytics/identity';

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
