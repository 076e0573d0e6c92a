/**
 * A DeepFM-style scorer of (person, item) pairs (Guo et al., 2017) over four fields: the person, the
 * item, the item's category, and the person's preferred category (their most weighted category in
 * training). Each field value has a first-order weight and a k-dimensional embedding shared by the
 * factorisation machine and a small MLP:
 *
 *   logit = bias + sum_f w_f + sum_{f<g} <v_f, v_g> + MLP(concat v_f),   score = sigmoid(logit)
 *
 * Trained on implicit feedback with negative sampling: every observed pair is a positive weighted by
 * its interaction kind, and `negatives` items the person never touched, drawn uniformly, are
 * negatives of weight 1; weighted binary cross-entropy, Adam (sparse updates for the tables), L2 on
 * weights and embeddings. Person index 0 is reserved for unknown persons and category index 0 for
 * unknown categories; both keep zero person-side parameters (never trained), so an unknown person is
 * scored by the item-side terms alone.
 */
import { Adam, type ParameterGroup } from '../nn/adam';
import { clearGradients, createMlp, logLossOfLogit, mlpBackward, mlpForward, MlpWorkspace, sigmoid, zeroGradients, type Mlp } from '../nn/mlp';
import type { SeededRandom } from '../nn/random';
import type { TrainingPair } from './leave-last-out';

export const FIELDS = ['person', 'item', 'item_category', 'person_category'] as const;

export interface DeepFm {
  /** Rows: persons + 1 (index 0 = unknown). */
  persons: number;
  items: number;
  /** Rows: categories incl. index 0 = unknown. */
  categories: number;
  k: number;
  /** Category index of each item [items]. */
  itemCategory: Int32Array;
  /** Preferred category index of each person row [persons + 1]. */
  personCategory: Int32Array;
  bias: Float64Array;
  /** First-order weights per field value. */
  personWeight: Float64Array;
  itemWeight: Float64Array;
  itemCategoryWeight: Float64Array;
  personCategoryWeight: Float64Array;
  /** Embeddings [rows, k] per field. */
  personEmbedding: Float64Array;
  itemEmbedding: Float64Array;
  itemCategoryEmbedding: Float64Array;
  personCategoryEmbedding: Float64Array;
  mlp: Mlp;
}

export interface DeepFmShape {
  persons: number;
  items: number;
  categories: number;
  k: number;
  hidden: number[];
  itemCategory: Int32Array;
  personCategory: Int32Array;
}

export function createDeepFm(shape: DeepFmShape, random: SeededRandom): DeepFm {
  const { persons, items, categories, k } = shape;
  if (shape.itemCategory.length !== items) throw new Error(`itemCategory has ${shape.itemCategory.length} entries for ${items} items`);
  if (shape.personCategory.length !== persons + 1) throw new Error(`personCategory has ${shape.personCategory.length} entries for ${persons} persons + unknown`);
  const embedding = (rows: number, zeroFirstRow: boolean) => {
    const e = new Float64Array(rows * k);
    for (let i = zeroFirstRow ? k : 0; i < e.length; i++) e[i] = random.normal() * 0.01;
    return e;
  };
  return {
    persons: persons + 1,
    items,
    categories,
    k,
    itemCategory: shape.itemCategory,
    personCategory: shape.personCategory,
    bias: new Float64Array(1),
    personWeight: new Float64Array(persons + 1),
    itemWeight: new Float64Array(items),
    itemCategoryWeight: new Float64Array(categories),
    personCategoryWeight: new Float64Array(categories),
    personEmbedding: embedding(persons + 1, true),
    itemEmbedding: embedding(items, false),
    itemCategoryEmbedding: embedding(categories, false),
    personCategoryEmbedding: embedding(categories, true),
    mlp: createMlp([FIELDS.length * k, ...shape.hidden, 1], random),
  };
}

/** Per-pair scratch: the concatenated embeddings and the FM sum. */
export class DeepFmWorkspace {
  readonly deepInput: Float64Array;
  readonly sum: Float64Array;
  readonly mlp: MlpWorkspace;
  readonly deepInputGrad: Float64Array;
  readonly rows = new Int32Array(FIELDS.length);
  readonly embeddings: Float64Array[];
  readonly weights: Float64Array[];
  constructor(model: DeepFm) {
    this.embeddings = tables(model);
    this.weights = weights(model);
    this.deepInput = new Float64Array(FIELDS.length * model.k);
    this.sum = new Float64Array(model.k);
    this.mlp = new MlpWorkspace(model.mlp);
    this.deepInputGrad = new Float64Array(FIELDS.length * model.k);
  }
}

/** Writes the row of each field for a (person row, item) pair: person, item, item category, person category. */
function fieldRows(model: DeepFm, person: number, item: number, out: Int32Array): Int32Array {
  out[0] = person;
  out[1] = item;
  out[2] = model.itemCategory[item]!;
  out[3] = model.personCategory[person]!;
  return out;
}

