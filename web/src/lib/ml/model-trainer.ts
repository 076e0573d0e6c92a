/**
 * Retraining on the page: one training worker per run (web/src/lib/workers/train/), its SQL answered
 * by the dashboard's data engine. Cancelling terminates the worker; a worker that dies rejects the run.
 */
import * as Comlink from 'comlink';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { SupervisedWorker } from '../engine/supervised-worker';
import type { TrainProgress, TrainTask, TrainWorkerApi, TrainedModel } from '../workers/train/messages';

export type { TrainProgress, TrainTask, TrainedModel };

/**
 * A fit is one long synchronous computation in the worker, during which it cannot answer pings; only a
 * worker silent for this long counts as hung.
 */
const TRAINING_SILENCE_MS = 30 * 60_000;

export interface TrainingRun {
  result: Promise<TrainedModel>;
  cancel(): void;
}

export function startTraining(engine: QueryEngine, task: TrainTask, onProgress: (progress: TrainProgress) => void, options: { seed?: number } = {}): TrainingRun {
  const worker = new SupervisedWorker<TrainWorkerApi>({
    label: 'training worker',
    spawn: () => new Worker(new URL('../workers/train/train-worker.ts', import.meta.url), { type: 'module', name: 'train' }),
    init: async (api) => {
      await api.ping();
    },
    unresponsiveAfterMs: TRAINING_SILENCE_MS,
  });
  const query = Comlink.proxy((sql: string, params: Parameters<QueryEngine['query']>[1]) => engine.query(sql, params));
  const progress = Comlink.proxy(onProgress);
  const result = (async (): Promise<TrainedModel> => {
    try {
      await worker.start();
      return await worker.call<TrainedModel>('train', (api) => api.train(task, { seed: options.seed ?? 42, trainedAt: new Date().toISOString().slice(0, 10) }, query, progress));
    } finally {
      worker.dispose();
    }
  })();
  return { result, cancel: () => worker.dispose() };
}
