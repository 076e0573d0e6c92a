/**
 * Quality of a yes/no decision "score >= threshold" against 0/1 labels, and the choice of that
 * threshold: on a grid of 0.01 steps, the one with the highest accuracy (or F1) on the rows given
 * (the validation window, never the evaluation window); ties go to the other measure, then the
 * lower threshold. Accuracy is what the churn requirement states; F1 suits a rare label such as a
 * purchase within 7 days, where the most accurate rule flags almost nobody.
 */
export interface ThresholdMetrics {
  threshold: number;
  rows: number;
  /** Rows flagged (score >= threshold). */
  flagged: number;
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
  accuracy: number;
  /** Share of flagged rows that are positive; NaN when nothing is flagged. */
  precision: number;
  /** Share of positive rows that are flagged; NaN without positives. */
  recall: number;
  f1: number;
  /** Share of positive rows. */
  baseRate: number;
  /** Accuracy of always answering the more frequent label: what accuracy must beat to mean anything. */
  majorityAccuracy: number;
}

export function thresholdMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): ThresholdMetrics {
  if (scores.length !== labels.length) throw new Error(`threshold metrics: ${scores.length} scores but ${labels.length} labels`);
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const label = labels[i];
    if (label !== 0 && label !== 1) throw new Error(`threshold metrics: label ${label} at row ${i} is not 0 or 1`);
    const flagged = scores[i]! >= threshold;
    if (flagged && label === 1) tp++;
    else if (flagged) fp++;
    else if (label === 1) fn++;
    else tn++;
  }
  const rows = scores.length;
  const precision = tp + fp === 0 ? Number.NaN : tp / (tp + fp);
  const recall = tp + fn === 0 ? Number.NaN : tp / (tp + fn);
  const baseRate = rows === 0 ? Number.NaN : (tp + fn) / rows;
  return {
    threshold,
    rows,
    flagged: tp + fp,
    truePositives: tp,
    falsePositives: fp,
    trueNegatives: tn,
    falseNegatives: fn,
    accuracy: rows === 0 ? Number.NaN : (tp + tn) / rows,
    precision,
    recall,
    f1: tp === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    baseRate,
    majorityAccuracy: Math.max(baseRate, 1 - baseRate),
  };
}

export type ThresholdObjective = 'accuracy' | 'f1';

/** The grid threshold (0.01 to 0.99) with the highest `objective` on these rows. */
export function chooseThreshold(scores: ArrayLike<number>, labels: ArrayLike<number>, objective: ThresholdObjective = 'accuracy'): ThresholdMetrics {
  if (scores.length === 0) throw new Error('threshold: no rows to choose a threshold on');
  const tieBreak: ThresholdObjective = objective === 'accuracy' ? 'f1' : 'accuracy';
  let best: ThresholdMetrics | undefined;
  for (let step = 1; step <= 99; step++) {
    const candidate = thresholdMetrics(scores, labels, step / 100);
    if (!best || candidate[objective] > best[objective] || (candidate[objective] === best[objective] && candidate[tieBreak] > best[tieBreak])) best = candidate;
  }
  return best!;
}

export function thresholdRule(objective: ThresholdObjective): string {
  const [name, other] = objective === 'accuracy' ? ['accuracy', 'F1'] : ['F1', 'accuracy'];
  return `the threshold on a 0.01 grid with the highest ${name} on the validation window (ties: higher ${other}, then the lower threshold); the evaluation window plays no part in the choice`;
}
