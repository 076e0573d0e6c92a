/**
 * Trains the DeepFM recommender on the interactions an engine holds, in three passes with the same
 * seed and hyperparameters:
 *   1. fit on each person's items but the last two, early-stopping on NDCG@10 of the second-to-last;
 *   2. refit on all but the last item for that many epochs and measure hit rate and NDCG@10 of the
 *      last item, beside popularity and item-item co-occurrence computed from the same items;
 *   3. refit on every item for that many epochs: the model that ships, with its id map.
 * Engine-agnostic: runs in Node and in the dashboard's worker.
 */
import { z } from 'zod';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { rankingMetrics, type RankingMetrics } from '../eval/ranking';
import { SeededRandom } from '../nn/random';
import { TrainingDataError } from '../classifier/fit';
import { MODEL_METADATA_KEY } from '../classifier/person-classifier';
import { MODEL_FORMAT_VERSION, TRAINER_VERSION } from '../classifier/train-person-model';
import { ItemCooccurrence, popularity } from './baselines';
import { createDeepFm, DeepFmItemScorer, DeepFmTrainer, type DeepFm, type DeepFmFitOptions } from './deepfm';
import { deepFmRoundedToFloat32, deepFmToOnnx, RECOMMENDER_INPUT, RECOMMENDER_OUTPUT } from './deepfm-onnx';
import { interactionOptionsSchema, loadInteractions, type InteractionData } from './interactions';
import { allPairs, leaveLastOut, type HeldOutCase, type TrainingPair } from './leave-last-out';
import { idMapChecksum, type RecommenderIds } from '../../score/id-map';

export interface RecommenderHyperparameters {
  k: number;
  hidden: number[];
  negatives: number;
  learningRate: number;
  l2: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
}

export const DEFAULT_RECOMMENDER: RecommenderHyperparameters = { k: 8, hidden: [16], negatives: 4, learningRate: 0.01, l2: 1e-5, batchSize: 256, maxEpochs: 30, patience: 3 };

export interface TrainRecommenderOptions {
  seed?: number;
  interactions?: z.input<typeof interactionOptionsSchema>;
  hyperparameters?: Partial<RecommenderHyperparameters>;
  /** Cut-off of the ranking metrics (default 10). */
  topK?: number;
  name?: string;
  log?: (line: string) => void;
  trainedAt?: string;
}

export interface RecommenderMetadata {
  format: number;
  kind: 'recommender';
  input: string;
  output: string;
  /** Person rows = persons + 1 (row 0: unknown person). */
  persons: number;
  items: number;
  /** Ties the model to its id map (see id-map.ts). */
  idsChecksum: string;
  /** How interactions are read from events (purchases to exclude when recommending). */
  interactions: z.output<typeof interactionOptionsSchema>;
}

export interface RecommenderCard {
  name: string;
  kind: 'recommender';
  description: string;
  formatVersion: number;
  trainerVersion: string;
  trainedAt: string;
  seed: number;
  data: { persons: number; items: number; categories: number; interactions: number; purchases: number; from: string; to: string };
  interactions: z.output<typeof interactionOptionsSchema>;
  model: { type: 'deepfm'; fields: string[]; hyperparameters: RecommenderHyperparameters; bestEpoch: number; epochsRun: number; validationNdcg: number; parameters: number };
  evaluation: { protocol: string; k: number; persons: number; model: RankingMetrics; popularity: RankingMetrics; cooccurrence: RankingMetrics };
  onnx: { input: { name: string; type: 'float32'; shape: (string | number)[]; meaning: string }; output: { name: string; type: 'float32'; shape: (string | number)[] }; opset: number; bytes: number; idsFile: string };
  durationMs: { interactions: number; training: number; total: number };
}

