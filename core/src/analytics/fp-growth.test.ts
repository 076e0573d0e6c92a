import { describe, expect, it } from 'vitest';
import { alsoBought, associationRules, frequentItemsets, minimumCount, type AssociationRule, type FrequentItemset } from './fp-growth';
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
    const rules = associationRules(sets, 10, { minConfidence: 0.8 });
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
      const rules = associationRules(sets, baskets.length, { minConfidence });
      expect(rules.map(ruleKey).sort()).toEqual(aprioriRules(expected, baskets.length, minConfidence));
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
