/**
 * Which features drive a person's score, for risk lists ("churn risk 0.91: 24 days since the last
 * visit, visits slowing down"). A feature's contribution is its share of the logit relative to an
 * average person (standardised value 0): for logistic regression exactly w_i * z_i; for an MLP the
 * gradient of the logit times z_i (gradient x input), a first-order approximation.
 */
import { mlpBackward, mlpForward, MlpWorkspace, zeroGradients } from '../nn/mlp';
import type { PersonClassifier } from './person-classifier';

export interface FeatureContribution {
  feature: string;
  /** The raw feature value. */
  value: number;
  /** Logit units; positive raises the score. */
  contribution: number;
}

/** The `top` features with the largest absolute contribution for one row of raw features. */
export function explainScore(model: PersonClassifier, names: readonly string[], row: ArrayLike<number>, top = 3): FeatureContribution[] {
  const width = model.mean.length;
  if (names.length !== width || row.length !== width) throw new Error(`explain: ${names.length} names and ${row.length} values for ${width} features`);
  const z = Float64Array.from({ length: width }, (_, i) => (row[i]! - model.mean[i]!) / model.std[i]!);
  const ws = new MlpWorkspace(model.mlp);
  mlpForward(model.mlp, z, 0, ws);
  const gradient = new Float64Array(width);
  mlpBackward(model.mlp, z, 0, ws, 1, zeroGradients(model.mlp), gradient);
  return Array.from({ length: width }, (_, i) => ({ feature: names[i]!, value: row[i]!, contribution: gradient[i]! * z[i]! }))
    .filter((c) => c.contribution !== 0)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution) || (a.feature < b.feature ? -1 : 1))
    .slice(0, top);
}
