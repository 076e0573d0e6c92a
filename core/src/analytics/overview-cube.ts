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

/** The name of the ENUM type of column `column` of the overview table `table`. */
export function cubeEnumType(column: ColumnName, table = OVERVIEW_CUBE_TABLE): string {
  return `${table}_${column}`;
}

/**
 * The statements that (re)build the overview table from `from` (a table, a view or a parenthesised SELECT holding
 * at least CUBE_SOURCE_COLUMNS), to run in one transaction. The filter columns are stored as ENUM types made of
 * their values (sorted, so that they order as the text does): grouping and filtering small integers instead of
 * strings made the one-statement overview 40% faster (136 → 77 ms for a filtered week of the 1M demo, native
 * DuckDB; the same in DuckDB-Wasm), and comparisons with text (`=`, IN, strpos, also with values absent from the
 * data) behave as over the text. The overview's queries cast them back to text.
 */
export function overviewCubeStatements(from: string, table = OVERVIEW_CUBE_TABLE): string[] {
  const enums = CUBE_FILTER_COLUMNS.map((c) => ({ column: `"${c}"`, type: cubeEnumType(c, table) }));
  const kept = CUBE_FILTER_COLUMNS.filter((c) => c !== 'referrer_host').map((c) => `"${c}"::${cubeEnumType(c, table)} AS "${c}"`).join(', ');
  return [
    ...dropOverviewCubeStatements(table),
    ...enums.map((e) => `CREATE TYPE ${e.type} AS ENUM (SELECT DISTINCT ${e.column} FROM ${from} WHERE ${e.column} IS NOT NULL ORDER BY 1)`),
    `CREATE TABLE ${table} AS
SELECT "timestamp",
  CASE WHEN coalesce(user_id, anonymous_id) IS NOT NULL THEN hash(coalesce(user_id, anonymous_id)) END AS person,
  CASE WHEN session_id IS NOT NULL THEN hash(session_id) END AS session_id,
  revenue, "referrer_host"::${cubeEnumType('referrer_host', table)} AS "referrer_host",
  CASE WHEN page_url IS NULL OR "referrer_host" IS NULL THEN false ELSE "referrer_host" = ${PAGE_HOST} END AS self_referral,
  ${kept}
FROM ${from}
ORDER BY "timestamp"`,
  ];
}

/** Drops the overview table `table` and its ENUM types (the table first: a type in use cannot be dropped). */
export function dropOverviewCubeStatements(table = OVERVIEW_CUBE_TABLE): string[] {
  return [`DROP TABLE IF EXISTS ${table}`, ...CUBE_FILTER_COLUMNS.map((c) => `DROP TYPE IF EXISTS ${cubeEnumType(c, table)}`)];
}

/** Why the overview table cannot answer `spec` (a filter on a column it does not keep), or null. */
export function cubeCannotAnswer(spec: Pick<OverviewSpec, 'filters'>): string | null {
  const other = spec.filters.find((f: ColumnFilter) => !CUBE_FILTER_COLUMNS.includes(f.column));
  return other ? `a filter on ${other.column}, which the local overview table does not keep` : null;
}
