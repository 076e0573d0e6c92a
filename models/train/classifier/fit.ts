/**
 * Fits a person classifier by minibatch Adam on binary cross-entropy with L2 on the weights, and
 * stops early on a validation set from a later time window: after `patience` epochs without a lower
 * validation log loss, the parameters of the best epoch are restored. Deterministic for a seed.
 */
import { Adam, type ParameterGroup } from '../nn/adam';
import { clearGradients, logLossOfLogit, mlpBackward, mlpForward, MlpWorkspace, sigmoid, zeroGradients } from '../nn/mlp';
import { SeededRandom } from '../nn/random';
import { createClassifier, type PersonClassifier } from './person-classifier';

export interface LabelledMatrix {
  /** Row-major [rows, features] raw features. */
  x: Float32Array;
  y: Uint8Array;
  rows: number;
  features: number;
}

export interface FitOptions {
  /** Hidden layer widths; [] is logistic regression. */
  hidden: number[];
  learningRate: number;
  l2: number;
  batchSize: number;
  maxEpochs: number;
  patience: number;
  seed: number;
}

export interface FitResult {
  model: PersonClassifier;
  bestEpoch: number;
  epochs: number;
  trainLoss: number;
  validationLoss: number;
  history: { epoch: number; trainLoss: number; validationLoss: number }[];
}

export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

export function checkLabelledMatrix(data: LabelledMatrix, what: string): void {
  if (data.rows === 0) throw new TrainingDataError(`the ${what} set is empty: no persons at its cut-offs (is there enough data before them?)`);
  if (data.x.length !== data.rows * data.features || data.y.length !== data.rows) {
    throw new TrainingDataError(`the ${what} set is inconsistent: ${data.x.length} values, ${data.y.length} labels for ${data.rows} rows x ${data.features} features`);
  }
  let positives = 0;
  for (let i = 0; i < data.rows; i++) positives += data.y[i]!;
  if (positives === 0 || positives === data.rows) {
    throw new TrainingDataError(`the ${what} set has only ${positives === 0 ? 'negative' : 'positive'} labels (${data.rows} rows); a classifier needs both`);
  }
}

/** Column means and standard deviations (1 where a column is constant). */
export function standardisation(data: LabelledMatrix): { mean: Float64Array; std: Float64Array } {
  const { rows, features, x } = data;
  const mean = new Float64Array(features);
  const std = new Float64Array(features);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) mean[f]! += x[r * features + f]!;
  for (let f = 0; f < features; f++) mean[f]! /= rows;
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) std[f]! += (x[r * features + f]! - mean[f]!) ** 2;
  for (let f = 0; f < features; f++) {
    const s = Math.sqrt(std[f]! / rows);
    std[f] = s > 1e-9 ? s : 1;
  }
  return { mean, std };
}

function standardise(data: LabelledMatrix, mean: Float64Array, std: Float64Array): Float64Array {
  const out = new Float64Array(data.x.length);
  for (let r = 0; r < data.rows; r++) for (let f = 0; f < data.features; f++) out[r * data.features + f] = (data.x[r * data.features + f]! - mean[f]!) / std[f]!;
  return out;
}

function meanLoss(model: PersonClassifier, z: Float64Array, data: LabelledMatrix, ws: MlpWorkspace): number {
  let loss = 0;
  for (let r = 0; r < data.rows; r++) loss += logLossOfLogit(mlpForward(model.mlp, z, r * data.features, ws), data.y[r]!);
  return loss / data.rows;
}

function snapshot(model: PersonClassifier): Float64Array[] {
  return model.mlp.layers.flatMap((l) => [Float64Array.from(l.weights), Float64Array.from(l.bias)]);
}

function restore(model: PersonClassifier, saved: Float64Array[]): void {
  model.mlp.layers.forEach((l, i) => {
    l.weights.set(saved[2 * i]!);
    l.bias.set(saved[2 * i + 1]!);
  });
}

export function fitClassifier(train: LabelledMatrix, validation: LabelledMatrix, options: FitOptions): FitResult {
  checkLabelledMatrix(train, 'training');
  checkLabelledMatrix(validation, 'validation');
  if (validation.features !== train.features) throw new TrainingDataError(`validation has ${validation.features} features, training ${train.features}`);
  const random = new SeededRandom(options.seed);
  const { mean, std } = standardisation(train);
  const model = createClassifier(mean, std, options.hidden, random);
  const zTrain = standardise(train, mean, std);
  const zValidation = standardise(validation, mean, std);
  const grads = zeroGradients(model.mlp);
  const groups: ParameterGroup[] = model.mlp.layers.flatMap((layer, l) => [
    { values: layer.weights, grads: grads.weights[l]!, decay: true },
    { values: layer.bias, grads: grads.bias[l]!, decay: false },
  ]);
  const adam = new Adam(groups, { learningRate: options.learningRate, l2: options.l2 });
  const ws = new MlpWorkspace(model.mlp);
  const order = new Uint32Array(train.rows);
  for (let i = 0; i < order.length; i++) order[i] = i;

  const history: FitResult['history'] = [];
  let best = { epoch: 0, loss: meanLoss(model, zValidation, validation, ws), trainLoss: meanLoss(model, zTrain, train, ws), params: snapshot(model) };
  let epoch = 0;
  while (epoch < options.maxEpochs && epoch - best.epoch < options.patience) {
    epoch += 1;
    random.shuffle(order);
    let trainLoss = 0;
    for (let start = 0; start < order.length; start += options.batchSize) {
      const end = Math.min(order.length, start + options.batchSize);
      clearGradients(grads);
      for (let k = start; k < end; k++) {
        const r = order[k]!;
        const z = mlpForward(model.mlp, zTrain, r * train.features, ws);
        const y = train.y[r]!;
        trainLoss += logLossOfLogit(z, y);
        mlpBackward(model.mlp, zTrain, r * train.features, ws, (sigmoid(z) - y) / (end - start), grads);
      }
      adam.step();
    }
    const validationLoss = meanLoss(model, zValidation, validation, ws);
    history.push({ epoch, trainLoss: trainLoss / train.rows, validationLoss });
    if (validationLoss < best.loss - 1e-6) best = { epoch, loss: validationLoss, trainLoss: trainLoss / train.rows, params: snapshot(model) };
  }
  restore(model, best.params);
  return { model, bestEpoch: best.epoch, epochs: epoch, trainLoss: best.trainLoss, validationLoss: best.loss, history };
}
