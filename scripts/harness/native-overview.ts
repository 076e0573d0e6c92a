/**
 * The overview's figures computed independently of web/src/lib/analytics/overview.ts: native DuckDB reads the
 * Parquet files and returns plain rows, and the sessions are cut in TypeScript. The browser's numbers must equal
 * these.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface NativeFilter {
  column: string;
  value: string;
}

export interface NativeOverview {
  kpis: {
    events: number;
    pageViews: number;
    visitors: number;
    sessions: number;
    bounceRate: number | null;
    avgSessionSeconds: number | null;
    conversionRate: number | null;
    revenue: number;
  };
  seriesTotal: number;
  /** per column: value (null for empty) -> { visitors, count } */
  breakdowns: Record<string, Map<string | null, { visitors: number; count: number }>>;
}

/** The page's own host as the edge writes referrer_host (lower case, no port, no `www.`); referrers equal to it are self-referrals. */
function pageHost(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, '');
  } catch {
    return null;
  }
}

const PANEL_COLUMNS: Record<string, string> = {
  'Top pages': 'page_path',
  Channels: 'channel',
  Referrers: 'referrer_host',
  'UTM campaigns': 'utm_campaign',
  Countries: 'country',
  Devices: 'device_type',
  Browsers: 'browser',
};
export const PANEL_TITLES = Object.keys(PANEL_COLUMNS);

export class NativeDuckDb {
  private constructor(private readonly connection: DuckDBConnection) {}

  static async open(files: string[], threads = 1): Promise<NativeDuckDb> {
    const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
    const connection = await instance.connect();
    const list = files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ');
    await connection.run(`CREATE TABLE events AS SELECT * FROM read_parquet([${list}])`);
    return new NativeDuckDb(connection);
  }

  async rows(sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql, params);
    return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  }

  async timed(sql: string, params: (string | number | boolean | null)[] = []): Promise<number> {
    const started = performance.now();
    await this.connection.runAndReadAll(sql, params as never);
    return performance.now() - started;
  }

  close(): void {
    this.connection.closeSync();
  }

  async overview(range: { from: string; to: string }, filter?: NativeFilter, purchaseEvent = 'Order Completed'): Promise<NativeOverview> {
    const where = [`timestamp >= '${range.from}'::TIMESTAMP`, `timestamp < '${range.to}'::TIMESTAMP + INTERVAL 1 DAY`];
    const params: string[] = [];
    if (filter) {
      if (!/^[a-z_]+$/.test(filter.column)) throw new Error(`bad column ${filter.column}`);
      where.push(`"${filter.column}" = ?`);
      params.push(filter.value);
    }
    const events = await this.rows(
      `SELECT epoch_ms(timestamp) AS ms, event_id, type, event, user_id, anonymous_id, session_id, revenue, page_url, ${Object.values(PANEL_COLUMNS).join(', ')}
       FROM events WHERE ${where.join(' AND ')}`,
      params,
    );

    const person = (e: Record<string, unknown>) => (e.user_id ?? e.anonymous_id ?? '') as string;
    const isView = (e: Record<string, unknown>) => e.type === 'page' || e.type === 'screen';

    const visitors = new Set(events.map(person));
    const purchasers = new Set(events.filter((e) => e.event === purchaseEvent).map(person));
    const revenue = events.filter((e) => e.event === purchaseEvent).reduce((n, e) => n + ((e.revenue as number | null) ?? 0), 0);

    // sessions: the client's session id, else a new session after more than 30 minutes without an event of the person
    const sessions = new Map<string, { first: number; last: number; views: number; tracks: number }>();
    const add = (key: string, e: Record<string, unknown>) => {
      const ms = Number(e.ms);
      const s = sessions.get(key) ?? { first: ms, last: ms, views: 0, tracks: 0 };
      s.first = Math.min(s.first, ms);
      s.last = Math.max(s.last, ms);
      if (isView(e)) s.views++;
      if (e.type === 'track') s.tracks++;
      sessions.set(key, s);
    };
    const anonymousSessions = new Map<string, Record<string, unknown>[]>();
    for (const e of events) {
      if (e.session_id !== null) add(`id ${e.session_id as string}`, e);
      else {
        const list = anonymousSessions.get(person(e)) ?? [];
        list.push(e);
        anonymousSessions.set(person(e), list);
      }
    }
    for (const [who, list] of anonymousSessions) {
      list.sort((a, b) => Number(a.ms) - Number(b.ms));
      let n = 0;
      let previous = -Infinity;
      for (const e of list) {
        if (Number(e.ms) - previous > 30 * 60_000) n++;
        previous = Number(e.ms);
        add(`gap ${who} ${n}`, e);
      }
    }
    const all = [...sessions.values()];
    const bounces = all.filter((s) => s.views === 1 && s.tracks === 0).length;

    const breakdowns: NativeOverview['breakdowns'] = {};
    for (const [title, column] of Object.entries(PANEL_COLUMNS)) {
      const byValue = new Map<string | null, { persons: Set<string>; count: number }>();
      for (const e of events) {
        if (column === 'page_path' && !isView(e)) continue;
        if (column === 'referrer_host' && e.referrer_host !== null && e.referrer_host === pageHost(e.page_url as string | null)) continue;
        const value = (e[column] ?? null) as string | null;
        const entry = byValue.get(value) ?? { persons: new Set<string>(), count: 0 };
        entry.persons.add(person(e));
        entry.count++;
        byValue.set(value, entry);
      }
      breakdowns[title] = new Map([...byValue].map(([v, { persons, count }]) => [v, { visitors: persons.size, count }]));
    }

    return {
      kpis: {
        events: events.length,
        pageViews: events.filter(isView).length,
        visitors: visitors.size,
        sessions: all.length,
        bounceRate: all.length ? bounces / all.length : null,
        avgSessionSeconds: all.length ? all.reduce((n, s) => n + (s.last - s.first) / 1000, 0) / all.length : null,
        conversionRate: visitors.size ? purchasers.size / visitors.size : null,
        revenue,
      },
      seriesTotal: events.length,
      breakdowns,
    };
  }
}
