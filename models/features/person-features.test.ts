import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { ev, loadRows, track } from '@privacy-analytics/core/testing';
import { labelledRows } from '../train/classifier/person-dataset';
import {
  buildFeatureSchema,
  checkFeatureSchema,
  encodeFeatures,
  FEATURE_SCHEMA_VERSION,
  learnVocabulary,
  OTHER,
  parseFeatureOptions,
  personFeatureRows,
  type PersonFeatureRow,
} from './person-features';

const DAY = 86_400_000;
const T = Date.parse('2024-03-01T00:00:00Z');
const days = (iso: string) => (T - Date.parse(iso)) / DAY;
const options = parseFeatureOptions({});
let store: EventStore;

beforeAll(async () => {
  store = await openWasmStore();
  const alice = { user_id: 'alice', device_type: 'mobile', country: 'CN' } as const;
  await loadRows(store, [
    track('alice', 'page', '2024-01-05T10:00:00Z', { ...alice, type: 'page', session_id: 's1', channel: 'direct' }),
    track('alice', 'Product Viewed', '2024-02-20T10:00:00Z', { ...alice, session_id: 's2', channel: 'email', category: 'beauty', product_id: 'p1' }),
    track('alice', 'Product Added', '2024-02-20T10:05:00Z', { ...alice, session_id: 's2', channel: 'email', category: 'beauty', product_id: 'p1' }),
    track('alice', 'Order Completed', '2024-02-20T10:10:00Z', { ...alice, session_id: 's2', channel: 'email', revenue: 50, order_id: 'o1' }),
    track('alice', 'Product Viewed', '2024-02-27T09:00:00Z', { ...alice, session_id: 's3', channel: 'email', category: 'beauty', product_id: 'p2' }),
    track('alice', 'Product Added', '2024-02-27T09:01:00Z', { ...alice, session_id: 's3', channel: 'email', category: 'beauty', product_id: 'p2' }),
    track('alice', 'page', '2024-03-05T08:00:00Z', { ...alice, type: 'page', session_id: 's4' }),
    ev({ at: '2024-02-10T12:00:00Z', event: 'page', type: 'page', anonymous_id: 'anon-b', channel: 'social', device_type: 'desktop', country: 'US' }),
    track('carol', 'page', '2024-01-01T12:00:00Z', { type: 'page' }),
    track('dave', 'page', '2024-02-29T12:00:00Z', { type: 'page', device_type: 'tablet', country: 'CN' }),
    track('dave', 'Order Completed', '2024-03-03T12:00:00Z', { revenue: 20, order_id: 'o2' }),
  ]);
});
afterAll(() => store.close());

describe('person features at a cut-off', () => {
  let rows: PersonFeatureRow[];
  beforeAll(async () => {
    rows = await personFeatureRows(store, options, T);
  });

  it('covers the persons seen in the activeDays before the cut-off, and only events before it', () => {
    expect(rows.map((r) => r.person)).toEqual(['alice', 'anon-b', 'dave']);
    expect(rows.find((r) => r.person === 'dave')!.orderCount).toBe(0);
  });

  it('computes activity, visits, carts, orders, RFM and categorical features exactly', () => {
    const alice = rows.find((r) => r.person === 'alice')!;
    expect(alice).toMatchObject({
      cutoffMs: T,
      events7d: 2,
      events30d: 5,
      events90d: 6,
      sessions7d: 1,
      sessions30d: 2,
      sessions90d: 3,
      sessionsTotal: 3,
      activeDays30d: 2,
      productViews30d: 2,
      carts30d: 2,
      checkouts30d: 0,
      cartSessions: 2,
      orderSessions: 1,
      abandonedCartSessions: 1,
      abandonedCartSessions30d: 1,
      orderCount: 1,
      revenue: 50,
      aov: 50,
      rfmR: 1,
      rfmF: 1,
      rfmM: 1,
      identified: true,
      channel: 'email',
      category: 'beauty',
      device: 'mobile',
      country: 'CN',
      lifecycle: 'active',
    });
    expect((T - alice.lastSeenMs) / DAY).toBeCloseTo(days('2024-02-27T09:01:00Z'), 9);
    expect((T - alice.firstSeenMs) / DAY).toBeCloseTo(days('2024-01-05T10:00:00Z'), 9);
    expect(alice.lastOrderMs).toBe(Date.parse('2024-02-20T10:10:00Z'));
    const bob = rows.find((r) => r.person === 'anon-b')!;
    expect(bob).toMatchObject({ identified: false, channel: 'social', device: 'desktop', country: 'US', orderCount: 0, rfmR: null, lastOrderMs: null, sessions30d: 1 });
  });

  it('encodes numeric columns and one-hot columns over the learned vocabulary, unknown values to (other)', () => {
    const vocabulary = { ...learnVocabulary(rows), channel: ['email'], country: ['CN'] };
    const schema = buildFeatureSchema(options, vocabulary);
    const x = encodeFeatures(rows, schema);
    const width = schema.names.length;
    const column = (name: string) => schema.names.indexOf(name);
    const value = (person: number, name: string) => x[person * width + column(name)];
    expect(value(0, 'recency_days')).toBeCloseTo(days('2024-02-27T09:01:00Z'), 5);
    expect(value(0, 'log_events_30d')).toBeCloseTo(Math.log1p(5), 6);
    expect(value(0, 'cart_abandonment_rate')).toBeCloseTo(0.5, 6);
    expect(value(0, 'cart_visit_share')).toBeCloseTo(2 / 3, 6);
    expect(value(0, 'days_since_last_order')).toBeCloseTo(days('2024-02-20T10:10:00Z'), 5);
    expect(value(0, 'channel=email')).toBe(1);
    expect(value(1, 'channel=email')).toBe(0);
    expect(value(1, `channel=${OTHER}`)).toBe(1);
    expect(value(1, `country=${OTHER}`)).toBe(1);
    expect(value(1, 'has_ordered')).toBe(0);
    // Every categorical feature sets exactly one of its columns per row.
    const onehot = schema.names.filter((n) => n.includes('='));
    for (let r = 0; r < rows.length; r++) expect(onehot.reduce((s, n) => s + value(r, n)!, 0)).toBe(5);
  });

  it('learns vocabularies by frequency with a minimum count (target-free)', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({ ...rows[0]!, person: `p${i}`, country: i < 25 ? 'CN' : 'US' }));
    const vocabulary = learnVocabulary(many);
    expect(vocabulary.country).toEqual(['CN']);
    expect(vocabulary.lifecycle).toEqual(['active']);
  });
});

