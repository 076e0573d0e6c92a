import { describe, expect, it } from 'vitest';
import type { EventCatalog } from '@privacy-analytics/core/analytics';
import type { Row } from '@privacy-analytics/core/engine';
import type { TableInfo } from '../engine/data-engine';
import { EventCatalogState } from './event-catalog.svelte.ts';

const info = { rows: 1000, minTime: '2026-09-01T00:00:00.000Z', maxTime: '2026-09-30T23:59:00.000Z' } as TableInfo;
const key = `${info.rows} ${info.minTime} ${info.maxTime}`;

/**
 * An engine whose event-name query answers only when `answer()` is called (the property sample at once), and which
 * keeps one saved catalog as the dashboard's engine does.
 */
function engine(saved: { key: string; catalog: EventCatalog } | null) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const state = { saved, asked: [] as string[] };
  return {
    state,
    answer: () => release(),
    query: async <T extends Row = Row>(sql: string): Promise<T[]> => {
      state.asked.push(sql);
      if (sql.includes('GROUP BY 1 ORDER BY 2 DESC')) {
        await held;
        return [{ event: 'Order Completed', count: 7 }, { event: 'Page Viewed', count: 3 }] as unknown as T[];
      }
      return [{ key: 'plan' }] as unknown as T[];
    },
    savedCatalog: async (k: string) => (state.saved?.key === k ? state.saved.catalog : null),
    saveCatalog: async (k: string, catalog: EventCatalog) => void (state.saved = { key: k, catalog }),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('EventCatalogState', () => {
  it('waits for the events read when nothing is kept, then keeps what it read for this table', async () => {
    const e = engine(null);
    const catalog = new EventCatalogState(e);
    let events: readonly unknown[] | null = null;
    void catalog.eventsFor(info).then((list) => (events = list));
    await settle();
    expect(events).toBeNull();
    e.answer();
    await settle();
    expect(events).toEqual([{ event: 'Order Completed', count: 7 }, { event: 'Page Viewed', count: 3 }]);
    await settle();
    expect(e.state.saved?.key).toBe(key);
    expect(e.state.saved?.catalog.events.map((x) => x.event)).toEqual(['Order Completed', 'Page Viewed']);
    expect(e.state.saved?.catalog.properties.map((p) => p.name)).toContain('properties.plan');
    expect(catalog.properties.map((p) => p.name)).toContain('properties.plan');
  });

  it('answers from the catalog kept for the same table without asking DuckDB', async () => {
    const kept: EventCatalog = { events: [{ event: 'Signed Up', count: 2 }], properties: [{ name: 'channel', kind: 'string', source: 'column' }] };
    const e = engine({ key, catalog: kept });
    const catalog = new EventCatalogState(e);
    expect(await catalog.eventsFor(info)).toEqual(kept.events);
    expect(catalog.properties).toEqual(kept.properties);
    await settle();
    expect(e.state.asked).toEqual([]);
    // another table (a sync changed the rows): read, and kept for it
    const next = { ...info, rows: 1001 } as TableInfo;
    const read = catalog.eventsFor(next);
    e.answer();
    expect((await read).map((x) => x.event)).toEqual(['Order Completed', 'Page Viewed']);
    await settle();
    expect(e.state.saved?.key).toBe(`1001 ${info.minTime} ${info.maxTime}`);
  });

  it('ignores a catalog kept for another table', async () => {
    const e = engine({ key: '5 a b', catalog: { events: [{ event: 'Old', count: 1 }], properties: [] } });
    const catalog = new EventCatalogState(e);
    let events: readonly { event: string }[] | null = null;
    void catalog.eventsFor(info).then((list) => (events = list));
    await settle();
    expect(events).toBeNull();
    e.answer();
    await settle();
    expect(events!.map((x) => x.event)).toEqual(['Order Completed', 'Page Viewed']);
  });
});
