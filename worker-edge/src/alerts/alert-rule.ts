import { z } from 'zod';
import { BUCKET_MS } from '../buffer/counters';
import { baselineOffsets, MIN_BASELINE_WINDOWS, type BaselineSpec, type Direction, type ThresholdSpec } from './seasonal-baseline';
import { webhookUrlProblem, type WebhookPolicy } from './webhook-url';
import { DEFAULT_FLUSH_LAG_LIMIT_SECONDS, FLUSH_LAG_METRIC } from './flush-lag-rule';
import { DEFAULT_FAILURE_RATE_LIMIT_PERCENT, DEFAULT_FAILURE_RATE_MIN_OPERATIONS, FAILURE_RATE_METRIC } from './failure-rate-rule';

export const MAX_RULES_PER_SITE = 50;
const WINDOW_STEP_MINUTES = BUCKET_MS / 60_000;

export const RULE_DEFAULTS = {
  windowMinutes: 10,
  direction: 'both' as Direction,
  baseline: { days: 7, weeks: 0 } satisfies BaselineSpec,
  threshold: { k: 3.5, minRelativeChange: 0.2, minBaselineVolume: 10 } satisfies ThresholdSpec,
};

/** events = accepted rows, persons = distinct hashed ids, conversions = accepted conversion events; or any live counter. */
export const METRIC_PATTERN = /^(events|persons|conversions|accepted|duplicate|flush_lag|failure_rate|(bot|rejected|flag|dropped):[a-z0-9_]{1,60})$/;
const METRIC_HELP =
  'events, persons, conversions or a live counter (accepted, duplicate, bot:<reason>, rejected:<reason>, flag:<flag>, dropped:<reason>), flush_lag (seconds the oldest unwritten event has waited; fires above limitSeconds), or failure_rate (percent of today\'s operations that failed; fires above limitPercent)';

export interface AlertRule {
  id: string;
  name: string;
  metric: string;
  windowMinutes: number;
  direction: Direction;
  baseline: BaselineSpec;
  threshold: ThresholdSpec;
  webhookUrl: string;
  /** flush_lag rules only: fire when the oldest unwritten event has waited longer than this. */
  limitSeconds?: number;
  /** failure_rate rules only: fire when today's failure rate is above this many percent (default 0.3). */
  limitPercent?: number;
  /** failure_rate rules only: stay quiet until the day has this many operations (default 100). */
  minOperations?: number;
  createdAt: string;
  createdBy: string;
}

export type AlertRuleInput = Omit<AlertRule, 'id' | 'createdAt' | 'createdBy'>;

export const RULE_BODY_HELP =
  '{"metric": "events" | "persons" | "conversions" | "<counter>" | "flush_lag", "webhookUrl": "https://…", "name"?: "…", "windowMinutes"?: 5-1440 (multiple of 5), ' +
  '"limitSeconds"?: 60-86400 (flush_lag only, default 600), "limitPercent"?: 0.001-100 and "minOperations"?: 0-1e9 (failure_rate only, defaults 0.3 and 100), ' +
  '"direction"?: "drop" | "spike" | "both", "baseline"?: {"days"?: 0-14, "weeks"?: 0-4}, "threshold"?: {"k"?: 1-10, "minRelativeChange"?: 0-10, "minBaselineVolume"?: >= 0}}';

const nameSchema = z.string().trim().min(1, 'must not be empty').max(100, 'at most 100 characters').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');