describe('feature schemas read from model files', () => {
  const schema = buildFeatureSchema(options, { channel: ['direct'], category: [], device: ['mobile'], country: [], lifecycle: ['active', 'new'] });

  it('accepts a schema this build computes', () => {
    expect(checkFeatureSchema(JSON.parse(JSON.stringify(schema))).names).toEqual(schema.names);
  });

  it('names the first mismatching column and both versions', () => {
    const renamed = { ...schema, names: schema.names.map((n) => (n === 'log_events_30d' ? 'log_events_31d' : n)) };
    expect(() => checkFeatureSchema(renamed, 'churn.onnx')).toThrow(/churn\.onnx: feature schema mismatch at column 3: the model has "log_events_31d", this build computes "log_events_30d"/);
    expect(() => checkFeatureSchema({ ...schema, names: schema.names.slice(0, -1) }, 'm')).toThrow(/\(\d+ vs \d+ columns\)/);
    expect(() => checkFeatureSchema({ ...schema, version: 'person-features/99' }, 'm')).toThrow(new RegExp(`features are "person-features/99", this build computes "${FEATURE_SCHEMA_VERSION}"`));
    expect(() => checkFeatureSchema({ names: 'x' }, 'm')).toThrow(/feature schema is malformed/);
  });
});

describe('labels from the horizon after the cut-off', () => {
  it('churn: no event at all in the horizon; propensity: an order in the horizon', async () => {
    const churn = await labelledRows(store, 'churn', options, [T], 30);
    expect(Object.fromEntries(churn.rows.map((r, i) => [r.person, churn.labels[i]]))).toEqual({ alice: 0, 'anon-b': 1, dave: 0 });
    const propensity = await labelledRows(store, 'propensity', options, [T], 7);
    expect(Object.fromEntries(propensity.rows.map((r, i) => [r.person, propensity.labels[i]]))).toEqual({ alice: 0, 'anon-b': 0, dave: 1 });
  });

  it('churn with a lead time: the silent window starts lead days after the cut-off, so activity before it does not count', async () => {
    // dave's last event is on day 2 after T, alice's on day 4.
    const lead3 = await labelledRows(store, 'churn', options, [T], 30, 3);
    expect(Object.fromEntries(lead3.rows.map((r, i) => [r.person, lead3.labels[i]]))).toEqual({ alice: 0, 'anon-b': 1, dave: 1 });
    const lead7 = await labelledRows(store, 'churn', options, [T], 21, 7);
    expect(Object.fromEntries(lead7.rows.map((r, i) => [r.person, lead7.labels[i]]))).toEqual({ alice: 1, 'anon-b': 1, dave: 1 });
  });
});
