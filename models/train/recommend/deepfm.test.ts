import { describe, expect, it } from 'vitest';
import { rankingMetrics } from '../eval/ranking';
import { logLossOfLogit } from '../nn/mlp';
import { SeededRandom } from '../nn/random';
import { popularity } from './baselines';
import { createDeepFm, DeepFmItemScorer, deepFmLogit, DeepFmTrainer, DeepFmWorkspace, type DeepFm } from './deepfm';
import type { TrainingPair } from './leave-last-out';

function smallModel(seed: number): DeepFm {
  const random = new SeededRandom(seed);
  const model = createDeepFm(
    { persons: 4, items: 6, categories: 3, k: 3, hidden: [4], itemCategory: Int32Array.of(1, 1, 2, 2, 0, 1), personCategory: Int32Array.of(0, 1, 2, 0, 1) },
    random,
  );
  for (const table of [model.personEmbedding, model.itemEmbedding, model.itemCategoryEmbedding, model.personCategoryEmbedding]) for (let i = 0; i < table.length; i++) table[i] = random.normal() * 0.5;
  for (const layer of model.mlp.layers) for (let i = 0; i < layer.bias.length; i++) layer.bias[i] = random.normal() * 0.3;
  model.bias[0] = 0.2;
  return model;
}

describe('DeepFM', () => {
  it('analytic gradients of every parameter group match finite differences', () => {
    const model = smallModel(1);
    const trainer = new DeepFmTrainer(model, { negatives: 1, learningRate: 0.01, l2: 0, batchSize: 1, epochs: 1 });
    const person = 2;
    const item = 3;
    const label = 1;
    trainer.accumulate(person, item, label, 1, 1);
    const ws = new DeepFmWorkspace(model);
    const loss = () => logLossOfLogit(deepFmLogit(model, person, item, ws), label);
    const h = 1e-6;
    let checked = 0;
    for (const group of trainer.groups) {
      for (let i = 0; i < group.values.length; i++) {
        const saved = group.values[i]!;
        group.values[i] = saved + h;
        const up = loss();
        group.values[i] = saved - h;
        const down = loss();
        group.values[i] = saved;
        expect(group.grads[i]).toBeCloseTo((up - down) / (2 * h), 6);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('never trains the unknown person row nor the unknown person-category row', () => {
    const model = smallModel(2);
    const trainer = new DeepFmTrainer(model, { negatives: 0, learningRate: 0.01, l2: 0, batchSize: 1, epochs: 1 });
    trainer.accumulate(0, 1, 1, 1, 1);
    trainer.accumulate(3, 1, 1, 1, 1); // person row 3 has person category 0 (unknown)
    expect(trainer.groups[0]!.grads.subarray(0, model.k).every((g) => g === 0)).toBe(true);
    expect(trainer.groups[3]!.grads.subarray(0, model.k).every((g) => g === 0)).toBe(true);
    expect(trainer.groups[4]!.grads[0]).toBe(0);
  });

  it('the per-person item scorer equals the per-pair logit', () => {
    const model = smallModel(3);
    const scorer = new DeepFmItemScorer(model);
    const ws = new DeepFmWorkspace(model);
    const out = new Float64Array(model.items);
    for (let person = 0; person < model.persons; person++) {
      scorer.scores(person, out);
      for (let item = 0; item < model.items; item++) expect(out[item]).toBeCloseTo(deepFmLogit(model, person, item, ws), 12);
    }
  });

  it('learns per-person taste from implicit feedback: beats popularity on held-out items', () => {
    // 300 persons, 40 items in 4 categories; each person likes one category (items there 8x as likely).
    const random = new SeededRandom(5);
    const items = 40;
    const itemCategory = Int32Array.from({ length: items }, (_, i) => 1 + (i % 4));
    const train: TrainingPair[] = [];
    const cases: { person: number; history: number[]; heldOut: number }[] = [];
    for (let person = 0; person < 300; person++) {
      const liked = 1 + (person % 4);
      const weights = Array.from({ length: items }, (_, i) => (itemCategory[i] === liked ? 8 : 1) * (1 + (i % 7 === 0 ? 3 : 0)));
      const total = weights.reduce((a, b) => a + b, 0);
      const chosen = new Set<number>();
      while (chosen.size < 6) {
        let u = random.next() * total;
        let i = 0;
        while (u > weights[i]!) u -= weights[i++]!;
        chosen.add(i);
      }
      const list = [...chosen];
      list.slice(0, 5).forEach((item) => train.push({ person, item, weight: 1 }));
      cases.push({ person, history: list.slice(0, 5), heldOut: list[5]! });
    }
    const personCategory = new Int32Array(301);
    const model = createDeepFm({ persons: 300, items, categories: 5, k: 4, hidden: [8], itemCategory, personCategory }, random);
    const trainer = new DeepFmTrainer(model, { negatives: 4, learningRate: 0.02, l2: 1e-5, batchSize: 64, epochs: 15 });
    const seen = Array.from({ length: 300 }, (_, p) => new Set(train.filter((t) => t.person === p).map((t) => t.item)));
    const losses = Array.from({ length: 15 }, () => trainer.epoch(train, (p) => seen[p]!, random));
    expect(losses[14]).toBeLessThan(losses[0]!);
    const scorer = new DeepFmItemScorer(model);
    const learned = rankingMetrics(cases, items, (i, out) => scorer.scores(cases[i]!.person + 1, out), 10);
    const counts = popularity(train, items);
    const popular = rankingMetrics(cases, items, (_i, out) => out.set(counts), 10);
    expect(learned.hitRate).toBeGreaterThan(popular.hitRate + 0.1);
    expect(model.personEmbedding.subarray(0, model.k).every((v) => v === 0)).toBe(true);
  });
});