/** The body of POST /v1/sites/<site>/alerts; the webhook check depends on the site and the deployment. */
export function alertRuleBodySchema(policy: WebhookPolicy): z.ZodType<AlertRuleInput> {
  return z
    .object({
      name: nameSchema.optional(),
      metric: z.string(`required: ${METRIC_HELP}`).regex(METRIC_PATTERN, `expected ${METRIC_HELP}`),
      windowMinutes: z
        .number()
        .int('must be a whole number of minutes')
        .min(WINDOW_STEP_MINUTES, `at least ${WINDOW_STEP_MINUTES}`)
        .max(1440, 'at most 1440 (one day)')
        .multipleOf(WINDOW_STEP_MINUTES, `must be a multiple of ${WINDOW_STEP_MINUTES} (rules are evaluated every ${WINDOW_STEP_MINUTES} minutes on ${WINDOW_STEP_MINUTES}-minute buckets)`)
        .default(RULE_DEFAULTS.windowMinutes),
      direction: z.enum(['drop', 'spike', 'both'], 'expected "drop", "spike" or "both"').default(RULE_DEFAULTS.direction),
      baseline: z
        .object({
          days: z.number().int('must be a whole number').min(0, 'at least 0').max(14, 'at most 14').default(RULE_DEFAULTS.baseline.days),
          weeks: z.number().int('must be a whole number').min(0, 'at least 0').max(4, 'at most 4 (counters are kept 30 days)').default(RULE_DEFAULTS.baseline.weeks),
        })
        .strict()
        .default(RULE_DEFAULTS.baseline)
        .superRefine((baseline, ctx) => {
          const windows = baselineOffsets(baseline).length;
          if (windows < MIN_BASELINE_WINDOWS) {
            ctx.addIssue({ code: 'custom', message: `needs at least ${MIN_BASELINE_WINDOWS} distinct comparison windows; days ${baseline.days} and weeks ${baseline.weeks} give ${windows}` });
          }
        }),
      threshold: z
        .object({
          k: z.number().min(1, 'at least 1').max(10, 'at most 10').default(RULE_DEFAULTS.threshold.k),
          minRelativeChange: z.number().min(0, 'at least 0').max(10, 'at most 10 (1000 %)').default(RULE_DEFAULTS.threshold.minRelativeChange),
          minBaselineVolume: z.number().min(0, 'at least 0').max(1e9, 'at most 1e9').default(RULE_DEFAULTS.threshold.minBaselineVolume),
        })
        .strict()
        .default(RULE_DEFAULTS.threshold),
      limitSeconds: z.number().int('must be a whole number of seconds').min(60, 'at least 60').max(86_400, 'at most 86400 (one day)').optional(),
      limitPercent: z.number().min(0.001, 'at least 0.001').max(100, 'at most 100').optional(),
      minOperations: z.number().int('must be a whole number').min(0, 'at least 0').max(1e9, 'at most 1e9').optional(),
      webhookUrl: z
        .string('required: the URL alerts are posted to')
        .max(2048, 'at most 2048 characters')
        .superRefine((url, ctx) => {
          const problem = webhookUrlProblem(url, policy);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
    })
    .strict()
    .superRefine((body, ctx) => {
      if (body.limitSeconds !== undefined && body.metric !== FLUSH_LAG_METRIC) {
        ctx.addIssue({ code: 'custom', path: ['limitSeconds'], message: 'only flush_lag rules take a limit; other metrics are judged against their own baseline' });
      }
      for (const field of ['limitPercent', 'minOperations'] as const) {
        if (body[field] !== undefined && body.metric !== FAILURE_RATE_METRIC) {
          ctx.addIssue({ code: 'custom', path: [field], message: `only failure_rate rules take ${field}` });
        }
      }
    })
    .transform((body) => {
      if (body.metric === FLUSH_LAG_METRIC) {
        const limitSeconds = body.limitSeconds ?? DEFAULT_FLUSH_LAG_LIMIT_SECONDS;
        return { ...body, direction: 'spike' as const, limitSeconds, name: body.name ?? `flush lag over ${limitSeconds} s`, webhookUrl: new URL(body.webhookUrl).href };
      }
      if (body.metric === FAILURE_RATE_METRIC) {
        const limitPercent = body.limitPercent ?? DEFAULT_FAILURE_RATE_LIMIT_PERCENT;
        const minOperations = body.minOperations ?? DEFAULT_FAILURE_RATE_MIN_OPERATIONS;
        return { ...body, direction: 'spike' as const, limitPercent, minOperations, name: body.name ?? `failure rate over ${limitPercent} %`, webhookUrl: new URL(body.webhookUrl).href };
      }
      return { ...body, name: body.name ?? `${body.metric} per ${body.windowMinutes} min (${body.direction})`, webhookUrl: new URL(body.webhookUrl).href };
    });
}

export const ruleIdSchema = z.string().regex(/^[0-9a-f]{16}$/);
