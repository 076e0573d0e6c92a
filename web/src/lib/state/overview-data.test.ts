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
