import { describe, expect, it, vi } from 'vitest';
import type { DataEngine, DateRange, EdgeConnection, LoadResult, TableInfo } from '../engine/data-engine';
import { Dashboard } from './dashboard.svelte.ts';
import { ThemeState } from './theme.svelte.ts';
import { AccessState } from './role-access.svelte.ts';
import { EdgeRequestError } from '../engine/errors';
import type { Role } from './role-access';
import { parseUrlState, presetRange } from './url-state';

const CONNECTION: EdgeConnection = { url: 'https://edge.example.com', site: 'shop', token: 'secret-token' };

function result(over: Partial<LoadResult> = {}): LoadResult {
  return { filesDone: 1, filesTotal: 1, bytesDone: 10, bytesTotal: 10, rows: 100, fromCache: 0, failures: [], cancelled: false, ...over };
}

/** A DataEngine that records calls; loads "succeed" with the table info given. */
function fakeEngine(options: { saved?: EdgeConnection | null; info?: TableInfo } = {}) {
  let info: TableInfo = options.info ?? { rows: 0, minTime: null, maxTime: null, sources: [] };
  let saved = options.saved ?? null;
  const calls: string[] = [];
  const engine = {
    status: 'ready',
    onStatus: () => () => undefined,
    saveConnection: vi.fn(async (c: EdgeConnection) => void (saved = c)),
    loadConnection: vi.fn(async () => saved),
    loadRange: vi.fn(async (range: DateRange) => {
      calls.push(`range ${range.from}..${range.to}`);
      info = { rows: 100, minTime: `${range.from}T01:00:00.000Z`, maxTime: `${range.to}T02:00:00.000Z`, sources: [] };
      return result();
    }),
    loadCachedOnly: vi.fn(async (range: DateRange) => {
      calls.push(`cache ${range.from}..${range.to}`);
      return result({ fromCache: 1 });
    }),
    loadFiles: vi.fn(async (files: File[]) => {
      calls.push(`files ${files.map((f) => f.name).join(',')}`);
      const bad = files.filter((f) => f.name.startsWith('bad'));
      if (bad.length === files.length) return result({ rows: 0, failures: bad.map((f) => ({ key: f.name, error: 'not a Parquet file', attempts: 1 })) });
      info = { rows: 50, minTime: '2025-05-03T10:00:00.000Z', maxTime: '2025-05-09T11:00:00.000Z', sources: [] };
      return result({ rows: 50 });
    }),
    liveCounts: vi.fn(async () => []),
    tableInfo: vi.fn(async () => info),
    clearLocalData: vi.fn(async () => {
      saved = null;
      info = { rows: 0, minTime: null, maxTime: null, sources: [] };
    }),
    cacheStats: vi.fn(async () => ({ files: 0, bytes: 0, quota: null })),
    restart: vi.fn(async () => undefined),
    cancelQuery: vi.fn(async () => undefined),
    query: vi.fn(async () => []),
  };
  return { engine: engine as unknown as DataEngine, calls, fns: engine };
}

/** The token's role as the edge's whoami would answer it; null: the edge cannot be reached (the role stays unknown). */
const accessAs = (role: Role | null) =>
  new AccessState(() => ({
    whoAmI: async () => {
      if (role === null) throw new EdgeRequestError('could not reach the edge', null);
      return { site: 'shop', tokenId: `config:${role}:0`, role, actions: [] };
    },
  }));

const make = (engine: DataEngine, search = 'range=7d', role: Role | null = null) =>
  new Dashboard(engine, { initialUrl: parseUrlState(search, '2025-06-10'), theme: new ThemeState({ storage: null, media: null }), access: accessAs(role) });

