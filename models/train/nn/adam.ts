/**
 * Adam (Kingma & Ba, 2015) with L2 regularisation added to the gradient (`l2 * w`, i.e. the loss
 * gets `l2 / 2 * |w|²`), applied only to the parameter groups marked `decay` (weights and
 * embeddings, not biases). Sparse groups (embedding tables) update only the rows touched in a step
 * and leave the moments of the others as they are ("lazy" Adam), so a step costs the batch, not the
 * table.
 */
export interface ParameterGroup {
  values: Float64Array;
  grads: Float64Array;
  decay: boolean;
  /** Row width of a sparse group: only rows listed in `touched` are updated. */
  rowSize?: number;
  touched?: Set<number>;
}

export interface AdamOptions {
  learningRate: number;
  l2: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam {
  readonly #groups: ParameterGroup[];
  readonly #m: Float64Array[];
  readonly #v: Float64Array[];
  readonly #lr: number;
  readonly #l2: number;
  readonly #beta1: number;
  readonly #beta2: number;
  readonly #epsilon: number;
  #step = 0;

  constructor(groups: ParameterGroup[], options: AdamOptions) {
    if (!(options.learningRate > 0)) throw new Error(`learning rate must be positive, got ${options.learningRate}`);
    if (!(options.l2 >= 0)) throw new Error(`l2 must be non-negative, got ${options.l2}`);
    this.#groups = groups;
    this.#m = groups.map((g) => new Float64Array(g.values.length));
    this.#v = groups.map((g) => new Float64Array(g.values.length));
    this.#lr = options.learningRate;
    this.#l2 = options.l2;
    this.#beta1 = options.beta1 ?? 0.9;
    this.#beta2 = options.beta2 ?? 0.999;
    this.#epsilon = options.epsilon ?? 1e-8;
  }

  get steps(): number {
    return this.#step;
  }

  /** One update from the groups' current `grads` (already averaged over the batch); clears them. */
  step(): void {
    this.#step += 1;
    const b1 = this.#beta1;
    const b2 = this.#beta2;
    const correction1 = 1 - b1 ** this.#step;
    const correction2 = 1 - b2 ** this.#step;
    const lr = this.#lr;
    this.#groups.forEach((group, index) => {
      const { values, grads } = group;
      const m = this.#m[index]!;
      const v = this.#v[index]!;
      const l2 = group.decay ? this.#l2 : 0;
      const update = (i: number) => {
        const g = grads[i]! + l2 * values[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * g;
        v[i] = b2 * v[i]! + (1 - b2) * g * g;
        values[i]! -= (lr * (m[i]! / correction1)) / (Math.sqrt(v[i]! / correction2) + this.#epsilon);
        grads[i] = 0;
      };
      if (group.rowSize !== undefined && group.touched) {
        const width = group.rowSize;
        for (const row of group.touched) for (let i = row * width; i < (row + 1) * width; i++) update(i);
        group.touched.clear();
      } else {
        for (let i = 0; i < values.length; i++) update(i);
      }
    });
  }
}
