import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { NO_SCORES_MESSAGE, parseSegmentSpec, runSegment, scoredModels, segmentMembersCsv, type SegmentSpecInput } from './segments';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

const order = (user: string, at: string, revenue: number, extra = {}) => track(user, 'Order Completed', at, { revenue, order_id: `${user}-${at}`, ...extra });

// asOf 2024-03-31 (end of day) throughout.
const rows = () => [
  // cn-beauty: 3 purchases in the last 30 days, prefers beauty, in CN
  track('cn-beauty', 'Product Viewed', '2024-01-10T10:00:00Z', { country: 'CN', category: 'beauty', channel: 'social', session_id: 's1' }),
  order('cn-beauty', '2024-03-05T10:00:00Z', 30, { country: 'CN', category: 'beauty', channel: 'email', session_id: 's2' }),
  order('cn-beauty', '2024-03-15T10:00:00Z', 40, { country: 'CN', category: 'beauty', channel: 'email', session_id: 's3' }),
  order('cn-beauty', '2024-03-25T10:00:00Z', 50, { country: 'CN', category: 'toys', channel: 'email', session_id: 's4' }),
  // us-beauty: same behaviour but in the US
  order('us-beauty', '2024-03-05T10:00:00Z', 30, { country: 'US', category: 'beauty' }),
  order('us-beauty', '2024-03-15T10:00:00Z', 30, { country: 'US', category: 'beauty' }),
  order('us-beauty', '2024-03-25T10:00:00Z', 30, { country: 'US', category: 'beauty' }),
  // cn-twice: only two purchases; moved from US to CN (latest country counts)
  order('cn-twice', '2024-03-20T10:00:00Z', 30, { country: 'US', category: 'beauty' }),
  order('cn-twice', '2024-03-25T10:00:00Z', 30, { country: 'CN', category: 'beauty' }),
  // newcomer: first seen 3 days ago
  track('newcomer', 'Page Viewed', '2024-03-29T10:00:00Z', { country: 'CN' }),
  // dormant: last seen 45 days ago; churned: 120 days ago; returning: gap over the whole previous 30 days
  track('dormant', 'Page Viewed', '2024-02-15T10:00:00Z'),
  track('churned', 'Page Viewed', '2023-12-01T10:00:00Z'),
  track('returning', 'Page Viewed', '2023-12-20T10:00:00Z'),
  track('returning', 'Page Viewed', '2024-03-20T10:00:00Z'),
];

