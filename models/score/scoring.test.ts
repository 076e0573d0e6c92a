import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { loadRows, track } from '@privacy-analytics/core/testing';
import { classifierFromOnnx, classifierToOnnx, createClassifier, MODEL_METADATA_KEY } from '../train/classifier/person-classifier';
import { buildFeatureSchema, FeatureSchemaError, parseFeatureOptions } from '../features/person-features';
import { SeededRandom } from '../train/nn/random';
import { OnnxFormatError } from '../onnx/onnx-model';
import { createDeepFm } from '../train/recommend/deepfm';
import { deepFmToOnnx } from '../train/recommend/deepfm-onnx';
import { interactionOptionsSchema } from '../train/recommend/interactions';
import { personModelInput, rankPersons, readModel, topItems } from './scoring';

const schema = buildFeatureSchema(parseFeatureOptions({}), { channel: ['direct'], category: ['beauty'], device: ['mobile'], country: ['CN'], lifecycle: ['active', 'new'] });

function personModel(overrides: Record<string, unknown> = {}, width = schema.names.length): Uint8Array {
  const model = createClassifier(new Float64Array(width), new Float64Array(width).fill(1), [], new SeededRandom(1));
  const metadata = { format: 1, kind: 'person-classifier', task: 'churn', horizonDays: 30, featureSchema: schema, input: 'features', output: 'score', ...overrides };
  return classifierToOnnx(model, { name: 'churn', docString: '', metadata: { [MODEL_METADATA_KEY]: JSON.stringify(metadata) }, producerVersion: 'test' });
}

function recommender(): Uint8Array {
  const model = createDeepFm({ persons: 2, items: 3, categories: 2, k: 2, hidden: [2], itemCategory: Int32Array.of(0, 1, 1), personCategory: Int32Array.of(0, 1, 0) }, new SeededRandom(1));
  const metadata = { format: 1, kind: 'recommender', input: 'pairs', output: 'score', persons: 2, items: 3, idsChecksum: '2-3-x', interactions: interactionOptionsSchema.parse({}) };
  return deepFmToOnnx(model, { name: 'recommend', docString: '', metadata: { [MODEL_METADATA_KEY]: JSON.stringify(metadata) }, producerVersion: 'test' });
}

describe('reading model files', () => {
  it('reads a person model with its feature schema, and a recommender', () => {
    const person = readModel(personModel(), 'churn.onnx');
    expect(person.kind).toBe('person-classifier');
    expect(person.kind === 'person-classifier' && person.schema.names).toEqual(schema.names);
    expect(readModel(recommender(), 'recommend.onnx').kind).toBe('recommender');
  });

  it('bad files: not ONNX, ONNX from elsewhere, a newer format, broken metadata', () => {
    expect(() => readModel(new TextEncoder().encode('hello'), 'hello.onnx')).toThrow(OnnxFormatError);
    const smoke = new Uint8Array(readFileSync(new URL('../smoke/smoke.onnx', import.meta.url)));
    expect(() => readModel(smoke, 'smoke.onnx')).toThrow(/smoke\.onnx: an ONNX model, but not one written by npm run train/);
    expect(() => readModel(personModel({ format: 2 }), 'new.onnx')).toThrow(/new\.onnx: model format 2; this build reads format 1/);
    expect(() => readModel(personModel({ task: 'upsell' }), 'm.onnx')).toThrow(/invalid person-model metadata \(task:/);
  });

  it('mismatched feature schemas: renamed columns, or a graph narrower than its schema', () => {
    const renamed = { ...schema, names: schema.names.map((n) => (n === 'country=CN' ? 'country=US' : n)) };
    expect(() => readModel(personModel({ featureSchema: renamed }), 'churn.onnx')).toThrow(FeatureSchemaError);
    expect(() => readModel(personModel({ featureSchema: renamed }), 'churn.onnx')).toThrow(/the model has "country=US", this build computes "country=CN"/);
    expect(() => readModel(personModel({}, schema.names.length - 1), 'churn.onnx')).toThrow(/the graph takes \d+ features but its feature schema lists \d+/);
  });

  it('a recommender is not taken for a classifier, nor the reverse', () => {
    expect(() => classifierFromOnnx(recommender(), 'recommend.onnx')).toThrow(/recommend\.onnx: not a person classifier: expected one float32 input "features"/);
  });
});

describe('scoring helpers', () => {
  let store: EventStore;
  beforeAll(async () => {
    store = await openWasmStore();
    await loadRows(store, [track('u1', 'page', '2024-02-20T10:00:00Z'), track('u2', 'page', '2024-02-27T10:00:00Z'), track('u3', 'page', '2023-11-01T10:00:00Z')]);
  });
  afterAll(() => store.close());

  it('builds the model input at the end of the data for the persons the model scores', async () => {
    const input = await personModelInput(store, schema);
    expect(new Date(input.cutoffMs).toISOString()).toBe('2024-02-28T00:00:00.000Z');
    expect(input.persons).toEqual(['u1', 'u2']);
    expect(input.x).toHaveLength(2 * schema.names.length);
  });

  it('ranks persons by score and items by score, skipping excluded items', () => {
    expect(rankPersons(['b', 'a', 'c'], [0.5, 0.5, 0.9]).map((p) => p.person)).toEqual(['c', 'a', 'b']);
    expect(topItems([0.1, 0.9, 0.5, 0.7], ['w', 'x', 'y', 'z'], new Set([1]), 2)).toEqual([
      { item: 'z', score: 0.7 },
      { item: 'y', score: 0.5 },
    ]);
  });
});
