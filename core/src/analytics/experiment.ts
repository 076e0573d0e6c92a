/**
 * A/B experiments: exposure -> goal per person, frequentist and Bayesian. Semantics
 * (docs/marketing-analytics.md):
 *
 * - Exposed persons: persons with an `exposure` event (default `Experiment Viewed`) in [from, to]
 *   whose `experiment` column equals the spec's experiment and whose `variant` is set. A person's
 *   variant is the one of their first exposure; persons exposed to more than one variant are left
 *   out (`multipleVariants: "exclude"`, default) or kept in their first variant ("first").
 * - Converted: a `goal` event at or after the person's first exposure (within `window` when given,
 *   and before the end of `to`). Revenue per person: the sum of `revenueProperty` over those goal
 *   events (0 for persons without one).
 * - Each variant is compared with the control (`control`, else "control" when present, else the
 *   first key of expectedSplit, else the first variant alphabetically): conversion by the
 *   two-proportion z test (pooled), revenue per exposed person by Welch's t test, both two-sided;
 *   uplift is relative (rate / control rate - 1) with a 95% delta-method interval on the log ratio.
 *   With more than two variants the headline pValue is the smallest comparison p-value times the
 *   number of comparisons (Bonferroni, capped at 1) and the uplift is that comparison's.
 * - Bayesian: Beta(prior.alpha + converted, prior.beta + exposed - converted) per variant;
 *   probability to be best and expected loss exactly for two variants, by seeded Monte Carlo for more.
 * - Sample ratio mismatch: Pearson chi-square of exposed counts against expectedSplit (equal shares
 *   when none is given); a mismatch (p < srmThreshold, default 0.001) adds a loud warning.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName, windowSchema } from './spec';
import { and, columnsFor, eventCondition, matcherProperties, milliseconds, or, propertyExpr, resolveProperty, sql, timeBounds, timestamp, WINDOW_UNITS, type Sql } from './sql';
import {
  chiSquareGoodnessOfFit,
  compareBetaPosteriors,
  sampleSizePerGroup,
  twoProportionTest,
  welchTest,
  type ProportionTest,
  type WelchTest,
} from './stats';
import { decideExperiment, DEFAULT_DECISION_RULE, type ExperimentDecision } from './experiment-decision';

export const experimentSpecSchema = z
  .strictObject({
    experiment: z.string().min(1, 'experiment is empty').max(256),
    exposure: eventMatcherSchema.default({ event: 'Experiment Viewed' }),
    goal: eventMatcherSchema.default({ event: 'Order Completed' }),
    metric: z.enum(['conversion', 'revenue']).default('conversion'),
    revenueProperty: propertyName.default('revenue'),
    window: windowSchema.optional(),
    expectedSplit: z
      .record(z.string().min(1).max(256), z.number().positive('expected shares must be above 0'))
      .refine((split) => Object.keys(split).length >= 2, { message: 'expectedSplit needs at least two variants' })
      .refine((split) => Object.keys(split).length <= 50, { message: 'expectedSplit has at most 50 variants' })
      .optional(),
    control: z.string().min(1).max(256).optional(),
    multipleVariants: z.enum(['exclude', 'first']).default('exclude'),
    srmThreshold: z.number().gt(0).max(0.5).default(0.001),
    /** Relative uplift the experiment should be able to detect (power guidance). */
    minimumDetectableEffect: z.number().gt(0).max(10).default(0.1),
    /** The decision rule (experiment-decision.ts); every key has a default. */
    decision: z
      .strictObject({
        probabilityToBeBest: z.number().gt(0.5).lt(1).default(DEFAULT_DECISION_RULE.probabilityToBeBest),
        minimumShareOfPlan: z.number().min(0).max(1).default(DEFAULT_DECISION_RULE.minimumShareOfPlan),
        expectedLossThreshold: z.number().gt(0).max(1).default(DEFAULT_DECISION_RULE.expectedLossThreshold),
        alpha: z.number().gt(0).max(0.2).default(DEFAULT_DECISION_RULE.alpha),
      })
      .default(DEFAULT_DECISION_RULE),
    prior: z.strictObject({ alpha: z.number().int().min(1).max(1_000_000), beta: z.number().int().min(1).max(1_000_000) }).default({ alpha: 1, beta: 1 }),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
    draws: z.number().int().min(1000).max(1_000_000).default(100_000),
    from: isoTime.optional(),
    to: isoTime.optional(),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine(checkRange);

