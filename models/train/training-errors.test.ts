import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';
import { loadRows, track } from '@privacy-analytics/core/testing';
import { TrainingDataError } from './classifier/fit';
import { trainPersonModel } from './classifier/train-person-model';
import { trainRecommender } from './recommend/train-recommender';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(() => store.close());

describe('training on unusable data fails with a clear message', () => {
  it('no events at all', async () => {
    await loadRows(store, []);
    await expect(trainPersonModel(store, { task: 'churn' })).rejects.toThrow(new TrainingDataError('the training input holds no events'));
  });

  it('too little history for the horizon', async () => {
    await loadRows(store, [track('a', 'page', '2024-01-01T10:00:00Z'), track('b', 'page', '2024-01-20T10:00:00Z')]);
    await expect(trainPersonModel(store, { task: 'churn' })).rejects.toThrow(/not enough history for a 21-day horizon that starts 7 days after the cut-off: the data spans 20 days/);
    await expect(trainPersonModel(store, { task: 'churn', leadDays: 61 })).rejects.toThrow(/lead time must be 0 to 60 days, got 61/);
    await expect(trainPersonModel(store, { task: 'propensity', horizonDays: 0 })).rejects.toThrow(/horizon must be 1 to 365 days, got 0/);
  });

  it('history but nobody active, or no order to learn from', async () => {
    // Events on 40 days spread over 100 days, one person: the training cut-offs find at most that person.
    const rows = Array.from({ length: 40 }, (_, i) => track('solo', 'page', new Date(Date.UTC(2024, 0, 1) + i * 2.5 * 86_400_000).toISOString()));
    await loadRows(store, rows);
    await expect(trainPersonModel(store, { task: 'propensity' })).rejects.toThrow(/the training set has only negative labels/);
  });

  it('recommend: no product interactions, or too few persons with several products', async () => {
    await loadRows(store, [track('a', 'page', '2024-01-01T10:00:00Z')]);
    await expect(trainRecommender(store)).rejects.toThrow(/no product interactions to learn from/);
    await loadRows(store, [track('a', 'Product Viewed', '2024-01-01T10:00:00Z', { product_id: 'p1' }), track('b', 'Product Viewed', '2024-01-01T10:00:00Z', { product_id: 'p2' })]);
    await expect(trainRecommender(store)).rejects.toThrow(/too few persons with several products to evaluate: 0 with 2 or more/);
  });
});
