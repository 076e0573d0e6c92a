/**
 * Using trained models on events: read a model file (checking that it is one of ours and that this
 * build can compute its inputs), build its input matrix from an engine, and turn outputs into ranked
 * results. The ONNX run itself is the caller's: the dashboard's model worker, or onnxruntime-web in
 * Node for the CLI. Engine-agnostic and free of Node APIs.
 */
import { z } from 'zod';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { DAY_MS, ensurePersonMap, personEvents, sql } from '@privacy-analytics/core/analytics';
import { classifierFromOnnx, MODEL_METADATA_KEY, type PersonClassifier } from '../train/classifier/person-classifier';
import { PERSON_TASK_NAMES } from '../train/classifier/person-dataset';
import type { PersonModelMetadata } from '../train/classifier/train-person-model';
import { checkFeatureSchema, encodeFeatures, personFeatureRows, type FeatureSchema } from '../features/person-features';
import { decodeOnnx, OnnxFormatError, type OnnxModel } from '../onnx/onnx-model';
import type { DeepFm } from '../train/recommend/deepfm';
import { deepFmFromOnnx } from '../train/recommend/deepfm-onnx';
import { interactionOptionsSchema, loadInteractions } from '../train/recommend/interactions';
import type { RecommenderIds } from './id-map';
import type { RecommenderMetadata } from '../train/recommend/train-recommender';

export type LoadedModel =
  | { kind: 'person-classifier'; onnx: OnnxModel; model: PersonClassifier; metadata: PersonModelMetadata; schema: FeatureSchema }
  | { kind: 'recommender'; onnx: OnnxModel; model: DeepFm; metadata: RecommenderMetadata };

const baseMetadata = z.object({ format: z.number().int(), kind: z.enum(['person-classifier', 'recommender']) });
const personMetadata = baseMetadata.extend({
  kind: z.literal('person-classifier'),
  task: z.enum(PERSON_TASK_NAMES as [string, ...string[]]),
  horizonDays: z.number().int().positive(),
  leadDays: z.number().int().min(0).optional(),
  threshold: z.number().gt(0).lt(1).optional(),
  featureSchema: z.unknown(),
  input: z.string(),
  output: z.string(),
});
const recommenderMetadata = baseMetadata.extend({
  kind: z.literal('recommender'),
  input: z.string(),
  output: z.string(),
  persons: z.number().int().nonnegative(),
  items: z.number().int().positive(),
  idsChecksum: z.string(),
  interactions: z.unknown(),
});

export const SUPPORTED_FORMAT = 1;

