/** The experiments view's form, the split text it takes, and the query listing experiments in the data. */
import { and, ident, parseExperimentSpec, sql, timeBounds, timeCondition, type ExperimentSpecInput, type Sql } from '@privacy-analytics/core/analytics';
import type { DateRange } from '../../engine/data-engine';
import { EVENTS_TABLE } from '@privacy-analytics/core/engine';

export interface ExperimentForm {
  experiment: string;
  exposureEvent: string;
  goalEvent: string;
  metric: 'conversion' | 'revenue';
  revenueProperty: string;
  /** "control: 50, treatment: 50"; empty: equal shares of the variants seen */
  expectedSplit: string;
  /** empty: "control" when present, else the first variant of the split */
  control: string;
  minimumDetectablePercent: number;
}

export function defaultExperimentForm(): ExperimentForm {
  return { experiment: '', exposureEvent: 'Experiment Viewed', goalEvent: 'Order Completed', metric: 'conversion', revenueProperty: 'revenue', expectedSplit: '', control: '', minimumDetectablePercent: 10 };
}

/** "control: 50, treatment: 50" (or "=" instead of ":", ";" or new lines between) as weights; null when empty. */
export function parseExpectedSplit(text: string): Record<string, number> | null {
  const parts = text.split(/[,;\n]/).map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) return null;
  const split: Record<string, number> = {};
  for (const part of parts) {
    const match = /^(.+?)\s*[:=]\s*([0-9]*\.?[0-9]+)\s*%?$/.exec(part);
    if (!match) throw new Error(`expected split: write "variant: share" pairs such as "control: 50, treatment: 50"; cannot read "${part}"`);
    const [, variant, share] = match as unknown as [string, string, string];
    if (variant in split) throw new Error(`expected split: "${variant}" is listed twice`);
    const weight = Number(share);
    if (!(weight > 0)) throw new Error(`expected split: the share of "${variant}" must be above 0, got ${share}`);
    split[variant] = weight;
  }
  if (Object.keys(split).length < 2) throw new Error('expected split: name at least two variants');
  return split;
}

export function experimentSpec(form: ExperimentForm, range: DateRange): ExperimentSpecInput {
  const experiment = form.experiment.trim();
  if (!experiment) throw new Error('choose an experiment');
  if (!form.exposureEvent.trim()) throw new Error('choose the exposure event');
  if (!form.goalEvent.trim()) throw new Error('choose the goal event');
  if (!(form.minimumDetectablePercent > 0)) throw new Error(`the minimum detectable effect must be above 0%, got ${form.minimumDetectablePercent}%`);
  const split = parseExpectedSplit(form.expectedSplit);
  const spec: ExperimentSpecInput = {
    experiment,
    exposure: { event: form.exposureEvent.trim() },
    goal: { event: form.goalEvent.trim() },
    metric: form.metric,
    revenueProperty: form.revenueProperty.trim() || 'revenue',
    minimumDetectableEffect: form.minimumDetectablePercent / 100,
    from: range.from,
    to: range.to,
  };
  if (split) spec.expectedSplit = split;
  if (form.control.trim()) spec.control = form.control.trim();
  parseExperimentSpec(spec);
  return spec;
}

export function experimentFormFromSpec(spec: ExperimentSpecInput): ExperimentForm {
  const form = defaultExperimentForm();
  form.experiment = spec.experiment;
  form.exposureEvent = spec.exposure?.event ?? form.exposureEvent;
  form.goalEvent = spec.goal?.event ?? form.goalEvent;
  form.metric = spec.metric ?? form.metric;
  form.revenueProperty = spec.revenueProperty ?? form.revenueProperty;
  form.expectedSplit = spec.expectedSplit ? Object.entries(spec.expectedSplit).map(([v, w]) => `${v}: ${w}`).join(', ') : '';
  form.control = spec.control ?? '';
  if (spec.minimumDetectableEffect !== undefined) form.minimumDetectablePercent = spec.minimumDetectableEffect * 100;
  return form;
}

export interface ExperimentListing {
  experiment: string;
  variants: number;
  /** distinct user / anonymous ids with an exposure */
  exposed: number;
  exposures: number;
}

/** Experiments in the data: exposure events with the experiment and variant columns set, in the range. */
export function experimentListSql(exposureEvent: string, range: DateRange): Sql {
  const conditions = [sql`"experiment" IS NOT NULL`, sql`"variant" IS NOT NULL`, timeCondition(timeBounds(range.from, range.to))];
  if (exposureEvent.trim()) conditions.push(sql`"event" = ${exposureEvent.trim()}`);
  return sql`SELECT "experiment" AS experiment, count(DISTINCT "variant")::BIGINT AS variants,
      count(DISTINCT coalesce(user_id, anonymous_id))::BIGINT AS exposed, count(*)::BIGINT AS exposures
    FROM ${ident(EVENTS_TABLE)} WHERE ${and(conditions)}
    GROUP BY 1 ORDER BY exposed DESC, experiment LIMIT 200`;
}
