import { createHash } from 'node:crypto';
import UAParser from 'ua-parser-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { segmentMessageSchema } from '../schema/segment-message';
import { COMPLEMENT_RULES, PRODUCTS, PRODUCTS_BY_ID } from './catalog';
import { generateDemoEvents } from './generate';
import { BROWSER_MIXES, UA_POOLS, type UaFamily } from './geo';
import { SIMULATION_PARAMETERS, type PersonTruth } from './ground-truth';
import type { SegmentMessage } from './messages';
import { serializeMessage } from './serialize';

const START = new Date('2026-10-24T00:00:00Z');
const DAYS = 30;
const opts = (seed: number, events: number) => ({ seed, events, start: START, days: DAYS });

function hashFirst(seed: number, n: number): string {
  const h = createHash('sha256');
  let i = 0;
  for (const m of generateDemoEvents(opts(seed, 10_000))) {
    h.update(JSON.stringify(m));
    h.update('\n');
    if (++i === n) break;
  }
  return h.digest('hex');
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Everything the assertions need, gathered in one streaming pass (messages are not retained). */
interface Stats {
  messages: number;
  byType: Map<string, number>;
  byEvent: Map<string, number>;
  sessions: number;
  cartSessions: number;
  checkouts: number;
  orders: number;
  orderIds: Set<string>;
  revenueMismatches: string[];
  exposures: { control: number; treatment: number };
  conversions: { control: number; treatment: number };
  outOfPeriod: number;
  nonMonotonic: number;
  anonIdsByUser: Map<string, Set<string>>;
  badAlias: number;
  paidWithClickId: number;
  paidSessions: number;
  emailSessions: number;
  ordersWithAntecedent: Map<string, number>;
  ordersWithPair: Map<string, number>;
  ordersWithConsequent: Map<string, number>;
  itemsPerOrder: number[];
  persons: PersonTruth[];
}

function analyse(seed: number, events: number): Stats {
  const s: Stats = {
    messages: 0,
    byType: new Map(),
    byEvent: new Map(),
    sessions: 0,
    cartSessions: 0,
    checkouts: 0,
    orders: 0,
    orderIds: new Set(),
    revenueMismatches: [],
    exposures: { control: 0, treatment: 0 },
    conversions: { control: 0, treatment: 0 },
    outOfPeriod: 0,
    nonMonotonic: 0,
    anonIdsByUser: new Map(),
    badAlias: 0,
    paidWithClickId: 0,
    paidSessions: 0,
    emailSessions: 0,
    ordersWithAntecedent: new Map(),
    ordersWithPair: new Map(),
    ordersWithConsequent: new Map(),
    itemsPerOrder: [0, 0, 0, 0, 0, 0, 0],
    persons: [],
  };
  const startMs = START.getTime();
  const endMs = startMs + DAYS * 86_400_000;
  const lastTs = new Map<string, number>();
  let lastSession: string | undefined;
  let cartCounted = false;
  let exposedVariant: 'control' | 'treatment' | undefined;
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  for (const m of generateDemoEvents({ ...opts(seed, events), onPerson: (p) => s.persons.push(p) })) {
    s.messages++;
    inc(s.byType, m.type);
    const sid = m.context.sessionId!;
    if (sid !== lastSession) {
      // A session's messages are contiguous and session ids are unique.
      s.sessions++;
      lastSession = sid;
      cartCounted = false;
      exposedVariant = undefined;
      const campaign = m.context.campaign;
      if (campaign?.medium === 'cpc') {
        s.paidSessions++;
        if (/[?&](gclid|bd_vid)=/.test(m.context.page!.url) || campaign.source === 'naver') s.paidWithClickId++;
      }
      if (campaign?.medium === 'email') s.emailSessions++;
    }
    const ts = Date.parse(m.timestamp);
    if (!(ts >= startMs && ts < endMs)) s.outOfPeriod++;
    const prev = lastTs.get(m.anonymousId);
    if (prev !== undefined && ts < prev) s.nonMonotonic++;
    lastTs.set(m.anonymousId, ts);
    if (m.userId) {
      const set = s.anonIdsByUser.get(m.userId) ?? new Set<string>();
      set.add(m.anonymousId);
      s.anonIdsByUser.set(m.userId, set);
    }
    if (m.type === 'alias' && (m.previousId !== m.anonymousId || !/^u-\d{6}$/.test(m.userId))) s.badAlias++;
    if (m.type !== 'track') continue;
    inc(s.byEvent, m.event);
    const p = m.properties;
    switch (m.event) {
      case 'Product Added':
        if (!cartCounted) s.cartSessions++;
        cartCounted = true;
        break;
      case 'Checkout Started':
        s.checkouts++;
        break;
      case 'Experiment Viewed':
        exposedVariant = p.variant as 'control' | 'treatment';
        s.exposures[exposedVariant]++;
        break;
      case 'Order Completed': {
        s.orders++;
        const id = String(p.order_id);
        if (s.orderIds.has(id) || !/^o-\d{8}$/.test(id)) s.revenueMismatches.push(`bad or duplicate order id ${id}`);
        s.orderIds.add(id);
        const products = p.products as Array<{ product_id: string; price: number; quantity: number }>;
        const expected = round2(products.reduce((sum, x) => sum + x.price * x.quantity, 0));
        if (p.revenue !== expected) s.revenueMismatches.push(`${id}: revenue ${String(p.revenue)} != ${expected}`);
        s.itemsPerOrder[Math.min(products.length, 6)]!++;
        const ids = new Set(products.map((x) => x.product_id));
        for (const r of COMPLEMENT_RULES) {
          if (ids.has(r.antecedent)) inc(s.ordersWithAntecedent, r.antecedent);
          if (ids.has(r.consequent)) inc(s.ordersWithConsequent, r.consequent);
          if (ids.has(r.antecedent) && ids.has(r.consequent)) inc(s.ordersWithPair, r.antecedent);
        }
        if (exposedVariant) s.conversions[exposedVariant]++;
        exposedVariant = undefined;
        break;
      }
    }
  }
  return s;
}

describe('generateDemoEvents: determinism', () => {
  it('same seed gives identical messages, different seeds differ', () => {
    const a = hashFirst(42, 5_000);
    expect(hashFirst(42, 5_000)).toBe(a);
    expect(hashFirst(43, 5_000)).not.toBe(a);
    expect(hashFirst(0, 5_000)).not.toBe(a);
  });

  it('validates options eagerly', () => {
    expect(() => generateDemoEvents(opts(1, 999))).toThrow(/events must be a number between 1000 and 10000000/);
    expect(() => generateDemoEvents(opts(1, 10_000_001))).toThrow(RangeError);
    expect(() => generateDemoEvents({ ...opts(1, 5_000), days: 0 })).toThrow(/days must be/);
    expect(() => generateDemoEvents({ ...opts(1, 5_000), start: new Date('nope') })).toThrow(/start must be a valid Date/);
    expect(() => generateDemoEvents({ ...opts(1.5, 5_000) })).toThrow(/seed/);
    expect(() => generateDemoEvents({ ...opts(1, 5_000), site: 'https://x' })).toThrow(/site/);
  });

  it('uses the site host name in URLs and tolerates a start that is not midnight', () => {
    const start = new Date('2026-03-05T13:45:00Z');
    let n = 0;
    for (const m of generateDemoEvents({ seed: 5, events: 2_000, start, days: 3, site: 'Shop.Example.org' })) {
      n++;
      expect(m.context.page!.url.startsWith('https://shop.example.org/')).toBe(true);
      expect(Date.parse(m.timestamp)).toBeGreaterThanOrEqual(start.getTime());
    }
    expect(n).toBe(2_000);
  });
});

describe.each([10_000, 200_000])('generateDemoEvents with %i events', (target) => {
  let s: Stats;
  beforeAll(() => {
    s = analyse(42, target);
  });

  it('emits the target number of messages (within ±5%)', () => {
    expect(Math.abs(s.messages - target) / target).toBeLessThanOrEqual(0.05);
    expect(s.persons.reduce((sum, p) => sum + p.events, 0)).toBe(s.messages);
    expect(s.persons.filter((p) => p.truncated).length).toBeLessThanOrEqual(1);
  });

  it('keeps every message in the period and each device in time order', () => {
    expect(s.outOfPeriod).toBe(0);
    expect(s.nonMonotonic).toBe(0);
  });

  it('has plausible funnel rates', () => {
    const cartRate = s.cartSessions / s.sessions;
    const checkoutRate = s.checkouts / s.cartSessions;
    const completion = s.orders / s.checkouts;
    const tol = target < 100_000 ? 2 : 1; // wider bands for the small sample
    expect(cartRate).toBeGreaterThan(0.08 - 0.025 * tol);
    expect(cartRate).toBeLessThan(0.08 + 0.025 * tol);
    expect(checkoutRate).toBeGreaterThan(0.4 - 0.07 * tol);
    expect(checkoutRate).toBeLessThan(0.4 + 0.07 * tol);
    expect(completion).toBeGreaterThan(0.7 - 0.07 * tol);
    expect(completion).toBeLessThan(0.7 + 0.07 * tol);
    // Page views dominate, then product views.
    expect(s.byType.get('page')! / s.messages).toBeGreaterThan(0.4);
    expect(s.byEvent.get('Product Viewed')!).toBeGreaterThan(s.byEvent.get('Product Added')! * 5);
  });

  it('gives every Order Completed a unique order_id and revenue = sum(price * quantity)', () => {
    expect(s.orders).toBeGreaterThan(0);
    expect(s.orderIds.size).toBe(s.orders);
    expect(s.revenueMismatches).toEqual([]);
  });

  it('mixes one-time buyers, repeat buyers and browsers', () => {
    const buyers = s.persons.filter((p) => p.orders > 0);
    expect(buyers.length).toBeGreaterThan(0);
    expect(s.persons.filter((p) => p.orders === 0).length).toBeGreaterThan(buyers.length * 5);
    if (target >= 200_000) {
      expect(buyers.filter((p) => p.orders >= 2).length).toBeGreaterThan(10);
      expect(Math.max(...buyers.map((p) => p.orders))).toBeGreaterThanOrEqual(4);
    }
    expect(s.persons.filter((p) => p.neverBuys && p.orders > 0)).toEqual([]);
  });

  it('sends identify/alias correctly and links devices by userId', () => {
    expect(s.byType.get('identify')!).toBeGreaterThan(0);
    expect(s.badAlias).toBe(0);
    if (target >= 200_000) {
      expect(s.byType.get('alias')!).toBeGreaterThan(0);
      const multi = [...s.anonIdsByUser.values()].filter((set) => set.size >= 2).length;
      expect(multi).toBeGreaterThan(20);
    }
  });

  it('tags paid search with cpc UTM and a click id, and has email sessions', () => {
    expect(s.paidSessions).toBeGreaterThan(0);
    expect(s.paidWithClickId).toBe(s.paidSessions);
    expect(s.emailSessions).toBeGreaterThan(0);
  });
});

describe('planted effects (200k events)', () => {
  let s: Stats;
  beforeAll(() => {
    s = analyse(42, 200_000);
  });

  it('treatment converts better than control at checkout', () => {
    const control = s.conversions.control / s.exposures.control;
    const treatment = s.conversions.treatment / s.exposures.treatment;
    // ~50/50 assignment.
    const share = s.exposures.treatment / (s.exposures.control + s.exposures.treatment);
    expect(share).toBeGreaterThan(0.42);
    expect(share).toBeLessThan(0.58);
    expect(treatment).toBeGreaterThan(control);
    expect(treatment / control).toBeGreaterThan(1.05);
  });

  it('boosts complement pairs in baskets (market-basket lift > 3)', () => {
    const lifts: number[] = [];
    for (const r of COMPLEMENT_RULES) {
      const a = s.ordersWithAntecedent.get(r.antecedent) ?? 0;
      const both = s.ordersWithPair.get(r.antecedent) ?? 0;
      const c = s.ordersWithConsequent.get(r.consequent) ?? 0;
      if (a >= 5 && c > 0) lifts.push(both / a / (c / s.orders));
    }
    expect(lifts.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...lifts)).toBeGreaterThan(3);
    // Baskets of 1..4 products, mostly single items.
    expect(s.itemsPerOrder[1]!).toBeGreaterThan(s.itemsPerOrder[2]!);
    expect(s.itemsPerOrder[2]! + s.itemsPerOrder[3]! + s.itemsPerOrder[4]!).toBeGreaterThan(0);
  });

  it('ground truth: purchaseProbability ranks buyers above non-buyers (AUC)', () => {
    // Among persons active for the whole period after arrival, P(buy) grows with purchaseProbability.
    const scored = s.persons.map((p) => ({ score: p.purchaseProbability, label: p.orders > 0 }));
    const auc = aucOf(scored);
    expect(auc).toBeGreaterThan(0.7);
    for (const p of s.persons) {
      expect(p.purchaseProbability).toBeGreaterThanOrEqual(0);
      expect(p.purchaseProbability).toBeLessThan(1);
      expect(p.churnHazard).toBeGreaterThan(0);
      expect(p.churnHazard).toBeLessThan(1);
      const lift = p.variant === 'treatment' ? 1 + SIMULATION_PARAMETERS.experimentLift : 1;
      if (!p.neverBuys) expect(p.completionProbability).toBeCloseTo(SIMULATION_PARAMETERS.controlCompletion * lift, 10);
    }
    // Persons who go quiet stop producing sessions.
    const quiet = s.persons.filter((p) => p.churnedAt !== null);
    expect(quiet.length).toBeGreaterThan(s.persons.length * 0.3);
    expect(s.persons.filter((p) => p.churnedAt === null).length).toBeGreaterThan(0);
  });
});

