/** The funnel plan for chains: sequential, no exclusions, every step a different event (see isChainFunnel). */
import { personEvents } from './identity';
import { and, columnsFor, ident, int, join, matcherProperties, or, propertyAsText, resolveProperty, sql, timeBounds, timeCondition, type Sql } from './sql';
import { col, matchFlag, windowEndSql } from './funnel-match';
import type { FunnelSpec } from './funnel-spec';

/**
 * A sequential funnel without exclusions whose steps are all different events: no event matches two steps, and
 * no event of step 0 is an event of a later step. chainUnitsSql computes these with less work than the general plan.
 */
export function isChainFunnel(spec: FunnelSpec): boolean {
  return spec.order === 'sequential' && spec.exclusions.length === 0 && new Set(spec.steps.map((step) => step.event)).size === spec.steps.length;
}

/**
 * funnelUnitsSql for isChainFunnel funnels, with the same result. Only events of steps 1.. go through the window (the
 * attempts, step 0's events, are usually most of the events), and an attempt finds its step 1 event with an ASOF
 * join: the first step-1 event at or after its time (at equal times step 1 sorts after step 0). Steps 2.. follow
 * by running counts as in the general plan. Events of one step at the same time are interchangeable here: no other
 * step's event sorts between them, so the order among them changes no result and event_id is not needed, except to
 * choose between attempts of the same time for a breakdown's first-touch value.
 */
export function chainUnitsSql(spec: FunnelSpec): Sql {
  const n = spec.steps.length;
  const windowEnd = windowEndSql(spec);
  const later = Array.from({ length: n - 1 }, (_, i) => i + 1);
  const columns = columnsFor([...matcherProperties(spec.steps), ...(spec.breakdown ? [spec.breakdown.property] : [])], ['timestamp', 'event', ...(spec.breakdown ? ['event_id'] : [])]);
  const startFlag = matchFlag(spec.steps[0]!);
  const breakdown = spec.breakdown ? sql`CASE WHEN ${startFlag} THEN ${propertyAsText(resolveProperty(spec.breakdown.property))} END` : sql`NULL::VARCHAR`;
  const names = join(spec.steps.map((step) => sql`${step.event}`));
  const stepOf = sql`CASE ${join(later.map((k) => sql`WHEN ${col('m', k)} THEN ${int(k)}`), ' ')} END`;
  const counted = later.slice(1);
  const counters = counted.map((k) => sql`count(*) FILTER (WHERE ${col('m', k)}) OVER w AS ${col('c', k)}`);
  // Step k's events carry the running count of step k+1's events, which names their step k+1 event.
  const next = (k: number) => (k + 1 < n ? sql`, ${col('c', k + 1)} AS next` : sql``);
  const stepAlias = (k: number): Sql => ident(`s${k}`);
  const ctes: Sql[] = [
    sql`flagged AS (SELECT person, "timestamp" AS ts, ${spec.breakdown ? sql`event_id, ` : sql``}${join(spec.steps.map((step, k) => sql`${matchFlag(step)} AS ${col('m', k)}`))}, ${breakdown} AS bv
      FROM ${personEvents(spec.identity, columns, { key: 'integer', includeFlagged: spec.includeFlagged })} WHERE ${and([timeCondition(timeBounds(spec.from, spec.to)), sql`"event" IN (${names})`])})`,
    sql`starts AS (SELECT person, ts AS t0, ${spec.breakdown ? sql`event_id, ` : sql``}bv FROM flagged WHERE m0)`,
    sql`seq AS MATERIALIZED (SELECT person, ts, ${join(later.map((k) => col('m', k)))}${counters.length ? sql`, ${join(counters)}` : sql``}
      FROM flagged WHERE ${or(later.map((k) => col('m', k)))}
      WINDOW w AS (PARTITION BY person ORDER BY ts, ${stepOf} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))`,
    ...later.map((k) => sql`${ident(`md${k}`)} AS (SELECT person, ts${k > 1 ? sql`, ${col('c', k)} AS n` : sql``}${next(k)} FROM seq WHERE ${col('m', k)})`),
    // t1: the step-1 event's time when it is within the window.
    sql`a AS (SELECT a.*, CASE WHEN s1.ts <= ${windowEnd} THEN s1.ts END AS t1${n > 2 ? sql`, s1.next AS next1` : sql``} FROM starts a ASOF LEFT JOIN md1 s1 ON s1.person = a.person AND s1.ts >= a.t0)`,
  ];
  const joins = later.slice(1).map((k) => {
    const previous = k === 2 ? sql`a.next1` : sql`${stepAlias(k - 1)}.next`;
    return sql`LEFT JOIN ${ident(`md${k}`)} ${stepAlias(k)} ON ${stepAlias(k)}.person = a.person AND ${stepAlias(k)}.n = ${previous} + 1 AND ${stepAlias(k)}.ts <= ${windowEnd}`;
  });
  // A step k >= 2 event is found only within the window, and after step 1's, so its presence implies step 1's.
  const level = sql`(1 + (a.t1 IS NOT NULL)::INTEGER ${join(
    later.slice(1).map((k) => sql`+ (${stepAlias(k)}.ts IS NOT NULL)::INTEGER`),
    ' ',
  )})`;
  const time = (k: number) => (k === 0 ? sql`epoch_ms(a.t0)` : k === 1 ? sql`epoch_ms(a.t1)` : sql`epoch_ms(${stepAlias(k)}.ts)`);
  const durations = later.map((k) => sql`${time(k)} - ${time(k - 1)} AS ${col('d', k)}`);
  ctes.push(sql`attempts AS (SELECT a.person, a.t0, ${spec.breakdown ? sql`a.event_id, ` : sql``}a.bv, ${level} AS level, ${join(durations)} FROM a ${join(joins, ' ')})`);
  const unitFields = [ident('bv'), ident('level'), ...later.map((k) => col('d', k))];
  if (spec.count === 'totals') {
    ctes.push(sql`units AS (SELECT person, ${join(unitFields)} FROM attempts)`);
  } else {
    // The best attempt: furthest level, then earliest start (then lowest event_id, for the breakdown value).
    const key = spec.breakdown ? sql`(-level, t0, event_id)` : sql`(-level, t0)`;
    ctes.push(sql`persons AS (SELECT person, arg_min(struct_pack(${join(unitFields.map((f) => sql`${f} := ${f}`))}), ${key}) AS best FROM attempts GROUP BY person)`);
    ctes.push(sql`units AS (SELECT person, ${join(unitFields.map((f) => sql`best.${f} AS ${f}`))} FROM persons)`);
  }
  return sql`WITH ${join(ctes, ',\n')}\nSELECT * FROM units`;
}
