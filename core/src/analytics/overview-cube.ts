/**
 * The local overview table: the loaded events cut down to what the overview reads, built once after a load so that
 * a filter or a date range the edge's rollups cannot answer is queried there instead of over every loaded file.
 *
 * One row per event (so every figure is the same SQL as over `events`, and exact), with
 *  - the person (user_id, else anonymous_id) and session_id as 64-bit hashes (`hash()`): counting distinct
 *    integers is several times cheaper than distinct strings of 40-70 characters. Two different ids with one hash
 *    would count as one: for a million ids the chance that any two collide is about 3·10⁻⁸;
 *  - `self_referral` computed once from page_url and referrer_host (a regular expression per event otherwise), and
 *    page_url itself left out;
 *  - no event_id: the raw queries order a person's events by (timestamp, event_id) to form sessions, but events of
 *    one person at the same instant always end in the same session whatever their order (a tie starts no new session:
 *    the gap to the earlier of them is 0), so ordering by timestamp alone gives the same sessions.
 *
 * Filters may use the columns kept here (CUBE_FILTER_COLUMNS); any other filter is answered from `events`.
 */
import type { ColumnName } from '../schema/event-columns';
import { PAGE_HOST, type ColumnFilter, type OverviewSource, type OverviewSpec } from './overview';

export const OVERVIEW_CUBE_TABLE = 'pa_overview_cube';

/** The event columns the overview table keeps as they are (filters may use these). */
export const CUBE_FILTER_COLUMNS: readonly ColumnName[] = ['type', 'event', 'page_path', 'channel', 'referrer_host', 'utm_campaign', 'country', 'device_type', 'browser'];

/** The event columns a build reads. */
export const CUBE_SOURCE_COLUMNS: readonly ColumnName[] = ['timestamp', 'user_id', 'anonymous_id', 'session_id', 'revenue', 'page_url', ...CUBE_FILTER_COLUMNS];

export const CUBE_SOURCE: OverviewSource = {
  table: OVERVIEW_CUBE_TABLE,
  person: 'person',
  sessionOrder: 'ts',
  referrer: { columns: ', self_referral', kept: 'NOT self_referral' },
};

/**
 * `CREATE OR REPLACE TABLE` of the overview table from `from` (a table, a view or a parenthesised SELECT holding
 * at least CUBE_SOURCE_COLUMNS).
 */
export function overviewCubeSql(from: string, table = OVERVIEW_CUBE_TABLE): string {
  const keep = CUBE_FILTER_COLUMNS.filter((c) => c !== 'referrer_host').map((c) => `"${c}"`).join(', ');
  return `CREATE OR REPLACE TABLE ${table} AS
SELECT "timestamp",
  CASE WHEN coalesce(user_id, anonymous_id) IS NOT NULL THEN hash(coalesce(user_id, anonymous_id)) END AS person,
  CASE WHEN session_id IS NOT NULL THEN hash(session_id) END AS session_id,
  revenue, "referrer_host",
  CASE WHEN page_url IS NULL OR "referrer_host" IS NULL THEN false ELSE "referrer_host" = ${PAGE_HOST} END AS self_referral,
  ${keep}
FROM ${from}
ORDER BY "timestamp"`;
}

/** Why the overview table cannot answer `spec` (a filter on a column it does not keep), or null. */
export function cubeCannotAnswer(spec: Pick<OverviewSpec, 'filters'>): string | null {
  const other = spec.filters.find((f: ColumnFilter) => !CUBE_FILTER_COLUMNS.includes(f.column));
  return other ? `a filter on ${other.column}, which the local overview table does not keep` : null;
}