/** Decodes and checks a model file written by `npm run train`. */
export function readModel(bytes: Uint8Array, label = 'model'): LoadedModel {
  const onnx = decodeOnnx(bytes, label);
  const text = onnx.metadata[MODEL_METADATA_KEY];
  if (text === undefined) throw new OnnxFormatError(`${label}: an ONNX model, but not one written by npm run train (no "${MODEL_METADATA_KEY}" metadata)`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OnnxFormatError(`${label}: the "${MODEL_METADATA_KEY}" metadata is not JSON (${(error as Error).message})`, { cause: error });
  }
  const base = baseMetadata.safeParse(json);
  if (!base.success) throw new OnnxFormatError(`${label}: the "${MODEL_METADATA_KEY}" metadata has no valid format and kind`);
  if (base.data.format !== SUPPORTED_FORMAT) throw new OnnxFormatError(`${label}: model format ${base.data.format}; this build reads format ${SUPPORTED_FORMAT}`);
  if (base.data.kind === 'person-classifier') {
    const parsed = personMetadata.safeParse(json);
    if (!parsed.success) throw new OnnxFormatError(`${label}: invalid person-model metadata (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
    const schema = checkFeatureSchema(parsed.data.featureSchema, label);
    const { model } = classifierFromOnnx(onnx, label);
    if (model.mean.length !== schema.names.length) {
      throw new OnnxFormatError(`${label}: the graph takes ${model.mean.length} features but its feature schema lists ${schema.names.length}`);
    }
    return { kind: 'person-classifier', onnx, model, schema, metadata: { ...(parsed.data as PersonModelMetadata), featureSchema: schema } };
  }
  const parsed = recommenderMetadata.safeParse(json);
  if (!parsed.success) throw new OnnxFormatError(`${label}: invalid recommender metadata (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`);
  const interactions = interactionOptionsSchema.safeParse(parsed.data.interactions);
  if (!interactions.success) throw new OnnxFormatError(`${label}: invalid interaction options in the recommender metadata`);
  const { model } = deepFmFromOnnx(onnx, label);
  if (model.persons !== parsed.data.persons + 1 || model.items !== parsed.data.items) {
    throw new OnnxFormatError(`${label}: the graph has ${model.persons} person rows and ${model.items} items, the metadata ${parsed.data.persons} + 1 and ${parsed.data.items}`);
  }
  return { kind: 'recommender', onnx, model, metadata: { ...(parsed.data as RecommenderMetadata), interactions: interactions.data } };
}

/** The UTC midnight after the last event: the default moment to score at. */
export async function endOfData(engine: QueryEngine): Promise<number> {
  const [row] = await engine.query<{ last: number | null }>('SELECT epoch_ms(max("timestamp")) AS last FROM events');
  if (row?.last === null || row?.last === undefined) throw new Error('the input holds no events');
  return Math.floor(Number(row.last) / DAY_MS) * DAY_MS + DAY_MS;
}

export interface PersonMatrix {
  persons: string[];
  x: Float32Array;
  rows: number;
  features: number;
  cutoffMs: number;
}

/** The model's feature matrix at `cutoffMs` (default: end of data) for the persons it scores. */
export async function personModelInput(engine: QueryEngine, schema: FeatureSchema, cutoffMs?: number): Promise<PersonMatrix> {
  const cutoff = cutoffMs ?? (await endOfData(engine));
  const rows = await personFeatureRows(engine, schema.options, cutoff);
  return { persons: rows.map((r) => r.person), x: encodeFeatures(rows, schema), rows: rows.length, features: schema.names.length, cutoffMs: cutoff };
}

export interface ScoredPerson {
  person: string;
  score: number;
}

/** Persons by descending score (ties: person key). */
export function rankPersons(persons: readonly string[], scores: ArrayLike<number>): ScoredPerson[] {
  if (scores.length !== persons.length) throw new Error(`${scores.length} scores for ${persons.length} persons`);
  return persons.map((person, i) => ({ person, score: scores[i]! })).sort((a, b) => b.score - a.score || (a.person < b.person ? -1 : a.person > b.person ? 1 : 0));
}

export interface RecommendationInput {
  /** Every person in the events, sorted. */
  persons: string[];
  /** Model person row of each (0 when the model does not know them). */
  rows: Int32Array;
  /** Item indices each person bought, per person. */
  purchased: Set<number>[];
}

export async function recommendationInput(engine: QueryEngine, metadata: RecommenderMetadata, ids: RecommenderIds): Promise<RecommendationInput> {
  const options = interactionOptionsSchema.parse(metadata.interactions);
  if (options.identity === 'merged') await ensurePersonMap(engine);
  const query = sql`SELECT DISTINCT person FROM ${personEvents(options.identity, ['timestamp'])} WHERE person IS NOT NULL ORDER BY person`;
  const persons = (await engine.query<{ person: string }>(query.text, query.params)).map((r) => String(r.person));
  const modelRow = new Map(ids.persons.map((p, i) => [p, i + 1]));
  const itemIndex = new Map(ids.items.map((item, i) => [item, i]));
  const interactions = await loadInteractions(engine, options);
  const boughtByPerson = new Map<string, Set<number>>();
  interactions.byPerson.forEach((items, p) => {
    const bought = new Set<number>();
    for (const entry of items) {
      if (!entry.purchased) continue;
      const index = itemIndex.get(interactions.items[entry.item]!);
      if (index !== undefined) bought.add(index);
    }
    boughtByPerson.set(interactions.persons[p]!, bought);
  });
  return {
    persons,
    rows: Int32Array.from(persons, (p) => modelRow.get(p) ?? 0),
    purchased: persons.map((p) => boughtByPerson.get(p) ?? new Set<number>()),
  };
}

export interface ScoredItem {
  item: string;
  score: number;
}

/** The k best items by score, skipping `exclude` (ties: item id). */
export function topItems(scores: ArrayLike<number>, items: readonly string[], exclude: ReadonlySet<number>, k: number): ScoredItem[] {
  const candidates: number[] = [];
  for (let i = 0; i < items.length; i++) if (!exclude.has(i)) candidates.push(i);
  candidates.sort((a, b) => scores[b]! - scores[a]! || (items[a]! < items[b]! ? -1 : 1));
  return candidates.slice(0, k).map((i) => ({ item: items[i]!, score: scores[i]! }));
}
