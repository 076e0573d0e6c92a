/**
 * Association rules over frequent itemsets (see fp-growth.ts): every split of each itemset into antecedent and
 * consequent, filtered by confidence and lift, of which only the `limit` best are kept while they are generated.
 */
import { compareText, compareItemLists, MAX_RULE_CANDIDATES, MiningLimitError, whole, type AssociationRule, type FrequentItemset, type MiningLimit } from './fp-growth';

export interface RuleOptions {
  minConfidence: number;
  /** Keep rules with lift >= minLift (default 0: all). */
  minLift?: number;
  /** Keep only the first `limit` rules in rule order (default: all); `total` still counts every rule. */
  limit?: number;
  /** Default MAX_RULE_CANDIDATES. */
  maxCandidates?: number;
}

export interface RuleSet {
  /** Rules passing the thresholds, at most `limit`, by lift, confidence, count, then items. */
  rules: AssociationRule[];
  /** Rules passing the thresholds. */
  total: number;
}

const splitsOf = (itemCount: number) => (itemCount < 2 ? 0 : 2 ** itemCount - 2);

/** Rules a set of itemsets yields before thresholds: every split X -> Y of every itemset of two or more items. */
export function ruleCandidates(itemsets: readonly FrequentItemset[]): number {
  return itemsets.reduce((sum, set) => sum + splitsOf(set.items.length), 0);
}

/**
 * The nearest settings under the rule bound, exactly from the itemsets at hand: a higher count or a
 * shorter length keeps a subset of them, and their counts do not change.
 */
function ruleLimit(itemsets: readonly FrequentItemset[], maxCandidates: number, candidates: number): MiningLimit {
  const byCount = new Map<number, number>();
  const byLength: number[] = [];
  for (const set of itemsets) {
    byCount.set(set.count, (byCount.get(set.count) ?? 0) + splitsOf(set.items.length));
    byLength[set.items.length] = (byLength[set.items.length] ?? 0) + splitsOf(set.items.length);
  }
  let fitsFromCount = 0;
  let sum = 0;
  for (const count of [...byCount.keys()].sort((a, b) => b - a)) {
    sum += byCount.get(count)!;
    if (sum > maxCandidates) {
      fitsFromCount = count + 1;
      break;
    }
  }
  let fitsUpToLength = 1;
  sum = 0;
  for (let length = 2; length < byLength.length; length++) {
    sum += byLength[length] ?? 0;
    if (sum > maxCandidates) break;
    fitsUpToLength = length;
  }
  return { limit: 'rules', cap: maxCandidates, candidates, fitsFromCount, fitsUpToLength };
}

/** compareRules of the split `mask` of `items` (bit i set: items[i] in the antecedent) against `rule`, building no arrays. */
function compareSplit(lift: number, confidence: number, count: number, items: readonly string[], mask: number, rule: AssociationRule): number {
  return rule.lift - lift || rule.confidence - confidence || rule.count - count || compareSide(items, mask, 1, rule.antecedent) || compareSide(items, mask, 0, rule.consequent);
}

/** compareItemLists of the items whose mask bit is `bit` against `list`. */
function compareSide(items: readonly string[], mask: number, bit: number, list: readonly string[]): number {
  let j = 0;
  for (let i = 0; i < items.length; i++) {
    if (((mask >> i) & 1) !== bit) continue;
    if (j === list.length) return 1;
    const c = compareText(items[i]!, list[j]!);
    if (c) return c;
    j++;
  }
  return j - list.length;
}

/**
 * Moves the first `k` rules in rule order to the front, the k-th of them at k - 1 (Hoare's selection):
 * linear on average, where sorting every batch made ties on lift, confidence and count cost seconds.
 */
function selectFirst(rules: AssociationRule[], k: number): void {
  const target = k - 1;
  let lo = 0;
  let hi = rules.length - 1;
  while (lo < hi) {
    const pivot = rules[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (compareRules(rules[i]!, pivot) < 0) i++;
      while (compareRules(rules[j]!, pivot) > 0) j--;
      if (i <= j) {
        [rules[i], rules[j]] = [rules[j]!, rules[i]!];
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

function compareRules(a: AssociationRule, b: AssociationRule): number {
  return b.lift - a.lift || b.confidence - a.confidence || b.count - a.count || compareItemLists(a.antecedent, b.antecedent) || compareItemLists(a.consequent, b.consequent);
}

interface CountNode {
  count: number;
  children: Map<string, CountNode>;
}

/** The itemsets' counts as a trie over their sorted items: every subset of an itemset is in it (downward closure). */
function countTrie(itemsets: readonly FrequentItemset[]): CountNode {
  const root: CountNode = { count: 0, children: new Map() };
  for (const set of itemsets) {
    let node = root;
    for (const item of set.items) {
      let child = node.children.get(item);
      if (!child) {
        child = { count: 0, children: new Map() };
        node.children.set(item, child);
      }
      node = child;
    }
    node.count = set.count;
  }
  return root;
}

/**
 * Rules X -> Y for every frequent itemset X u Y of two or more items and every split of it. Throws
 * MiningLimitError when that is more than maxCandidates splits.
 */
export function associationRules(itemsets: readonly FrequentItemset[], baskets: number, options: RuleOptions): RuleSet {
  const maxCandidates = options.maxCandidates ?? MAX_RULE_CANDIDATES;
  const candidates = ruleCandidates(itemsets);
  if (candidates > maxCandidates) throw new MiningLimitError(ruleLimit(itemsets, maxCandidates, candidates));
  const limit = Math.max(1, options.limit ?? Infinity);
  const minLift = options.minLift ?? 0;
  const trie = countTrie(itemsets);
  const kept: AssociationRule[] = [];
  // The last kept rule once the kept rules were trimmed to `limit`; rules after it cannot be returned.
  let worst: AssociationRule | null = null;
  let total = 0;
  for (const set of itemsets) {
    const n = set.items.length;
    if (n < 2) continue;
    const full = (1 << n) - 1;
    // Subset `mask` is one trie step from the same subset without its last (highest-bit) item.
    const subsets: CountNode[] = [trie];
    for (let mask = 1; mask <= full; mask++) {
      const last = 31 - Math.clz32(mask);
      subsets[mask] = subsets[mask ^ (1 << last)]!.children.get(set.items[last]!)!;
    }
    const support = set.count / baskets;
    for (let mask = 1; mask < full; mask++) {
      const antecedentCount = subsets[mask]!.count;
      const consequentCount = subsets[full ^ mask]!.count;
      const confidence = set.count / antecedentCount;
      if (confidence < options.minConfidence) continue;
      const consequentSupport = consequentCount / baskets;
      const lift = confidence / consequentSupport;
      if (lift < minLift) continue;
      total++;
      if (worst && compareSplit(lift, confidence, set.count, set.items, mask, worst) > 0) continue;
      kept.push({
        antecedent: set.items.filter((_, i) => mask & (1 << i)),
        consequent: set.items.filter((_, i) => !(mask & (1 << i))),
        support,
        confidence,
        lift,
        leverage: support - (antecedentCount / baskets) * consequentSupport,
        conviction: confidence === 1 ? null : (1 - consequentSupport) / (1 - confidence),
        count: set.count,
        antecedentCount,
        consequentCount,
      });
      // Trimmed in batches, so memory stays at twice the limit however many rules pass.
      if (kept.length >= 2 * limit) {
        selectFirst(kept, limit);
        kept.length = limit;
        worst = kept[limit - 1]!;
      }
    }
  }
  kept.sort(compareRules);
  if (kept.length > limit) kept.length = limit;
  return { rules: kept, total };
}
