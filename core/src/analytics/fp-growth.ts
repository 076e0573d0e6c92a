/**
 * Exact frequent itemsets by FP-growth (Han, Pei and Yin 2000) and association rules over them.
 * Baskets are sets: an item counted twice in one basket counts once. An itemset is frequent when
 * count / baskets >= minSupport, compared exactly as that division (see minimumCount), so the result
 * is identical to a level-wise apriori run with the same thresholds (fp-growth.test.ts checks it).
 *
 * Work is bounded by what a run produces, not by a short maximum length: a run mines at most
 * `maxItemsets` frequent itemsets and considers at most `maxCandidates` rules (the 2^k - 2 splits of
 * each k-item itemset). Past either bound it stops with a MiningLimitError that names the smallest
 * support count and the largest itemset length at which the same run fits.
 */

/**
 * Frequent itemsets one run may mine: each holds about 130 bytes once mined (twice that while mining),
 * so a run stays within tens of MB in the browser's worker, whatever the baskets.
 */
export const MAX_FREQUENT_ITEMSETS = 100_000;

/**
 * Rules one run may consider: every split of every frequent itemset, 2^k - 2 for k items, before the
 * confidence and lift thresholds. Only the `limit` best rules are kept, so this bounds time, not
 * memory: 100,000 itemsets of 10 items would otherwise be 100 million splits.
 */
export const MAX_RULE_CANDIDATES = 2_000_000;

/** A run past one of the bounds, with the nearest settings that fit. */
export interface MiningLimit {
  limit: 'itemsets' | 'rules';
  /** The bound that was passed. */
  cap: number;
  /** For `rules`: the run's rule candidates. For `itemsets` unknown, as mining stops at cap + 1. */
  candidates: number | null;
  /** The smallest support count at which the run fits with the same maxLength (may exceed the baskets). */
  fitsFromCount: number;
  /** The largest maxLength (at least 1) at which the run fits with the same support count; null when none does. */
  fitsUpToLength: number | null;
}

export class MiningLimitError extends Error {
  override name = 'MiningLimitError';
  constructor(readonly detail: MiningLimit) {
    const what = detail.limit === 'itemsets' ? `more than ${whole(detail.cap)} frequent itemsets` : `${whole(detail.candidates ?? 0)} candidate rules (splits of the frequent itemsets), more than ${whole(detail.cap)}`;
    const length = detail.fitsUpToLength === null ? '' : ` or with itemsets of at most ${detail.fitsUpToLength} items`;
    super(`${what}: the run fits from a support count of ${whole(detail.fitsFromCount)}${length}`);
  }
}

export const whole = (n: number) => n.toLocaleString('en-US');

export interface FrequentItemset {
  /** Items in ascending string order. */
  items: string[];
  count: number;
}

export interface AssociationRule {
  antecedent: string[];
  consequent: string[];
  /** count / baskets. */
  support: number;
  /** count / antecedentCount. */
  confidence: number;
  /** confidence / support(consequent). */
  lift: number;
  /** support - support(antecedent) * support(consequent). */
  leverage: number;
  /** (1 - support(consequent)) / (1 - confidence); null when confidence is 1 (infinite). */
  conviction: number | null;
  /** Baskets holding antecedent and consequent. */
  count: number;
  antecedentCount: number;
  consequentCount: number;
}

/** The smallest count c with c / baskets >= minSupport in floating point (at least 1). */
export function minimumCount(minSupport: number, baskets: number): number {
  if (baskets === 0) return 1;
  let c = Math.max(1, Math.ceil(minSupport * baskets));
  while (c > 1 && (c - 1) / baskets >= minSupport) c--;
  while (c / baskets < minSupport) c++;
  return c;
}

interface FpNode {
  item: number;
  count: number;
  parent: FpNode | null;
  children: Map<number, FpNode>;
}

interface FpTree {
  /** Nodes per item. */
  header: Map<number, FpNode[]>;
  /** Total count per item in this tree. */
  counts: Map<number, number>;
}

interface WeightedTransaction {
  /** Item ranks in ascending order (most frequent first). */
  items: number[];
  weight: number;
}

function buildTree(transactions: readonly WeightedTransaction[], minCount: number): FpTree {
  const totals = new Map<number, number>();
  for (const t of transactions) for (const item of t.items) totals.set(item, (totals.get(item) ?? 0) + t.weight);
  const counts = new Map([...totals].filter(([, n]) => n >= minCount));
  if (counts.size === 0) return { header: new Map(), counts };
  const root: FpNode = { item: -1, count: 0, parent: null, children: new Map() };
  const header = new Map<number, FpNode[]>();
  for (const t of transactions) {
    let node = root;
    for (const item of t.items) {
      if (!counts.has(item)) continue;
      let child = node.children.get(item);
      if (!child) {
        child = { item, count: 0, parent: node, children: new Map() };
        node.children.set(item, child);
        const list = header.get(item);
        if (list) list.push(child);
        else header.set(item, [child]);
      }
      child.count += t.weight;
      node = child;
    }
  }
  return { header, counts };
}

/** Mines depth first; stops (returning false) as soon as `emit` returns false. */
function mine(tree: FpTree, suffix: readonly number[], minCount: number, maxLength: number, emit: (items: number[], count: number) => boolean): boolean {
  for (const [item, nodes] of tree.header) {
    const itemset = [item, ...suffix];
    if (!emit(itemset, tree.counts.get(item)!)) return false;
    if (itemset.length >= maxLength) continue;
    const base: WeightedTransaction[] = [];
    for (const node of nodes) {
      const path: number[] = [];
      for (let p = node.parent; p && p.item !== -1; p = p.parent) path.push(p.item);
      if (path.length) base.push({ items: path.reverse(), weight: node.count });
    }
    if (base.length === 0) continue;
    const conditional = buildTree(base, minCount);
    if (conditional.header.size && !mine(conditional, itemset, minCount, maxLength, emit)) return false;
  }
  return true;
}

