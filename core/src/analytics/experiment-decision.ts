/**
 * The decision an experiment's numbers support, by a rule stated with the result (docs/marketing-analytics.md,
 * "Decision"). Peeking is accounted for by using each statistic only where it stays valid under repeated looks:
 *
 * 1. A sample ratio mismatch blocks every decision (`blocked`): the assignment or the exposure tracking is broken.
 * 2. Bayesian, at any look once every variant has a quarter of the planned sample (`minimumShareOfPlan`; early
 *    streaks of a few hundred persons are not evidence), conversion metric only: the variant with the highest probability to be best is shipped when
 *    P(best) ≥ `probabilityToBeBest` (0.95) and its expected loss (the conversion rate given up, in absolute terms,
 *    if it is in fact worse) is below `expectedLossThreshold` (0.001 = 0.1 percentage point). A decision on expected
 *    loss below a threshold of caring keeps its meaning when results are checked daily (Stucchio, "Bayesian A/B
 *    testing at VWO", 2015); when the best is the control, the decision is `stop` (keep the control).
 * 3. Frequentist, only at the planned sample (every variant has the persons the minimum detectable effect needs at
 *    alpha 0.05 and power 0.8): an adjusted p-value below `alpha` ships the better variant (or stops, when the
 *    variant is worse); otherwise `stop`: no difference as large as the planned effect, not worth running longer.
 *    Before the planned sample the p-value is not used: stopping at the first p < 0.05 inflates false positives.
 * 4. Otherwise `keep_running`, with the persons still needed per variant when the plan is known.
 */
export interface DecisionRule {
  probabilityToBeBest: number;
  /** Share of the planned sample every variant needs before the Bayesian rule may decide. */
  minimumShareOfPlan: number;
  expectedLossThreshold: number;
  alpha: number;
}

export const DEFAULT_DECISION_RULE: DecisionRule = { probabilityToBeBest: 0.95, minimumShareOfPlan: 0.25, expectedLossThreshold: 0.001, alpha: 0.05 };

export type Verdict = 'ship' | 'keep_running' | 'stop' | 'blocked';

export interface ExperimentDecision {
  verdict: Verdict;
  /** The variant to ship (ship), or the control kept (stop). */
  variant: string | null;
  /** Which part of the rule decided. */
  by: 'srm' | 'bayesian' | 'planned_sample' | 'not_yet';
  /** One sentence a reader can act on. */
  summary: string;
  /** Persons still needed in the smallest variant before the frequentist test may decide; null when unknown or reached. */
  personsStillNeeded: number | null;
  rule: DecisionRule;
  /** The rule in words, as shown beside the decision. */
  ruleText: string;
}

export interface DecisionInput {
  metric: 'conversion' | 'revenue';
  control: string;
  variants: readonly { variant: string; exposed: number }[];
  comparisons: readonly { variant: string; adjustedPValue: number | null; conversion: { difference: number }; revenue: { difference: number } }[];
  probabilityToBeBest: Record<string, number>;
  expectedLoss: Record<string, number>;
  srm: { mismatch: boolean };
  guidance: { requiredPerVariant: number | null };
}

const pct = (x: number) => `${(x * 100).toFixed(x >= 0.995 || x < 0.01 ? 1 : 0)}%`;

export function ruleText(rule: DecisionRule): string {
  return (
    `Ship a variant when P(best) ≥ ${pct(rule.probabilityToBeBest)} and its expected loss is below ${(rule.expectedLossThreshold * 100).toFixed(2)} percentage points ` +
    `(valid at any look once every variant has ${pct(rule.minimumShareOfPlan)} of the planned sample), ` +
    `or when every variant has reached the planned sample and the adjusted p-value is below ${rule.alpha}; at the planned sample without such a difference, stop. ` +
    `The p-value is not used before the planned sample (peeking). A sample ratio mismatch blocks any decision.`
  );
}

export function decideExperiment(result: DecisionInput, rule: DecisionRule = DEFAULT_DECISION_RULE): ExperimentDecision {
  const base = { rule, ruleText: ruleText(rule) };
  const required = result.guidance.requiredPerVariant;
  const smallest = Math.min(...result.variants.map((v) => v.exposed));
  const stillNeeded = required === null ? null : Math.max(0, required - smallest);
  if (result.srm.mismatch) {
    return { ...base, verdict: 'blocked', variant: null, by: 'srm', personsStillNeeded: stillNeeded, summary: 'No decision: the variants did not get the traffic split they were meant to (sample ratio mismatch). Fix assignment or exposure tracking and restart.' };
  }
  const bayesianMayDecide = required !== null && smallest >= rule.minimumShareOfPlan * required;
  if (result.metric === 'conversion' && bayesianMayDecide) {
    const [best] = Object.entries(result.probabilityToBeBest).sort((a, b) => b[1] - a[1]);
    if (best && best[1] >= rule.probabilityToBeBest && (result.expectedLoss[best[0]] ?? Infinity) < rule.expectedLossThreshold) {
      const loss = `${((result.expectedLoss[best[0]] ?? 0) * 100).toFixed(3)} pp`;
      if (best[0] === result.control) {
        return { ...base, verdict: 'stop', variant: result.control, by: 'bayesian', personsStillNeeded: null, summary: `Stop and keep ${result.control}: it is best with probability ${pct(best[1])}, expected loss ${loss}.` };
      }
      return { ...base, verdict: 'ship', variant: best[0], by: 'bayesian', personsStillNeeded: null, summary: `Ship ${best[0]}: best with probability ${pct(best[1])}, expected loss ${loss}.` };
    }
  }
  if (stillNeeded === 0) {
    const significant = result.comparisons.filter((c) => c.adjustedPValue !== null && c.adjustedPValue < rule.alpha);
    const difference = (c: DecisionInput['comparisons'][number]) => (result.metric === 'conversion' ? c.conversion.difference : c.revenue.difference);
    const winner = significant.filter((c) => difference(c) > 0).sort((a, b) => difference(b) - difference(a))[0];
    if (winner) {
      return { ...base, verdict: 'ship', variant: winner.variant, by: 'planned_sample', personsStillNeeded: 0, summary: `Ship ${winner.variant}: better than ${result.control} at the planned sample (adjusted p = ${winner.adjustedPValue!.toPrecision(2)}).` };
    }
    const worse = significant.length > 0;
    return {
      ...base,
      verdict: 'stop',
      variant: result.control,
      by: 'planned_sample',
      personsStillNeeded: 0,
      summary: worse
        ? `Stop and keep ${result.control}: the variants did worse at the planned sample.`
        : `Stop and keep ${result.control}: at the planned sample no variant differs by the effect the test was planned to detect; running longer is not worth the traffic.`,
    };
  }
  const need = stillNeeded === null ? 'the sample size can be planned once the control has conversions' : `about ${stillNeeded.toLocaleString('en-US')} more persons in the smallest variant reach the planned sample of ${required!.toLocaleString('en-US')} per variant`;
  return { ...base, verdict: 'keep_running', variant: null, by: 'not_yet', personsStillNeeded: stillNeeded, summary: `Keep running: no variant is clearly best yet; ${need}.` };
}
