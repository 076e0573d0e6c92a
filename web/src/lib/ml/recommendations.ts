/**
 * Recommendations in the dashboard: every product scored for a person by the recommender in the
 * model worker, the person's purchases left out unless asked; for a group of persons (a segment),
 * the products with the highest mean score among the members who have not bought them.
 */
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { recommendationInput, segmentTopItems, topItems, type RecommendationInput, type RecommenderIds, type ScoredItem, type SegmentItem } from '@privacy-analytics/models/score';
import type { RecommenderModel } from './model-files';
import { SCORING_BATCH_ROWS, type BatchScorer } from './person-scoring';

export const RECOMMENDER_NAME = 'recommend';

export class Recommender {
  readonly #scorer: BatchScorer;
  readonly #ids: RecommenderIds;
  readonly input: RecommendationInput;
  readonly #index: Map<string, number>;

  private constructor(scorer: BatchScorer, ids: RecommenderIds, input: RecommendationInput) {
    this.#scorer = scorer;
    this.#ids = ids;
    this.input = input;
    this.#index = new Map(input.persons.map((p, i) => [p, i]));
  }

  static async open(engine: QueryEngine, scorer: BatchScorer, model: RecommenderModel, ids: RecommenderIds): Promise<Recommender> {
    return new Recommender(scorer, ids, await recommendationInput(engine, model.metadata, ids));
  }

  get items(): readonly string[] {
    return this.#ids.items;
  }

  has(person: string): boolean {
    return this.#index.has(person);
  }

  /** Whether the model was trained with this person (else only the product-side terms score). */
  knows(person: string): boolean {
    const i = this.#index.get(person);
    return i !== undefined && this.input.rows[i]! > 0;
  }

  purchased(person: string): string[] {
    const i = this.#index.get(person);
    return i === undefined ? [] : [...this.input.purchased[i]!].map((item) => this.#ids.items[item]!).sort();
  }

  /** Scores of every item for each of `members` (indices into input.persons), in batches. */
  async #scoreMembers(members: readonly number[]): Promise<Float32Array[]> {
    const items = this.#ids.items.length;
    const perBatch = Math.max(1, Math.floor(SCORING_BATCH_ROWS / items));
    const out: Float32Array[] = [];
    for (let start = 0; start < members.length; start += perBatch) {
      const batch = members.slice(start, start + perBatch);
      const pairs = new Float32Array(batch.length * items * 2);
      batch.forEach((member, p) => {
        const row = this.input.rows[member]!;
        for (let item = 0; item < items; item++) {
          pairs[(p * items + item) * 2] = row;
          pairs[(p * items + item) * 2 + 1] = item;
        }
      });
      const scores = await this.#scorer.score(RECOMMENDER_NAME, pairs, batch.length * items, 2);
      batch.forEach((_, p) => out.push(scores.slice(p * items, (p + 1) * items)));
    }
    return out;
  }

  async forPerson(person: string, k: number, includeBought: boolean): Promise<ScoredItem[]> {
    const i = this.#index.get(person);
    if (i === undefined) throw new Error(`no events of person "${person}" are loaded`);
    const [scores] = await this.#scoreMembers([i]);
    return topItems(scores!, this.#ids.items, includeBought ? new Set<number>() : this.input.purchased[i]!, k);
  }

  /**
   * Each member's own top k (bought products left out), with the reason a receiver can show: the item's rank for the
   * person, and whether the person was in the model's training data (else the product side alone scored it).
   */
  async forMembers(persons: readonly string[], k: number): Promise<Map<string, { item: string; score: number; reason: string }[]>> {
    const members = persons.map((p) => [p, this.#index.get(p)] as const).filter((m): m is readonly [string, number] => m[1] !== undefined);
    const scores = await this.#scoreMembers(members.map(([, i]) => i));
    const out = new Map<string, { item: string; score: number; reason: string }[]>();
    members.forEach(([person, i], j) => {
      const known = this.input.rows[i]! > 0;
      const top = topItems(scores[j]!, this.#ids.items, this.input.purchased[i]!, k);
      out.set(person, top.map((t, rank) => ({ item: t.item, score: Math.round(t.score * 1e4) / 1e4, reason: `${known ? 'personal' : 'popular (new customer)'} rank ${rank + 1} of ${this.#ids.items.length}, not bought yet` })));
    });
    return out;
  }

  /** Top items for a group; members not in the loaded events are left out (`unknown`). */
  async forGroup(persons: readonly string[], k: number): Promise<{ items: SegmentItem[]; members: number; unknown: number }> {
    const members = persons.map((p) => this.#index.get(p)).filter((i): i is number => i !== undefined);
    const scores = await this.#scoreMembers(members);
    const byMember = new Map(members.map((m, j) => [m, scores[j]!]));
    const items = segmentTopItems(members, this.#ids.items, (m) => byMember.get(m)!, (m) => this.input.purchased[m]!, k);
    return { items, members: members.length, unknown: persons.length - members.length };
  }
}
