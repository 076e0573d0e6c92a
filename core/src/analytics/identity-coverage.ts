/**
 * How well identity mapping joins a person's data (requirements: identity link rate ≥ 95%, online/offline link rate
 * ≥ 90%), over the person map (`identity.ts`) and the loaded events:
 *
 *   identifiedPersonShare     persons with a user id (member, customer, login) among all persons
 *   orderShare, revenueShare  orders (the conversion event) and their revenue whose person has a user id: what RFM,
 *                             CLV and attribution can credit to one identified person
 *   offline / online persons  persons with rows from imports (`properties.source = "import"`: the command line's
 *                             CSV inputs and the edge's imports) / with any other row
 *   onlineOfflineLinkRate     persons with both among persons with offline rows: the share of offline customers whose
 *                             online behaviour is joined to them (null without offline rows)
 */
import { EVENTS_TABLE, type QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, PERSON_MAP } from './identity';
import { eventCondition, ident, propertyExpr, sql, type EventMatcher } from './sql';

export interface IdentityCoverage {
  persons: number;
  identifiedPersons: number;
  identifiedPersonShare: number;
  orders: number;
  identifiedOrders: number;
  orderShare: number | null;
  revenue: number;
  identifiedRevenue: number;
  revenueShare: number | null;
  offlinePersons: number;
  onlinePersons: number;
  personsOnlineAndOffline: number;
  onlineOfflineLinkRate: number | null;
}

export async function identityCoverage(engine: QueryEngine, order: EventMatcher = { event: 'Order Completed' }, revenueProperty = 'revenue'): Promise<IdentityCoverage> {
  await ensurePersonMap(engine);
  const source = propertyExpr({ kind: 'json', key: 'source' }, 'e').sql;
  const revenue = revenueProperty === 'revenue' ? sql`e.revenue` : sql`TRY_CAST(${propertyExpr({ kind: 'json', key: revenueProperty }, 'e').sql} AS DOUBLE)`;
  const query = sql`WITH rows AS (
      SELECT m.person_id, m.linked, strpos(e.properties, '"source":"import"') > 0 AND ${source} = 'import' AS offline,
        ${eventCondition(order, 'e')} AS is_order, ${revenue} AS revenue
      FROM ${ident(EVENTS_TABLE)} e
      JOIN ${ident(PERSON_MAP)} m ON m.id = coalesce(e.user_id, e.anonymous_id)
    ),
    persons AS (SELECT person_id, bool_or(linked) AS identified, bool_or(offline) AS offline, bool_or(NOT offline) AS online FROM rows GROUP BY person_id)
    SELECT
      (SELECT count(*) FROM persons)::BIGINT AS persons,
      (SELECT count(*) FILTER (WHERE identified) FROM persons)::BIGINT AS identified_persons,
      (SELECT count(*) FILTER (WHERE offline) FROM persons)::BIGINT AS offline_persons,
      (SELECT count(*) FILTER (WHERE online) FROM persons)::BIGINT AS online_persons,
      (SELECT count(*) FILTER (WHERE online AND offline) FROM persons)::BIGINT AS both_persons,
      (SELECT count(*) FILTER (WHERE is_order) FROM rows)::BIGINT AS orders,
      (SELECT count(*) FILTER (WHERE is_order AND linked) FROM rows)::BIGINT AS identified_orders,
      (SELECT coalesce(sum(revenue) FILTER (WHERE is_order), 0) FROM rows)::DOUBLE AS revenue,
      (SELECT coalesce(sum(revenue) FILTER (WHERE is_order AND linked), 0) FROM rows)::DOUBLE AS identified_revenue`;
  const [row] = await engine.query<Record<string, number>>(query.text, query.params);
  const n = (key: string) => Number(row?.[key] ?? 0);
  const share = (part: number, whole: number) => (whole > 0 ? part / whole : null);
  return {
    persons: n('persons'),
    identifiedPersons: n('identified_persons'),
    identifiedPersonShare: share(n('identified_persons'), n('persons')) ?? 0,
    orders: n('orders'),
    identifiedOrders: n('identified_orders'),
    orderShare: share(n('identified_orders'), n('orders')),
    revenue: n('revenue'),
    identifiedRevenue: n('identified_revenue'),
    revenueShare: share(n('identified_revenue'), n('revenue')),
    offlinePersons: n('offline_persons'),
    onlinePersons: n('online_persons'),
    personsOnlineAndOffline: n('both_persons'),
    onlineOfflineLinkRate: share(n('both_persons'), n('offline_persons')),
  };
}
