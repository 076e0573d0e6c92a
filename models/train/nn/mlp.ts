/**
 * A small multilayer perceptron with one output (a logit): dense layers with ReLU between them, no
 * activation after the last. With no hidden layer it is logistic regression's linear part. Forward
 * and backward passes work on one row at a time in float64; callers sum gradients over a batch.
 *
 * Weights are stored input-major (`weights[i * outSize + o]`), the layout of ONNX MatMul's
 * right-hand side [in, out], so export copies them as they are.
 */
import type { SeededRandom } from './random';

export interface DenseLayer {
  inSize: number;
  outSize: number;
  /** [inSize, outSize], row-major. */
  weights: Float64Array;
  bias: Float64Array;
}

export interface Mlp {
  layers: DenseLayer[];
}

/** Same shapes as an Mlp's parameters. */
export interface MlpGradients {
  weights: Float64Array[];
  bias: Float64Array[];
}

/** `sizes` = [inputs, ...hidden, 1]. He initialisation for layers followed by ReLU, Glorot for the output layer. */
export function createMlp(sizes: readonly number[], random: SeededRandom): Mlp {
  if (sizes.length < 2 || sizes[sizes.length - 1] !== 1) throw new Error(`MLP sizes must run from the input width to 1, got [${sizes.join(', ')}]`);
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`MLP sizes must be positive integers, got [${sizes.join(', ')}]`);
  const layers: DenseLayer[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l]!;
    const outSize = sizes[l + 1]!;
    const last = l + 2 === sizes.length;
    const std = last ? Math.sqrt(2 / (inSize + outSize)) : Math.sqrt(2 / inSize);
    const weights = new Float64Array(inSize * outSize);
    for (let i = 0; i < weights.length; i++) weights[i] = random.normal() * std;
    layers.push({ inSize, outSize, weights, bias: new Float64Array(outSize) });
  }
  return { layers };
}

export function zeroGradients(mlp: Mlp): MlpGradients {
  return { weights: mlp.layers.map((l) => new Float64Array(l.weights.length)), bias: mlp.layers.map((l) => new Float64Array(l.bias.length)) };
}

export function clearGradients(grads: MlpGradients): void {
  for (const g of grads.weights) g.fill(0);
  for (const g of grads.bias) g.fill(0);
}

/** Per-row scratch space: the post-activation output of every layer. */
export class MlpWorkspace {
  readonly outputs: Float64Array[];
  readonly deltas: Float64Array[];
  constructor(mlp: Mlp) {
    this.outputs = mlp.layers.map((l) => new Float64Array(l.outSize));
    this.deltas = mlp.layers.map((l) => new Float64Array(l.outSize));
  }
}

/** The logit for one row `input[offset .. offset + inSize)`; activations stay in `ws` for the backward pass. */
export function mlpForward(mlp: Mlp, input: ArrayLike<number>, offset: number, ws: MlpWorkspace): number {
  const layers = mlp.layers;
  for (let l = 0; l < layers.length; l++) {
    const { inSize, outSize, weights, bias } = layers[l]!;
    const out = ws.outputs[l]!;
    out.set(bias);
    if (l === 0) {
      for (let i = 0; i < inSize; i++) {
        const x = input[offset + i]!;
        if (x === 0) continue;
        const row = i * outSize;
        for (let o = 0; o < outSize; o++) out[o]! += x * weights[row + o]!;
      }
    } else {
      const prev = ws.outputs[l - 1]!;
      for (let i = 0; i < inSize; i++) {
        const x = prev[i]!;
        if (x === 0) continue;
        const row = i * outSize;
        for (let o = 0; o < outSize; o++) out[o]! += x * weights[row + o]!;
      }
    }
    if (l + 1 < layers.length) for (let o = 0; o < outSize; o++) if (out[o]! < 0) out[o] = 0;
  }
  return ws.outputs[layers.length - 1]![0]!;
}

/**
 * Adds d(loss)/d(parameters) for the row of the last mlpForward to `grads`, given d(loss)/d(logit).
 * With `inputGrad`, also writes d(loss)/d(input) there (embeddings feeding the MLP need it).
 */
export function mlpBackward(mlp: Mlp, input: ArrayLike<number>, offset: number, ws: MlpWorkspace, dLogit: number, grads: MlpGradients, inputGrad?: Float64Array): void {
  const layers = mlp.layers;
  const last = layers.length - 1;
  ws.deltas[last]![0] = dLogit;
  for (let l = last; l >= 0; l--) {
    const { inSize, outSize, weights } = layers[l]!;
    const delta = ws.deltas[l]!;
    const gw = grads.weights[l]!;
    const gb = grads.bias[l]!;
    for (let o = 0; o < outSize; o++) gb[o]! += delta[o]!;
    const prev = l > 0 ? ws.outputs[l - 1]! : null;
    const prevDelta = l > 0 ? ws.deltas[l - 1]! : inputGrad;
    for (let i = 0; i < inSize; i++) {
      const x = prev ? prev[i]! : input[offset + i]!;
      const row = i * outSize;
      let back = 0;
      for (let o = 0; o < outSize; o++) {
        gw[row + o]! += x * delta[o]!;
        back += weights[row + o]! * delta[o]!;
      }
      // ReLU: no gradient through units that were off (prev is a ReLU output for l > 0).
      if (prevDelta) prevDelta[i] = prev && x <= 0 ? 0 : back;
    }
  }
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Binary cross-entropy of a logit, computed stably. */
export function logLossOfLogit(z: number, label: number): number {
  return Math.max(z, 0) - z * label + Math.log1p(Math.exp(-Math.abs(z)));
}

