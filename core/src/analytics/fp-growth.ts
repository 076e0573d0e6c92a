/**
 * Exact frequent itemsets by FP-growth (Han, Pei and Yin 2000) and association rules over them.
 * Baskets are sets: an item counted twice in one basket counts once. An itemset is frequent when
 * count / baskets >= minSupport, compared exactly as that division (see minimumCount), so the result
 * is identical to a level-wise apriori run with the same thresholds (fp-growth.test.ts checks it).
 */

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

function mine(tree: FpTree, suffix: readonly number[], minCount: number, maxLength: number, emit: (items: number[], count: number) => void): void {
  for (const [item, nodes] of tree.header) {
    const itemset = [item, ...suffix];
    emit(itemset, tree.counts.get(item)!);
    if (itemset.length >= maxLength) continue;
    const base: WeightedTransaction[] = [];
    for (const node of nodes) {
      const path: number[] = [];
      for (let p = node.parent; p && p.item !== -1; p = p.parent) path.push(p.item);
      if (path.length) base.push({ items: path.reverse(), weight: node.count });
    }
    if (base.length === 0) continue;
    const conditional = buildTree(base, minCount);
    if (conditional.header.size) mine(conditional, itemset, minCount, maxLength, emit);
  }
}

/** Every itemset of at most maxLength items in at least minCount baskets. */
export function frequentItemsets(baskets: readonly (readonly string[])[], minCount: number, maxLength: number): FrequentItemset[] {
  const singles = new Map<string, number>();
  const sets = baskets.map((basket) => [...new Set(basket)]);
  for (const set of sets) for (const item of set) singles.set(item, (singles.get(item) ?? 0) + 1);
  const ranked = [...singles].filter(([, n]) => n >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rank = new Map(ranked.map(([item], i) => [item, i]));
  const names = ranked.map(([item]) => item);
  const transactions: WeightedTransaction[] = [];
  for (const set of sets) {
    const items = set.flatMap((item) => (rank.has(item) ? [rank.get(item)!] : [])).sort((a, b) => a - b);
    if (items.length) transactions.push({ items, weight: 1 });
  }
  const result: FrequentItemset[] = [];
  if (maxLength < 1) return result;
  mine(buildTree(transactions, minCount), [], minCount, maxLength, (items, count) => {
    result.push({ items: items.map((i) => names[i]!).sort(compareText), count });
  });
  return result.sort((a, b) => a.items.length - b.items.length || compareItemLists(a.items, b.items));
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareItemLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareText(a[i]!, b[i]!);
    if (c) return c;
  }
  return a.length - b.length;
}

const key = (items: readonly string[]) => items.join('\u0000');

export interface RuleOptions {
  minConfidence: number;
  /** Keep rules with lift >= minLift (default 0: all). */
  minLift?: number;
}

/** Rules X -> Y for every frequent itemset X u Y of two or more items and every split of it. */
export function associationRules(itemsets: readonly FrequentItemset[], baskets: number, options: RuleOptions): AssociationRule[] {
  const counts = new Map(itemsets.map((s) => [key(s.items), s.count]));
  const rules: AssociationRule[] = [];
  for (const set of itemsets) {
    const n = set.items.length;
    if (n < 2) continue;
    for (let mask = 1; mask < (1 << n) - 1; mask++) {
      const antecedent = set.items.filter((_, i) => mask & (1 << i));
      const consequent = set.items.filter((_, i) => !(mask & (1 << i)));
      const antecedentCount = counts.get(key(antecedent))!;
      const consequentCount = counts.get(key(consequent))!;
      const support = set.count / baskets;
      const confidence = set.count / antecedentCount;
      if (confidence < options.minConfidence) continue;
      const consequentSupport = consequentCount / baskets;
      const lift = confidence / consequentSupport;
      if (lift < (options.minLift ?? 0)) continue;
      rules.push({
        antecedent,
        consequent,
        support,
        confidence,
        lift,
        leverage: support - (antecedentCount / baskets) * consequentSupport,
        conviction: confidence === 1 ? null : (1 - consequentSupport) / (1 - confidence),
        count: set.count,
        antecedentCount,
        consequentCount,
      });
    }
  }
  return rules.sort(
    (a, b) =>
      b.lift - a.lift || b.confidence - a.confidence || b.count - a.count || compareItemLists(a.antecedent, b.antecedent) || compareItemLists(a.consequent, b.consequent),
  );
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
