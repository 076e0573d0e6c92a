/** Bayesian Beta-Binomial comparison: probability to be best and expected loss, exact or seeded Monte Carlo. */
import { lnBeta } from './special-functions';
import { betaDraw, seededRng } from './random-draws';

export interface BetaPosterior {
  alpha: number;
  beta: number;
}

/**
 * P(X > Y) for X ~ Beta(x.alpha, x.beta), Y ~ Beta(y.alpha, y.beta), exact when one of the alphas is a
 * whole number (Evan Miller's closed form; the sum runs over the smaller whole alpha).
 */
export function probabilityGreater(x: BetaPosterior, y: BetaPosterior): number {
  const wholeX = Number.isInteger(x.alpha);
  const wholeY = Number.isInteger(y.alpha);
  if (!wholeX && !wholeY) throw new RangeError('probabilityGreater needs a whole-number alpha in one of the two posteriors');
  if (wholeX && (!wholeY || x.alpha <= y.alpha)) return sumGreater(x, y);
  return 1 - sumGreater(y, x);
}

/** P(X > Y) = sum_{i=0}^{X.alpha-1} B(Y.alpha+i, Y.beta+X.beta) / ((X.beta+i) B(1+i, X.beta) B(Y.alpha, Y.beta)). */
function sumGreater(x: BetaPosterior, y: BetaPosterior): number {
  let total = 0;
  const constant = lnBeta(y.alpha, y.beta);
  for (let i = 0; i < x.alpha; i++) {
    total += Math.exp(lnBeta(y.alpha + i, y.beta + x.beta) - Math.log(x.beta + i) - lnBeta(1 + i, x.beta) - constant);
  }
  return Math.min(1, Math.max(0, total));
}

/** E[max(Y - X, 0)]: the expected loss of choosing X over Y (exact, same conditions as probabilityGreater). */
export function expectedLoss(x: BetaPosterior, y: BetaPosterior): number {
  const meanY = y.alpha / (y.alpha + y.beta);
  const meanX = x.alpha / (x.alpha + x.beta);
  // E[Y 1{Y>X}] = E[Y] P(Y' > X), Y' ~ Beta(alpha+1, beta); likewise for X.
  const loss = meanY * probabilityGreater({ alpha: y.alpha + 1, beta: y.beta }, x) - meanX * probabilityGreater(y, { alpha: x.alpha + 1, beta: x.beta });
  return Math.max(0, loss);
}

export interface BayesianComparison {
  /** P(variant has the highest rate), in input order. */
  probabilityToBeBest: number[];
  /** E[max over variants of rate - rate of this variant]. */
  expectedLoss: number[];
  method: 'exact' | 'monte_carlo';
  draws: number | null;
}

/** Probability to be best and expected loss: exact for two posteriors, seeded Monte Carlo for more. */
export function compareBetaPosteriors(posteriors: readonly BetaPosterior[], options: { seed?: number; draws?: number } = {}): BayesianComparison {
  if (posteriors.length === 2) {
    const [a, b] = posteriors as [BetaPosterior, BetaPosterior];
    const bBeatsA = probabilityGreater(b, a);
    return { probabilityToBeBest: [1 - bBeatsA, bBeatsA], expectedLoss: [expectedLoss(a, b), expectedLoss(b, a)], method: 'exact', draws: null };
  }
  const draws = options.draws ?? 100_000;
  const rng = seededRng(options.seed ?? 1);
  const wins = new Array<number>(posteriors.length).fill(0);
  const loss = new Array<number>(posteriors.length).fill(0);
  const sample = new Array<number>(posteriors.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    posteriors.forEach((p, i) => {
      sample[i] = betaDraw(rng, p.alpha, p.beta);
      if (sample[i]! > sample[best]!) best = i;
    });
    wins[best]! += 1;
    const max = sample[best]!;
    for (let i = 0; i < sample.length; i++) loss[i]! += max - sample[i]!;
  }
  return { probabilityToBeBest: wins.map((w) => w / draws), expectedLoss: loss.map((l) => l / draws), method: 'monte_carlo', draws };
}
