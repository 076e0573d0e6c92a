import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRow } from '@privacy-analytics/core/schema';
import { runCli } from './cli';
import { encodeRows } from '@privacy-analytics/core/connectors/node';
import { ev, track } from '@privacy-analytics/core/testing';

let dir: string;
const page = (user: string, channel: string, at: string, session: string) => ev({ at, type: 'page', event: 'page', user_id: user, channel, session_id: session });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pa-marketing-cli-'));
  const rows: EventRow[] = [
    page('p1', 'email', '2024-01-01T10:00:00Z', 's1'),
    page('p1', 'social', '2024-01-02T10:00:00Z', 's2'),
    track('p1', 'Order Completed', '2024-01-02T10:05:00Z', { revenue: 100, order_id: 'o1', session_id: 's2', properties: { products: [{ product_id: 'a' }, { product_id: 'b' }] } }),
    page('p2', 'email', '2024-01-01T10:00:00Z', 's3'),
    page('p3', 'social', '2024-01-01T10:00:00Z', 's4'),
    track('p3', 'Order Completed', '2024-01-01T10:10:00Z', { revenue: 50, order_id: 'o2', session_id: 's4', properties: { products: [{ product_id: 'a' }, { product_id: 'b' }, { product_id: 'c' }] } }),
    page('p4', 'social', '2024-01-01T10:00:00Z', 's5'),
  ];
  for (let i = 0; i < 30; i++) rows.push(track(`x${i}`, 'Experiment Viewed', '2024-01-03T00:00:00Z', { experiment: 'checkout_button', variant: i < 25 ? 'control' : 'treatment' }));
  writeFileSync(join(dir, 'events.parquet'), encodeRows(rows));
  // Data-quality fixtures: an order before the person's first page, a repeated order id, negative revenue,
  // a promotion with more clicks than impressions and two stored quality flags.
  writeFileSync(
    join(dir, 'quality.parquet'),
    encodeRows([
      track('q1', 'Order Completed', '2024-02-01T09:00:00Z', { order_id: 'o9', revenue: 20 }),
      page('q1', 'email', '2024-02-01T10:00:00Z', 'qs1'),
      track('q1', 'Order Completed', '2024-02-01T10:05:00Z', { order_id: 'o9', revenue: 20, quality_flags: 'pii_scrubbed' }),
      page('q2', 'social', '2024-02-01T10:00:00Z', 'qs2'),
      track('q2', 'Order Completed', '2024-02-01T10:30:00Z', { order_id: 'o10', revenue: -5, quality_flags: 'pii_scrubbed,late' }),
      track('q2', 'Promotion Viewed', '2024-02-01T10:01:00Z', { properties: { promotion_id: 'spring' } }),
      track('q2', 'Promotion Clicked', '2024-02-01T10:02:00Z', { properties: { promotion_id: 'spring' } }),
      track('q2', 'Promotion Clicked', '2024-02-01T10:03:00Z', { properties: { promotion_id: 'spring' } }),
    ]),
  );
  writeFileSync(join(dir, 'spend.csv'), 'date,channel,spend\n2024-01-01,email,50\n2024-01-02,social,100\n');
  writeFileSync(join(dir, 'bad-spend.csv'), 'date,channel,spend\n2024-01-01,email,fifty\n');
  writeFileSync(
    join(dir, 'attribution.json'),
    JSON.stringify({ conversion: { event: 'Order Completed' }, touch: { event: 'page', property: 'channel' }, lookback: { value: 30, unit: 'day' }, models: ['first', 'last', 'linear', 'time_decay', 'position', 'markov'], spend: 'spend.csv' }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('analyze marketing subcommands', () => {
  it('attribution: the spec and result of the issue, spend read next to the spec file', async () => {
    const { code, out, err } = await cli('attribution', '--input', join(dir, 'events.parquet'), '--spec', join(dir, 'attribution.json'), '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    const email = result.channels.find((c: { channel: string }) => c.channel === 'email');
    expect(email.conversions).toMatchObject({ first: 1, last: 0, linear: 0.5 });
    expect(email.conversions.markov).toBeCloseTo(0.5, 12);
    // Spend 50 against revenue 0 (last), 33.33 (time decay: weight 1/3 of 100) and 37.5 (Markov).
    expect(email.roiBelowOne).toEqual(['last', 'time_decay', 'markov']);
    expect(result.markov.removalEffects.email).toBeCloseTo(1 / 3, 12);
    expect(result.markov.conversionProbability).toBeCloseTo(0.5, 12);
    expect(result.paths).toMatchObject({ converting: 2, nonConverting: 2 });
    // p1 and p3 order for the first time: two new customers; email is first touch of p1's (spend 50).
    expect(email.newCustomers).toMatchObject({ first: 1, last: 0, linear: 0.5 });
    expect(email.costPerNewCustomer).toMatchObject({ first: 50, last: null, linear: 100 });
    // the data ends on 2024-01-03, so no 90-day follow-up window is complete
    expect(result.newCustomers).toMatchObject({ total: 2, attributed: 2, dataEnd: '2024-01-03T00:00:00.000Z', quality: { mature: 0, immature: 2, repeatShare: null } });
  });

  it('attribution: a bad spend CSV is a precise input error (exit 2); tables without --json', async () => {
    const bad = await cli('attribution', '--input', join(dir, 'events.parquet'), '--spec', '{"touch":{"event":"page"}}', '--spend', join(dir, 'bad-spend.csv'));
    expect(bad.code).toBe(2);
    expect(bad.err).toBe(`analyze: ${join(dir, 'bad-spend.csv')} line 2, column 3 (spend): expected a non-negative number such as 1250.50, got "fifty"\n`);
    const text = await cli('attribution', '--input', join(dir, 'events.parquet'), '--spec', '{"touch":{"event":"page"},"models":["last","markov"]}', '--engine', 'native');
    expect(text.code).toBe(0);
    expect(text.out).toContain('attribution on 37 events (native)');
    expect(text.out).toMatch(/Markov \(order 1\): conversion probability 50\.00%/);
    expect(text.out).toContain('new customers (first order ever): 2, 0 without a touchpoint; 90-day follow-up to 2024-01-03: 0.00 mature, 2.00 immature');
  });

  it('basket: rules as in the issue', async () => {
    const { code, out } = await cli('basket', '--input', join(dir, 'events.parquet'), '--spec', '{"basket":"order_id","item":"product_id","minSupport":0.5,"minConfidence":0.25,"maxLength":4}', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result).toMatchObject({ baskets: 2, items: 3 });
    expect(result.rules[0]).toEqual({ antecedent: ['a'], consequent: ['b'], support: 1, confidence: 1, lift: 1, leverage: 0, conviction: null, count: 2, antecedentCount: 2, consequentCount: 2 });
  });

  it('experiment: warns loudly on stderr about a sample ratio mismatch, also with --json', async () => {
    const { code, out, err } = await cli('experiment', '--input', join(dir, 'events.parquet'), '--spec', '{"experiment":"checkout_button","exposure":{"event":"Experiment Viewed"},"goal":{"event":"Order Completed"},"expectedSplit":{"control":0.5,"treatment":0.5},"srmThreshold":0.01}', '--json');
    expect(code).toBe(0);
    // 25 / 5 against 15 / 15: chi-square 13.33, p = 0.00026073.
    expect(err).toMatch(/^analyze: WARNING: SAMPLE RATIO MISMATCH: exposed persons control 25 \(expected 15.0\), treatment 5 \(expected 15.0\)/);
    expect(err).toContain('the sample is too small for a reliable decision');
    const result = JSON.parse(out);
    expect(result.variants.map((v: { variant: string; exposed: number; converted: number; rate: number }) => [v.variant, v.exposed, v.converted, v.rate])).toEqual([
      ['control', 25, 0, 0],
      ['treatment', 5, 0, 0],
    ]);
    expect(result.srm.mismatch).toBe(true);
    expect(result.srm.pValue).toBeCloseTo(0.00026073, 7);
  });

  it('campaign-lift: both periods, the lift with intervals, and warnings on stderr also with --json', async () => {
    const spec = '{"campaign":{"from":"2024-01-02","to":"2024-01-02"},"baseline":{"from":"2024-01-01","to":"2024-01-01"},"conversion":{"event":"Order Completed"}}';
    const { code, out, err } = await cli('campaign-lift', '--input', join(dir, 'events.parquet'), '--spec', spec, '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    // 2024-01-01: p1, p2, p3, p4 active, p3 bought for 50; 2024-01-02: p1 active and bought for 100.
    expect(result.baseline).toMatchObject({ activePersons: 4, converters: 1, conversionRate: 0.25, revenue: 50, revenuePerPerson: 12.5, days: 1 });
    expect(result.campaign).toMatchObject({ activePersons: 1, converters: 1, conversionRate: 1, revenue: 100, revenuePerPerson: 100, days: 1 });
    // p1 came back on 2024-01-02, within 7 days of the baseline; the data ends on 2024-01-03, so neither window is complete.
    expect(result.baseline.retention).toEqual({ cohort: 4, retained: 1, rate: 0.25, complete: false });
    expect(result.lift.conversionRate.difference).toBeCloseTo(0.75, 12);
    expect(err).toContain('analyze: WARNING: the campaign period has 1 active persons: rates are very uncertain');
    expect(err).toContain('analyze: WARNING: the baseline retention window runs past the end of the data');

    const text = await cli('campaign-lift', '--input', join(dir, 'events.parquet'), '--spec', spec);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/conversion rate\s+25\.00%\s+100\.00%\s+75\.00%/);
    expect(text.out).toContain('* the retention window runs past the end of the data');
  });

  it('campaign-lift: overlapping periods are a spec error (exit 2)', async () => {
    const bad = await cli('campaign-lift', '--input', join(dir, 'events.parquet'), '--spec', '{"campaign":{"from":"2024-01-01","to":"2024-01-02"},"baseline":{"from":"2024-01-02","to":"2024-01-03"}}');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^analyze: inline spec: .*baseline.*overlaps the campaign period/);
  });

  it('data-quality: runs without a spec and reports every check and the stored flags', async () => {
    const { code, out, err } = await cli('data-quality', '--input', join(dir, 'quality.parquet'), '--json');
    expect(err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.events).toBe(8);
    const check = (id: string) => result.checks.find((c: { id: string }) => c.id === id);
    expect(check('clicks_above_impressions')).toMatchObject({ checked: true, total: 1, failing: 1, examples: ['spring: 2 clicks, 1 impressions'] });
    expect(check('conversion_before_first_touch')).toMatchObject({ checked: true, total: 3, failing: 1 });
    expect(check('negative_revenue')).toMatchObject({ total: 3, failing: 1 });
    expect(check('duplicate_order_id')).toMatchObject({ failing: 1, examples: ['o9 x2'] });
    expect(result.flags).toEqual({ pii_scrubbed: 2, late: 1 });
    // two persons, both with behaviour tags, neither with a declared attribute
    expect(result.tagCoverage).toMatchObject({ persons: 2, target: 0.92 });
    const coverage = (name: string) => result.tagCoverage.entries.find((e: { name: string }) => e.name === name);
    expect(coverage('lifecycle')).toEqual({ name: 'lifecycle', source: 'tag', persons: 2, share: 1, meetsTarget: true });
    expect(coverage('preferred_category')).toEqual({ name: 'preferred_category', source: 'tag', persons: 0, share: 0, meetsTarget: false });
    expect(coverage('age_band')).toEqual({ name: 'age_band', source: 'attribute', persons: 0, share: 0, meetsTarget: false });

    const text = await cli('data-quality', '--input', join(dir, 'quality.parquet'), '--spec', '{"examples":1}', '--engine', 'native');
    expect(text.code).toBe(0);
    expect(text.out).toContain('8 events checked');
    expect(text.out).toMatch(/clicks_above_impressions\s+yes\s+1\s+1\s+spring: 2 clicks, 1 impressions/);
    expect(text.out).toMatch(/pii_scrubbed\s+2/);
    expect(text.out).toMatch(/tag coverage as of 2024-02-01T10:30:00\.000Z: \d+ of 15 at or above 92\.00% of 2 persons/);
    expect(text.out).toMatch(/lifecycle\s+tag\s+2\s+100\.00%\s+met/);
    expect(text.out).toMatch(/gender\s+attribute\s+0\s+0\.00%\s+missed/);
  });

  it('rejects bad usage and bad specs with exit 2', async () => {
    const usage = await cli('basket', '--input', join(dir, 'events.parquet'), '--spec', '{}', '--spend', 'x.csv');
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('--spend only applies to attribution');
    const spec = await cli('basket', '--input', join(dir, 'events.parquet'), '--spec', '{"minSupport":2}');
    expect(spec.code).toBe(2);
    expect(spec.err).toMatch(/^analyze: inline spec: spec.minSupport: .*got 2/);
    const noSpec = await cli('campaign-lift', '--input', join(dir, 'events.parquet'));
    expect(noSpec.code).toBe(2);
    expect(noSpec.err).toContain('give --spec <spec.json>');
    const quality = await cli('data-quality', '--input', join(dir, 'quality.parquet'), '--spec', '{"touch":"page"}');
    expect(quality.code).toBe(2);
    expect(quality.err).toMatch(/^analyze: inline spec: spec\.touch/);
  });
});
