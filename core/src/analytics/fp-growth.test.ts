import { describe, expect, it } from 'vitest';
import { associationRules, ruleCandidates } from './association-rules';
import { alsoBought, frequentItemsets, minimumCount, MiningLimitError, type AssociationRule, type FrequentItemset } from './fp-growth';
import { seededRng } from './stats';

/**
 * Textbook apriori (Agrawal and Srikant 1994): level-wise candidates joined from frequent (k-1)-sets
 * sharing their first k-2 items, pruned when a (k-1)-subset is infrequent, counted by scanning every
 * basket; rules by enumerating every split of every frequent itemset. Independent of fp-growth.ts.
 */
function apriori(baskets: string[][], minSupport: number, maxLength: number): Map<string, number> {
  const sets = baskets.map((b) => new Set(b));
  const n = baskets.length;
  const frequent = new Map<string, number>();
  let level: string[][] = [...new Set(baskets.flat())].sort().map((i) => [i]);
  for (let k = 1; k <= maxLength && level.length; k++) {
    const survivors: string[][] = [];
    for (const candidate of level) {
      const count = sets.filter((s) => candidate.every((i) => s.has(i))).length;
      if (count / n >= minSupport) {
        frequent.set(candidate.join('|'), count);
        survivors.push(candidate);
      }
    }
    const next: string[][] = [];
    for (let i = 0; i < survivors.length; i++) {
      for (let j = i + 1; j < survivors.length; j++) {
        const a = survivors[i]!;
        const b = survivors[j]!;
        if (a.slice(0, -1).join('|') !== b.slice(0, -1).join('|')) continue;
        const joined = [...a, b[b.length - 1]!].sort();
        const allSubsetsFrequent = joined.every((_, drop) => frequent.has(joined.filter((__, x) => x !== drop).join('|')));
        if (allSubsetsFrequent) next.push(joined);
      }
    }
    level = next;
  }
  return frequent;
}

function aprioriRules(frequent: Map<string, number>, n: number, minConfidence: number): string[] {
  const out: string[] = [];
  for (const [joined, count] of frequent) {
    const items = joined.split('|');
    if (items.length < 2) continue;
    for (let mask = 1; mask < (1 << items.length) - 1; mask++) {
      const x = items.filter((_, i) => mask & (1 << i));
      const y = items.filter((_, i) => !(mask & (1 << i)));
      const confidence = count / frequent.get(x.join('|'))!;
      if (confidence < minConfidence) continue;
      const sy = frequent.get(y.join('|'))! / n;
      const sx = frequent.get(x.join('|'))! / n;
      out.push(ruleKey({ antecedent: x, consequent: y, count, support: count / n, confidence, lift: confidence / sy, leverage: count / n - sx * sy, conviction: confidence === 1 ? null : (1 - sy) / (1 - confidence) }));
    }
  }
  return out.sort();
}

const round = (x: number | null) => (x === null ? 'inf' : x.toPrecision(12));
const ruleKey = (r: Pick<AssociationRule, 'antecedent' | 'consequent' | 'count' | 'support' | 'confidence' | 'lift' | 'leverage' | 'conviction'>) =>
  `${r.antecedent.join(',')}=>${r.consequent.join(',')} n=${r.count} s=${round(r.support)} c=${round(r.confidence)} l=${round(r.lift)} v=${round(r.leverage)} k=${round(r.conviction)}`;
const setMap = (sets: FrequentItemset[]) => new Map(sets.map((s) => [s.items.join('|'), s.count]));