export type ExperimentSpecInput = z.input<typeof experimentSpecSchema>;
export type ExperimentSpec = z.output<typeof experimentSpecSchema>;

export interface ExperimentVariant {
  variant: string;
  exposed: number;
  converted: number;
  rate: number;
  /** Goal events after exposure. */
  conversions: number;
  revenue: number;
  revenuePerPerson: number;
  expectedShare: number | null;
  observedShare: number;
}

export interface ExperimentComparison {
  variant: string;
  conversion: ProportionTest;
  revenue: WelchTest;
  /** The primary metric's p-value times the number of comparisons, capped at 1. */
  adjustedPValue: number | null;
}

export interface Uplift {
  estimate: number | null;
  ci95: [number, number] | null;
  absolute: { estimate: number; ci95: [number, number] };
}

export interface ExperimentResult {
  experiment: string;
  metric: 'conversion' | 'revenue';
  control: string;
  variants: ExperimentVariant[];
  /** The variant the headline pValue and uplift are about. */
  compared: string | null;
  pValue: number | null;
  uplift: Uplift | null;
  comparisons: ExperimentComparison[];
  probabilityToBeBest: Record<string, number>;
  expectedLoss: Record<string, number>;
  bayesian: { method: 'exact' | 'monte_carlo'; draws: number | null; prior: { alpha: number; beta: number } };
  srm: { chiSquare: number; df: number; pValue: number; mismatch: boolean; threshold: number; expected: Record<string, number> };
  guidance: { sufficient: boolean; requiredPerVariant: number | null; messages: string[] };
  /** Persons exposed to more than one variant (left out with multipleVariants "exclude"). */
  multipleVariantPersons: number;
  warnings: string[];
  /** What to do, by the rule stated in `decision.ruleText`. */
  decision: ExperimentDecision;
}

export function parseExperimentSpec(input: unknown): ExperimentSpec {
  return parseSpec(experimentSpecSchema, input);
}

