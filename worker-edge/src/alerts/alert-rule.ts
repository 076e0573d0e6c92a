import { z } from 'zod';
import { BUCKET_MS } from '../buffer/counters';
import { baselineOffsets, MIN_BASELINE_WINDOWS, type BaselineSpec, type Direction, type ThresholdSpec } from './seasonal-baseline';
import { webhookUrlProblem, type WebhookPolicy } from './webhook-url';
import { DEFAULT_FLUSH_LAG_LIMIT_SECONDS, FLUSH_LAG_METRIC } from './flush-lag-rule';
import { DEFAULT_FAILURE_RATE_LIMIT_PERCENT, DEFAULT_FAILURE_RATE_MIN_OPERATIONS, FAILURE_RATE_METRIC } from './failure-rate-rule';
import { AD_METRICS, isAdMetric, type AdFilter } from './ad-report-totals';

export const MAX_RULES_PER_SITE = 50;
const WINDOW_STEP_MINUTES = BUCKET_MS / 60_000;

export const RULE_DEFAULTS = {
  windowMinutes: 10,
  direction: 'both' as Direction,
  baseline: { days: 7, weeks: 0 } satisfies BaselineSpec,
  threshold: { k: 3.5, minRelativeChange: 0.2, minBaselineVolume: 10 } satisfies ThresholdSpec,
};

/**
 * events = accepted rows, persons = distinct hashed ids, conversions = accepted conversion events, visits (sessions,
 * dimension-counters.ts), revenue (sum of the revenue column), conversion_rate (conversions / visits); or any live counter.
 */
export const METRIC_PATTERN = /^(events|persons|conversions|visits|revenue|conversion_rate|funnel_rate|impressions|clicks|ctr|spend|accepted|duplicate|flush_lag|failure_rate|(bot|rejected|flag|dropped):[a-z0-9_]{1,60})$/;
/** Metrics a rule may filter by a dimension value. */
export const FILTERABLE_METRICS = ['visits', 'conversions', 'revenue', 'conversion_rate', 'funnel_rate'] as const;
export const RATE_METRIC = 'conversion_rate';
/** count(funnel.to) / count(funnel.from) of track events in the window (dimension-counters.ts), not persons who did both. */
export const FUNNEL_RATE_METRIC = 'funnel_rate';
/** `utm_campaign = spring_sale`: one dimension (dimension-counters.ts) equal to one value; `campaign` / `platform` for ad metrics. */
export const FILTER_PATTERN = /^\s*(utm_campaign|utm_source|utm_medium|channel|campaign|platform)\s*=\s*(\S(?:.{0,98}\S)?)\s*$/;
/** Ad metrics (imported ad reports, ad-report-totals.ts) filter on the report's campaign or platform column. */
const AD_FILTER_COLUMNS: Record<string, AdFilter['column'] | undefined> = { campaign: 'campaign', utm_campaign: 'campaign', platform: 'platform', utm_source: 'platform', channel: 'platform' };
const METRIC_HELP =
  'events, persons, conversions, visits, revenue, conversion_rate (conversions per visit), funnel_rate (events of funnel.to per event of funnel.from), impressions, clicks, ctr, spend (daily, from imported ad reports) or a live counter (accepted, duplicate, bot:<reason>, rejected:<reason>, flag:<flag>, dropped:<reason>), flush_lag (seconds the oldest unwritten event has waited; fires above limitSeconds), or failure_rate (percent of today\'s operations that failed; fires above limitPercent)';

export interface AlertRule {
  id: string;
  name: string;
  metric: string;
  windowMinutes: number;
  direction: Direction;
  baseline: BaselineSpec;
  threshold: ThresholdSpec;
  webhookUrl: string;
  /** visits / conversions / revenue / conversion_rate / funnel_rate: `<dimension> = <value>`, e.g. `utm_campaign = spring_sale`. */
  filter?: string;
  /** funnel_rate rules only: the step's two track event names. */
  funnel?: { from: string; to: string };
  /** While set and in the future, the rule is evaluated but fires nothing (ISO time). */
  mutedUntil?: string | null;
  /** flush_lag rules only: fire when the oldest unwritten event has waited longer than this. */
  limitSeconds?: number;
  /** failure_rate rules only: fire when today's failure rate is above this many percent (default 0.3). */
  limitPercent?: number;
  /** failure_rate rules only: stay quiet until the day has this many operations (default 100). */
  minOperations?: number;
  createdAt: string;
  createdBy: string;
  updatedAt?: string;
  updatedBy?: string;
}

export type AlertRuleInput = Omit<AlertRule, 'id' | 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy' | 'mutedUntil'>;

/** The dimension and value of a live-counter rule's filter, or null when it has none. */
export function parseFilter(filter: string | undefined): { dimension: 'utm_campaign' | 'utm_source' | 'utm_medium' | 'channel'; value: string } | null {
  if (filter === undefined) return null;
  const match = FILTER_PATTERN.exec(filter);
  if (!match || match[1] === 'campaign' || match[1] === 'platform') return null;
  return { dimension: match[1] as 'utm_campaign', value: match[2]! };
}

/** The ad-report column and value of an ad-metric rule's filter (`channel` and `utm_source` name the platform). */
export function parseAdFilter(filter: string | undefined): AdFilter | null {
  if (filter === undefined) return null;
  const match = FILTER_PATTERN.exec(filter);
  const column = match ? AD_FILTER_COLUMNS[match[1]!] : undefined;
  return column ? { column, value: match![2]! } : null;
}

