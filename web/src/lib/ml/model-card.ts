/**
 * The part of a model card (`<name>.card.json`, written by npm run train or by a retrain on the page)
 * the Models view shows: version, training window and the headline metrics. Validated when read, as
 * every file the page takes in; other fields pass through untouched.
 */
import { z } from 'zod';

const finite = z.number().finite();

const classificationMetrics = z.object({ rows: finite, positives: finite, rocAuc: finite.nullable(), prAuc: finite.nullable(), brier: finite, logLoss: finite });
/** Precision / recall are null in JSON when nothing was flagged (NaN). */
const decisionMetrics = z.object({ threshold: finite, rows: finite, flagged: finite, accuracy: finite, precision: finite.nullable(), recall: finite.nullable(), baseRate: finite, majorityAccuracy: finite });
const rankingMetrics = z.object({ persons: finite, k: finite, hitRate: finite, ndcg: finite });

export const personCardSchema = z.object({
  name: z.string().max(200),
  kind: z.literal('person-classifier'),
  task: z.string().max(50),
  description: z.string().max(2000),
  trainerVersion: z.string().max(50),
  trainedAt: z.string().max(40),
  horizonDays: finite,
  /** Cards written before lead times have none (0). */
  leadDays: finite.optional(),
  data: z.object({ events: finite, persons: finite, from: z.string().max(40), to: z.string().max(40) }),
  model: z.object({ type: z.string().max(100) }).passthrough(),
  metrics: z.object({
    window: z.string().max(100),
    model: classificationMetrics,
    baselines: z.array(z.object({ name: z.string().max(100), metrics: classificationMetrics })).max(20),
    /** The at-risk decision (score >= threshold); absent in cards written before it. */
    decision: z
      .object({
        threshold: finite,
        rule: z.string().max(500),
        evaluation: decisionMetrics,
        target: z.object({ requirement: z.string().max(200), minAccuracy: finite, leadMet: z.boolean(), accuracyMet: z.boolean() }).nullable(),
      })
      .optional(),
  }),
});

export const recommenderCardSchema = z.object({
  name: z.string().max(200),
  kind: z.literal('recommender'),
  description: z.string().max(2000),
  trainerVersion: z.string().max(50),
  trainedAt: z.string().max(40),
  data: z.object({ persons: finite, items: finite, from: z.string().max(40), to: z.string().max(40) }).passthrough(),
  evaluation: z.object({ k: finite, persons: finite, model: rankingMetrics, popularity: rankingMetrics, cooccurrence: rankingMetrics }),
});

export type PersonCardSummary = z.infer<typeof personCardSchema>;
export type RecommenderCardSummary = z.infer<typeof recommenderCardSchema>;
export type ModelCardSummary = PersonCardSummary | RecommenderCardSummary;

export function parseModelCard(json: unknown, label: string): ModelCardSummary {
  const parsed = z.union([personCardSchema, recommenderCardSchema]).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${label}: not a model card (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})`);
  }
  return parsed.data;
}