describe('FP-growth', () => {
  it('finds the itemsets and rules of a basket set known by hand', () => {
    // 10 baskets: bread+milk in 4 (3 with butter), beer+diapers in 3.
    const baskets = [
      ['bread', 'milk', 'butter'],
      ['bread', 'milk', 'butter'],
      ['bread', 'milk', 'butter'],
      ['bread', 'milk'],
      ['bread'],
      ['beer', 'diapers'],
      ['beer', 'diapers', 'chips'],
      ['beer', 'diapers'],
      ['milk'],
      ['chips'],
    ];
    const sets = frequentItemsets(baskets, minimumCount(0.3, 10), 3);
    expect(sets).toEqual([
      { items: ['beer'], count: 3 },
      { items: ['bread'], count: 5 },
      { items: ['butter'], count: 3 },
      { items: ['diapers'], count: 3 },
      { items: ['milk'], count: 5 },
      { items: ['beer', 'diapers'], count: 3 },
      { items: ['bread', 'butter'], count: 3 },
      { items: ['bread', 'milk'], count: 4 },
      { items: ['butter', 'milk'], count: 3 },
      { items: ['bread', 'butter', 'milk'], count: 3 },
    ]);
    const { rules, total } = associationRules(sets, 10, { minConfidence: 0.8 });
    expect(total).toBe(9);
    const butterToBreadMilk = rules.find((r) => r.antecedent.join() === 'butter' && r.consequent.join() === 'bread,milk')!;
    // support 3/10; confidence 3/3; lift 1 / (4/10) = 2.5; leverage 0.3 - 0.3*0.4 = 0.18; conviction infinite.
    expect(butterToBreadMilk).toEqual({ antecedent: ['butter'], consequent: ['bread', 'milk'], support: 0.3, confidence: 1, lift: 2.5, leverage: 0.3 - 0.3 * 0.4, conviction: null, count: 3, antecedentCount: 3, consequentCount: 4 });
    const breadToMilk = rules.find((r) => r.antecedent.join() === 'bread' && r.consequent.join() === 'milk')!;
    // confidence 4/5 = 0.8, lift 0.8 / 0.5 = 1.6, leverage 0.4 - 0.25 = 0.15, conviction (1 - 0.5) / (1 - 0.8) = 2.5.
    expect(breadToMilk.confidence).toBe(0.8);
    expect(breadToMilk.lift).toBeCloseTo(1.6, 12);
    expect(breadToMilk.leverage).toBeCloseTo(0.15, 12);
    expect(breadToMilk.conviction).toBeCloseTo(2.5, 12);
    expect(rules.map((r) => `${r.antecedent}=>${r.consequent}`)).toEqual([
      'beer=>diapers',
      'diapers=>beer',
      'butter=>bread,milk',
      'bread,butter=>milk',
      'butter=>bread',
      'butter=>milk',
      'butter,milk=>bread',
      'bread=>milk',
      'milk=>bread',
    ]);
  });

  it('is identical to a textbook apriori on random baskets', () => {
    const rng = seededRng(11);
    for (let round = 0; round < 25; round++) {
      const itemCount = 4 + Math.floor(rng.next() * 12);
      const items = Array.from({ length: itemCount }, (_, i) => `i${i}`);
      // Skewed popularity and a few planted pairs so that longer itemsets exist.
      const baskets = Array.from({ length: 20 + Math.floor(rng.next() * 200) }, () => {
        const size = 1 + Math.floor(rng.next() * 5);
        const basket: string[] = [];
        for (let k = 0; k < size; k++) basket.push(items[Math.floor(rng.next() ** 2 * itemCount)]!);
        if (basket.includes('i0') && rng.next() < 0.6) basket.push('i1', 'i2');
        return basket;
      });
      const minSupport = [0.01, 0.02, 0.05, 0.1, 0.25][round % 5]!;
      const maxLength = 2 + (round % 4);
      const minConfidence = [0, 0.25, 0.5][round % 3]!;
      const expected = apriori(baskets, minSupport, maxLength);
      const sets = frequentItemsets(baskets, minimumCount(minSupport, baskets.length), maxLength);
      expect(setMap(sets)).toEqual(expected);
      const { rules } = associationRules(sets, baskets.length, { minConfidence });
      expect(rules.map(ruleKey).sort()).toEqual(aprioriRules(expected, baskets.length, minConfidence));
    }
  });

  it('mines itemsets and rules of up to 10 items (arules\' default maxlen) as the textbook apriori does', () => {
    const rng = seededRng(23);
    // A planted 11-item pattern whose copies each miss an item now and then: subsets of every length up
    // to 11 are frequent with different counts, so maxLength is what cuts. Other baskets are random.
    const pattern = Array.from({ length: 11 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    const others = Array.from({ length: 8 }, (_, i) => `q${i}`);
    for (const [maxLength, minSupport] of [[10, 0.05], [8, 0.06]] as const) {
      const baskets = Array.from({ length: 80 + Math.floor(rng.next() * 60) }, () =>
        rng.next() < 0.35 ? pattern.filter(() => rng.next() < 0.92) : Array.from({ length: 1 + Math.floor(rng.next() * 3) }, () => others[Math.floor(rng.next() * others.length)]!),
      );
      const expected = apriori(baskets, minSupport, maxLength);
      expect([...apriori(baskets, minSupport, maxLength + 1).keys()].some((k) => k.split('|').length === maxLength + 1)).toBe(true);
      const sets = frequentItemsets(baskets, minimumCount(minSupport, baskets.length), maxLength);
      expect(setMap(sets)).toEqual(expected);
      expect(Math.max(...sets.map((s) => s.items.length))).toBe(maxLength);
      const { rules } = associationRules(sets, baskets.length, { minConfidence: 0.95 });
      expect(rules.map(ruleKey).sort()).toEqual(aprioriRules(expected, baskets.length, 0.95));
      // A rule's length is its antecedent and consequent together, as arules counts maxlen.
      expect(rules.reduce((longest, r) => Math.max(longest, r.antecedent.length + r.consequent.length), 0)).toBe(maxLength);
    }
  });

  it('compares support exactly as count / baskets', () => {
    expect(minimumCount(0.006, 1000)).toBe(6);
    expect(minimumCount(0.3, 10)).toBe(3);
    expect(minimumCount(0.1, 3)).toBe(1);
    expect(minimumCount(0, 50)).toBe(1);
  });

  it('answers "bought A also bought B"', () => {
    const baskets = [['a', 'b'], ['a', 'b', 'c'], ['a', 'c'], ['a'], ['b'], ['c', 'd']];
    // 4 baskets with a; b in 2 of them (conf 0.5, lift 0.5 / (3/6) = 1), c in 2 (lift 0.5 / 0.5 = 1).
    expect(alsoBought(baskets, 'a')).toEqual({
      baskets: 4,
      items: [
        { item: 'b', count: 2, confidence: 0.5, lift: 1 },
        { item: 'c', count: 2, confidence: 0.5, lift: 1 },
      ],
    });
  });
});

describe('as arules mines them', () => {
  // The transactions of arules' own tests (tests/testthat/test-apriori.R and test-eclat.R, mhahsler/arules).
  const transactions = [['a', 'b', 'c'], ['a', 'b'], ['a', 'b', 'd'], ['b', 'e'], ['a', 'c'], ['c', 'e'], ['a', 'b', 'd', 'e']];

  it('takes the support count arules takes: ceil(baskets x minSupport), minSupport lowered by one ulp first', () => {
    // rapriori.c: "make sure supp and conf rounding does not mess up >=": supp = nextafter(supp, 0), then ceil(tacnt * supp).
    const view = new DataView(new ArrayBuffer(8));
    const towardZero = (x: number) => {
      view.setFloat64(0, x);
      view.setBigUint64(0, view.getBigUint64(0) - 1n);
      return view.getFloat64(0);
    };
    const supports = [...Array.from({ length: 1000 }, (_, k) => (k + 1) / 1000), 0.0001, 0.0005, 0.00333, 0.015, 0.123];
    const differ: string[] = [];
    for (let baskets = 1; baskets <= 500; baskets++) {
      for (const minSupport of supports) {
        const arules = Math.max(1, Math.ceil(baskets * towardZero(minSupport)));
        if (minimumCount(minSupport, baskets) !== arules) differ.push(`${minSupport} of ${baskets}: arules ${arules}`);
      }
    }
    expect(differ).toEqual([]);
    expect(minimumCount(0.006, 1000)).toBe(Math.ceil(1000 * towardZero(0.006)));
  });

  it('finds the 20 itemsets eclat finds with its defaults (support 0.1, maxlen 10)', () => {
    const sets = frequentItemsets(transactions, minimumCount(0.1, 7), 10);
    const arulesSupports = [0.14, 0.14, 0.14, 0.29, 0.29, 0.29, 0.14, 0.14, 0.29, 0.14, 0.14, 0.14, 0.14, 0.29, 0.57, 0.71, 0.71, 0.43, 0.43, 0.29];
    expect(sets).toHaveLength(20);
    expect(sets.map((s) => Math.round((s.count / 7) * 100) / 100).sort((x, y) => x - y)).toEqual(arulesSupports.sort((x, y) => x - y));
    expect(sets.find((s) => s.items.join() === 'a,d')?.count).toBe(2);
    expect(sets.find((s) => s.items.length === 4)?.items).toEqual(['a', 'b', 'd', 'e']);
  });

  it('has apriori\'s rules (support 0.25, confidence 0) among its own: those with one consequent item', () => {
    const sets = frequentItemsets(transactions, minimumCount(0.25, 7), 10);
    const { rules } = associationRules(sets, 7, { minConfidence: 0 });
    const oneConsequent = rules.filter((r) => r.consequent.length === 1).map((r) => `${r.antecedent}=>${r.consequent}`);
    // arules finds 18: these 13 and one "{} => {x}" per frequent item (minlen 1), which we do not list.
    expect(oneConsequent.sort()).toEqual(['a,b=>d', 'a,d=>b', 'a=>b', 'a=>c', 'a=>d', 'b,d=>a', 'b=>a', 'b=>d', 'b=>e', 'c=>a', 'd=>a', 'd=>b', 'e=>b']);
    expect(oneConsequent.length + sets.filter((s) => s.items.length === 1).length).toBe(18);
    // With appearance rhs = a or b (and a, b nowhere else) arules finds 6: {} => {a}, {} => {b} and these.
    const aOrB = (item: string) => item === 'a' || item === 'b';
    expect(rules.filter((r) => r.consequent.length === 1 && aOrB(r.consequent[0]!) && !r.antecedent.some(aOrB))).toHaveLength(4);
    // Every split of {a, b, d} (2^3 - 2) and of the five pairs (2 each).
    expect(rules).toHaveLength(16);
  });
});

describe('bounded work', () => {
  // Nested large baskets: x0..x11 in 2, x0..x8 in 3 more, x0..x5 in 5 more; single-item noise baskets.
  const x = (n: number) => Array.from({ length: n }, (_, i) => `x${String(i).padStart(2, '0')}`);
  const baskets = [x(12), x(12), x(9), x(9), x(9), x(6), x(6), x(6), x(6), x(6), ...Array.from({ length: 30 }, (_, i) => [`n${i % 7}`])];
  const itemsetsAt = (minCount: number, maxLength: number) => frequentItemsets(baskets, minCount, maxLength, Infinity);
  const limitOf = (run: () => unknown): MiningLimitError => {
    try {
      run();
    } catch (error) {
      if (error instanceof MiningLimitError) return error;
      throw error;
    }
    throw new Error('expected a MiningLimitError');
  };

  it('stops past maxItemsets and names the smallest support count and the largest length that fit', () => {
    const cap = 300;
    const error = limitOf(() => frequentItemsets(baskets, 2, 10, cap));
    // 4,082 itemsets of x00..x11 (up to 10 items) at count 2; 511 of x00..x08 up to count 5; 63 of x00..x05 from 6.
    expect(itemsetsAt(2, 10).length).toBe(4082 + 7);
    expect(error.detail).toEqual({ limit: 'itemsets', cap, candidates: null, fitsFromCount: 6, fitsUpToLength: 2 });
    expect(itemsetsAt(6, 10).length).toBeLessThanOrEqual(cap);
    expect(itemsetsAt(5, 10).length).toBeGreaterThan(cap);
    expect(itemsetsAt(2, 2).length).toBeLessThanOrEqual(cap);
    expect(itemsetsAt(2, 3).length).toBeGreaterThan(cap);
    expect(error.message).toBe('more than 300 frequent itemsets: the run fits from a support count of 6 or with itemsets of at most 2 items');
    expect(() => frequentItemsets(baskets, 6, 10, cap)).not.toThrow();
    expect(() => frequentItemsets(baskets, 2, 2, cap)).not.toThrow();
  });

  it('names no length when even single items are too many', () => {
    // From a count of 11 nothing is frequent; at 10 the 63 itemsets of x00..x05 are.
    expect(limitOf(() => frequentItemsets(baskets, 1, 10, 15)).detail).toEqual({ limit: 'itemsets', cap: 15, candidates: null, fitsFromCount: 11, fitsUpToLength: null });
    expect(itemsetsAt(1, 1).length).toBe(12 + 7);
  });

  it('stops past maxCandidates rule splits, naming exactly what fits from the itemsets it has', () => {
    const sets = itemsetsAt(2, 10);
    const cap = 20_000;
    const error = limitOf(() => associationRules(sets, baskets.length, { minConfidence: 0, maxCandidates: cap }));
    const splits = (minCount: number, maxLength: number) => ruleCandidates(sets.filter((s) => s.count >= minCount && s.items.length <= maxLength));
    // 3^12 - 2^13 + 1 splits of x00..x11, less those of its 13 subsets of 11 and 12 items.
    expect(error.detail).toEqual({ limit: 'rules', cap, candidates: splits(2, 10), fitsFromCount: 3, fitsUpToLength: 4 });
    expect(splits(2, 10)).toBe(3 ** 12 - 2 ** 13 + 1 - 12 * (2 ** 11 - 2) - (2 ** 12 - 2));
    expect(splits(3, 10)).toBeLessThanOrEqual(cap);
    expect(splits(2, 4)).toBeLessThanOrEqual(cap);
    expect(splits(2, 5)).toBeGreaterThan(cap);
    expect(error.message).toBe(`${splits(2, 10).toLocaleString('en-US')} candidate rules (splits of the frequent itemsets), more than 20,000: the run fits from a support count of 3 or with itemsets of at most 4 items`);
  });

  it('keeps the first `limit` rules in rule order and counts them all', () => {
    const rng = seededRng(5);
    // Ties on lift, confidence and count (the nested baskets) and distinct values (random baskets).
    const mixed = [...baskets, ...Array.from({ length: 60 }, () => Array.from({ length: 1 + Math.floor(rng.next() * 4) }, () => `x${String(Math.floor(rng.next() * 14)).padStart(2, '0')}`))];
    const sets = frequentItemsets(mixed, 3, 6);
    const all = associationRules(sets, mixed.length, { minConfidence: 0.3 });
    expect(all.total).toBe(all.rules.length);
    expect(all.total).toBeGreaterThan(5000);
    for (const limit of [1, 7, 100, 1000, all.total, all.total + 1]) {
      const top = associationRules(sets, mixed.length, { minConfidence: 0.3, limit });
      expect(top.total).toBe(all.total);
      expect(top.rules).toEqual(all.rules.slice(0, limit));
    }
  });
});
