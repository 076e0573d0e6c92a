/**
 * Scores every person a churn or propensity model covers: the feature matrix at the cut-off from the
 * same SQL training uses (models/train/scoring.ts, through the data engine), then the model worker in
 * batches. A batch bounds the memory of one ONNX run and the size of one message to the worker.
 */
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { personModelInput, type PersonMatrix } from '@privacy-analytics/models/score';
import type { PersonModel } from './model-files';

/** The one thing scoring needs from the model worker (ModelEngine implements it). */
export interface BatchScorer {
  score(name: string, input: Float32Array, rows: number, features: number): Promise<Float32Array>;
}

export const SCORING_BATCH_ROWS = 65_536;

export interface PersonScores extends PersonMatrix {
  /** model name in the worker, e.g. "churn" */
  model: string;
  scores: Float32Array;
}

export async function scoreMatrix(scorer: BatchScorer, model: string, x: Float32Array, rows: number, features: number, batchRows = SCORING_BATCH_ROWS): Promise<Float32Array> {
  const scores = new Float32Array(rows);
  for (let start = 0; start < rows; start += batchRows) {
    const count = Math.min(batchRows, rows - start);
    // slice, not subarray: the batch is transferred to the worker and must not detach x
    const batch = await scorer.score(model, x.slice(start * features, (start + count) * features), count, features);
    if (batch.length !== count) throw new Error(`model "${model}" returned ${batch.length} scores for ${count} rows`);
    scores.set(batch, start);
  }
  return scores;
}

export async function scorePersons(engine: QueryEngine, scorer: BatchScorer, name: string, model: PersonModel, cutoffMs?: number): Promise<PersonScores> {
  const input = await personModelInput(engine, model.schema, cutoffMs);
  const scores = await scoreMatrix(scorer, name, input.x, input.rows, input.features);
  return { ...input, model: name, scores };
}
