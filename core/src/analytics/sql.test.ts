import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { Random } from '../demo-data/random';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { ident, literal, propertyExpr, propertyFilterCondition, resolveProperty, sql, timeBounds, timeCondition, timestamp, type PropertyFilter } from './sql';

let store: EventStore;
beforeAll(async () => {
  store = await openWasmStore();
});
afterAll(async () => store?.close());

async function evaluate<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return store.query(query.text, query.params) as Promise<T[]>;
}

describe('sql builder', () => {
  it('quotes identifiers and literals and passes values as parameters', () => {
    expect(ident('we"ird').text).toBe('"we""ird"');
    expect(literal("it's").text).toBe("'it''s'");
    const q = sql`SELECT ${1}, ${'x'} FROM ${ident('events')}`;
    expect(q).toEqual({ text: 'SELECT ?, ? FROM "events"', params: [1, 'x'] });
  });

  it('resolves schema columns and JSON keys', () => {
    expect(resolveProperty('country')).toEqual({ kind: 'column', name: 'country', type: 'string' });
    expect(resolveProperty('plan')).toEqual({ kind: 'json', key: 'plan' });
    expect(resolveProperty('properties.country')).toEqual({ kind: 'json', key: 'country' });
    expect(() => resolveProperty('a"b')).toThrow(/double quote/);
  });

  it('reads top-level JSON keys exactly like JSON.parse, on random nested objects', async () => {
    const rng = new Random(99);
    const keys = ['plan', 'a', 'we,ird', 'x y', 'üñí', 'k:1'];
    const randomValue = (depth: number): unknown => {
      const roll = rng.int(0, depth > 2 ? 4 : 6);
      if (roll === 0) return null;
      if (roll === 1) return rng.chance(0.5);
      if (roll === 2) return rng.int(-5, 1000) / (rng.chance(0.5) ? 1 : 8);
      if (roll <= 4) return ['pro', '', 'a "quote"', 'back\\slash', 'new\nline', '{"plan":"fake"}', '],[', 'tab\t', 'null'][rng.int(0, 8)];
      if (roll === 5) return Array.from({ length: rng.int(0, 3) }, () => randomValue(depth + 1));
      return Object.fromEntries(Array.from({ length: rng.int(0, 3) }, () => [keys[rng.int(0, keys.length - 1)]!, randomValue(depth + 1)]));
    };
    const objects = Array.from({ length: 300 }, () => Object.fromEntries(Array.from({ length: rng.int(0, 4) }, () => [keys[rng.int(0, keys.length - 1)]!, randomValue(0)])));
    const values = objects.map((o) => `(${objects.indexOf(o)}, '${JSON.stringify(o).replaceAll("'", "''")}')`).join(', ');
    await store.query(`CREATE OR REPLACE TEMP TABLE j (i INTEGER, properties VARCHAR); INSERT INTO j VALUES ${values}`);
    for (const key of keys) {
      const rows = await evaluate<{ i: number; v: string | null }>(sql`SELECT i, ${propertyExpr({ kind: 'json', key }).sql} AS v FROM j ORDER BY i`);
      const expected = objects.map((o, i) => {
        const value = (o as Record<string, unknown>)[key];
        return { i, v: value === null || value === undefined || typeof value === 'object' ? null : String(value) };
      });
      expect(rows, `key ${key}`).toEqual(expected);
    }
  });

  it('applies every filter operator, negative ones matching missing values', async () => {
    await store.query(`CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM (VALUES
      (1, 'CN', 10.0, '{"plan":"pro","n":5,"ok":true}'),
      (2, 'US', 20.0, '{"plan":"Free","n":"12"}'),
      (3, NULL, NULL, '{}')) t(i, country, price, properties)`);
    const ids = async (filter: PropertyFilter) => (await evaluate<{ i: number }>(sql`SELECT i FROM f WHERE ${propertyFilterCondition(filter)} ORDER BY i`)).map((r) => r.i);
    expect(await ids({ property: 'country', op: 'eq', value: 'CN' })).toEqual([1]);
    expect(await ids({ property: 'country', op: 'neq', value: 'CN' })).toEqual([2, 3]);
    expect(await ids({ property: 'country', op: 'in', value: ['CN', 'US'] })).toEqual([1, 2]);
    expect(await ids({ property: 'country', op: 'nin', value: ['CN'] })).toEqual([2, 3]);
    expect(await ids({ property: 'plan', op: 'contains', value: 'FRE' })).toEqual([2]);
    expect(await ids({ property: 'plan', op: 'not_contains', value: 'fre' })).toEqual([1, 3]);
    expect(await ids({ property: 'price', op: 'gt', value: 10 })).toEqual([2]);
    expect(await ids({ property: 'price', op: 'gte', value: 10 })).toEqual([1, 2]);
    expect(await ids({ property: 'n', op: 'lt', value: 10 })).toEqual([1]);
    expect(await ids({ property: 'n', op: 'lte', value: 12 })).toEqual([1, 2]);
    expect(await ids({ property: 'n', op: 'between', value: [6, 12] })).toEqual([2]);
    expect(await ids({ property: 'ok', op: 'eq', value: true })).toEqual([1]);
    expect(await ids({ property: 'plan', op: 'is_set' })).toEqual([1, 2]);
    expect(await ids({ property: 'price', op: 'is_not_set' })).toEqual([3]);
    expect(await ids({ property: 'price', op: 'eq', value: '20' })).toEqual([2]);
    expect(() => propertyFilterCondition({ property: 'price', op: 'eq', value: 'cheap' })).toThrow(/expected a number/);
  });

  it('makes from/to inclusive, a date covering its whole UTC day', async () => {
    expect(timeBounds('2024-01-02', '2024-01-02')).toEqual({ fromMs: Date.UTC(2024, 0, 2), toMs: Date.UTC(2024, 0, 3) });
    expect(timeBounds('2024-01-02T10:00:00+02:00', '2024-01-02T12:00:00Z')).toEqual({ fromMs: Date.UTC(2024, 0, 2, 8), toMs: Date.UTC(2024, 0, 2, 12) + 1 });
    const times = ['2024-01-01 23:59:59.999', '2024-01-02 00:00:00', '2024-01-02 23:59:59.999', '2024-01-03 00:00:00'];
    await store.query(`CREATE OR REPLACE TEMP TABLE t AS SELECT CAST(x AS TIMESTAMP) AS "timestamp" FROM (VALUES ${times.map((t) => `('${t}')`).join(', ')}) v(x)`);
    const rows = await evaluate<{ n: number }>(sql`SELECT count(*)::INTEGER AS n FROM t WHERE ${timeCondition(timeBounds('2024-01-02', '2024-01-02'))}`);
    expect(rows[0]!.n).toBe(2);
    const [at] = await evaluate<{ ms: number }>(sql`SELECT epoch_ms(${timestamp(Date.UTC(2024, 0, 2, 3, 4, 5, 6))}) AS ms`);
    expect(at!.ms).toBe(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  });
});
