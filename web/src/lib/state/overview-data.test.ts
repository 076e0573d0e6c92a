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

  it('takes those session figures from the local overview table when it answers, else from the events', async () => {
    const cubeKpis = { ...result.kpis, sessions: 7, bounceRate: 0.25, avgSessionSeconds: 42, events: 999 };
    const { engine, asked } = recordingEngine();
    const overview = new OverviewData();
    await overview.refresh(engine, spec, 'k', { rollups: answer({ sessionsFromEvents: true }), cubeKpis: async () => ({ kpis: cubeKpis }) });
    expect(asked).toEqual([]);
    // only the session figures are taken; the counts stay the rollups'
    expect(overview.kpis.data).toEqual({ ...result.kpis, sessions: 7, bounceRate: 0.25, avgSessionSeconds: 42 });
    const other = recordingEngine();
    await new OverviewData().refresh(other.engine, spec, 'k', { rollups: answer({ sessionsFromEvents: true }), cubeKpis: async () => ({ kpis: null }) });
    expect(other.asked).toEqual([kpisQuery(spec).sql]);
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

describe('OverviewData.refresh with the local overview table', () => {
  const result = {
    kpis: { events: 4, pageViews: 2, visitors: 1, sessions: 1, bounceRate: 0, avgSessionSeconds: 30, purchasers: 0, conversionRate: 0, orders: 0, revenue: 0 },
    series: [{ bucket: '2026-03-01T00:00:00Z', events: 4, pageViews: 2, visitors: 1 }],
    breakdowns: { pages: [], channels: [], referrers: [], campaigns: [], countries: [], devices: [{ value: 'mobile', visitors: 1, count: 4 }], browsers: [] },
  };
  const filtered: OverviewSpec = { ...spec, filters: [{ column: 'device_type', op: 'eq', values: ['mobile'] }] };
  const noRollups = async () => ({ result: null, reason: 'a filter needs rows', sessionsFromEvents: false, files: 0, bytes: 0, downloaded: 0, ms: 0 });

  it('draws every panel from the table when the rollups cannot answer, without a query over events', async () => {
    const { engine, asked } = recordingEngine();
    const overview = new OverviewData();
    let rollupsAsked = 0;
    await overview.refresh(engine, filtered, 'k', { rollups: () => (rollupsAsked++, noRollups()), cube: async () => ({ result, reason: null, ms: 1 }) });
    expect(asked).toEqual([]);
    // a filter: the rollups cannot answer, known without asking the data worker
    expect(rollupsAsked).toBe(0);
    expect(overview.source).toBe('events');
    expect(overview.fromCube).toBe(true);
    expect(overview.sourceNote).toBe('a filter needs event rows');
    expect(overview.breakdown('devices').data).toEqual(result.breakdowns.devices);
    expect(overview.kpis.data).toEqual(result.kpis);
    expect(overview.completedKey).toBe('k');
  });

  it('queries the events while the table is being built, and when it fails', async () => {
    for (const cube of [async () => ({ result: null, reason: 'the local overview table is being built', ms: 0 }), async () => Promise.reject(new Error('worker gone'))]) {
      const { engine, asked } = recordingEngine();
      const overview = new OverviewData();
      await overview.refresh(engine, filtered, 'k', { rollups: noRollups, cube });
      expect(asked[0]).toBe(seriesQuery(filtered).sql);
      expect(overview.fromCube).toBe(false);
      expect(overview.completedKey).toBe('k');
    }
  });

  it('does not ask the table while no event is loaded', async () => {
    const { engine } = recordingEngine();
    let asked = 0;
    await new OverviewData().refresh(engine, filtered, 'k', { rollups: noRollups, eventsReady: false, cube: async () => (asked++, { result, reason: null, ms: 0 }) });
    expect(asked).toBe(0);
  });
});

describe('OverviewData.refresh with an overview saved on this device', () => {
  const result = {
    kpis: { events: 5, pageViews: 3, visitors: 2, sessions: 9, bounceRate: 0.5, avgSessionSeconds: 10, purchasers: 1, conversionRate: 0.5, orders: 1, revenue: 20 },
    series: [{ bucket: '2026-03-01T00:00:00Z', events: 5, pageViews: 3, visitors: 2 }],
    breakdowns: { pages: [], channels: [{ value: 'direct', visitors: 2, count: 5 }], referrers: [], campaigns: [], countries: [], devices: [], browsers: [] },
  };
  const newer = { ...result, kpis: { ...result.kpis, events: 6 }, series: [{ ...result.series[0]!, events: 6 }] };
  /** A store holding at most one saved overview, recording what is written. */
  function store(initial: { fingerprint: string; result: typeof result; sessionsFromEvents?: boolean } | null, canSave = true) {
    let saved = initial ? { sessionsFromEvents: false, savedAt: 1_000, ...initial } : null;
    const writes: (typeof saved)[] = [];
    return {
      writes,
      current: () => saved,
      get: async () => saved,
      put: async (s: typeof saved) => void (writes.push(s), (saved = s)),
      canSave: () => canSave,
    };
  }
  /** The rollups as the worker answers: confirmed when the caller's fingerprint is the manifest's. */
  function edge(fingerprint: string, answerResult = newer, sessionsFromEvents = false) {
    const asked: (string | undefined)[] = [];
    const rollups = async (confirm?: string) => {
      asked.push(confirm);
      if (confirm === fingerprint) return { result: null, reason: null, confirmed: true, fingerprint, sessionsFromEvents: false, files: 1, bytes: 0, downloaded: 0, ms: 1 };
      return { result: answerResult, reason: null, fingerprint, sessionsFromEvents, files: 1, bytes: 100, downloaded: 1, ms: 1 };
    };
    return { rollups, asked };
  }

  it('draws the saved overview at once, and keeps it without reading rollups or querying when the edge lists the same files', async () => {
    const { engine, asked } = recordingEngine();
    const saved = store({ fingerprint: 'f1', result });
    const { rollups, asked: confirms } = edge('f1');
    const overview = new OverviewData();
    let shownBeforeEdge: unknown = null;
    const refresh = overview.refresh(engine, spec, 'k', {
      saved,
      rollups: async (confirm) => {
        // the edge answers after the page drew the saved figures
        await new Promise((resolve) => setTimeout(resolve, 5));
        shownBeforeEdge = { source: overview.source, confirmed: overview.savedConfirmed, events: overview.kpis.data?.events, running: overview.running };
        return rollups(confirm);
      },
    });
    await refresh;
    expect(shownBeforeEdge).toEqual({ source: 'saved', confirmed: false, events: 5, running: true });
    expect(confirms).toEqual(['f1']);
    expect(asked).toEqual([]);
    expect(overview.source).toBe('saved');
    expect(overview.savedConfirmed).toBe(true);
    expect(overview.savedAt).toBe(1_000);
    expect(overview.kpis.data).toEqual(result.kpis);
    expect(overview.breakdown('channels').data).toEqual(result.breakdowns.channels);
    expect(overview.completedKey).toBe('k');
    expect(saved.writes).toEqual([]);
  });

  it('drops the saved overview when the manifest changed (a new file, an erasure rewriting one) and saves the new figures', async () => {
    const { engine } = recordingEngine();
    const saved = store({ fingerprint: 'before-erasure', result });
    const overview = new OverviewData();
    await overview.refresh(engine, spec, 'k', { saved, rollups: edge('after-erasure').rollups });
    expect(overview.source).toBe('rollups');
    expect(overview.savedConfirmed).toBe(false);
    expect(overview.kpis.data).toEqual(newer.kpis);
    expect(saved.writes[0]).toBeNull();
    expect(saved.current()).toMatchObject({ fingerprint: 'after-erasure', result: newer, sessionsFromEvents: false });
    // the next visit draws and confirms the new figures
    const next = new OverviewData();
    await next.refresh(engine, spec, 'k', { saved, rollups: edge('after-erasure').rollups });
    expect(next.source).toBe('saved');
    expect(next.kpis.data).toEqual(newer.kpis);
  });

  it('saves figures with sessions from events only when it may (no load running), and never after a failed panel', async () => {
    const { engine } = recordingEngine();
    const loading = store(null, false);
    await new OverviewData().refresh(engine, spec, 'k', { saved: loading, rollups: edge('f', newer, true).rollups });
    expect(loading.writes).toEqual([]);
    const idle = store(null, true);
    await new OverviewData().refresh(engine, spec, 'k', { saved: idle, rollups: edge('f', newer, true).rollups });
    // the events answered no rows here: the figures saved are those shown
    expect(idle.current()).toMatchObject({ fingerprint: 'f', sessionsFromEvents: true, result: { kpis: { ...newer.kpis, sessions: 0, bounceRate: null, avgSessionSeconds: null } } });
    const failing: QueryEngine = { query: async () => Promise.reject(new Error('no table')) };
    const failed = store(null, true);
    await new OverviewData().refresh(failing, spec, 'k', { saved: failed, rollups: edge('f', newer, true).rollups });
    expect(failed.writes).toEqual([]);
  });
});