describe('Dashboard', () => {
  it('with a saved connection shows the cache first, then loads the range from the edge', async () => {
    const { engine, calls } = fakeEngine({ saved: CONNECTION });
    const dashboard = make(engine);
    await dashboard.start();
    expect(calls).toEqual(['cache 2025-06-04..2025-06-10', 'range 2025-06-04..2025-06-10']);
    expect(dashboard.connection.source).toBe('edge');
    expect(dashboard.load.hasData).toBe(true);
    expect(dashboard.load.dataVersion).toBe(2);
  });

  it('without a connection or data opens the data sources view', async () => {
    const { engine, calls } = fakeEngine();
    const dashboard = make(engine);
    await dashboard.start();
    expect(calls).toEqual([]);
    expect(dashboard.view.view).toBe('connect');
  });

  it('shows the overview after the first files open, unless the user went to another view meanwhile', async () => {
    const { engine, fns } = fakeEngine();
    const dashboard = make(engine);
    await dashboard.start();
    expect(dashboard.view.view).toBe('connect');
    await dashboard.openFiles([new File(['x'], 'good.parquet')]);
    expect(dashboard.view.view).toBe('overview');

    const second = fakeEngine();
    const busy = make(second.engine);
    await busy.start();
    const load = second.fns.loadFiles.getMockImplementation()!;
    second.fns.loadFiles.mockImplementationOnce(async (files: File[]) => {
      busy.view.show('segments');
      return load(files);
    });
    await busy.openFiles([new File(['x'], 'good.parquet')]);
    expect(busy.view.view).toBe('segments');
    expect(fns.loadFiles).toHaveBeenCalledTimes(1);
  });

  it('reloads from the edge when the range changes, not when working on local files', async () => {
    const { engine, calls } = fakeEngine({ saved: CONNECTION });
    const dashboard = make(engine);
    await dashboard.start();
    await dashboard.setPreset('30d');
    const last30 = presetRange('30d');
    expect(calls.at(-1)).toBe(`range ${last30.from}..${last30.to}`);

    await dashboard.openFiles([new File(['x'], 'good.parquet')]);
    expect(dashboard.connection.source).toBe('files');
    expect(dashboard.view.range).toEqual({ from: '2025-05-03', to: '2025-05-09' });
    const before = calls.length;
    await dashboard.setRange({ from: '2025-05-01', to: '2025-05-05' });
    expect(calls.length).toBe(before);
  });

  it('keeps the source and data when no opened file decodes, and lists the failures', async () => {
    const { engine } = fakeEngine({ saved: CONNECTION });
    const dashboard = make(engine);
    await dashboard.start();
    const range = dashboard.view.range;
    await dashboard.openFiles([new File(['x'], 'bad.parquet')]);
    expect(dashboard.connection.source).toBe('edge');
    expect(dashboard.view.range).toEqual(range);
    expect(dashboard.load.failures).toEqual([{ key: 'bad.parquet', error: 'not a Parquet file', attempts: 1 }]);
    expect(dashboard.load.hasData).toBe(true);
  });

  it('retries only the failed files', async () => {
    const { engine, calls } = fakeEngine();
    const dashboard = make(engine);
    await dashboard.openFiles([new File(['x'], 'bad-1.parquet'), new File(['x'], 'bad-2.parquet')]);
    await dashboard.load.retry();
    expect(calls.at(-1)).toBe('files bad-1.parquet,bad-2.parquet');
  });

  it('saves a connection through the engine and loads', async () => {
    const { engine, fns } = fakeEngine();
    const dashboard = make(engine, 'view=connect&range=7d');
    await dashboard.start();
    await dashboard.connect(CONNECTION);
    expect(fns.saveConnection).toHaveBeenCalledWith(CONNECTION);
    expect(dashboard.view.view).toBe('overview');
    expect(dashboard.view.toSearch()).not.toContain('secret-token');
    expect(dashboard.load.hasData).toBe(true);
  });

  it('with a viewer token never loads event rows, from the cache or the edge, and says which views need more', async () => {
    const { engine, calls } = fakeEngine({ saved: CONNECTION });
    const dashboard = make(engine, 'range=7d', 'viewer');
    await dashboard.start();
    expect(dashboard.access.role).toBe('viewer');
    expect(calls).toEqual([]);
    await dashboard.setPreset('30d');
    expect(calls).toEqual([]);
    expect(dashboard.access.viewBlock('overview')).toBeNull();
    expect(dashboard.access.viewBlock('funnels')).toMatch(/analyst token/);
    expect(dashboard.access.viewBlock('sql')).toMatch(/analyst token: the SQL console queries event rows/);
    expect(dashboard.access.viewBlock('admin')).toMatch(/admin token/);
    expect(dashboard.access.filterBlock).toMatch(/analyst token/);
  });

  it('connecting with a viewer token empties a table holding rows of an earlier connection, and keeps the connection', async () => {
    const { engine, calls, fns } = fakeEngine();
    const dashboard = make(engine, 'view=connect&range=7d', 'viewer');
    await dashboard.start();
    await dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-02' });
    expect(dashboard.load.hasData).toBe(true);
    await dashboard.connect(CONNECTION);
    expect(calls).toEqual(['range 2025-06-01..2025-06-02']);
    expect(fns.clearLocalData).toHaveBeenCalled();
    expect(dashboard.load.hasData).toBe(false);
    expect(fns.saveConnection).toHaveBeenLastCalledWith(CONNECTION);
    expect(dashboard.connection.source).toBe('edge');
  });

  it('an admin may open every view; analysts every view but Admin', async () => {
    const { engine } = fakeEngine({ saved: CONNECTION });
    const dashboard = make(engine, 'range=7d', 'admin');
    await dashboard.start();
    for (const view of ['overview', 'funnels', 'sql', 'admin'] as const) expect(dashboard.access.viewBlock(view)).toBeNull();
    const analyst = make(fakeEngine({ saved: CONNECTION }).engine, 'range=7d', 'analyst');
    await analyst.start();
    expect(analyst.access.viewBlock('sql')).toBeNull();
    expect(analyst.access.viewBlock('admin')).toMatch(/Needs an admin token/);
  });

  it('passes an abort signal that Cancel fires', async () => {
    const { engine, fns } = fakeEngine({ saved: CONNECTION });
    let signal: AbortSignal | undefined;
    fns.loadRange.mockImplementationOnce(
      (_range: DateRange, opts?: { signal?: AbortSignal }) =>
        new Promise<LoadResult>((resolve) => {
          signal = opts?.signal;
          signal?.addEventListener('abort', () => resolve(result({ cancelled: true, filesDone: 0, filesTotal: 3 })));
        }) as never,
    );
    const dashboard = make(engine);
    await dashboard.connection.restore();
    const loading = dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-02' });
    expect(dashboard.load.running).toBe('edge');
    dashboard.load.cancel();
    await loading;
    expect(signal?.aborted).toBe(true);
    expect(dashboard.load.running).toBe(null);
    expect(dashboard.load.notice).toMatch(/cancelled after 0 of 3 files/);
  });

  it('ends a load only once the new table info and data version are there', async () => {
    const { engine, fns } = fakeEngine({ saved: CONNECTION });
    let releaseInfo: () => void = () => undefined;
    fns.tableInfo.mockImplementationOnce(
      () => new Promise<TableInfo>((resolve) => (releaseInfo = () => resolve({ rows: 100, minTime: null, maxTime: null, sources: [] }))) as never,
    );
    const dashboard = make(engine);
    await dashboard.connection.restore();
    const version = dashboard.load.dataVersion;
    const loading = dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-02' });
    await vi.waitFor(() => expect(fns.tableInfo).toHaveBeenCalled());
    // the engine has finished, the table info is still being read: the load is not over for the views yet
    expect(dashboard.load.running).toBe('edge');
    expect(dashboard.load.dataVersion).toBe(version);
    releaseInfo();
    await loading;
    expect(dashboard.load.running).toBe(null);
    expect(dashboard.load.dataVersion).toBe(version + 1);
    expect(dashboard.load.info?.rows).toBe(100);
  });

  it('keeps the file index a load sends while it runs and after it completes, not after a load that missed files or rows', async () => {
    const { engine, fns } = fakeEngine({ saved: CONNECTION });
    const index = [{ rows: 100, minTime: '2025-06-01T01:00:00.000Z', maxTime: '2025-06-01T01:59:00.000Z' }];
    const withIndex = (over: Partial<LoadResult>) => async (_range: DateRange, opts?: { onProgress?: (p: LoadResult) => void }) => {
      opts?.onProgress?.(result({ filesDone: 0, rows: 0, index }));
      expect(dashboard.load.fileIndex).toEqual(index);
      return result(over);
    };
    const dashboard = make(engine);
    await dashboard.connection.restore();
    fns.loadRange.mockImplementationOnce(withIndex({}) as never);
    await dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-01' });
    expect(dashboard.load.fileIndex).toEqual(index);
    fns.loadRange.mockImplementationOnce(withIndex({ failures: [{ key: 'a.parquet', error: 'HTTP 500', attempts: 3 }] }) as never);
    await dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-01' });
    expect(dashboard.load.fileIndex).toBeNull();
    fns.loadRange.mockImplementationOnce(withIndex({ rows: 99 }) as never);
    await dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-01' });
    expect(dashboard.load.fileIndex).toBeNull();
    fns.loadRange.mockImplementationOnce(withIndex({}) as never);
    await dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-01' });
    expect(dashboard.load.fileIndex).toEqual(index);
    // a load that sends none (it added to loaded data) leaves none behind
    await dashboard.load.fromEdge({ from: '2025-06-01', to: '2025-06-01' });
    expect(dashboard.load.fileIndex).toBeNull();
  });

  it('reports an unreachable edge and keeps the cached data', async () => {
    const { engine, fns } = fakeEngine({ saved: CONNECTION, info: { rows: 7, minTime: null, maxTime: null, sources: [] } });
    fns.loadRange.mockRejectedValueOnce(new TypeError('Failed to fetch') as never);
    const dashboard = make(engine);
    await dashboard.start();
    expect(dashboard.load.error).toMatch(/Could not load from the edge: Failed to fetch/);
    expect(dashboard.load.hasData).toBe(true);
  });

  it('clear local data forgets the connection', async () => {
    const { engine } = fakeEngine({ saved: CONNECTION });
    const dashboard = make(engine);
    await dashboard.start();
    await dashboard.clearLocalData();
    expect(dashboard.connection.source).toBe('none');
    expect(dashboard.connection.connection).toBe(null);
    expect(dashboard.load.hasData).toBe(false);
  });
});
