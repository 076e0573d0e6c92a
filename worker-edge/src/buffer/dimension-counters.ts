import { BUCKET_MS, BUCKET_RETENTION_MS } from './counters';

/**
 * Counters for campaign monitoring, in 5-minute buckets only (the alert rules' grain; /live and /metrics keep their
 * per-minute site-wide counters): visits, conversions and revenue, site-wide and per value of a few dimensions.
 *
 * - A visit starts with a session's first event, or its first after 30 minutes of silence (the session is
 *   `session_id`, else the person: user id, else anonymous id). Rows of one person fall on different shards (rows
 *   are sharded by event id), so a session spread over S shards counts up to S visits: every window and its
 *   baseline are counted the same way, so rates and baselines stay comparable.
 * - A visit carries the dimensions of its first row (utm_campaign, utm_source, utm_medium, channel): the landing
 *   page has the campaign, the checkout usually does not. Conversions and revenue are credited to the dimensions of
 *   the visit they happen in (session-scoped last touch), else of their own row.
 * - Cardinality is bounded: per shard, dimension and UTC day, the first MAX_VALUES_PER_DAY distinct values are kept
 *   by name; later ones are counted under OTHER_VALUE. Dimension values are cut to 100 characters.
 * - Per-event counters (the funnel-step rate rules): each `track` event counts under `event:<name>`, and under
 *   `event:<name>|<dimension>=<value>` for the dimensions of its visit (as conversions are credited). Per shard and UTC
 *   day the first MAX_EVENT_NAMES_PER_DAY names are kept, later ones count as `event:(other)` (site-wide only): a row
 *   adds at most 5 counters, a bucket holds at most 50 × (1 + 4 × 101) of them.
 */
