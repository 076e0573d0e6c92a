import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '../schema/event-columns';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { ev, loadRows, track } from '../testing/event-rows';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { qualityReportFromCounters, runDataQuality, type DataQualityResult } from './data-quality';
import { SpecError } from './spec';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const page = (user: string, at: string, extra: Partial<EventRow> = {}) => ev({ at, type: 'page', event: 'page', user_id: user, ...extra });
const check = (result: DataQualityResult, id: string) => result.checks.find((c) => c.id === id)!;

function rows(): EventRow[] {
  const out: EventRow[] = [];
  for (let i = 0; i < 3; i++) out.push(track('v', 'Promotion Viewed', '2024-01-01T00:00:00Z', { properties: { promotion_id: 'p1' } }));
  for (let i = 0; i < 5; i++) out.push(track('v', 'Promotion Clicked', '2024-01-01T00:01:00Z', { properties: { promotion_id: 'p1' } }));
  for (let i = 0; i < 10; i++) out.push(track('v', 'Promotion Viewed', '2024-01-01T00:00:00Z', { properties: { promotion_id: 'p2' } }));
  for (let i = 0; i < 2; i++) out.push(track('v', 'Promotion Clicked', '2024-01-01T00:01:00Z', { properties: { promotion_id: 'p2' } }));
  out.push(
    page('u1', '2024-01-01T10:00:00Z'),
    track('u1', 'Order Completed', '2024-01-01T11:00:00Z', { order_id: 'o1', revenue: 10, event_id: 'conv-u1' }),
    track('u2', 'Order Completed', '2024-01-01T09:00:00Z', { order_id: 'o2', revenue: 10, event_id: 'conv-u2' }),
    page('u2', '2024-01-01T10:00:00Z'),
    track('u3', 'Order Completed', '2024-01-01T09:00:00Z', { order_id: 'o2', revenue: -5, event_id: 'conv-u3' }),
    page('u4', '2024-01-01T08:00:00Z', { quality_flags: 'late,pii_scrubbed' }),
    track('u4', 'Order Completed', '2024-01-01T09:00:00Z', { revenue: 3, event_id: 'conv-u4', quality_flags: 'late' }),
    { ...page('u5', '2024-01-01T12:00:00Z', { event_id: 'future' }), received_at: Date.parse('2024-01-01T11:50:00Z') },
  );
  return out;
}

describe.each(['wasm', 'native'] as const)('data quality on %s', (engine) => {
  it('runs the logical checks and counts quality flags', async () => {
    await loadRows(stores[engine], rows());
    const result = await runDataQuality(stores[engine], {});
    expect(result.events).toBe(28);
    expect(check(result, 'clicks_above_impressions')).toEqual({ id: 'clicks_above_impressions', checked: true, total: 2, failing: 1, examples: ['p1: 5 clicks, 3 impressions'] });
    expect(check(result, 'conversion_before_first_touch')).toEqual({ id: 'conversion_before_first_touch', checked: true, total: 4, failing: 1, examples: ['conv-u2'] });
    expect(check(result, 'conversion_without_touch')).toMatchObject({ failing: 1, examples: ['conv-u3'] });
    expect(check(result, 'negative_revenue')).toMatchObject({ failing: 1, examples: ['conv-u3'] });
    expect(check(result, 'conversion_without_order_id')).toMatchObject({ failing: 1, examples: ['conv-u4'] });
    expect(check(result, 'duplicate_order_id')).toMatchObject({ failing: 1, examples: ['o2 x2'] });
    expect(check(result, 'event_after_receipt')).toMatchObject({ total: 28, failing: 1, examples: ['future'] });
    expect(result.flags).toEqual({ late: 2, pii_scrubbed: 1 });
  });

  it('checks conversions against touches of the same campaign, and skips click checks without such events', async () => {
    await loadRows(stores[engine], [
      page('u1', '2024-01-01T12:00:00Z', { utm_campaign: 'spring' }),
      track('u1', 'Order Completed', '2024-01-01T11:00:00Z', { utm_campaign: 'spring', order_id: 'a', event_id: 'early' }),
      track('u1', 'Order Completed', '2024-01-01T13:00:00Z', { utm_campaign: 'spring', order_id: 'b', event_id: 'fine' }),
      track('u1', 'Order Completed', '2024-01-01T13:00:00Z', { utm_campaign: 'summer', order_id: 'c', event_id: 'untouched' }),
      track('u1', 'Order Completed', '2024-01-01T14:00:00Z', { order_id: 'd', event_id: 'no-campaign' }),
    ]);
    const result = await runDataQuality(stores[engine], { campaignProperty: 'utm_campaign' });
    expect(check(result, 'clicks_above_impressions')).toEqual({ id: 'clicks_above_impressions', checked: false, total: 0, failing: 0, examples: [] });
    expect(check(result, 'conversion_before_first_touch')).toMatchObject({ total: 3, failing: 1, examples: ['early'] });
    expect(check(result, 'conversion_without_touch')).toMatchObject({ total: 3, failing: 1, examples: ['untouched'] });
  });
});

