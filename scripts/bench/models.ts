/**
 * Models benchmark: training time of the churn, propensity and recommend models on N demo events
 * (the events generated and cached by models/train/test-support/demo-data.ts), and scoring
 * throughput of the trained churn and recommend models in onnxruntime-web (wasm backend, in Node
 * here) beside the plain TypeScript forward passes on the same rows.
 *
 *   const rows = await benchModels({ events: 1_000_000 });  // rows for a markdown table
 *
 * onnxruntime-web fixes its thread count when it first loads, so one call measures one `threads`
 * setting; run another process for another.
 */
import { classifierScores, DeepFmItemScorer, deepFmLogit, DeepFmWorkspace, SeededRandom, trainPersonModel, trainRecommender } from '@privacy-analytics/models/train';
import { openOrtScorer } from '@privacy-analytics/models/onnx/node';
import { personModelInput } from '@privacy-analytics/models/score';
import { openDemoStore } from '../harness';

export interface ModelsBenchOptions {
  /** Demo events to train on. */
  events: number;
  days?: number;
  seed?: number;
  /** Rows scored per throughput measurement (default 1,000,000). */
  scoringRows?: number;
  /** onnxruntime-web threads (default 1). */
  threads?: number;
  /** Rows per onnxruntime run (default 65,536). */
  batchRows?: number;
  log?: (line: string) => void;
}

export interface ModelsBenchRow {
  measure: string;
  engine: string;
  rows: number;
  ms: number;
  /** rows / second, for throughput rows; null for durations. */
  rowsPerSecond: number | null;
}

function tile(source: Float32Array, width: number, rows: number): Float32Array {
  const sourceRows = source.length / width;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(source.subarray((r % sourceRows) * width, (r % sourceRows + 1) * width), r * width);
  return out;
}

async function timed<T>(run: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const began = performance.now();
  const value = await run();
  return { ms: performance.now() - began, value };
}

