import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRows, openWasmStore, type EventStore } from '../connectors/node';
import { customersToMessages } from '../imports/customers';
import { factsFromMessageTime, messagesToRows } from '../ingest/messages-to-rows';
import { identityHasher } from '../privacy/keyed-hash';
import type { EventRow } from '../schema';
import { declaredAttributesSql } from './declared-attributes';
import { buildPersonMap } from './identity';
import { runSegment, type SegmentSpecInput } from './segments';
import { sql } from './sql';

let store: EventStore;

const NOW = Date.parse('2024-06-01T00:00:00Z');
const table = (lines: string[]) => lines.map((line, i) => ({ line: i + 2, fields: line.split(',') }));

/** Two CRM imports (the second re-sends u2 with a new tier and the same registration date) and some live traffic. */
async function load(): Promise<void> {
  const header = ['member_id', 'registered_at', 'gender', 'birth_year', 'city', 'tier'];
  const first = customersToMessages(
    header,
    table(['u1,2020-01-01,Female,1990,Shanghai,gold', 'u2,2021-05-05,male,2007,Beijing,silver', 'u3,2019-03-01,female,1959,Shanghai,silver', 'u4,2022-07-01,,2000,,']),
    {},
    { now: NOW },
  );
  const second = customersToMessages(header, table(['u2,2021-05-05,male,2007,Beijing,gold', 'u3,2024-04-10,female,1959,Shanghai,gold']), {}, { now: NOW });
  expect([...first.rejected, ...second.rejected]).toEqual([]);
  const messages: Record<string, unknown>[] = [
    ...first.messages.map((m, i) => ({ ...m.message, messageId: `a${i}`, receivedAt: '2024-05-01T00:00:00Z' })),
    ...second.messages.map((m, i) => ({ ...m.message, messageId: `b${i}`, receivedAt: '2024-05-02T00:00:00Z' })),
    // a device that logs in as u1, then declares a new tier on the device id alone: the identity map joins them
    { type: 'track', event: 'Signed In', anonymousId: 'anon-1', userId: 'u1', timestamp: '2024-01-05T00:00:00Z', messageId: 'c1' },
    { type: 'identify', anonymousId: 'anon-1', traits: { tier: 'platinum' }, timestamp: '2024-02-01T00:00:00Z', messageId: 'c2' },
    // a visitor who declared nothing
    { type: 'page', anonymousId: 'v', timestamp: '2024-03-01T00:00:00Z', messageId: 'c3' },
  ];
  const rows: EventRow[] = [];
  for await (const o of messagesToRows(messages, (raw) => factsFromMessageTime(raw), { site: 's', hasher: identityHasher, queryParams: [], scrub: true })) {
    if (o.kind === 'row') rows.push(o.row);
  }
  await store.resetEvents();
  await store.loadParquetBytes(encodeRows(rows), 'declared attributes');
  await buildPersonMap(store);
}

beforeAll(async () => {
  store = await openWasmStore();
  await load();
});
afterAll(async () => store?.close());

const members = async (condition: SegmentSpecInput['condition'], asOf = '2024-03-31') => (await runSegment(store, { asOf, condition })).members;

describe('declared attributes', () => {
  it('resolves the latest declared value per person through the identity map, with the age band as of asOf', async () => {
    const query = sql`${declaredAttributesSql('merged', Date.parse('2024-04-01T00:00:00Z'))} ORDER BY person`;
    const rows = await store.query<Record<string, unknown>>(query.text, query.params);
    expect(rows.map((r) => ({ ...r, birth_year: r.birth_year === null ? null : Number(r.birth_year) }))).toEqual([
      // tier: platinum, declared later on the device that signed in as u1
      { person: 'u1', gender: 'female', birth_year: 1990, age_band: '25-34', city: 'Shanghai', tier: 'platinum', registration_store: null },
      // the second import re-sends the same registration time: received later, it wins
      { person: 'u2', gender: 'male', birth_year: 2007, age_band: '<18', city: 'Beijing', tier: 'gold', registration_store: null },
      // the gold tier of 2024-04-10 is after asOf
      { person: 'u3', gender: 'female', birth_year: 1959, age_band: '65+', city: 'Shanghai', tier: 'silver', registration_store: null },
      { person: 'u4', gender: null, birth_year: 2000, age_band: '18-24', city: null, tier: null, registration_store: null },
    ]);
  });

  it('makes them segment conditions', async () => {
    expect(await members({ and: [{ type: 'attribute', attribute: 'gender', op: 'eq', value: 'female' }, { type: 'attribute', attribute: 'age_band', op: 'in', value: ['25-34', '65+'] }] })).toEqual(['u1', 'u3']);
    expect(await members({ type: 'attribute', attribute: 'tier', op: 'eq', value: 'platinum' })).toEqual(['u1']);
    expect(await members({ type: 'attribute', attribute: 'tier', op: 'eq', value: 'gold' })).toEqual(['u2']);
    expect(await members({ type: 'attribute', attribute: 'tier', op: 'eq', value: 'gold' }, '2024-05-01')).toEqual(['u2', 'u3']);
    // persons without the attribute (the visitor included) match a negative condition
    expect(await members({ type: 'attribute', attribute: 'city', op: 'is_not_set' })).toEqual(['u4', 'v']);
    expect(await members({ not: { type: 'attribute', attribute: 'gender', op: 'eq', value: 'female' } })).toEqual(['u2', 'u4', 'v']);
    expect(await members({ type: 'attribute', attribute: 'birth_year', op: 'lt', value: 1960 })).toEqual(['u3']);
    // a year later u2 is 18 and u4 25
    expect(await members({ type: 'attribute', attribute: 'age_band', op: 'eq', value: '<18' }, '2025-01-01')).toEqual([]);
    expect(await members({ type: 'attribute', attribute: 'age_band', op: 'eq', value: '18-24' }, '2025-01-01')).toEqual(['u2']);
  });

  it('rejects unknown attributes', async () => {
    await expect(members({ type: 'attribute', attribute: 'shoe_size', op: 'eq', value: '42' } as never)).rejects.toThrow(/spec\.condition/);
  });
});