export interface TrainedRecommender {
  onnx: Uint8Array;
  ids: RecommenderIds;
  card: RecommenderCard;
  model: DeepFm;
  metadata: RecommenderMetadata;
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Each person's most weighted item category in `pairs` (ties: lower index); 0 = unknown. Row 0 is the unknown person. */
export function preferredCategories(pairs: readonly TrainingPair[], persons: number, itemCategory: Int32Array, categories: number): Int32Array {
  const weight = new Float64Array(persons * categories);
  for (const p of pairs) weight[p.person * categories + itemCategory[p.item]!]! += p.weight;
  const out = new Int32Array(persons + 1);
  for (let person = 0; person < persons; person++) {
    let best = 0;
    let bestWeight = 0;
    for (let c = 1; c < categories; c++) {
      const w = weight[person * categories + c]!;
      if (w > bestWeight) {
        best = c;
        bestWeight = w;
      }
    }
    out[person + 1] = best;
  }
  return out;
}

function itemSets(pairs: readonly TrainingPair[], persons: number): Set<number>[] {
  const sets = Array.from({ length: persons }, () => new Set<number>());
  for (const p of pairs) sets[p.person]!.add(p.item);
  return sets;
}

function fitDeepFm(data: InteractionData, pairs: readonly TrainingPair[], h: RecommenderHyperparameters, seed: number, epochs: number, onEpoch?: (model: DeepFm, epoch: number, loss: number) => boolean): DeepFm {
  const random = new SeededRandom(seed);
  const persons = data.persons.length;
  const model = createDeepFm(
    { persons, items: data.items.length, categories: data.categories.length, k: h.k, hidden: h.hidden, itemCategory: data.itemCategory, personCategory: preferredCategories(pairs, persons, data.itemCategory, data.categories.length) },
    random,
  );
  const fit: DeepFmFitOptions = { negatives: h.negatives, learningRate: h.learningRate, l2: h.l2, batchSize: h.batchSize, epochs };
  const trainer = new DeepFmTrainer(model, fit);
  const seen = itemSets(pairs, persons);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const loss = trainer.epoch(pairs, (person) => seen[person]!, random);
    if (onEpoch && !onEpoch(model, epoch, loss)) break;
  }
  return model;
}

function deepFmRanking(model: DeepFm, cases: readonly HeldOutCase[], items: number, k: number): RankingMetrics {
  const scorer = new DeepFmItemScorer(model);
  return rankingMetrics(cases, items, (i, out) => scorer.scores(cases[i]!.person + 1, out), k);
}

