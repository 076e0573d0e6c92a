/**
 * The shipped models, from our own origin (/models/, copied from models/ by the Vite config): the
 * .onnx bytes, read and checked with the same code the CLI uses (models/train/scoring.ts), the card,
 * and the recommender's id map.
 */
import { parseIdMap, readModel, type LoadedModel, type RecommenderIds } from '@privacy-analytics/models/score';
import { parseModelCard, type ModelCardSummary } from './model-card';

const MAX_MODEL_BYTES = 64 * 1024 * 1024;
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export type PersonModel = Extract<LoadedModel, { kind: 'person-classifier' }>;
export type RecommenderModel = Extract<LoadedModel, { kind: 'recommender' }>;

export interface ModelFile<M extends LoadedModel = LoadedModel> {
  name: string;
  bytes: Uint8Array;
  model: M;
  card: ModelCardSummary;
  /** 'shipped' (models/ of this build) or 'retrained' (on this page) */
  origin: 'shipped' | 'retrained';
}

async function fetchBytes(path: string, limit: number): Promise<Uint8Array> {
  const url = new URL(path, self.location.origin);
  const res = await fetch(url, { cache: 'no-cache' });
  if (!res.ok) throw new Error(`GET ${url.pathname} answered HTTP ${res.status}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength > limit) throw new Error(`${url.pathname} is ${bytes.byteLength} bytes; at most ${limit}`);
  return bytes;
}

async function fetchJson(path: string): Promise<unknown> {
  const text = new TextDecoder().decode(await fetchBytes(path, MAX_JSON_BYTES));
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

export async function fetchPersonModel(name: 'churn' | 'propensity'): Promise<ModelFile<PersonModel>> {
  const [bytes, card] = await Promise.all([fetchBytes(`/models/${name}.onnx`, MAX_MODEL_BYTES), fetchJson(`/models/${name}.card.json`)]);
  const model = readModel(bytes, `${name}.onnx`);
  if (model.kind !== 'person-classifier') throw new Error(`${name}.onnx is a ${model.kind}, expected a person model`);
  return { name, bytes, model, card: parseModelCard(card, `${name}.card.json`), origin: 'shipped' };
}

export async function fetchRecommender(): Promise<ModelFile<RecommenderModel> & { ids: RecommenderIds }> {
  const [bytes, card, ids] = await Promise.all([fetchBytes('/models/recommend.onnx', MAX_MODEL_BYTES), fetchJson('/models/recommend.card.json'), fetchJson('/models/recommend.ids.json')]);
  const model = readModel(bytes, 'recommend.onnx');
  if (model.kind !== 'recommender') throw new Error(`recommend.onnx is a ${model.kind}, expected a recommender`);
  return { name: 'recommend', bytes, model, card: parseModelCard(card, 'recommend.card.json'), origin: 'shipped', ids: parseIdMap(ids, model.metadata, 'recommend.ids.json') };
}