function tables(model: DeepFm): Float64Array[] {
  return [model.personEmbedding, model.itemEmbedding, model.itemCategoryEmbedding, model.personCategoryEmbedding];
}

function weights(model: DeepFm): Float64Array[] {
  return [model.personWeight, model.itemWeight, model.itemCategoryWeight, model.personCategoryWeight];
}

/** The logit of (person row, item); person row 0 is the unknown person. */
export function deepFmLogit(model: DeepFm, person: number, item: number, ws: DeepFmWorkspace): number {
  const { k } = model;
  const rows = fieldRows(model, person, item, ws.rows);
  const embeddings = ws.embeddings;
  const firstOrder = ws.weights;
  let logit = model.bias[0]!;
  let squares = 0;
  ws.sum.fill(0);
  for (let f = 0; f < FIELDS.length; f++) {
    const row = rows[f]!;
    logit += firstOrder[f]![row]!;
    const table = embeddings[f]!;
    for (let d = 0; d < k; d++) {
      const v = table[row * k + d]!;
      ws.deepInput[f * k + d] = v;
      ws.sum[d]! += v;
      squares += v * v;
    }
  }
  let sumSquared = 0;
  for (let d = 0; d < k; d++) sumSquared += ws.sum[d]! * ws.sum[d]!;
  logit += 0.5 * (sumSquared - squares);
  return logit + mlpForward(model.mlp, ws.deepInput, 0, ws.mlp);
}

export function deepFmScore(model: DeepFm, person: number, item: number, ws: DeepFmWorkspace): number {
  return sigmoid(deepFmLogit(model, person, item, ws));
}

export interface DeepFmFitOptions {
  negatives: number;
  learningRate: number;
  l2: number;
  batchSize: number;
  epochs: number;
}

/** Gradients and optimiser state for one model; `epoch` runs one pass over the pairs. */
export class DeepFmTrainer {
  readonly #model: DeepFm;
  readonly #adam: Adam;
  readonly #groups: ParameterGroup[];
  readonly #mlpGrads;
  readonly #ws: DeepFmWorkspace;
  readonly #embeddingGroups: ParameterGroup[];
  readonly #weightGroups: ParameterGroup[];
  readonly #biasGroup: ParameterGroup;