describe('segments', () => {
  it('supports "purchased 3+ times in the last 30 days AND preferred category = beauty AND country = CN"', async () => {
    await loadRows(store, rows());
    const spec: SegmentSpecInput = {
      asOf: '2024-03-31',
      condition: {
        and: [
          { type: 'behaviour', event: 'Order Completed', atLeast: 3, withinDays: 30 },
          { type: 'tag', tag: 'preferred_category', op: 'eq', value: 'beauty' },
          { type: 'property', property: 'country', op: 'eq', value: 'CN' },
        ],
      },
    };
    const result = await runSegment(store, spec);
    expect(result.members).toEqual(['cn-beauty']);
    const moved = await runSegment(store, { asOf: '2024-03-31', condition: { type: 'property', property: 'country', op: 'eq', value: 'CN' } });
    expect(moved.members).toEqual(['cn-beauty', 'cn-twice', 'newcomer']);
    const everUs = await runSegment(store, { asOf: '2024-03-31', condition: { type: 'property', property: 'country', op: 'eq', value: 'US', match: 'any' } });
    expect(everUs.members).toEqual(['cn-twice', 'us-beauty']);
  });

  it('computes lifecycle stages with the documented thresholds', async () => {
    await loadRows(store, rows());
    const stage = async (value: string) => (await runSegment(store, { asOf: '2024-03-31', condition: { type: 'tag', tag: 'lifecycle', op: 'eq', value } })).members;
    expect(await stage('new')).toEqual(['newcomer']);
    expect(await stage('dormant')).toEqual(['dormant']);
    expect(await stage('churned')).toEqual(['churned']);
    // cn-beauty was seen in January, then nothing in the 30 days before the current 30 days.
    expect(await stage('returning')).toEqual(['cn-beauty', 'returning']);
    expect(await stage('active')).toEqual(['cn-twice', 'us-beauty']);
    const stricter = await runSegment(store, { asOf: '2024-03-31', lifecycle: { newDays: 7, activeDays: 10, churnDays: 20 }, condition: { type: 'tag', tag: 'lifecycle', op: 'eq', value: 'churned' } });
    expect(stricter.members).toEqual(['churned', 'dormant']);
  });

  it('combines OR, NOT, did-not behaviour, numeric tags and RFM tiers', async () => {
    await loadRows(store, rows());
    const spec = (condition: SegmentSpecInput['condition']) => runSegment(store, { asOf: '2024-03-31', condition });
    expect((await spec({ not: { type: 'behaviour', event: 'Order Completed' } })).members).toEqual(['churned', 'dormant', 'newcomer', 'returning']);
    expect((await spec({ type: 'behaviour', event: 'Order Completed', did: false, atLeast: 3 })).members).toEqual(['churned', 'cn-twice', 'dormant', 'newcomer', 'returning']);
    expect((await spec({ or: [{ type: 'tag', tag: 'revenue', op: 'gte', value: 100 }, { type: 'tag', tag: 'lifecycle', op: 'eq', value: 'new' }] })).members).toEqual(['cn-beauty', 'newcomer']);
    expect((await spec({ type: 'tag', tag: 'aov', op: 'between', value: [35, 45] })).members).toEqual(['cn-beauty']);
    expect((await spec({ type: 'tag', tag: 'preferred_channel', op: 'eq', value: 'email' })).members).toEqual(['cn-beauty']);
    expect((await spec({ type: 'tag', tag: 'rfm_tier', op: 'is_set' })).members).toEqual(['cn-beauty', 'cn-twice', 'us-beauty']);
    expect((await spec({ type: 'tag', tag: 'first_seen', op: 'gte', value: '2024-03-01' })).members).toEqual(['cn-twice', 'newcomer', 'us-beauty']);
  });

  it('uses funnel drop-offs as conditions, reports size over time and exports CSV', async () => {
    await loadRows(store, rows());
    const droppedAtOrder = await runSegment(store, {
      asOf: '2024-03-31',
      condition: { type: 'funnel', funnel: { steps: [{ event: 'Page Viewed' }, { event: 'Order Completed' }], window: { value: 365, unit: 'day' } }, step: 1, outcome: 'dropped' },
    });
    expect(droppedAtOrder.members).toEqual(['churned', 'dormant', 'newcomer', 'returning']);
    const overTime = await runSegment(store, { asOf: '2024-03-31', condition: { type: 'behaviour', event: 'Order Completed' }, sizeOverTime: { period: 'week', points: 3 } });
    expect(overTime.sizeOverTime).toEqual([
      { at: '2024-03-17T23:59:59.999Z', size: 2 },
      { at: '2024-03-24T23:59:59.999Z', size: 3 },
      { at: '2024-03-31T23:59:59.999Z', size: 3 },
    ]);
    const csv = await segmentMembersCsv(store, { asOf: '2024-03-31', condition: { type: 'tag', tag: 'lifecycle', op: 'eq', value: 'new' } }, { tags: true });
    expect(csv).toBe(
      'person,first_seen,last_seen,lifecycle,order_count,revenue,aov,preferred_category,preferred_channel,rfm_tier\n' +
        'newcomer,2024-03-29T10:00:00.000Z,2024-03-29T10:00:00.000Z,new,0,0,,,direct,\n',
    );
  });

  it('matches persons by model score, and says so when nothing has been scored', async () => {
    await loadRows(store, rows());
    await store.query('DROP TABLE IF EXISTS person_scores');
    const churnAbove = (value: number): SegmentSpecInput => ({ asOf: '2024-03-31', condition: { type: 'score', model: 'churn', op: 'gt', value } });
    await expect(runSegment(store, churnAbove(0.5))).rejects.toThrow(NO_SCORES_MESSAGE);
    await expect(segmentMembersCsv(store, churnAbove(0.5))).rejects.toThrow(NO_SCORES_MESSAGE);
    expect(await scoredModels(store)).toEqual([]);

    // As the Models view writes it: one row per person and model, keyed by the merged person.
    await store.query('CREATE TABLE person_scores (person VARCHAR, model VARCHAR, score DOUBLE)');
    await store.query("INSERT INTO person_scores VALUES ('cn-beauty', 'churn', 0.9), ('us-beauty', 'churn', 0.4), ('cn-twice', 'churn', 0.1), ('newcomer', 'ltv', 120)");
    try {
      expect(await scoredModels(store)).toEqual(['churn', 'ltv']);
      const score = async (condition: SegmentSpecInput['condition']) => (await runSegment(store, { asOf: '2024-03-31', condition })).members;
      expect((await runSegment(store, churnAbove(0.5))).members).toEqual(['cn-beauty']);
      expect(await score({ type: 'score', model: 'churn', op: 'between', value: [0.1, 0.4] })).toEqual(['cn-twice', 'us-beauty']);
      expect(await score({ type: 'score', model: 'churn', op: 'lte', value: 0.1 })).toEqual(['cn-twice']);
      expect(await score({ type: 'score', model: 'churn', op: 'eq', value: 0.4 })).toEqual(['us-beauty']);
      // Negative operators match persons without a score, as for properties.
      expect(await score({ type: 'score', model: 'churn', op: 'neq', value: 0.4 })).toEqual(['churned', 'cn-beauty', 'cn-twice', 'dormant', 'newcomer', 'returning']);
      expect(await score({ type: 'score', model: 'churn', op: 'is_not_set' })).toEqual(['churned', 'dormant', 'newcomer', 'returning']);
      expect(await score({ type: 'score', model: 'ltv', op: 'is_set' })).toEqual(['newcomer']);
      expect(await score({ and: [{ type: 'score', model: 'churn', op: 'gte', value: 0.4 }, { type: 'property', property: 'country', op: 'eq', value: 'CN' }] })).toEqual(['cn-beauty']);
      expect(await score({ not: { type: 'score', model: 'churn', op: 'lt', value: 0.5 } })).toEqual(['churned', 'cn-beauty', 'dormant', 'newcomer', 'returning']);
      const csv = await segmentMembersCsv(store, churnAbove(0.5));
      expect(csv).toBe('person\ncn-beauty\n');
    } finally {
      await store.query('DROP TABLE person_scores');
    }
  });

  it('rejects bad score conditions precisely', () => {
    expect(() => parseSegmentSpec({ condition: { type: 'score', model: 'churn', op: 'contains', value: 1 } })).toThrow(/spec\.condition/);
    expect(() => parseSegmentSpec({ condition: { type: 'score', model: 'churn', op: 'between', value: [1] } })).toThrow(/spec\.condition/);
    expect(() => parseSegmentSpec({ condition: { type: 'score', model: 'churn', op: 'is_set', value: 1 } })).toThrow(/spec\.condition/);
    expect(() => parseSegmentSpec({ condition: { type: 'score', model: '', op: 'gt', value: 1 } })).toThrow(/spec\.condition/);
    expect(() => parseSegmentSpec({ condition: { type: 'score', model: 'churn', op: 'gt', value: '0.5' } })).toThrow(/spec\.condition/);
    expect(parseSegmentSpec({ condition: { type: 'score', model: 'churn', op: 'between', value: [0.2, 0.8] } }).condition).toEqual({ type: 'score', model: 'churn', op: 'between', value: [0.2, 0.8] });
  });

  it('rejects bad conditions precisely', () => {
    expect(() => parseSegmentSpec({ condition: { type: 'tag', tag: 'favourite_colour', op: 'eq', value: 'red' } })).toThrow(/spec\.condition/);
    expect(() => parseSegmentSpec({ condition: { type: 'behaviour', event: 'x', atLeast: 0 } })).toThrow(/spec\.condition/);
    expect(() => parseSegmentSpec({ condition: { and: [] } })).toThrow(/spec\.condition/);
  });
});
