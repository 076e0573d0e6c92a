import { env, SELF } from 'cloudflare:test';
import { expect } from 'vitest';
import type { DrainOptions } from '../../src/lifecycle/site-lifecycle';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import type { EventRow } from '@privacy-analytics/core/schema';
import type { ManifestEntry } from '@privacy-analytics/core/edge-api';
import { decodeParquet, EDGE, post, trackMessage } from '../helpers';
import { bufferOf, lifecycleOf } from '../../src/stubs';
import { shardOf } from '../../src/ingest/ingest-route';
import { messageToRow } from '@privacy-analytics/core/ingest';

export const DAY_MS = 24 * 60 * 60 * 1000;

export function siteTokens(site: string) {
  return { writeKey: `${site}-write-key`, read: `${site}-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`, admin: `${site}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G` };
}

export async function adminCall(site: string, method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${siteTokens(site).admin}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await SELF.fetch(`${EDGE}/v1/sites/${site}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { [key: string]: unknown } };
}

/** Sends messages in batches (at most 100 per request). */
export async function ingest(site: string, messages: Record<string, unknown>[]): Promise<{ accepted: number }> {
  let accepted = 0;
  for (let i = 0; i < messages.length; i += 100) {
    const res = await post('/v1/batch', { batch: messages.slice(i, i + 100) }, { writeKey: siteTokens(site).writeKey });
    const body = (await res.json()) as { accepted: number; rejected: unknown[] };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.rejected).toEqual([]);
    accepted += body.accepted;
  }
  return { accepted };
}

/**
 * Stores messages as the ingest route does but without its horizon (normalised by core, appended to the site's buffer
 * shards): events older than the site keeps, as a collector holds them after retention was shortened.
 */
export async function storeBypassingHorizon(site: string, messages: Record<string, unknown>[]): Promise<{ accepted: number }> {
  const hasher = new HmacIdHasher(`test-hash-key-${site}-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`);
  const facts = { receivedAt: Date.now(), country: null, region: null, requestUserAgent: null };
  const byShard = new Map<number, EventRow[]>();
  for (const raw of messages) {
    const outcome = await messageToRow(raw, facts, { site, hasher, queryParams: [], scrub: true });
    if (outcome.kind !== 'row') throw new Error(`not stored: ${JSON.stringify(outcome)}`);
    const shard = shardOf(outcome.row.event_id, 2);
    byShard.set(shard, [...(byShard.get(shard) ?? []), outcome.row]);
  }
  let accepted = 0;
  for (const [shard, rows] of byShard) accepted += (await bufferOf(env, site, shard).append(site, shard, rows)).accepted;
  return { accepted };
}

export async function flushSite(site: string): Promise<void> {
  const res = await adminCall(site, 'POST', '/flush');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

export async function manifestOf(site: string, query = ''): Promise<ManifestEntry[]> {
  const res = await SELF.fetch(`${EDGE}/v1/sites/${site}/manifest${query}`, { headers: { authorization: `Bearer ${siteTokens(site).read}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { files: ManifestEntry[] }).files;
}

/** Every row the manifest lists, read from R2 directly. */
export async function rowsInManifest(site: string): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for (const file of await manifestOf(site)) {
    const object = await env.EVENTS.get(file.key);
    if (!object) throw new Error(`manifest lists ${file.key} but R2 has no such object`);
    rows.push(...decodeParquet(new Uint8Array(await object.arrayBuffer())));
  }
  return rows;
}

/** Every rows read the way a dashboard does: manifest, then each file through the files endpoint. */
export async function rowsThroughApi(site: string): Promise<EventRow[]> {
  const auth = { authorization: `Bearer ${siteTokens(site).read}` };
  const rows: EventRow[] = [];
  for (const file of await manifestOf(site)) {
    const res = await SELF.fetch(`${EDGE}/v1/sites/${site}/files/${file.key}`, { headers: auth });
    if (res.status !== 200) throw new Error(`GET ${file.key}: ${res.status} ${await res.text()}`);
    rows.push(...decodeParquet(new Uint8Array(await res.arrayBuffer())));
  }
  return rows;
}

export async function objectKeys(site: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.EVENTS.list({ prefix: `events/site=${site}/`, cursor });
    keys.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return keys.sort();
}

export function drain(site: string, options: DrainOptions = {}): Promise<number> {
  return lifecycleOf(env, site).drainWork(options);
}

export function hashedId(site: string, value: string): Promise<string> {
  return new HmacIdHasher(`test-hash-key-${site}-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`).hashId(value);
}

export function at(dayOffset: number, hour: number, minute = 0): string {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return new Date(today + dayOffset * DAY_MS + hour * 3_600_000 + minute * 60_000).toISOString();
}

export function event(overrides: Record<string, unknown>): Record<string, unknown> {
  const message = trackMessage(overrides);
  if (!('anonymousId' in overrides)) delete message.anonymousId;
  return message;
}

export const byEventId = (a: EventRow, b: EventRow) => (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0);
