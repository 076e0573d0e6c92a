/**
 * Quality of probability scores against 0/1 labels: ROC AUC (ties count half), PR AUC as average
 * precision (the step-wise area sklearn's average_precision_score computes), Brier score, log loss
 * and a reliability table of equal-width bins.
 */
export interface ReliabilityBin {
  /** Bin bounds of the predicted probability, [from, to) (the last bin includes 1). */
  from: number;
  to: number;
  count: number;
  meanPredicted: number | null;
  observedRate: number | null;
}

export interface ClassificationMetrics {
  rows: number;
  positives: number;
  positiveRate: number;
  rocAuc: number;
  prAuc: number;
  brier: number;
  logLoss: number;
  reliability: ReliabilityBin[];
}

function checkInputs(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new Error(`metrics: ${scores.length} scores but ${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`metrics: label ${labels[i]} at row ${i} is not 0 or 1`);
    if (!Number.isFinite(scores[i])) throw new Error(`metrics: score ${scores[i]} at row ${i} is not a finite number`);
  }
}

/** Row indices sorted by score, descending (stable). */
function byScoreDescending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Probability that a random positive scores above a random negative (ties: one half). NaN without both classes. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkInputs(scores, labels);
  const order = byScoreDescending(scores);
  let positives = 0;
  let negatives = 0;
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? positives++ : negatives++);
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Walk from the highest score; a group of equal scores counts its pairs half.
  let negativesAbove = 0;
  let concordant = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    let groupPositives = 0;
    let groupNegatives = 0;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) {
      if (labels[order[end]!] === 1) groupPositives++;
      else groupNegatives++;
      end++;
    }
    // Positives here beat the negatives below them: count the pairs the other way and subtract.
    concordant += groupPositives * (negatives - negativesAbove - groupNegatives) + 0.5 * groupPositives * groupNegatives;
    negativesAbove += groupNegatives;
    start = end;
  }
  return concordant / (positives * negatives);
}

/** Average precision: sum over thresholds of (recall gain) x precision; NaN without positives. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkInputs(scores, labels);
  const order = byScoreDescending(scores);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  if (positives === 0) return Number.NaN;
  let truePositives = 0;
  let seen = 0;
  let area = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    let groupPositives = 0;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) {
      groupPositives += labels[order[end]!]!;
      end++;
    }
    seen += end - start;
    truePositives += groupPositives;
    area += (groupPositives / positives) * (truePositives / seen);
    start = end;
  }
  return area;
}

export function brierScore(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  checkInputs(scores, labels);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += (scores[i]! - labels[i]!) ** 2;
  return scores.length === 0 ? Number.NaN : sum / scores.length;
}

export function logLoss(scores: ArrayLike<number>, labels: ArrayLike<number>, epsilon = 1e-7): number {
  checkInputs(scores, labels);
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const p = Math.min(1 - epsilon, Math.max(epsilon, scores[i]!));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return scores.length === 0 ? Number.NaN : sum / scores.length;
}

export function reliabilityTable(scores: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  checkInputs(scores, labels);
  const count = new Array<number>(bins).fill(0);
  const predicted = new Array<number>(bins).fill(0);
  const observed = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const bin = Math.min(bins - 1, Math.max(0, Math.floor(scores[i]! * bins)));
    count[bin]! += 1;
    predicted[bin]! += scores[i]!;
    observed[bin]! += labels[i]!;
  }
  return count.map((n, b) => ({
    from: b / bins,
    to: (b + 1) / bins,
    count: n,
    meanPredicted: n ? predicted[b]! / n : null,
    observedRate: n ? observed[b]! / n : null,
  }));
}

export function classificationMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>): ClassificationMetrics {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]!;
  return {
    rows: labels.length,
    positives,
    positiveRate: labels.length ? positives / labels.length : Number.NaN,
    rocAuc: rocAuc(scores, labels),
    prAuc: averagePrecision(scores, labels),
    brier: brierScore(scores, labels),
    logLoss: logLoss(scores, labels),
    reliability: reliabilityTable(scores, labels),
  };
}