describe('collection quality from the edge counters', () => {
  const body = {
    site: 'shop',
    minutes: [
      { minute: '2024-01-02T10:00:00.000Z', accepted: 990, duplicate: 5, 'bot:crawler': 20, 'rejected:invalid_type': 4, 'flag:late': 3 },
      { minute: '2024-01-02T10:01:00.000Z' },
      { minute: '2024-01-02T10:02:00.000Z', accepted: 10, 'rejected:too_large': 8 },
    ],
    daily: [
      { date: '2024-01-02', accepted: 1000, duplicate: 5, 'bot:crawler': 20, 'bot:headless': 5, 'rejected:invalid_type': 4, 'rejected:too_large': 8, 'flag:late': 3, 'flag:pii_scrubbed': 7 },
      { date: '2024-01-01', accepted: 500, 'rejected:invalid_type': 1 },
    ],
    generatedAt: '2024-01-02T10:02:30.000Z',
  };

  it('adds up received, accept rate, bot and duplicate shares per day, in total and recently', () => {
    const report = qualityReportFromCounters(body);
    expect(report.days.map((d) => d.date)).toEqual(['2024-01-01', '2024-01-02']);
    const day = report.days[1]!;
    // received = 1000 + 5 + 25 + 12 = 1042; accept rate = 1000 / 1012.
    expect(day).toMatchObject({ received: 1042, accepted: 1000, duplicates: 5, bots: { total: 25, byReason: { crawler: 20, headless: 5 } }, rejected: { total: 12, byReason: { invalid_type: 4, too_large: 8 } }, flags: { total: 10, byFlag: { late: 3, pii_scrubbed: 7 } } });
    expect(day.acceptRate).toBeCloseTo(1000 / 1012, 15);
    expect(day.meetsTarget).toBe(false);
    expect(day.botShare).toBeCloseTo(25 / 1042, 15);
    expect(report.days[0]).toMatchObject({ received: 501, acceptRate: 500 / 501, meetsTarget: true });
    expect(report.total).toMatchObject({ accepted: 1500, rejected: { total: 13 } });
    expect(report.recent).toMatchObject({ minutes: 3, accepted: 1000, rejected: { total: 12 }, from: '2024-01-02T10:00:00.000Z', to: '2024-01-02T10:02:00.000Z' });
    expect(report.series[1]).toEqual({ minute: '2024-01-02T10:01:00.000Z', accepted: 0, duplicates: 0, bots: 0, rejected: 0 });
  });

  it('validates the body at the boundary', () => {
    expect(() => qualityReportFromCounters({ site: 'shop', minutes: [{ minute: 'x', accepted: -1 }], daily: [] })).toThrow(SpecError);
    expect(() => qualityReportFromCounters({ site: 'shop', minutes: [{ minute: 'x', accepted: 'many' }], daily: [] })).toThrow(/live counters.minutes\[0\].accepted/);
  });
});
