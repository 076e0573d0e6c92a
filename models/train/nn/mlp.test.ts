import { describe, expect, it } from 'vitest';
import { createMlp, logLossOfLogit, mlpBackward, mlpForward, MlpWorkspace, sigmoid, zeroGradients, type Mlp } from './mlp';
import { SeededRandom } from './random';

/** Loss of one row: BCE of the MLP's logit. */
function loss(mlp: Mlp, x: Float64Array, label: number): number {
  return logLossOfLogit(mlpForward(mlp, x, 0, new MlpWorkspace(mlp)), label);
}

function checkGradients(sizes: number[], seed: number): void {
  const random = new SeededRandom(seed);
  const mlp = createMlp(sizes, random);
  for (const layer of mlp.layers) for (let i = 0; i < layer.bias.length; i++) layer.bias[i] = random.normal() * 0.3;
  const x = Float64Array.from({ length: sizes[0]! }, () => random.normal());
  const label = 1;
  const ws = new MlpWorkspace(mlp);
  const z = mlpForward(mlp, x, 0, ws);
  const grads = zeroGradients(mlp);
  const inputGrad = new Float64Array(x.length);
  mlpBackward(mlp, x, 0, ws, sigmoid(z) - label, grads, inputGrad);
  const h = 1e-6;
  const numeric = (values: Float64Array, i: number) => {
    const saved = values[i]!;
    values[i] = saved + h;
    const up = loss(mlp, x, label);
    values[i] = saved - h;
    const down = loss(mlp, x, label);
    values[i] = saved;
    return (up - down) / (2 * h);
  };
  mlp.layers.forEach((layer, l) => {
    for (let i = 0; i < layer.weights.length; i++) expect(grads.weights[l]![i]).toBeCloseTo(numeric(layer.weights, i), 6);
    for (let i = 0; i < layer.bias.length; i++) expect(grads.bias[l]![i]).toBeCloseTo(numeric(layer.bias, i), 6);
  });
  for (let i = 0; i < x.length; i++) expect(inputGrad[i]).toBeCloseTo(numeric(x, i), 6);
}

describe('mlp', () => {
  it('logistic regression (no hidden layer): analytic gradients match finite differences', () => checkGradients([5, 1], 1));
  it('one hidden layer: analytic gradients (weights, biases, input) match finite differences', () => checkGradients([6, 4, 1], 2));
  it('two hidden layers: analytic gradients match finite differences', () => checkGradients([4, 5, 3, 1], 3));

  it('accumulates gradients over rows instead of overwriting them', () => {
    const mlp = createMlp([3, 1], new SeededRandom(4));
    const ws = new MlpWorkspace(mlp);
    const grads = zeroGradients(mlp);
    const x = Float64Array.of(1, 2, 3);
    mlpForward(mlp, x, 0, ws);
    mlpBackward(mlp, x, 0, ws, 0.5, grads);
    mlpBackward(mlp, x, 0, ws, 0.5, grads);
    expect([...grads.weights[0]!]).toEqual([1, 2, 3]);
    expect(grads.bias[0]![0]).toBe(1);
  });

  it('reads a row at an offset of a larger matrix', () => {
    const mlp = createMlp([2, 3, 1], new SeededRandom(5));
    const matrix = Float64Array.of(9, 9, 0.5, -1.5);
    expect(mlpForward(mlp, matrix, 2, new MlpWorkspace(mlp))).toBe(mlpForward(mlp, Float64Array.of(0.5, -1.5), 0, new MlpWorkspace(mlp)));
  });

  it('sigmoid and log loss stay finite for extreme logits', () => {
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(logLossOfLogit(1000, 0)).toBeCloseTo(1000, 6);
    expect(logLossOfLogit(-1000, 0)).toBe(0);
    expect(logLossOfLogit(0, 1)).toBeCloseTo(Math.log(2), 12);
  });

  it('rejects sizes that do not end in one output', () => {
    expect(() => createMlp([3, 2], new SeededRandom(1))).toThrow(/from the input width to 1/);
    expect(() => createMlp([0, 1], new SeededRandom(1))).toThrow(/positive integers/);
  });
});
