/**
 * Leave-last-out ranking quality: each evaluated person has one held-out item; a scorer ranks every
 * item the person has not interacted with before, and we report hit rate and NDCG at k over persons.
 * The held-out item's rank is 1 + (items scored strictly higher) + half the items tied with it, so a
 * constant scorer gets the rank a random order would give on average, not the best one.
 */
export interface RankingCase {
  /** Items interacted with before the held-out one: excluded from the ranking. */
  history: readonly number[];
  heldOut: number;
}

export interface RankingMetrics {
  persons: number;
  k: number;
  hitRate: number;
  ndcg: number;
}

/** Scores for every item (index = item index) for the person of case `index`. */
export type ItemScorer = (caseIndex: number, out: Float64Array) => void;

export function heldOutRank(scores: ArrayLike<number>, heldOut: number, excluded: ReadonlySet<number>): number {
  const target = scores[heldOut]!;
  if (!Number.isFinite(target)) throw new Error(`ranking: score of the held-out item ${heldOut} is ${target}`);
  let higher = 0;
  let ties = 0;
  for (let item = 0; item < scores.length; item++) {
    if (item === heldOut || excluded.has(item)) continue;
    const s = scores[item]!;
    if (s > target) higher++;
    else if (s === target) ties++;
  }
  return 1 + higher + ties / 2;
}

export function rankingMetrics(cases: readonly RankingCase[], items: number, scorer: ItemScorer, k = 10): RankingMetrics {
  const scores = new Float64Array(items);
  let hits = 0;
  let gain = 0;
  cases.forEach((c, index) => {
    scores.fill(0);
    scorer(index, scores);
    const rank = heldOutRank(scores, c.heldOut, new Set(c.history));
    if (rank <= k) {
      hits += 1;
      gain += 1 / Math.log2(rank + 1);
    }
  });
  const n = cases.length;
  return { persons: n, k, hitRate: n ? hits / n : Number.NaN, ndcg: n ? gain / n : Number.NaN };
}
