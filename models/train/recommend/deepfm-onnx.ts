/**
 * The DeepFM scorer as ONNX, and back. One float32 input `pairs` [N, 2] of (person row, item index)
 * (float32 so the dashboard's model worker, which feeds one float32 matrix, can run it; indices are
 * exact up to 2^24), one output `score` [N, 1] in (0, 1). Person row 0 is the unknown person; person
 * row i + 1 and item index j are the i-th person and j-th item of the id map stored beside the model.
 *
 *   idx = Cast<int64>(pairs); person = Gather(idx, 0, axis 1); item = Gather(idx, 1, axis 1)
 *   rows per field: person, item, item_category[item], person_category[person]
 *   linear = sum of Gather(first-order weights [rows, 1])            -> [N, 1]
 *   e_f = Gather(embedding_f, row_f)                                  -> [N, k]
 *   fm = 0.5 * ReduceSum((sum e_f)^2 - sum e_f^2, axis 1, keepdims)   -> [N, 1]
 *   deep = MLP(Concat(e_f, axis 1))                                   -> [N, 1]
 *   score = Sigmoid(bias + linear + fm + deep)
 */
import { GraphBuilder } from '../../onnx/graph-builder';
import { decodeOnnx, encodeOnnx, floatInitializer, int64Initializer, OnnxFormatError, type OnnxModel } from '../../onnx/onnx-model';
import { FIELDS, type DeepFm } from './deepfm';

export const RECOMMENDER_INPUT = 'pairs';
export const RECOMMENDER_OUTPUT = 'score';

const EMBEDDING_NAMES = ['person_embedding', 'item_embedding', 'item_category_embedding', 'person_category_embedding'] as const;
const WEIGHT_NAMES = ['person_weight', 'item_weight', 'item_category_weight', 'person_category_weight'] as const;

function embeddingTables(model: DeepFm): Float64Array[] {
  return [model.personEmbedding, model.itemEmbedding, model.itemCategoryEmbedding, model.personCategoryEmbedding];
}

function weightTables(model: DeepFm): Float64Array[] {
  return [model.personWeight, model.itemWeight, model.itemCategoryWeight, model.personCategoryWeight];
}

function fieldSizes(model: DeepFm): number[] {
  return [model.persons, model.items, model.categories, model.categories];
}

export function deepFmToOnnx(model: DeepFm, options: { name: string; docString: string; metadata: Record<string, string>; producerVersion: string }): Uint8Array {
  const g = new GraphBuilder(options.name);
  const k = model.k;
  const pairs = g.input(RECOMMENDER_INPUT, 'float32', ['N', 2]);
  const indices = g.op('Cast', [pairs], { to: 7 });
  const column0 = g.int64s('column_person', [], [0]);
  const column1 = g.int64s('column_item', [], [1]);
  const person = g.op('Gather', [indices, column0], { axis: 1 });
  const item = g.op('Gather', [indices, column1], { axis: 1 });
  const itemCategory = g.op('Gather', [g.int64s('item_category', [model.items], [...model.itemCategory]), item], { axis: 0 });
  const personCategory = g.op('Gather', [g.int64s('person_category', [model.persons], [...model.personCategory]), person], { axis: 0 });
  const rows = [person, item, itemCategory, personCategory];
  const sizes = fieldSizes(model);
  const embeddings = embeddingTables(model);
  const weights = weightTables(model);

  let linear = g.floats('bias', [1], model.bias);
  const fieldEmbeddings: string[] = [];
  let sum = '';
  let squares = '';
  FIELDS.forEach((_, f) => {
    const w = g.op('Gather', [g.floats(WEIGHT_NAMES[f]!, [sizes[f]!, 1], weights[f]!), rows[f]!], { axis: 0 });
    linear = g.op('Add', [linear, w]);
    const e = g.op('Gather', [g.floats(EMBEDDING_NAMES[f]!, [sizes[f]!, k], embeddings[f]!), rows[f]!], { axis: 0 });
    fieldEmbeddings.push(e);
    const square = g.op('Mul', [e, e]);
    sum = sum ? g.op('Add', [sum, e]) : e;
    squares = squares ? g.op('Add', [squares, square]) : square;
  });
  const axes = g.int64s('fm_axes', [1], [1]);
  const interactions = g.op('ReduceSum', [g.op('Sub', [g.op('Mul', [sum, sum]), squares]), axes], { keepdims: 1 });
  const fm = g.op('Mul', [interactions, g.floats('half', [1], [0.5])]);

  let h = g.op('Concat', fieldEmbeddings, { axis: 1 });
  model.mlp.layers.forEach((layer, l) => {
    h = g.op('Add', [g.op('MatMul', [h, g.floats(`W${l}`, [layer.inSize, layer.outSize], layer.weights)]), g.floats(`b${l}`, [layer.outSize], layer.bias)]);
    if (l + 1 < model.mlp.layers.length) h = g.op('Relu', [h]);
  });
  const logit = g.op('Add', [g.op('Add', [linear, fm]), h]);
  g.op('Sigmoid', [logit], undefined, RECOMMENDER_OUTPUT);
  g.output(RECOMMENDER_OUTPUT, 'float32', ['N', 1]);
  return encodeOnnx(g.build(options));
}

