/**
 * Funnel exclusions: an attempt is disqualified when an exclusion event comes after its fromStep event and before its
 * toStep event (or, when toStep never came, within the window). In sequential and strict order a disqualified attempt
 * keeps a reach, the steps it did before its first exclusion event plus the next one if it came, which can remove
 * its person (see funnel.ts).
 */
import { ident, int, join, or, sql, type Sql } from './sql';
import { col } from './funnel-match';
import type { FunnelSpec } from './funnel-spec';

/** What the exclusions need of the attempts' plan (funnel-units.ts). */
export interface AttemptPlan {
  /** The alias of attempt `a`'s step-k event in ordered funnels (`a` itself for step 0). */
  stepAlias: (k: number) => Sql;
  /** Steps the attempt reached, 1..N. */
  level: Sql;
  /** Position of the event that completed the funnel (`any` order). */
  completionPos: Sql;
  windowEnd: Sql;
  /** The joins that find the attempt's step events; the exclusions' joins follow them. */
  joins: readonly Sql[];
  /** Each attempt row's columns: person, p0, bv, level, d1.. */
  columns: Sql;
}

/**
 * The attempts query over `a`, the exclusion events joined (`mx{e}` CTEs: exclusion e's events with their running
 * count `n`). Disqualified attempts are left out, unless their reach matters (persons in order, with exclusions):
 * then every attempt is kept, with `disq` and `reach`.
 */
export function attemptsSql(spec: FunnelSpec, plan: AttemptPlan): { attempts: Sql; reachMatters: boolean } {
  const { stepAlias, level, completionPos, windowEnd, columns } = plan;
  const n = spec.steps.length;
  const joins = [...plan.joins];
  // Exclusions: the first exclusion event after the attempt's fromStep event.
  const disqualifiers = spec.exclusions.map((exclusion, e) => {
    const from = spec.order === 'any' ? ident('a') : stepAlias(exclusion.fromStep);
    const fromPos = spec.order !== 'any' && exclusion.fromStep > 0 ? sql`${from}.pos` : sql`a.p0`;
    const alias = ident(`xe${e}`);
    joins.push(sql`LEFT JOIN ${ident(`mx${e}`)} ${alias} ON ${alias}.person = a.person AND ${alias}.n = ${from}.${col('cx', e)} + 1`);
    const toPos = spec.order === 'any' ? sql`CASE WHEN ${level} = ${int(n)} THEN ${completionPos} END` : sql`${stepAlias(exclusion.toStep)}.pos`;
    const disqualified = sql`coalesce(${fromPos} IS NOT NULL AND ${alias}.pos IS NOT NULL AND CASE WHEN ${toPos} IS NOT NULL THEN ${alias}.pos < ${toPos} ELSE ${alias}.ts <= ${windowEnd} END, false)`;
    return { disqualified, position: sql`CASE WHEN ${disqualified} THEN ${alias}.pos END` };
  });
  const disqualified = or(disqualifiers.map((x) => x.disqualified));
  // In order, a disqualified attempt still has a reach: the steps done before its first exclusion event, plus the
  // step right after it when that came. A person whose reach there beats every clean attempt leaves the funnel.
  const reachMatters = spec.count === 'persons' && spec.order !== 'any' && disqualifiers.length > 0;
  let attempts = sql`SELECT ${columns} FROM a ${join(joins, ' ')}${disqualifiers.length ? sql` WHERE NOT ${disqualified}` : sql``}`;
  if (reachMatters) {
    const exclusionPos = sql`least(${join(disqualifiers.map((x) => x.position))})`;
    const stepsBefore = Array.from({ length: n - 1 }, (_, i) => sql`+ coalesce(${stepAlias(i + 1)}.pos < ${exclusionPos}, false)::INTEGER`);
    attempts = sql`SELECT ${columns}, ${disqualified} AS disq, least(${level}, 2 ${join(stepsBefore, ' ')}) AS reach FROM a ${join(joins, ' ')}`;
  }
  return { attempts, reachMatters };
}