export async function trainRecommender(engine: QueryEngine, options: TrainRecommenderOptions = {}): Promise<TrainedRecommender> {
  const began = performance.now();
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 42;
  const topK = options.topK ?? 10;
  const h: RecommenderHyperparameters = { ...DEFAULT_RECOMMENDER, ...options.hyperparameters };
  const interactionOptions = interactionOptionsSchema.parse(options.interactions ?? {});
  const data = await loadInteractions(engine, interactionOptions);
  const interactionsMs = performance.now() - began;
  const pairs = allPairs(data.byPerson);
  if (pairs.length === 0) {
    throw new TrainingDataError(`no product interactions to learn from: no "${interactionOptions.viewEvent}" or "${interactionOptions.cartEvent}" events with a product_id, and no "${interactionOptions.orderEvent.event}" events with products`);
  }
  if (data.items.length < 2) throw new TrainingDataError(`only ${data.items.length} product in the interactions; recommending needs at least 2`);
  const split = leaveLastOut(data.byPerson);
  if (split.test.length === 0 || split.validation.length === 0) {
    throw new TrainingDataError(`too few persons with several products to evaluate: ${split.test.length} with 2 or more, ${split.validation.length} with 3 or more (of ${data.persons.length} persons)`);
  }
  log(`[train] recommend: ${data.persons.length} persons, ${data.items.length} items, ${pairs.length} person-item pairs; ${split.validation.length} validation and ${split.test.length} test persons (${(interactionsMs / 1000).toFixed(1)} s)`);

  const trainingBegan = performance.now();
  let best = { epoch: 0, ndcg: -1 };
  let epochsRun = 0;
  fitDeepFm(data, split.train, h, seed, h.maxEpochs, (model, epoch, loss) => {
    epochsRun = epoch;
    const validation = deepFmRanking(model, split.validation, data.items.length, topK);
    log(`[train] epoch ${epoch}: loss ${loss.toFixed(4)}, validation NDCG@${topK} ${validation.ndcg.toFixed(4)}, hit rate ${validation.hitRate.toFixed(4)}`);
    if (validation.ndcg > best.ndcg + 1e-6) best = { epoch, ndcg: validation.ndcg };
    return epoch - best.epoch < h.patience;
  });

  const beforeTest = [...split.train, ...split.validationPairs];
  const evaluated = fitDeepFm(data, beforeTest, h, seed, best.epoch);
  const modelMetrics = deepFmRanking(evaluated, split.test, data.items.length, topK);
  const counts = popularity(beforeTest, data.items.length);
  const popularityMetrics = rankingMetrics(split.test, data.items.length, (_i, out) => out.set(counts), topK);
  const cooccurrence = new ItemCooccurrence(beforeTest, data.items.length);
  const historyWeights = data.byPerson.map((items) => items.slice(0, -1).map((p) => ({ item: p.item, weight: p.weight })));
  const cooccurrenceMetrics = rankingMetrics(split.test, data.items.length, (i, out) => cooccurrence.score(historyWeights[split.test[i]!.person]!, out), topK);
  log(`[train] test (last item of ${split.test.length} persons): DeepFM HR@${topK} ${modelMetrics.hitRate.toFixed(4)} NDCG ${modelMetrics.ndcg.toFixed(4)}; popularity ${popularityMetrics.hitRate.toFixed(4)} / ${popularityMetrics.ndcg.toFixed(4)}; co-occurrence ${cooccurrenceMetrics.hitRate.toFixed(4)} / ${cooccurrenceMetrics.ndcg.toFixed(4)}`);

  const shipped = deepFmRoundedToFloat32(fitDeepFm(data, pairs, h, seed, best.epoch));
  const trainingMs = performance.now() - trainingBegan;

  const ids: RecommenderIds = {
    format: MODEL_FORMAT_VERSION,
    persons: data.persons,
    items: data.items,
    categories: data.categories,
    itemCategories: Array.from(data.itemCategory, (c) => data.categories[c]!),
  };
  const name = options.name ?? 'recommend';
  const metadata: RecommenderMetadata = {
    format: MODEL_FORMAT_VERSION,
    kind: 'recommender',
    input: RECOMMENDER_INPUT,
    output: RECOMMENDER_OUTPUT,
    persons: data.persons.length,
    items: data.items.length,
    idsChecksum: idMapChecksum(ids),
    interactions: interactionOptions,
  };
  const description = 'score in (0, 1) that a person interacts with a product: DeepFM over person, product, product category and the person\'s preferred category, trained on views, carts and purchases with negative sampling';
  const onnx = deepFmToOnnx(shipped, { name, docString: description, metadata: { [MODEL_METADATA_KEY]: JSON.stringify(metadata) }, producerVersion: TRAINER_VERSION });
  const [range] = await engine.query<{ first: number; last: number }>('SELECT epoch_ms(min("timestamp")) AS first, epoch_ms(max("timestamp")) AS last FROM events');
  const card: RecommenderCard = {
    name,
    kind: 'recommender',
    description,
    formatVersion: MODEL_FORMAT_VERSION,
    trainerVersion: TRAINER_VERSION,
    trainedAt: options.trainedAt ?? new Date().toISOString().slice(0, 10),
    seed,
    data: {
      persons: data.persons.length,
      items: data.items.length,
      categories: data.categories.length - 1,
      interactions: pairs.length,
      purchases: data.byPerson.reduce((n, items) => n + items.filter((p) => p.purchased).length, 0),
      from: iso(Number(range?.first ?? 0)),
      to: iso(Number(range?.last ?? 0)),
    },
    interactions: interactionOptions,
    model: {
      type: 'deepfm',
      fields: ['person', 'item', 'item_category', 'person_category'],
      hyperparameters: h,
      bestEpoch: best.epoch,
      epochsRun,
      validationNdcg: best.ndcg,
      parameters: (shipped.persons + shipped.items + 2 * shipped.categories) * (shipped.k + 1) + 1 + shipped.mlp.layers.reduce((n, l) => n + l.weights.length + l.bias.length, 0),
    },
    evaluation: {
      protocol: `leave-last-out: each person's last new product (by first interaction) is held out and ranked among all products they had not touched before; models see only the earlier interactions of every person; ties count half a rank`,
      k: topK,
      persons: split.test.length,
      model: modelMetrics,
      popularity: popularityMetrics,
      cooccurrence: cooccurrenceMetrics,
    },
    onnx: {
      input: { name: RECOMMENDER_INPUT, type: 'float32', shape: ['N', 2], meaning: 'column 0: person row (0 = unknown person, i + 1 = persons[i] of the id map); column 1: item index into items of the id map' },
      output: { name: RECOMMENDER_OUTPUT, type: 'float32', shape: ['N', 1] },
      opset: 13,
      bytes: onnx.byteLength,
      idsFile: `${name}.ids.json`,
    },
    durationMs: { interactions: Math.round(interactionsMs), training: Math.round(trainingMs), total: Math.round(performance.now() - began) },
  };
  return { onnx, ids, card, model: shipped, metadata };
}