/** Per variant: exposed, converted, conversions, revenue sum and sample variance of revenue per person, multi (persons with several variants). */
export function experimentSql(spec: ExperimentSpec): Sql {
  const bounds = timeBounds(spec.from, spec.to);
  const revenue = propertyExpr(resolveProperty(spec.revenueProperty));
  const amount = revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
  const columns = columnsFor([spec.revenueProperty, ...matcherProperties([spec.exposure, spec.goal])], ['event_id', 'timestamp', 'event', 'experiment', 'variant']);
  const isExposure = and([eventCondition(spec.exposure), sql`"experiment" = ${spec.experiment}`, sql`"variant" IS NOT NULL`]);
  const isGoal = eventCondition(spec.goal);
  const upper = bounds.toMs === null ? [] : [sql`"timestamp" < ${timestamp(bounds.toMs)}`];
  // `pe` renames the column to ts
  const exposureFrom = bounds.fromMs === null ? sql`TRUE` : sql`ts >= ${timestamp(bounds.fromMs)}`;
  const windowEnd = spec.window ? sql` AND g.ts <= x.first_ts + ${milliseconds(spec.window.value * WINDOW_UNITS[spec.window.unit])}` : sql``;
  const included = spec.multipleVariants === 'exclude' ? sql`variants = 1` : sql`TRUE`;
  return sql`WITH pe AS MATERIALIZED (
      SELECT person, "timestamp" AS ts, event_id, variant, coalesce(${isExposure}, false) AS is_exposure, coalesce(${isGoal}, false) AS is_goal,
        CASE WHEN coalesce(${isGoal}, false) THEN coalesce(${amount}, 0) END AS amount
      FROM ${personEvents(spec.identity, columns, { includeFlagged: spec.includeFlagged })} WHERE ${and([...upper, or([sql`coalesce(${isExposure}, false)`, sql`coalesce(${isGoal}, false)`])])}
    ),
    exposures AS (
      SELECT person, min(ts) AS first_ts, first(variant ORDER BY ts, event_id) AS variant, count(DISTINCT variant) AS variants
      FROM pe WHERE is_exposure AND ${exposureFrom} GROUP BY person
    ),
    goals AS (
      SELECT x.person, count(*) AS conversions, sum(g.amount) AS revenue
      FROM pe g JOIN exposures x ON x.person = g.person AND g.ts >= x.first_ts${windowEnd}
      WHERE g.is_goal GROUP BY x.person
    ),
    persons AS (
      SELECT x.variant, x.variants, coalesce(g.conversions, 0) AS conversions, coalesce(g.revenue, 0)::DOUBLE AS revenue
      FROM exposures x LEFT JOIN goals g ON g.person = x.person
    )
    SELECT variant,
      count(*) FILTER (WHERE ${included})::BIGINT AS exposed,
      count(*) FILTER (WHERE ${included} AND conversions > 0)::BIGINT AS converted,
      coalesce(sum(conversions) FILTER (WHERE ${included}), 0)::BIGINT AS conversions,
      coalesce(sum(revenue) FILTER (WHERE ${included}), 0)::DOUBLE AS revenue,
      coalesce(var_samp(revenue) FILTER (WHERE ${included}), 0)::DOUBLE AS revenue_variance,
      count(*) FILTER (WHERE ${included} AND revenue > 0)::BIGINT AS purchasers,
      count(*) FILTER (WHERE variants > 1)::BIGINT AS multi
    FROM persons GROUP BY variant ORDER BY variant`;
}

interface VariantRow {
  variant: string;
  exposed: number;
  converted: number;
  conversions: number;
  revenue: number;
  revenue_variance: number;
  purchasers: number;
  multi: number;
}

