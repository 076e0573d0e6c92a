/**
 * A person classifier: standardisation (x - mean) / std followed by an MLP ending in a sigmoid, i.e.
 * logistic regression when the MLP has no hidden layer. This file holds its TypeScript forward pass
 * and its ONNX form, both ways: `classifierToOnnx` bakes the standardisation into the graph (Sub, Div)
 * so callers feed raw features, and `classifierFromOnnx` rebuilds the model from such a file.
 *
 * Graph: features [N, F] float32 -> Sub(mean) -> Div(std) -> (MatMul, Add, Relu) per hidden layer ->
 * MatMul -> Add -> Sigmoid -> score [N, 1].
 */
import { createMlp, mlpForward, MlpWorkspace, sigmoid, type Mlp } from '../nn/mlp';
import type { SeededRandom } from '../nn/random';
import { GraphBuilder } from '../../onnx/graph-builder';
import { decodeOnnx, encodeOnnx, floatInitializer, OnnxFormatError, type OnnxModel } from '../../onnx/onnx-model';

export const CLASSIFIER_INPUT = 'features';
export const CLASSIFIER_OUTPUT = 'score';
/** ONNX metadata key holding the model's JSON description (task, feature schema...). */
export const MODEL_METADATA_KEY = 'privacy_analytics.model';

export interface PersonClassifier {
  mean: Float64Array;
  std: Float64Array;
  mlp: Mlp;
}

export function createClassifier(mean: Float64Array, std: Float64Array, hidden: readonly number[], random: SeededRandom): PersonClassifier {
  if (mean.length !== std.length) throw new Error(`mean has ${mean.length} values, std ${std.length}`);
  return { mean, std, mlp: createMlp([mean.length, ...hidden, 1], random) };
}

export function featureCount(model: PersonClassifier): number {
  return model.mean.length;
}

/**
 * Probabilities for a row-major [rows, features] matrix of raw features. The standardisation is
 * folded into the first layer (W / std, b - (mean / std) W) so each row costs one pass over its
 * values; the result equals standardising first up to float64 rounding.
 */
export function classifierScores(model: PersonClassifier, input: ArrayLike<number>, rows: number): Float64Array {
  const width = featureCount(model);
  if (input.length !== rows * width) throw new Error(`classifier: input has ${input.length} values, expected ${rows} rows x ${width} features`);
  const [first, ...others] = model.mlp.layers;
  const outSize = first!.outSize;
  const weights = new Float64Array(width * outSize);
  const bias = Float64Array.from(first!.bias);
  for (let i = 0; i < width; i++) {
    for (let o = 0; o < outSize; o++) {
      const w = first!.weights[i * outSize + o]! / model.std[i]!;
      weights[i * outSize + o] = w;
      bias[o]! -= model.mean[i]! * w;
    }
  }
  const rest = { layers: others };
  const ws = new MlpWorkspace(rest);
  const hidden = new Float64Array(outSize);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    hidden.set(bias);
    const base = r * width;
    for (let i = 0; i < width; i++) {
      const x = input[base + i]!;
      if (x === 0) continue;
      const row = i * outSize;
      for (let o = 0; o < outSize; o++) hidden[o]! += x * weights[row + o]!;
    }
    if (others.length === 0) {
      out[r] = sigmoid(hidden[0]!);
      continue;
    }
    for (let o = 0; o < outSize; o++) if (hidden[o]! < 0) hidden[o] = 0;
    out[r] = sigmoid(mlpForward(rest, hidden, 0, ws));
  }
  return out;
}

/** Rounds every parameter to float32, as the ONNX file stores it. */
export function roundedToFloat32(model: PersonClassifier): PersonClassifier {
  const round = (a: Float64Array) => Float64Array.from(Float32Array.from(a));
  return {
    mean: round(model.mean),
    std: round(model.std),
    mlp: { layers: model.mlp.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, weights: round(l.weights), bias: round(l.bias) })) },
  };
}

export function classifierToOnnx(model: PersonClassifier, options: { name: string; docString: string; metadata: Record<string, string>; producerVersion: string }): Uint8Array {
  const width = featureCount(model);
  const g = new GraphBuilder(options.name);
  const x = g.input(CLASSIFIER_INPUT, 'float32', ['N', width]);
  const mean = g.floats('mean', [width], model.mean);
  const std = g.floats('std', [width], model.std);
  let h = g.op('Div', [g.op('Sub', [x, mean]), std]);
  model.mlp.layers.forEach((layer, l) => {
    const w = g.floats(`W${l}`, [layer.inSize, layer.outSize], layer.weights);
    const b = g.floats(`b${l}`, [layer.outSize], layer.bias);
    h = g.op('Add', [g.op('MatMul', [h, w]), b]);
    if (l + 1 < model.mlp.layers.length) h = g.op('Relu', [h]);
  });
  g.op('Sigmoid', [h], undefined, CLASSIFIER_OUTPUT);
  g.output(CLASSIFIER_OUTPUT, 'float32', ['N', 1]);
  return encodeOnnx(g.build(options));
}

const EXPECTED_OPS = (layers: number) => ['Sub', 'Div', ...Array.from({ length: layers }, (_, l) => (l + 1 < layers ? ['MatMul', 'Add', 'Relu'] : ['MatMul', 'Add'])).flat(), 'Sigmoid'];

/** Rebuilds a classifier from an ONNX file written by classifierToOnnx; anything else is refused with the reason. */
export function classifierFromOnnx(source: Uint8Array | OnnxModel, label = 'model'): { model: PersonClassifier; onnx: OnnxModel } {
  const onnx = source instanceof Uint8Array ? decodeOnnx(source, label) : source;
  const input = onnx.inputs[0];
  if (onnx.inputs.length !== 1 || input?.name !== CLASSIFIER_INPUT || input.type !== 'float32' || input.dims.length !== 2 || typeof input.dims[1] !== 'number') {
    throw new OnnxFormatError(`${label}: not a person classifier: expected one float32 input "${CLASSIFIER_INPUT}" [N, features], found ${onnx.inputs.map((i) => `${i.name} ${i.type} [${i.dims.join(', ')}]`).join(', ')}`);
  }
  const width = input.dims[1];
  const layers = onnx.initializers.filter((t) => /^W\d+$/.test(t.name)).length;
  const ops = onnx.nodes.map((n) => n.op);
  const expected = EXPECTED_OPS(layers);
  if (layers === 0 || ops.join(',') !== expected.join(',')) {
    throw new OnnxFormatError(`${label}: not a person classifier graph: nodes ${ops.join(' -> ')}, expected ${expected.join(' -> ')}`);
  }
  const mean = Float64Array.from(floatInitializer(onnx, 'mean', [width], label));
  const std = Float64Array.from(floatInitializer(onnx, 'std', [width], label));
  const mlpLayers = [];
  let inSize = width;
  for (let l = 0; l < layers; l++) {
    const w = onnx.initializers.find((t) => t.name === `W${l}`);
    const outSize = w?.dims[1] ?? 0;
    mlpLayers.push({ inSize, outSize, weights: Float64Array.from(floatInitializer(onnx, `W${l}`, [inSize, outSize], label)), bias: Float64Array.from(floatInitializer(onnx, `b${l}`, [outSize], label)) });
    inSize = outSize;
  }
  if (inSize !== 1) throw new OnnxFormatError(`${label}: the last layer has ${inSize} outputs, expected 1`);
  return { model: { mean, std, mlp: { layers: mlpLayers } }, onnx };
}
