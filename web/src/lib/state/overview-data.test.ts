import { describe, expect, it } from 'vitest';
import { kpisQuery, seriesQuery, type OverviewSpec } from '@privacy-analytics/core/analytics';
import type { QueryEngine, Row } from '@privacy-analytics/core/engine';
import { OverviewData } from './overview-data.svelte.ts';

const spec: OverviewSpec = { from: '2026-03-01', to: '2026-03-02', filters: [], granularity: 'day' };

/** Records the SQL it is asked, in order, and answers every query with no rows. */
function recordingEngine(): { engine: QueryEngine; asked: string[] } {
  const asked: string[] = [];
  const engine: QueryEngine = {
    query: async <T extends Row = Row>(sql: string): Promise<T[]> => {
      asked.push(sql);
      return [];
    },
  };
  return { engine, asked };
}

describe('OverviewData.refresh', () => {
  it('asks for the chart over time first, then the figures, then the breakdowns', async () => {
    const { engine, asked } = recordingEngine();
    await new OverviewData().refresh(engine, spec);
    expect(asked.slice(0, 2)).toEqual([seriesQuery(spec).sql, kpisQuery(spec).sql]);
    expect(asked.length).toBeGreaterThan(2);
  });

  it('asks for the figures first while the chart over time is drawn from the file index', async () => {
    const { engine, asked } = recordingEngine();
    const overview = new OverviewData();
    await overview.refresh(engine, spec, 'k', { chartFromIndex: true });
    expect(asked.slice(0, 2)).toEqual([kpisQuery(spec).sql, seriesQuery(spec).sql]);
    expect(overview.series.status).toBe('ready');
    expect(overview.completedKey).toBe('k');
  });
});

describe('OverviewData.refresh with rollups', () => {
  const result = {
    kpis: { events: 5, pageViews: 3, visitors: 2, sessions: 9, bounceRate: 0.5, avgSessionSeconds: 10, purchasers: 1, conversionRate: 0.5, orders: 1, revenue: 20 },
    series: [{ bucket: '2026-03-01T00:00:00Z', events: 5, pageViews: 3, visitors: 2 }],
    breakdowns: { pages: [], channels: [{ value: 'direct', visitors: 2, count: 5 }], referrers: [], campaigns: [], countries: [], devices: [], browsers: [] },
  };
  const answer = (over: Record<string, unknown> = {}) => async () => ({ result, reason: null, sessionsFromEvents: false, files: 1, bytes: 100, downloaded: 1, ms: 1, ...over });

  it('draws every panel from the rollups without a query, and says so', async () => {
    const { engine, asked } = recordingEngine();
    const overview = new OverviewData();
    await overview.refresh(engine, spec, 'k', { rollups: answer() });
    expect(asked).toEqual([]);
    expect(overview.source).toBe('rollups');
    expect(overview.kpis.data).toEqual(result.kpis);
    expect(overview.breakdown('channels').data).toEqual(result.breakdowns.channels);
    expect(overview.completedKey).toBe('k');
  });

  it('takes sessions, bounce rate and duration from the events while flush files are in the range', async () => {
    const { engine, asked } = recordingEngine();
    const overview = new OverviewData();
    await overview.refresh(engine, spec, 'k', { rollups: answer({ sessionsFromEvents: true }) });
    expect(asked).toEqual([kpisQuery(spec).sql]);
    expect(overview.kpis.data).toEqual({ ...result.kpis, sessions: 0, bounceRate: null, avgSessionSeconds: null });
    expect(overview.sessionsFromEvents).toBe(true);
  });

  it('queries the events when the rollups cannot answer, and waits for them when none are loaded yet', async () => {
    const { engine, asked } = recordingEngine();
    const overview = new OverviewData();
    await overview.refresh(engine, spec, 'k', { rollups: answer({ result: null, reason: '2 of 3 event files have no rollup' }), eventsReady: false });
    expect(asked).toEqual([]);
    expect(overview.completedKey).toBeNull();
    await overview.refresh(engine, spec, 'k2', { rollups: answer({ result: null, reason: '2 of 3 event files have no rollup' }) });
    expect(asked.length).toBeGreaterThan(2);
    expect(overview.source).toBe('events');
    expect(overview.sourceNote).toBe('2 of 3 event files have no rollup');
    expect(overview.completedKey).toBe('k2');
  });
});