export async function benchModels(options: ModelsBenchOptions): Promise<ModelsBenchRow[]> {
  const log = options.log ?? (() => {});
  const scoringRows = options.scoringRows ?? 1_000_000;
  const batchRows = options.batchRows ?? 65_536;
  const threads = options.threads ?? 1;
  const rows: ModelsBenchRow[] = [];
  const duration = (measure: string, ms: number, n: number) => rows.push({ measure, engine: 'TypeScript (Node)', rows: n, ms, rowsPerSecond: null });
  const throughput = (measure: string, engine: string, n: number, ms: number) => rows.push({ measure, engine, rows: n, ms, rowsPerSecond: (n / ms) * 1000 });

  const opened = await timed(() => openDemoStore({ events: options.events, days: options.days ?? 90, seed: options.seed ?? 42 }));
  const { store } = opened.value;
  log(`[bench] ${options.events.toLocaleString('en-US')} demo events loaded in ${(opened.ms / 1000).toFixed(1)} s`);
  try {
    const churn = await timed(() => trainPersonModel(store, { task: 'churn' }));
    duration(`train churn on ${options.events.toLocaleString('en-US')} events (features SQL ${(churn.value.card.durationMs.features / 1000).toFixed(1)} s)`, churn.ms, churn.value.card.split.train.rows);
    log(`[bench] churn trained in ${(churn.ms / 1000).toFixed(1)} s`);
    const propensity = await timed(() => trainPersonModel(store, { task: 'propensity' }));
    duration(`train propensity on ${options.events.toLocaleString('en-US')} events (features SQL ${(propensity.value.card.durationMs.features / 1000).toFixed(1)} s)`, propensity.ms, propensity.value.card.split.train.rows);
    log(`[bench] propensity trained in ${(propensity.ms / 1000).toFixed(1)} s`);
    const recommend = await timed(() => trainRecommender(store));
    duration(`train recommend on ${options.events.toLocaleString('en-US')} events (3 fits, ${recommend.value.card.model.epochsRun + 2 * recommend.value.card.model.bestEpoch} epochs)`, recommend.ms, recommend.value.card.data.interactions);
    log(`[bench] recommend trained in ${(recommend.ms / 1000).toFixed(1)} s`);

    // Churn scoring: real feature rows at the end of the data, tiled to `scoringRows`.
    const input = await personModelInput(store, churn.value.metadata.featureSchema);
    const width = input.features;
    const x = tile(input.x, width, scoringRows);
    const ts = await timed(() => classifierScores(churn.value.model, x, scoringRows));
    throughput(`score churn (${width} features, ${churn.value.card.model.type})`, 'TypeScript forward pass (float64)', scoringRows, ts.ms);
    const churnScorer = await openOrtScorer(churn.value.onnx, 'churn', threads);
    try {
      await churnScorer.run(x.subarray(0, batchRows * width), batchRows, width);
      const ort = await timed(async () => {
        for (let start = 0; start < scoringRows; start += batchRows) {
          const n = Math.min(batchRows, scoringRows - start);
          await churnScorer.run(x.subarray(start * width, (start + n) * width), n, width);
        }
      });
      throughput(`score churn (${width} features, ${churn.value.card.model.type})`, `onnxruntime-web wasm, ${threads} thread${threads > 1 ? 's' : ''}, batches of ${batchRows.toLocaleString('en-US')}`, scoringRows, ort.ms);
    } finally {
      await churnScorer.release();
    }

    // Recommender scoring: (person, item) pairs over every item for persons in turn.
    const model = recommend.value.model;
    const random = new SeededRandom(1);
    const pairs = new Float32Array(scoringRows * 2);
    for (let r = 0; r < scoringRows; r++) {
      pairs[2 * r] = 1 + random.int(model.persons - 1);
      pairs[2 * r + 1] = r % model.items;
    }
    const ws = new DeepFmWorkspace(model);
    const perPair = await timed(() => {
      let sum = 0;
      for (let r = 0; r < scoringRows; r++) sum += deepFmLogit(model, pairs[2 * r]!, pairs[2 * r + 1]!, ws);
      return sum;
    });
    throughput('score recommend pairs (DeepFM)', 'TypeScript forward pass, per pair', scoringRows, perPair.ms);
    const scorer = new DeepFmItemScorer(model);
    const out = new Float64Array(model.items);
    const personCount = Math.ceil(scoringRows / model.items);
    const perPerson = await timed(() => {
      for (let p = 0; p < personCount; p++) scorer.scores(1 + (p % (model.persons - 1)), out);
    });
    throughput('score recommend pairs (DeepFM)', 'TypeScript, all items per person (shared item terms)', personCount * model.items, perPerson.ms);
    const recommendScorer = await openOrtScorer(recommend.value.onnx, 'recommend', threads);
    try {
      await recommendScorer.run(pairs.subarray(0, batchRows * 2), batchRows, 2);
      const ort = await timed(async () => {
        for (let start = 0; start < scoringRows; start += batchRows) {
          const n = Math.min(batchRows, scoringRows - start);
          await recommendScorer.run(pairs.subarray(start * 2, (start + n) * 2), n, 2);
        }
      });
      throughput('score recommend pairs (DeepFM)', `onnxruntime-web wasm, ${threads} thread${threads > 1 ? 's' : ''}, batches of ${batchRows.toLocaleString('en-US')}`, scoringRows, ort.ms);
    } finally {
      await recommendScorer.release();
    }
  } finally {
    await store.close();
  }
  return rows;
}

/** The rows as a markdown table. */
export function modelsBenchTable(rows: readonly ModelsBenchRow[]): string {
  const lines = ['| measure | engine | rows | time | rows/s |', '|---|---|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(`| ${r.measure} | ${r.engine} | ${r.rows.toLocaleString('en-US')} | ${r.ms >= 10_000 ? `${(r.ms / 1000).toFixed(1)} s` : `${r.ms.toFixed(0)} ms`} | ${r.rowsPerSecond === null ? '' : Math.round(r.rowsPerSecond).toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}
