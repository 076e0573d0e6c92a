/**
 * Platt scaling: p = sigmoid(a * logit + b), with a and b fitted by Newton's method on the validation
 * window, which lies later in time than the training cut-offs and so corrects part of the drift
 * between them and the moment of scoring. The result folds into the last layer (W *= a, bias =
 * a * bias + b), so the ONNX graph keeps its shape.
 */
import { logLossOfLogit, mlpForward, MlpWorkspace, sigmoid } from '../nn/mlp';
import type { PersonClassifier } from './person-classifier';
import type { LabelledMatrix } from './fit';

export interface PlattScaling {
  a: number;
  b: number;
  logLossBefore: number;
  logLossAfter: number;
}

export function classifierLogits(model: PersonClassifier, data: LabelledMatrix): Float64Array {
  const ws = new MlpWorkspace(model.mlp);
  const z = new Float64Array(data.features);
  const out = new Float64Array(data.rows);
  for (let r = 0; r < data.rows; r++) {
    for (let f = 0; f < data.features; f++) z[f] = (data.x[r * data.features + f]! - model.mean[f]!) / model.std[f]!;
    out[r] = mlpForward(model.mlp, z, 0, ws);
  }
  return out;
}

function meanLogLoss(logits: Float64Array, labels: Uint8Array, a: number, b: number): number {
  let loss = 0;
  for (let i = 0; i < logits.length; i++) loss += logLossOfLogit(a * logits[i]! + b, labels[i]!);
  return loss / logits.length;
}

/** Fits (a, b); a tiny ridge keeps the 2x2 system solvable when the logits are constant. */
export function fitPlattScaling(logits: Float64Array, labels: Uint8Array, iterations = 50): PlattScaling {
  let a = 1;
  let b = 0;
  const before = meanLogLoss(logits, labels, 1, 0);
  for (let it = 0; it < iterations; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-6;
    let hab = 0;
    let hbb = 1e-6;
    for (let i = 0; i < logits.length; i++) {
      const z = logits[i]!;
      const p = sigmoid(a * z + b);
      const residual = p - labels[i]!;
      const w = p * (1 - p);
      ga += residual * z;
      gb += residual;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  const after = meanLogLoss(logits, labels, a, b);
  // Never make the validation loss worse (e.g. a degenerate fit): keep the identity then.
  return after <= before ? { a, b, logLossBefore: before, logLossAfter: after } : { a: 1, b: 0, logLossBefore: before, logLossAfter: before };
}

/** A copy of the model whose logit is a * logit + b. */
export function withPlattScaling(model: PersonClassifier, scaling: PlattScaling): PersonClassifier {
  const layers = model.mlp.layers.map((l) => ({ inSize: l.inSize, outSize: l.outSize, weights: Float64Array.from(l.weights), bias: Float64Array.from(l.bias) }));
  const last = layers[layers.length - 1]!;
  for (let i = 0; i < last.weights.length; i++) last.weights[i]! *= scaling.a;
  last.bias[0] = scaling.a * last.bias[0]! + scaling.b;
  return { mean: model.mean, std: model.std, mlp: { layers } };
}