export async function runExperiment(engine: QueryEngine, input: ExperimentSpec | ExperimentSpecInput): Promise<WithBasis<ExperimentResult>> {
  const spec = parseExperimentSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = experimentSql(spec);
  const raw = await engine.query<VariantRow & Record<string, unknown>>(query.text, query.params);
  const rows = new Map(raw.map((r) => [String(r.variant), r]));
  const warnings: string[] = [];
  const expectedKeys = spec.expectedSplit ? Object.keys(spec.expectedSplit) : [];
  const names = [...new Set([...expectedKeys, ...[...rows.keys()].sort()])];
  if (names.length === 0) {
    throw new Error(`no exposures found for experiment ${JSON.stringify(spec.experiment)} (exposure event ${JSON.stringify(spec.exposure.event)} with the experiment and variant columns set)`);
  }
  const unexpected = spec.expectedSplit ? names.filter((n) => !(n in spec.expectedSplit!)) : [];
  if (unexpected.length) warnings.push(`variants not in expectedSplit were seen: ${unexpected.map((v) => JSON.stringify(v)).join(', ')} (left out of the SRM check)`);
  const control = spec.control ?? (names.includes('control') ? 'control' : (expectedKeys[0] ?? names[0]!));
  if (!names.includes(control)) throw new Error(`control variant ${JSON.stringify(control)} was not seen and is not in expectedSplit (variants: ${names.join(', ')})`);
  const ordered = [control, ...names.filter((n) => n !== control)];
  const number = (v: unknown) => Number(v ?? 0);
  const totalExposed = ordered.reduce((s, n) => s + number(rows.get(n)?.exposed), 0);
  const splitTotal = spec.expectedSplit ? Object.values(spec.expectedSplit).reduce((s, x) => s + x, 0) : 0;
  const variants: ExperimentVariant[] = ordered.map((variant) => {
    const row = rows.get(variant);
    const exposed = number(row?.exposed);
    const revenue = number(row?.revenue);
    return {
      variant,
      exposed,
      converted: number(row?.converted),
      rate: exposed ? number(row?.converted) / exposed : 0,
      conversions: number(row?.conversions),
      revenue,
      revenuePerPerson: exposed ? revenue / exposed : 0,
      expectedShare: spec.expectedSplit ? (spec.expectedSplit[variant] ?? 0) / splitTotal : null,
      observedShare: totalExposed ? exposed / totalExposed : 0,
    };
  });
  const multipleVariantPersons = raw.reduce((s, r) => s + number(r.multi), 0);
  if (multipleVariantPersons > 0) {
    warnings.push(`${multipleVariantPersons} person(s) saw more than one variant${spec.multipleVariants === 'exclude' ? ' and were left out' : ' and count in their first variant'}`);
  }

  const summary = (name: string) => {
    const row = rows.get(name);
    const n = number(row?.exposed);
    return { n, mean: n ? number(row?.revenue) / n : 0, variance: number(row?.revenue_variance) };
  };
  const base = variants[0]!;
  const comparisons: ExperimentComparison[] = variants.slice(1).map((v) => {
    const conversion = twoProportionTest(base.converted, base.exposed, v.converted, v.exposed);
    const revenue = welchTest(summary(control), summary(v.variant));
    const p = spec.metric === 'conversion' ? conversion.pValue : revenue.pValue;
    return { variant: v.variant, conversion, revenue, adjustedPValue: p === null ? null : Math.min(1, p * (variants.length - 1)) };
  });
  const headline = [...comparisons].sort((a, b) => (a.adjustedPValue ?? 2) - (b.adjustedPValue ?? 2))[0] ?? null;
  let uplift: Uplift | null = null;
  if (headline) {
    uplift =
      spec.metric === 'conversion'
        ? { estimate: headline.conversion.relativeUplift, ci95: headline.conversion.relativeUpliftCi, absolute: { estimate: headline.conversion.difference, ci95: headline.conversion.differenceCi } }
        : { estimate: headline.revenue.relativeUplift, ci95: relativeFromAbsolute(headline.revenue, summary(control).mean), absolute: { estimate: headline.revenue.difference, ci95: headline.revenue.differenceCi } };
  }

  const posteriors = variants.map((v) => ({ alpha: spec.prior.alpha + v.converted, beta: spec.prior.beta + v.exposed - v.converted }));
  const bayes = compareBetaPosteriors(posteriors, { seed: spec.seed, draws: spec.draws });

  const srmNames = spec.expectedSplit ? expectedKeys : ordered;
  const observed = srmNames.map((n) => number(rows.get(n)?.exposed));
  const shares = srmNames.map((n) => (spec.expectedSplit ? spec.expectedSplit[n]! : 1));
  const chi = srmNames.length >= 2 ? chiSquareGoodnessOfFit(observed, shares) : { statistic: 0, df: 0, pValue: 1, expected: observed };
  const mismatch = srmNames.length >= 2 && chi.pValue < spec.srmThreshold;
  if (mismatch) {
    const detail = srmNames.map((n, i) => `${n} ${observed[i]} (expected ${chi.expected[i]!.toFixed(1)})`).join(', ');
    warnings.unshift(`SAMPLE RATIO MISMATCH: exposed persons ${detail}; chi-square ${chi.statistic.toFixed(2)}, p = ${chi.pValue.toExponential(2)} < ${spec.srmThreshold}. Assignment or exposure tracking is broken: do not trust these results.`);
  }

  const guidance = sampleGuidance(spec, variants, summary, raw, chi.expected);
  const probabilityToBeBest = Object.fromEntries(variants.map((v, i) => [v.variant, bayes.probabilityToBeBest[i]!]));
  const expectedLoss = Object.fromEntries(variants.map((v, i) => [v.variant, bayes.expectedLoss[i]!]));
  const decision = decideExperiment({ metric: spec.metric, control, variants, comparisons, probabilityToBeBest, expectedLoss, srm: { mismatch }, guidance }, spec.decision);
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [timeBounds(spec.from, spec.to)] });
  return {
    experiment: spec.experiment,
    metric: spec.metric,
    control,
    variants,
    compared: headline?.variant ?? null,
    pValue: headline?.adjustedPValue ?? null,
    uplift,
    comparisons,
    probabilityToBeBest,
    expectedLoss,
    bayesian: { method: bayes.method, draws: bayes.draws, prior: spec.prior },
    srm: { chiSquare: chi.statistic, df: chi.df, pValue: chi.pValue, mismatch, threshold: spec.srmThreshold, expected: Object.fromEntries(srmNames.map((n, i) => [n, chi.expected[i]!])) },
    guidance,
    multipleVariantPersons,
    warnings,
    decision,
    basis,
  };
}