/** Rebuilds the model (float32 parameters as float64) from a file written by deepFmToOnnx. */
export function deepFmFromOnnx(source: Uint8Array | OnnxModel, label = 'model'): { model: DeepFm; onnx: OnnxModel } {
  const onnx = source instanceof Uint8Array ? decodeOnnx(source, label) : source;
  const input = onnx.inputs[0];
  if (onnx.inputs.length !== 1 || input?.name !== RECOMMENDER_INPUT || input.type !== 'float32' || input.dims[1] !== 2) {
    throw new OnnxFormatError(`${label}: not a recommender: expected one float32 input "${RECOMMENDER_INPUT}" [N, 2], found ${onnx.inputs.map((i) => `${i.name} ${i.type} [${i.dims.join(', ')}]`).join(', ')}`);
  }
  const dims = (name: string) => {
    const t = onnx.initializers.find((i) => i.name === name);
    if (!t) throw new OnnxFormatError(`${label}: not a recommender: initializer "${name}" is missing`);
    return t.dims;
  };
  const [persons, k] = dims('person_embedding') as [number, number];
  const items = dims('item_embedding')[0]!;
  const categories = dims('item_category_embedding')[0]!;
  const layers = onnx.initializers.filter((t) => /^W\d+$/.test(t.name)).length;
  const mlpLayers = [];
  let inSize = FIELDS.length * k;
  for (let l = 0; l < layers; l++) {
    const outSize = dims(`W${l}`)[1]!;
    mlpLayers.push({ inSize, outSize, weights: Float64Array.from(floatInitializer(onnx, `W${l}`, [inSize, outSize], label)), bias: Float64Array.from(floatInitializer(onnx, `b${l}`, [outSize], label)) });
    inSize = outSize;
  }
  if (layers === 0 || inSize !== 1) throw new OnnxFormatError(`${label}: not a recommender: the MLP must end in one output`);
  const f64 = (name: string, shape: number[]) => Float64Array.from(floatInitializer(onnx, name, shape, label));
  const sizes = [persons, items, categories, categories];
  const model: DeepFm = {
    persons,
    items,
    categories,
    k,
    itemCategory: Int32Array.from(int64Initializer(onnx, 'item_category', [items], label)),
    personCategory: Int32Array.from(int64Initializer(onnx, 'person_category', [persons], label)),
    bias: f64('bias', [1]),
    personWeight: f64(WEIGHT_NAMES[0], [sizes[0]!, 1]),
    itemWeight: f64(WEIGHT_NAMES[1], [sizes[1]!, 1]),
    itemCategoryWeight: f64(WEIGHT_NAMES[2], [sizes[2]!, 1]),
    personCategoryWeight: f64(WEIGHT_NAMES[3], [sizes[3]!, 1]),
    personEmbedding: f64(EMBEDDING_NAMES[0], [sizes[0]!, k]),
    itemEmbedding: f64(EMBEDDING_NAMES[1], [sizes[1]!, k]),
    itemCategoryEmbedding: f64(EMBEDDING_NAMES[2], [sizes[2]!, k]),
    personCategoryEmbedding: f64(EMBEDDING_NAMES[3], [sizes[3]!, k]),
    mlp: { layers: mlpLayers },
  };
  const badCategory = [...model.itemCategory, ...model.personCategory].find((c) => c < 0 || c >= categories);
  if (badCategory !== undefined) throw new OnnxFormatError(`${label}: category index ${badCategory} out of range 0..${categories - 1}`);
  return { model, onnx };
}

/** Rounds every parameter to float32, as the ONNX file stores it. */
export function deepFmRoundedToFloat32(model: DeepFm): DeepFm {
  const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  return {
    ...model,
    bias: round(model.bias),
    personWeight: round(model.personWeight),
    itemWeight: round(model.itemWeight),
    itemCategoryWeight: round(model.itemCategoryWeight),
    personCategoryWeight: round(model.personCategoryWeight),
    personEmbedding: round(model.personEmbedding),
    itemEmbedding: round(model.itemEmbedding),
    itemCategoryEmbedding: round(model.itemCategoryEmbedding),
    personCategoryEmbedding: round(model.personCategoryEmbedding),
    mlp: { layers: model.mlp.layers.map((l) => ({ ...l, weights: round(l.weights), bias: round(l.bias) })) },
  };
}
