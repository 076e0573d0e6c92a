import type { Row, SqlValue } from '@privacy-analytics/core/engine';
import type { PersonModelCard, RecommenderCard } from '@privacy-analytics/models/train';
import type { RecommenderIds } from '@privacy-analytics/models/score';

export type TrainTask = 'churn' | 'propensity' | 'recommend';

/** Runs SQL in the dashboard's data engine (DuckDB worker) on the training worker's behalf. */
export type RemoteQuery = (sql: string, params: readonly SqlValue[]) => Promise<Row[]>;

export interface TrainProgress {
  /** the trainer's log line, e.g. "[train] logistic_regression: best epoch 40 of 52, ..." */
  line: string;
  elapsedMs: number;
}

export type TrainedModel =
  | { task: 'churn' | 'propensity'; onnx: Uint8Array; card: PersonModelCard }
  | { task: 'recommend'; onnx: Uint8Array; card: RecommenderCard; ids: RecommenderIds };

/** The training worker's API as seen through comlink; only web/src/lib/ml/model-trainer.ts calls it. */
export interface TrainWorkerApi {
  ping(): string;
  /** Trains `task` with the same code as `npm run train`, its SQL answered by `query`. */
  train(task: TrainTask, options: { seed: number; trainedAt: string }, query: RemoteQuery, progress: (p: TrainProgress) => void): Promise<TrainedModel>;
}