export const RULE_BODY_HELP =
  '{"metric": "events" | "persons" | "conversions" | "visits" | "revenue" | "conversion_rate" | "<counter>" | "flush_lag", "webhookUrl": "https://…", "name"?: "…", ' +
  '"funnel"?: {"from": "<event>", "to": "<event>"} (funnel_rate only, required there), ' +
  '"filter"?: "utm_campaign | utm_source | utm_medium | channel = <value>" (visits, conversions, revenue, conversion_rate, funnel_rate), "campaign | platform | channel = <value>" (impressions, clicks, ctr, spend), ' +
  '"windowMinutes"?: 5-1440 (multiple of 5), ' +
  '"limitSeconds"?: 60-86400 (flush_lag only, default 600), "limitPercent"?: 0.001-100 and "minOperations"?: 0-1e9 (failure_rate only, defaults 0.3 and 100), ' +
  '"direction"?: "drop" | "spike" | "both", "baseline"?: {"days"?: 0-14, "weeks"?: 0-4}, "threshold"?: {"k"?: 1-10, "minRelativeChange"?: 0-10, "minBaselineVolume"?: >= 0}}';

const eventNameSchema = z.string('required: a track event name').trim().min(1, 'must not be empty').max(100, 'at most 100 characters (counters keep 100)').regex(/^[^\u0000-\u001f\u007f]*$/, 'no control characters');
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
      filter: z
        .string()
        .max(140, 'at most 140 characters')
        .regex(FILTER_PATTERN, 'expected "<dimension> = <value>" with dimension utm_campaign, utm_source, utm_medium or channel (campaign or platform for ad metrics), e.g. "utm_campaign = spring_sale"')
        .transform((text) => {
          const match = FILTER_PATTERN.exec(text)!;
          return `${match[1]} = ${match[2]}`;
        })
        .optional(),
      funnel: z
        .object({ from: eventNameSchema, to: eventNameSchema })
        .strict()
        .refine((f) => f.from !== f.to, 'from and to must be different events')
        .optional(),
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
      if (body.filter !== undefined && isAdMetric(body.metric)) {
        if (!parseAdFilter(body.filter)) ctx.addIssue({ code: 'custom', path: ['filter'], message: `${body.metric} comes from imported ad reports: filter by campaign or platform (channel, utm_source), e.g. "campaign = spring_sale"` });
      } else if (body.filter !== undefined && !(FILTERABLE_METRICS as readonly string[]).includes(body.metric)) {
        ctx.addIssue({ code: 'custom', path: ['filter'], message: `only ${[...FILTERABLE_METRICS, ...AD_METRICS].join(', ')} rules take a filter; ${body.metric} is counted site-wide` });
      } else if (body.filter !== undefined && !parseFilter(body.filter)) {
        ctx.addIssue({ code: 'custom', path: ['filter'], message: `${body.metric} is counted from live events: filter by utm_campaign, utm_source, utm_medium or channel` });
      }
      if (body.metric === FUNNEL_RATE_METRIC && body.funnel === undefined) {
        ctx.addIssue({ code: 'custom', path: ['funnel'], message: 'required for funnel_rate: {"from": "<event of the step>", "to": "<event of the next step>"}' });
      }
      if (body.funnel !== undefined && body.metric !== FUNNEL_RATE_METRIC) {
        ctx.addIssue({ code: 'custom', path: ['funnel'], message: 'only funnel_rate rules take a funnel' });
      }
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
      const scope = body.filter === undefined ? '' : ` where ${body.filter}`;
      if (body.metric === FUNNEL_RATE_METRIC && body.funnel) {
        return { ...body, name: body.name ?? `${body.funnel.from} → ${body.funnel.to}${scope} per ${body.windowMinutes} min (${body.direction})`, webhookUrl: new URL(body.webhookUrl).href };
      }
      if (isAdMetric(body.metric)) {
        // Ad reports are daily: the rule judges the latest imported day against the earlier days.
        return { ...body, windowMinutes: 1440, name: body.name ?? `${body.metric}${scope} per day (${body.direction})`, webhookUrl: new URL(body.webhookUrl).href };
      }
      return { ...body, name: body.name ?? `${body.metric}${scope} per ${body.windowMinutes} min (${body.direction})`, webhookUrl: new URL(body.webhookUrl).href };
    });
}

/** POST /v1/sites/<site>/alerts/<id>/mute: `until` an ISO time (at most 30 days ahead), or null to unmute. */
export const MAX_MUTE_MS = 30 * 24 * 60 * 60 * 1000;
export function muteBodySchema(now: number) {
  return z
    .object({
      until: z
          .string('expected an ISO time such as "2031-03-12T18:00:00Z", or null to unmute')
          .max(40, 'at most 40 characters')
          .refine((text) => !Number.isNaN(Date.parse(text)), 'not a readable time; expected ISO 8601 such as "2031-03-12T18:00:00Z"')
          .refine((text) => Date.parse(text) > now, 'must lie in the future (send null to unmute)')
          .refine((text) => Date.parse(text) <= now + MAX_MUTE_MS, 'at most 30 days ahead')
          .transform((text) => new Date(Date.parse(text)).toISOString())
          .nullable(),
    })
    .strict();
}
export const MUTE_BODY_HELP = '{"until": "<ISO time within 30 days>" | null}';

/** POST /v1/sites/<site>/alerts/<id>/test: `webhook: true` also posts a signed `alert.test` message to the rule's URL. */
export const testBodySchema = z.object({ webhook: z.boolean('expected true or false').default(false) }).strict().default({ webhook: false });
export const TEST_BODY_HELP = '{"webhook"?: true | false}';

export const ruleIdSchema = z.string().regex(/^[0-9a-f]{16}$/);
