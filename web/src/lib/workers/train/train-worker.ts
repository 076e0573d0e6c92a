/// <reference lib="webworker" />
/**
 * The training worker: runs the TypeScript trainers of models/train (the code behind `npm run train`)
 * off the page's thread. Their SQL (feature rows, labels, interactions) runs in the data worker's
 * DuckDB through the page, and only the result rows travel here; fitting, evaluation and the ONNX
 * encoding (no code generation, so no 'unsafe-eval') happen in this worker.
 */
import * as Comlink from 'comlink';
import { installErrorTransfer } from '../../engine/errors';
import type { QueryEngine, Row, SqlValue } from '@privacy-analytics/core/engine';
import { trainPersonModel, trainRecommender } from '@privacy-analytics/models/train';
import type { RemoteQuery, TrainedModel, TrainProgress, TrainTask, TrainWorkerApi } from './messages';

installErrorTransfer();

function remoteEngine(query: RemoteQuery): QueryEngine {
  return {
    query: <T extends Row = Row>(sql: string, params: readonly SqlValue[] = []) => query(sql, [...params]) as Promise<T[]>,
  };
}

const api: TrainWorkerApi = {
  ping: () => 'pong',

  async train(task: TrainTask, options, query, progress): Promise<TrainedModel> {
    const began = performance.now();
    const engine = remoteEngine(query);
    const log = (line: string) => void (progress as (p: TrainProgress) => Promise<void>)({ line, elapsedMs: performance.now() - began });
    if (task === 'recommend') {
      const trained = await trainRecommender(engine, { seed: options.seed, trainedAt: options.trainedAt, log });
      return Comlink.transfer({ task, onnx: trained.onnx, card: trained.card, ids: trained.ids }, [trained.onnx.buffer]);
    }
    const trained = await trainPersonModel(engine, { task, seed: options.seed, trainedAt: options.trainedAt, log });
    return Comlink.transfer({ task, onnx: trained.onnx, card: trained.card }, [trained.onnx.buffer]);
  },
};

Comlink.expose(api);