/** The absolute Welch interval relative to the control mean (treating the control mean as fixed). */
function relativeFromAbsolute(test: WelchTest, controlMean: number): [number, number] | null {
  if (controlMean === 0 || !Number.isFinite(test.differenceCi[0])) return null;
  return [test.differenceCi[0] / controlMean, test.differenceCi[1] / controlMean];
}

export const MIN_OUTCOMES_PER_VARIANT = 10;
export const MIN_PURCHASERS_PER_VARIANT = 30;
export const MIN_SRM_EXPECTED = 5;

function sampleGuidance(
  spec: ExperimentSpec,
  variants: readonly ExperimentVariant[],
  summary: (name: string) => { n: number },
  raw: readonly VariantRow[],
  srmExpected: readonly number[],
): ExperimentResult['guidance'] {
  const messages: string[] = [];
  let sufficient = true;
  for (const v of variants) {
    if (v.converted < MIN_OUTCOMES_PER_VARIANT || v.exposed - v.converted < MIN_OUTCOMES_PER_VARIANT) {
      if (spec.metric === 'conversion') sufficient = false;
      messages.push(`variant ${JSON.stringify(v.variant)}: ${v.converted} converted of ${v.exposed}; the z test needs at least ${MIN_OUTCOMES_PER_VARIANT} converted and ${MIN_OUTCOMES_PER_VARIANT} not converted per variant`);
    }
    const purchasers = Number(raw.find((r) => String(r.variant) === v.variant)?.purchasers ?? 0);
    if (purchasers < MIN_PURCHASERS_PER_VARIANT) {
      if (spec.metric === 'revenue') sufficient = false;
      messages.push(`variant ${JSON.stringify(v.variant)}: ${purchasers} persons with revenue; the Welch t test on skewed revenue needs at least ${MIN_PURCHASERS_PER_VARIANT}`);
    }
  }
  if (srmExpected.some((e) => e < MIN_SRM_EXPECTED)) messages.push(`an expected exposure count is below ${MIN_SRM_EXPECTED}: the SRM chi-square is unreliable`);
  const controlRate = variants[0]!.rate;
  const target = Math.min(0.999999, controlRate * (1 + spec.minimumDetectableEffect));
  const requiredPerVariant = controlRate > 0 && controlRate < 1 ? sampleSizePerGroup(controlRate, target) : null;
  if (requiredPerVariant === null) {
    sufficient = false;
    messages.push('the control has no conversions (or only conversions): the sample size cannot be planned yet');
  } else {
    const smallest = Math.min(...variants.map((v) => summary(v.variant).n));
    if (smallest < requiredPerVariant) {
      sufficient = false;
      messages.push(
        `underpowered: ${smallest} persons in the smallest variant, about ${requiredPerVariant} per variant are needed to detect a ${(spec.minimumDetectableEffect * 100).toFixed(0)}% relative uplift on a ${(controlRate * 100).toFixed(2)}% rate (alpha 0.05, power 0.8)`,
      );
    }
  }
  return { sufficient, requiredPerVariant, messages };
}