  constructor(
    model: DeepFm,
    readonly options: DeepFmFitOptions,
  ) {
    this.#model = model;
    this.#mlpGrads = zeroGradients(model.mlp);
    const sparse = (values: Float64Array, rowSize: number, decay: boolean): ParameterGroup => ({ values, grads: new Float64Array(values.length), decay, rowSize, touched: new Set<number>() });
    this.#groups = [
      ...tables(model).map((t) => sparse(t, model.k, true)),
      ...weights(model).map((w) => sparse(w, 1, false)),
      { values: model.bias, grads: new Float64Array(1), decay: false },
      ...model.mlp.layers.flatMap((layer, l) => [
        { values: layer.weights, grads: this.#mlpGrads.weights[l]!, decay: true },
        { values: layer.bias, grads: this.#mlpGrads.bias[l]!, decay: false },
      ]),
    ];
    this.#embeddingGroups = this.#groups.slice(0, FIELDS.length);
    this.#weightGroups = this.#groups.slice(FIELDS.length, 2 * FIELDS.length);
    this.#biasGroup = this.#groups[2 * FIELDS.length]!;
    this.#adam = new Adam(this.#groups, { learningRate: options.learningRate, l2: options.l2 });
    this.#ws = new DeepFmWorkspace(model);
  }

  /** The parameter groups (tables, first-order weights, bias, MLP) with their accumulated gradients. */
  get groups(): readonly ParameterGroup[] {
    return this.#groups;
  }

  /** Adds the gradient of scale x weight x BCE(logit, label) for one pair; returns weight x BCE. */
  accumulate(person: number, item: number, label: number, weight: number, scale: number): number {
    const model = this.#model;
    const ws = this.#ws;
    const { k } = model;
    const logit = deepFmLogit(model, person, item, ws);
    const g = weight * (sigmoid(logit) - label) * scale;
    const rows = ws.rows;
    const embeddingGroups = this.#embeddingGroups;
    const weightGroups = this.#weightGroups;
    mlpBackward(model.mlp, ws.deepInput, 0, ws.mlp, g, this.#mlpGrads, ws.deepInputGrad);
    this.#biasGroup.grads[0]! += g;
    for (let f = 0; f < FIELDS.length; f++) {
      const row = rows[f]!;
      // The unknown person and unknown person-category rows stay zero: never trained.
      if ((f === 0 || f === 3) && row === 0) continue;
      const wg = weightGroups[f]!;
      wg.grads[row]! += g;
      wg.touched!.add(row);
      const eg = embeddingGroups[f]!;
      for (let d = 0; d < k; d++) eg.grads[row * k + d]! += g * (ws.sum[d]! - ws.deepInput[f * k + d]!) + ws.deepInputGrad[f * k + d]!;
      eg.touched!.add(row);
    }
    return weight * logLossOfLogit(logit, label);
  }

  /**
   * One epoch over `pairs` (person indices are 0-based; model rows are index + 1) with fresh negatives.
   * `seen(person)` lists the items a person must not get as negatives. Returns the mean weighted loss.
   */
  epoch(pairs: readonly TrainingPair[], seen: (person: number) => ReadonlySet<number>, random: SeededRandom): number {
    const { negatives, batchSize } = this.options;
    const items = this.#model.items;
    const order = new Uint32Array(pairs.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    random.shuffle(order);
    let loss = 0;
    let samples = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      const scale = 1 / ((end - start) * (1 + negatives));
      clearGradients(this.#mlpGrads);
      for (let b = start; b < end; b++) {
        const pair = pairs[order[b]!]!;
        const row = pair.person + 1;
        loss += this.accumulate(row, pair.item, 1, pair.weight, scale);
        const exclude = seen(pair.person);
        for (let n = 0; n < negatives; n++) {
          let negative = random.int(items);
          for (let tries = 0; exclude.has(negative) && tries < 20; tries++) negative = random.int(items);
          if (exclude.has(negative)) continue;
          loss += this.accumulate(row, negative, 0, 1, scale);
        }
        samples += 1 + negatives;
      }
      this.#adam.step();
    }
    return samples ? loss / samples : 0;
  }
}

/**
 * Logits of every item for one person at a time, faster than deepFmLogit per pair: the FM terms and
 * the MLP's first layer split into a person part and an item part (the embeddings enter them
 * linearly), and the item parts are computed once. Same values as deepFmLogit up to rounding.
 */
export class DeepFmItemScorer {
  readonly #model: DeepFm;
  /** Per item: first-order weights + <v_item, v_item_category>. */
  readonly #itemConstant: Float64Array;
  /** Per item: v_item + v_item_category [items, k]. */
  readonly #itemSum: Float64Array;
  /** Per item: the first MLP layer applied to the item fields' embeddings [items, hidden]. */
  readonly #itemHidden: Float64Array;
  readonly #personSum: Float64Array;
  readonly #personHidden: Float64Array;
  readonly #hidden: Float64Array;
  readonly #rest: Mlp;
  readonly #ws: MlpWorkspace;

  constructor(model: DeepFm) {
    this.#model = model;
    this.#rest = { layers: model.mlp.layers.slice(1) };
    const { k, items } = model;
    const first = model.mlp.layers[0]!;
    this.#itemConstant = new Float64Array(items);
    this.#itemSum = new Float64Array(items * k);
    this.#itemHidden = new Float64Array(items * first.outSize);
    for (let item = 0; item < items; item++) {
      const category = model.itemCategory[item]!;
      let constant = model.itemWeight[item]! + model.itemCategoryWeight[category]!;
      for (let d = 0; d < k; d++) {
        const vi = model.itemEmbedding[item * k + d]!;
        const vc = model.itemCategoryEmbedding[category * k + d]!;
        constant += vi * vc;
        this.#itemSum[item * k + d] = vi + vc;
        for (let o = 0; o < first.outSize; o++) {
          this.#itemHidden[item * first.outSize + o]! += vi * first.weights[(1 * k + d) * first.outSize + o]! + vc * first.weights[(2 * k + d) * first.outSize + o]!;
        }
      }
      this.#itemConstant[item] = constant;
    }
    this.#personSum = new Float64Array(k);
    this.#personHidden = new Float64Array(first.outSize);
    this.#hidden = new Float64Array(first.outSize);
    this.#ws = new MlpWorkspace(this.#rest);
  }

  /** Logits of every item for person row `personRow`, into `out` [items]. */
  scores(personRow: number, out: Float64Array): void {
    const model = this.#model;
    const { k, items } = model;
    const first = model.mlp.layers[0]!;
    const rest = this.#rest;
    const category = model.personCategory[personRow]!;
    let constant = model.bias[0]! + model.personWeight[personRow]! + model.personCategoryWeight[category]!;
    this.#personHidden.set(first.bias);
    for (let d = 0; d < k; d++) {
      const vp = model.personEmbedding[personRow * k + d]!;
      const vc = model.personCategoryEmbedding[category * k + d]!;
      constant += vp * vc;
      this.#personSum[d] = vp + vc;
      for (let o = 0; o < first.outSize; o++) this.#personHidden[o]! += vp * first.weights[d * first.outSize + o]! + vc * first.weights[(3 * k + d) * first.outSize + o]!;
    }
    const width = first.outSize;
    for (let item = 0; item < items; item++) {
      let logit = constant + this.#itemConstant[item]!;
      for (let d = 0; d < k; d++) logit += this.#personSum[d]! * this.#itemSum[item * k + d]!;
      for (let o = 0; o < width; o++) {
        const a = this.#personHidden[o]! + this.#itemHidden[item * width + o]!;
        this.#hidden[o] = rest.layers.length ? (a > 0 ? a : 0) : a;
      }
      logit += rest.layers.length ? mlpForward(rest, this.#hidden, 0, this.#ws) : this.#hidden[0]!;
      out[item] = logit;
    }
  }
}