function aucOf(rows: { score: number; label: boolean }[]): number {
  const sorted = [...rows].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const avgRank = (i + j + 1) / 2; // 1-based average rank of ties
    for (let k = i; k < j; k++) if (sorted[k]!.label) {
      rankSum += avgRank;
      pos++;
    }
    i = j;
  }
  const neg = rows.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

describe('message shape', () => {
  it('passes the edge collector schema and uses Segment field conventions', () => {
    const seen = new Set<string>();
    for (const m of generateDemoEvents(opts(9, 20_000))) {
      const parsed = segmentMessageSchema.safeParse(m);
      if (!parsed.success) throw new Error(`${JSON.stringify(m).slice(0, 300)}: ${parsed.error.message}`);
      expect(JSON.stringify(m).length).toBeLessThan(32 * 1024);
      expect(m.messageId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(m.anonymousId).toMatch(/^[0-9a-f]{8}-/);
      expect(m.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(m.context.library).toEqual({ name: 'demo-generator', version: '1' });
      seen.add(m.type === 'track' ? m.event : m.type);
      if (m.type === 'identify') {
        expect(m.userId).toMatch(/^u-\d{6}$/);
        expect(m.traits.email).toMatch(/^[a-z]+\.[a-z]+\d+@example\.(com|net|org)$/);
        expect(m.traits.phone).toMatch(/^\+\d{1,2} [\d ]+$/);
      }
      if (m.type === 'track' && (m.event === 'Product Viewed' || m.event === 'Product Added')) {
        const p = PRODUCTS_BY_ID.get(String(m.properties.product_id))!;
        expect(m.properties).toMatchObject({ sku: p.sku, category: p.category, name: p.name, price: p.price, currency: 'USD' });
      }
      const campaign = m.context.campaign;
      if (campaign) {
        const url = new URL(m.context.page!.url);
        expect(url.searchParams.get('utm_source')).toBe(campaign.source);
        expect(url.searchParams.get('utm_medium')).toBe(campaign.medium);
        expect(url.searchParams.get('utm_campaign')).toBe(campaign.name);
      }
    }
    for (const name of ['page', 'identify', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Experiment Viewed', 'Signed Up', 'Searched']) {
      expect(seen.has(name), name).toBe(true);
    }
  });

  it('serializeMessage gives exactly JSON.stringify, also for foreign shapes', () => {
    let n = 0;
    for (const m of generateDemoEvents(opts(11, 30_000))) {
      n++;
      expect(serializeMessage(m)).toBe(JSON.stringify(m));
    }
    expect(n).toBe(30_000);
    const context = { userAgent: 'UA "quoted"', ip: '1.2.3.4', locale: 'en-US', page: { path: '/', url: 'u', referrer: '', title: 't', search: '' }, library: { name: 'demo-generator', version: '1' }, sessionId: 's' } as const;
    const odd: unknown[] = [
      { type: 'track', messageId: 'm', anonymousId: 'a', event: 'E', properties: { x: 1 }, timestamp: 't', context },
      { type: 'track', messageId: 'm', anonymousId: 'a', userId: undefined, event: 'E', properties: { x: 1 }, timestamp: 't', context },
      { type: 'track', anonymousId: 'a', messageId: 'm', event: 'E', properties: {}, timestamp: 't', context }, // other key order
      { type: 'page', messageId: 'm', anonymousId: 'a', name: 'P', properties: context.page, timestamp: 't', context: { ...context, ip: undefined } },
      { type: 'page', messageId: 'm', anonymousId: 'a', name: 'P', properties: [], timestamp: 't', context: { locale: 'x' } },
      { type: 'identify', messageId: 'm', anonymousId: 'a', userId: 'u', traits: { email: 'é' }, timestamp: 't', context },
    ];
    for (const m of odd) expect(serializeMessage(m as SegmentMessage)).toBe(JSON.stringify(m));
  });

  it('user agents parse to the intended device type', () => {
    const expectedType = new Map<UaFamily, string>();
    for (const mix of Object.values(BROWSER_MIXES)) {
      for (const [device, table] of Object.entries(mix)) for (const f of table.items) expectedType.set(f, device);
    }
    for (const [family, device] of expectedType) {
      for (const ua of UA_POOLS[family]) {
        const parsed = new UAParser(ua).getResult();
        expect(parsed.browser.name, ua).toBeTruthy();
        expect(parsed.device.type ?? 'desktop', ua).toBe(device);
      }
    }
  });

  it('catalogue: 200 products in 10 categories with complement pairs', () => {
    expect(PRODUCTS.length).toBe(200);
    expect(new Set(PRODUCTS.map((p) => p.category)).size).toBe(10);
    expect(new Set(PRODUCTS.map((p) => p.id)).size).toBe(200);
    expect(PRODUCTS[41]!.id).toBe('p-0042');
    for (const p of PRODUCTS) expect(Math.round(p.price * 100) / 100).toBe(p.price);
    expect(COMPLEMENT_RULES.length).toBeGreaterThanOrEqual(10);
    const phone = PRODUCTS.find((p) => p.name.endsWith('Smartphone X12'))!;
    const caseP = PRODUCTS.find((p) => p.name.endsWith('Phone Case X12'))!;
    expect(COMPLEMENT_RULES.some((r) => r.antecedent === phone.id && r.consequent === caseP.id)).toBe(true);
    expect(caseP.price).toBeLessThan(phone.price);
  });
});

describe('performance', () => {
  it('generates 1M messages (timing reported, not asserted)', () => {
    const t0 = performance.now();
    let n = 0;
    let last: SegmentMessage | undefined;
    for (const m of generateDemoEvents(opts(1, 1_000_000))) {
      n++;
      last = m;
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`[perf] generated ${n.toLocaleString('en-US')} messages in ${seconds.toFixed(2)} s (${Math.round(n / seconds).toLocaleString('en-US')} msg/s)`);
    expect(n).toBe(1_000_000);
    expect(last).toBeDefined();
  });
});
