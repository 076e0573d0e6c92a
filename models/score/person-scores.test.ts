import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { createClassifier } from '../train/classifier/person-classifier';
import { SeededRandom } from '../train/nn/random';
import { riskList, scoreHistogram, segmentTopItems, writePersonScores } from './person-scores';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => {
  await store?.close();
});

describe('person scores for the dashboard', () => {
  it('writes person_scores with one row per person and model, in several INSERTs, keeping the doubles exact', async () => {
    const persons = Array.from({ length: 2_345 }, (_, i) => `p-${i}'"; DROP TABLE x; --`);
    const churn = Float32Array.from(persons, (_, i) => (i % 97) / 97);
    const propensity = persons.map((_, i) => 1 / (i + 3));
    expect(await writePersonScores(store, [{ model: 'churn', persons, scores: churn }, { model: 'propensity', persons, scores: propensity }])).toBe(4_690);
    const [counts] = await store.query<{ n: number; persons: number; models: number }>('SELECT count(*)::INTEGER AS n, count(DISTINCT person)::INTEGER AS persons, count(DISTINCT model)::INTEGER AS models FROM person_scores');
    expect(counts).toEqual({ n: 4_690, persons: 2_345, models: 2 });
    const rows = await store.query<{ person: string; model: string; score: number }>("SELECT person, model, score FROM person_scores WHERE person = 'p-96''\"; DROP TABLE x; --' ORDER BY model");
    expect(rows).toEqual([
      { person: persons[96], model: 'churn', score: churn[96] },
      { person: persons[96], model: 'propensity', score: 1 / 99 },
    ]);
    await writePersonScores(store, [{ model: 'churn', persons: ['a'], scores: [0.5] }]);
    expect(await store.query('SELECT * FROM person_scores')).toEqual([{ person: 'a', model: 'churn', score: 0.5 }]);
  });

  it('replaces the table only when a write completes: an aborted write and an overlapping one leave no mixed rows', async () => {
    await writePersonScores(store, [{ model: 'churn', persons: ['kept'], scores: [0.25] }]);
    const persons = Array.from({ length: 2_500 }, (_, i) => `p-${i}`);
    const controller = new AbortController();
    const stopped = writePersonScores(store, [{ model: 'churn', persons, scores: persons.map(() => 0.5) }], controller.signal);
    controller.abort(new DOMException('superseded', 'AbortError'));
    await expect(stopped).rejects.toThrow(/superseded/);
    expect(await store.query('SELECT * FROM person_scores')).toEqual([{ person: 'kept', model: 'churn', score: 0.25 }]);
    // two writes at once, as when a newer scoring run starts before the older one has finished inserting
    await Promise.all([
      writePersonScores(store, [{ model: 'churn', persons, scores: persons.map(() => 0.1) }]),
      writePersonScores(store, [{ model: 'churn', persons, scores: persons.map(() => 0.9) }]),
    ]);
    const [counts] = await store.query<{ n: number; persons: number; scores: number }>(
      'SELECT count(*)::INTEGER AS n, count(DISTINCT person)::INTEGER AS persons, count(DISTINCT score)::INTEGER AS scores FROM person_scores',
    );
    expect(counts).toEqual({ n: 2_500, persons: 2_500, scores: 1 });
    expect((await store.query("SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name LIKE 'person_scores_writing%'"))[0]).toEqual({ n: 0 });
  });

  it('refuses scores that do not match the persons or are not finite', async () => {
    await expect(writePersonScores(store, [{ model: 'churn', persons: ['a', 'b'], scores: [0.5] }])).rejects.toThrow(/1 churn scores for 2 persons/);
    await expect(writePersonScores(store, [{ model: 'churn', persons: ['a'], scores: [Number.NaN] }])).rejects.toThrow(/churn score of a is NaN/);
  });

  it('bins scores over [0, 1]', () => {
    const bins = scoreHistogram([0, 0.05, 0.5, 0.99, 1], 10);
    expect(bins.map((b) => b.count)).toEqual([2, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
    expect(bins[9]).toEqual({ from: 0.9, to: 1, count: 2 });
  });

  it('lists the riskiest persons with the features that drive their scores (w·z for logistic regression)', () => {
    const model = createClassifier(Float64Array.of(1, 0), Float64Array.of(2, 1), [], new SeededRandom(3));
    model.mlp.layers[0]!.weights.set([1.5, -0.5]);
    const x = Float32Array.of(5, 1, 1, 0, 3, -2);
    const rows = riskList(['a', 'b', 'c'], [0.2, 0.9, 0.9], x, model, ['recency_days', 'identified'], { limit: 2, drivers: 2 });
    expect(rows.map((r) => r.person)).toEqual(['b', 'c']);
    expect(rows[1]!.drivers).toEqual([
      { feature: 'recency_days', value: 3, contribution: 1.5 * ((3 - 1) / 2) },
      { feature: 'identified', value: -2, contribution: -0.5 * -2 },
    ]);
  });

  it('ranks items for a group by mean score over the members who had not bought them', () => {
    const scores = [
      [0.9, 0.1, 0.5],
      [0.2, 0.8, 0.6],
    ];
    const bought = [new Set([0]), new Set<number>()];
    const top = segmentTopItems([0, 1], ['x', 'y', 'z'], (m) => scores[m]!, (m) => bought[m]!, 2);
    expect(top).toEqual([
      { item: 'z', meanScore: 0.55, inTopK: 2 },
      { item: 'y', meanScore: 0.45, inTopK: 2 },
    ]);
  });
});
