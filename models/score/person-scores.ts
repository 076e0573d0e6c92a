/**
 * What the dashboard does with person-model scores, engine-agnostic so it runs the same in the
 * browser and in Node tests: write them to DuckDB as `person_scores(person, model, score)` (read by
 * the segment condition {type:'score'}), bin them for a histogram, and explain the riskiest persons.
 */
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { ident, join, sql, type Sql } from '@privacy-analytics/core/analytics';
import { explainScore, type FeatureContribution } from '../train/classifier/explain';
import type { PersonClassifier } from '../train/classifier/person-classifier';

export const PERSON_SCORES_TABLE = 'person_scores';

/** Rows per INSERT: parameters are inlined as literals, so this bounds the statement size (~100 KB). */
const INSERT_ROWS = 1_000;

export interface ModelScores {
  /** e.g. "churn"; the segment condition's `model` */
  model: string;
  persons: readonly string[];
  scores: ArrayLike<number>;
}

let writeSeq = 0;

/**
 * Replaces `person_scores` with one row per person and model. The rows go into a table of this write's own first,
 * which replaces `person_scores` in one statement at the end: readers never see a half-written table, and two
 * writes that overlap (a newer scoring run started while an older one was still inserting) cannot mix their rows.
 * An aborted `signal` stops the write before its next statement and leaves `person_scores` as it was.
 */
export async function writePersonScores(engine: QueryEngine, sets: readonly ModelScores[], signal?: AbortSignal): Promise<number> {
  for (const set of sets) {
    if (set.persons.length !== set.scores.length) throw new Error(`person_scores: ${set.scores.length} ${set.model} scores for ${set.persons.length} persons`);
  }
  const table = ident(PERSON_SCORES_TABLE);
  const staging = ident(`${PERSON_SCORES_TABLE}_writing_${++writeSeq}_${Date.now().toString(36)}`);
  const run = async (statement: Sql) => {
    signal?.throwIfAborted();
    await engine.query(statement.text, statement.params);
  };
  await run(sql`CREATE OR REPLACE TABLE ${staging} (person VARCHAR NOT NULL, model VARCHAR NOT NULL, score DOUBLE NOT NULL)`);
  let written = 0;
  try {
    for (const set of sets) {
      for (let start = 0; start < set.persons.length; start += INSERT_ROWS) {
        const rows: Sql[] = [];
        for (let i = start; i < Math.min(start + INSERT_ROWS, set.persons.length); i++) {
          const score = set.scores[i]!;
          if (!Number.isFinite(score)) throw new Error(`person_scores: ${set.model} score of ${set.persons[i]} is ${score}`);
          // As text: a numeric literal is parsed as DECIMAL, and DECIMAL -> DOUBLE can be 1 ulp off.
          rows.push(sql`(${set.persons[i]!}, ${set.model}, CAST(${String(score)} AS DOUBLE))`);
        }
        await run(sql`INSERT INTO ${staging} VALUES ${join(rows)}`);
        written += rows.length;
      }
    }
    await run(sql`CREATE OR REPLACE TABLE ${table} AS SELECT * FROM ${staging}`);
  } finally {
    const drop = sql`DROP TABLE IF EXISTS ${staging}`;
    await engine.query(drop.text, drop.params).catch(() => undefined);
  }
  return written;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** `bins` equal-width bins over [0, 1]; a score of exactly 1 falls in the last. */
export function scoreHistogram(scores: ArrayLike<number>, bins = 20): HistogramBin[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor(s * bins)))]! += 1;
  }
  return counts.map((count, i) => ({ from: i / bins, to: (i + 1) / bins, count }));
}

export interface RiskRow {
  person: string;
  score: number;
  /** the strongest contributions, logit units (see explain.ts) */
  drivers: FeatureContribution[];
}

/**
 * The `limit` persons with the highest score (ties: person key), each with its `drivers` strongest
 * feature contributions computed from the raw feature row `x[row]` (exact w·z for logistic regression).
 */
export function riskList(
  persons: readonly string[],
  scores: ArrayLike<number>,
  x: Float32Array,
  model: PersonClassifier,
  featureNames: readonly string[],
  options: { limit: number; drivers: number },
): RiskRow[] {
  const width = featureNames.length;
  const order = Array.from({ length: persons.length }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || (persons[a]! < persons[b]! ? -1 : persons[a]! > persons[b]! ? 1 : 0));
  return order.slice(0, options.limit).map((row) => ({
    person: persons[row]!,
    score: scores[row]!,
    drivers: explainScore(model, featureNames, x.subarray(row * width, (row + 1) * width), options.drivers),
  }));
}

export interface SegmentItem {
  item: string;
  /** mean score over the members who had not bought it */
  meanScore: number;
  /** members for whom it is among their top k */
  inTopK: number;
}

/**
 * Items for a group of persons: accumulates each member's item scores (`scoresOf(member)` over all
 * items) leaving out what the member bought, ranks by mean score; `inTopK` counts the members whose
 * own top k holds the item.
 */
export function segmentTopItems(
  members: readonly number[],
  items: readonly string[],
  scoresOf: (member: number) => ArrayLike<number>,
  purchasedOf: (member: number) => ReadonlySet<number>,
  k: number,
): SegmentItem[] {
  const sum = new Float64Array(items.length);
  const count = new Uint32Array(items.length);
  const inTopK = new Uint32Array(items.length);
  for (const member of members) {
    const scores = scoresOf(member);
    const bought = purchasedOf(member);
    const candidates: number[] = [];
    for (let i = 0; i < items.length; i++) {
      if (bought.has(i)) continue;
      sum[i]! += scores[i]!;
      count[i]! += 1;
      candidates.push(i);
    }
    candidates.sort((a, b) => scores[b]! - scores[a]! || (items[a]! < items[b]! ? -1 : 1));
    for (const i of candidates.slice(0, k)) inTopK[i]! += 1;
  }
  return Array.from({ length: items.length }, (_, i) => ({ item: items[i]!, meanScore: count[i] ? sum[i]! / count[i]! : 0, inTopK: inTopK[i]! }))
    .filter((_, i) => count[i]! > 0)
    .sort((a, b) => b.meanScore - a.meanScore || (a.item < b.item ? -1 : 1))
    .slice(0, k);
}