export const DIMENSIONS = ['utm_campaign', 'utm_source', 'utm_medium', 'channel'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const MAX_VALUES_PER_DAY = 100;
export const OTHER_VALUE = '(other)';
export const VISIT_TIMEOUT_MS = 30 * 60 * 1000;
export const MAX_EVENT_NAMES_PER_DAY = 50;
/** `dimension_values` rows of this pseudo-dimension hold the event names a shard counts by name that day. */
const EVENT_NAMES = 'event';
const VISIT_STATE_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface DimensionRow {
  type: string;
  event: string;
  user_id: string | null;
  anonymous_id: string | null;
  session_id?: string | null;
  utm_campaign?: string | null;
  utm_source?: string | null;
  utm_medium?: string | null;
  channel?: string | null;
  revenue?: number | null;
}

/** The counter holding a base metric (visits, conversions, revenue_cents) for one dimension value, or site-wide. */
export function dimensionCounter(base: 'visits' | 'conversions' | 'revenue_cents', filter?: { dimension: Dimension; value: string } | null): string {
  return filter ? `${base}|${filter.dimension}=${filter.value}` : base === 'conversions' ? 'conversions' : base;
}

/** The counter of one event name (track events), site-wide or for one dimension value of its visit. */
export function eventCounter(event: string, filter?: { dimension: Dimension; value: string } | null): string {
  return filter ? `event:${event}|${filter.dimension}=${filter.value}` : `event:${event}`;
}

export function createDimensionTables(sql: SqlStorage): void {
  sql.exec(`
    CREATE TABLE IF NOT EXISTS visit_state (visit_key TEXT PRIMARY KEY, last_at INTEGER NOT NULL, dims TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS visit_state_by_time ON visit_state (last_at);
    CREATE TABLE IF NOT EXISTS dimension_values (date TEXT NOT NULL, dimension TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (date, dimension, value));
  `);
}

/**
 * Counts visits, conversions and revenue of accepted rows at `now` into bucket counters (the caller's transaction).
 * Site-wide `conversions` is counted by countAccepted already; here only the per-dimension ones.
 */
export function countDimensions(sql: SqlStorage, now: number, rows: readonly DimensionRow[], conversionEvents: ReadonlySet<string>): void {
  if (rows.length === 0) return;
  const date = new Date(now).toISOString().slice(0, 10);
  const counts = new Map<string, number>();
  const add = (name: string, n: number) => counts.set(name, (counts.get(name) ?? 0) + n);
  const known = new Map<string, boolean>();
  const valueOf = (dimension: Dimension, raw: string | null | undefined): string | null => {
    if (raw === null || raw === undefined || raw === '') return null;
    const value = raw.slice(0, 100);
    const key = `${dimension}\u0000${value}`;
    let kept = known.get(key);
    if (kept === undefined) {
      const present = sql.exec(`SELECT 1 FROM dimension_values WHERE date = ? AND dimension = ? AND value = ?`, date, dimension, value).toArray().length > 0;
      if (present) kept = true;
      else {
        const n = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM dimension_values WHERE date = ? AND dimension = ?`, date, dimension).one().n;
        kept = n < MAX_VALUES_PER_DAY;
        if (kept) sql.exec(`INSERT INTO dimension_values (date, dimension, value) VALUES (?, ?, ?)`, date, dimension, value);
      }
      known.set(key, kept);
    }
    return kept ? value : OTHER_VALUE;
  };
  const eventNames = new Map<string, string | null>();
  const eventNameOf = (raw: string): string | null => {
    const name = raw.slice(0, 100);
    let kept = eventNames.get(name);
    if (kept === undefined) {
      const present = sql.exec(`SELECT 1 FROM dimension_values WHERE date = ? AND dimension = ? AND value = ?`, date, EVENT_NAMES, name).toArray().length > 0;
      if (present) kept = name;
      else if (sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM dimension_values WHERE date = ? AND dimension = ?`, date, EVENT_NAMES).one().n < MAX_EVENT_NAMES_PER_DAY) {
        sql.exec(`INSERT INTO dimension_values (date, dimension, value) VALUES (?, ?, ?)`, date, EVENT_NAMES, name);
        kept = name;
      } else kept = null;
      eventNames.set(name, kept);
    }
    return kept;
  };
  for (const row of rows) {
    const visitKey = row.session_id ? `s:${row.session_id}` : row.user_id ? `u:${row.user_id}` : row.anonymous_id ? `a:${row.anonymous_id}` : null;
    let dims: Partial<Record<Dimension, string>> = {};
    const own = (): Partial<Record<Dimension, string>> => {
      const out: Partial<Record<Dimension, string>> = {};
      for (const dimension of DIMENSIONS) {
        const value = valueOf(dimension, row[dimension]);
        if (value !== null) out[dimension] = value;
      }
      return out;
    };
    if (visitKey === null) {
      dims = own();
      add('visits', 1);
      for (const [dimension, value] of Object.entries(dims)) add(`visits|${dimension}=${value}`, 1);
    } else {
      const state = sql.exec<{ last_at: number; dims: string }>(`SELECT last_at, dims FROM visit_state WHERE visit_key = ?`, visitKey).toArray()[0];
      if (!state || now - state.last_at > VISIT_TIMEOUT_MS) {
        dims = own();
        add('visits', 1);
        for (const [dimension, value] of Object.entries(dims)) add(`visits|${dimension}=${value}`, 1);
        sql.exec(
          `INSERT INTO visit_state (visit_key, last_at, dims) VALUES (?, ?, ?) ON CONFLICT (visit_key) DO UPDATE SET last_at = excluded.last_at, dims = excluded.dims`,
          visitKey, now, JSON.stringify(dims),
        );
      } else {
        dims = JSON.parse(state.dims) as Partial<Record<Dimension, string>>;
        sql.exec(`UPDATE visit_state SET last_at = ? WHERE visit_key = ?`, now, visitKey);
      }
    }
    const converted = row.type === 'track' && conversionEvents.has(row.event);
    const cents = typeof row.revenue === 'number' && Number.isFinite(row.revenue) ? Math.round(row.revenue * 100) : 0;
    if (cents !== 0) add('revenue_cents', cents);
    const eventName = row.type === 'track' && row.event ? eventNameOf(row.event) : undefined;
    if (eventName === null) add(eventCounter(OTHER_VALUE), 1);
    else if (eventName !== undefined) add(eventCounter(eventName), 1);
    for (const [dimension, value] of Object.entries(dims)) {
      if (converted) add(`conversions|${dimension}=${value}`, 1);
      if (cents !== 0) add(`revenue_cents|${dimension}=${value}`, cents);
      if (eventName) add(eventCounter(eventName, { dimension: dimension as Dimension, value }), 1);
    }
  }
  const bucket = Math.floor(now / BUCKET_MS);
  for (const [metric, count] of counts) {
    sql.exec(
      `INSERT INTO bucket_counters (bucket, metric, count) VALUES (?, ?, ?) ON CONFLICT (metric, bucket) DO UPDATE SET count = count + excluded.count`,
      bucket, metric, count,
    );
  }
}

export function pruneDimensionState(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM visit_state WHERE last_at < ?`, now - VISIT_STATE_RETENTION_MS);
  sql.exec(`DELETE FROM dimension_values WHERE date < ?`, new Date(now - BUCKET_RETENTION_MS).toISOString().slice(0, 10));
}

/** The dimension values a shard kept by name since `sinceDate` (for the dashboard's rule form). */
export function dimensionValues(sql: SqlStorage, sinceDate: string): { dimension: string; value: string }[] {
  return sql.exec<{ dimension: string; value: string }>(`SELECT DISTINCT dimension, value FROM dimension_values WHERE date >= ? ORDER BY dimension, value`, sinceDate).toArray();
}