/** Baskets as rank lists, ranked once for every support count a run and its probes mine at. */
interface RankedBaskets {
  /** Item of each rank; ranks go by descending basket count, ties by name. */
  names: string[];
  /** Basket count of each rank. */
  counts: number[];
  transactions: WeightedTransaction[];
}

function rankBaskets(baskets: readonly (readonly string[])[]): RankedBaskets {
  const singles = new Map<string, number>();
  const sets = baskets.map((basket) => [...new Set(basket)]);
  for (const set of sets) for (const item of set) singles.set(item, (singles.get(item) ?? 0) + 1);
  const ranked = [...singles].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]));
  const rank = new Map(ranked.map(([item], i) => [item, i]));
  const transactions = sets.filter((set) => set.length).map((set) => ({ items: set.map((item) => rank.get(item)!).sort((a, b) => a - b), weight: 1 }));
  return { names: ranked.map(([item]) => item), counts: ranked.map(([, n]) => n), transactions };
}

interface Mined {
  /** False when mining stopped past `maxItemsets`; `itemsets` then holds the first maxItemsets + 1. */
  complete: boolean;
  itemsets: { ranks: number[]; count: number }[];
}

function mineRanked(ranked: RankedBaskets, minCount: number, maxLength: number, maxItemsets: number): Mined {
  const itemsets: Mined['itemsets'] = [];
  if (maxLength < 1) return { complete: true, itemsets };
  const complete = mine(buildTree(ranked.transactions, minCount), [], minCount, maxLength, (ranks, count) => {
    itemsets.push({ ranks, count });
    return itemsets.length <= maxItemsets;
  });
  return { complete, itemsets };
}

/**
 * The nearest settings under the itemset bound, by probes that each stop past it. Fitting is monotone
 * (a higher count or a shorter length only removes itemsets), so binary search finds the exact edge;
 * a failed probe's maxItemsets + 1 itemsets all reach their smallest count, so no count up to it fits.
 */
function itemsetLimit(ranked: RankedBaskets, minCount: number, maxLength: number, maxItemsets: number, overflow: Mined): MiningLimit {
  const smallestCount = (mined: Mined) => mined.itemsets.reduce((least, s) => Math.min(least, s.count), Infinity);
  let tooLow = Math.max(minCount, smallestCount(overflow));
  // Past the most frequent item nothing is frequent.
  let fits = (ranked.counts[0] ?? 0) + 1;
  while (fits - tooLow > 1) {
    const count = Math.floor((tooLow + fits) / 2);
    const probe = mineRanked(ranked, count, maxLength, maxItemsets);
    if (probe.complete) fits = count;
    else tooLow = smallestCount(probe);
  }
  let shortEnough = 0;
  let tooLong = maxLength;
  while (tooLong - shortEnough > 1) {
    const length = Math.floor((shortEnough + tooLong) / 2);
    if (mineRanked(ranked, minCount, length, maxItemsets).complete) shortEnough = length;
    else tooLong = length;
  }
  return { limit: 'itemsets', cap: maxItemsets, candidates: null, fitsFromCount: fits, fitsUpToLength: shortEnough >= 1 ? shortEnough : null };
}

/**
 * Every itemset of at most maxLength items in at least minCount baskets. Throws MiningLimitError when
 * there are more than maxItemsets of them.
 */
export function frequentItemsets(baskets: readonly (readonly string[])[], minCount: number, maxLength: number, maxItemsets = MAX_FREQUENT_ITEMSETS): FrequentItemset[] {
  const ranked = rankBaskets(baskets);
  const mined = mineRanked(ranked, minCount, maxLength, maxItemsets);
  if (!mined.complete) throw new MiningLimitError(itemsetLimit(ranked, minCount, maxLength, maxItemsets, mined));
  return mined.itemsets
    .map(({ ranks, count }) => ({ items: ranks.map((i) => ranked.names[i]!).sort(compareText), count }))
    .sort((a, b) => a.items.length - b.items.length || compareItemLists(a.items, b.items));
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareItemLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareText(a[i]!, b[i]!);
    if (c) return c;
  }
  return a.length - b.length;
}

export interface AlsoBought {
  item: string;
  /** Baskets holding both. */
  count: number;
  /** count / baskets with the anchor item: P(item | anchor). */
  confidence: number;
  lift: number;
}

/** "Bought A also bought B": every item sharing a basket with `anchor`, by confidence then lift. */
export function alsoBought(baskets: readonly (readonly string[])[], anchor: string, limit = 20): { baskets: number; items: AlsoBought[] } {
  const singles = new Map<string, number>();
  const together = new Map<string, number>();
  let withAnchor = 0;
  for (const basket of baskets) {
    const set = new Set(basket);
    for (const item of set) singles.set(item, (singles.get(item) ?? 0) + 1);
    if (!set.has(anchor)) continue;
    withAnchor++;
    for (const item of set) if (item !== anchor) together.set(item, (together.get(item) ?? 0) + 1);
  }
  const items = [...together].map(([item, count]) => {
    const confidence = count / withAnchor;
    return { item, count, confidence, lift: confidence / (singles.get(item)! / baskets.length) };
  });
  items.sort((a, b) => b.confidence - a.confidence || b.lift - a.lift || compareText(a.item, b.item));
  return { baskets: withAnchor, items: items.slice(0, limit) };
}
