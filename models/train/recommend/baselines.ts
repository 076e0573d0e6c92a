/**
 * Recommendation baselines. Popularity: the number of persons who interacted with an item.
 * Item-item co-occurrence: cosine similarity between items' person sets (binary), and a person's
 * score for item j is sum over their history items i of weight(i) x cos(i, j).
 */
import type { TrainingPair } from './leave-last-out';

export function popularity(pairs: readonly TrainingPair[], items: number): Float64Array {
  const counts = new Float64Array(items);
  for (const p of pairs) counts[p.item]! += 1;
  return counts;
}

export class ItemCooccurrence {
  /** [items, items] cosine similarities, 0 on the diagonal. */
  readonly similarity: Float64Array;

  constructor(
    pairs: readonly TrainingPair[],
    readonly items: number,
  ) {
    const byPerson = new Map<number, number[]>();
    for (const p of pairs) {
      const list = byPerson.get(p.person);
      if (list) list.push(p.item);
      else byPerson.set(p.person, [p.item]);
    }
    const counts = new Float64Array(items);
    const together = new Float64Array(items * items);
    for (const list of byPerson.values()) {
      const unique = [...new Set(list)];
      for (const i of unique) counts[i]! += 1;
      for (let a = 0; a < unique.length; a++) {
        for (let b = a + 1; b < unique.length; b++) {
          together[unique[a]! * items + unique[b]!]! += 1;
          together[unique[b]! * items + unique[a]!]! += 1;
        }
      }
    }
    this.similarity = new Float64Array(items * items);
    for (let i = 0; i < items; i++) {
      for (let j = 0; j < items; j++) {
        const both = together[i * items + j]!;
        if (both > 0) this.similarity[i * items + j] = both / Math.sqrt(counts[i]! * counts[j]!);
      }
    }
  }

  /** Adds weight x similarity of each history item to `out` (length items). */
  score(history: readonly { item: number; weight: number }[], out: Float64Array): void {
    for (const { item, weight } of history) {
      const row = item * this.items;
      for (let j = 0; j < this.items; j++) out[j]! += weight * this.similarity[row + j]!;
    }
  }
}
