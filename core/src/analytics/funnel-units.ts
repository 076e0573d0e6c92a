/**
 * The funnel's units (persons, or attempts with count "totals") in SQL: the general plan for every order, with
 * exclusions (funnel-exclusions.ts); chains take the shorter plan of funnel-chain.ts.
 */
import { personEvents } from './identity';
import {
  and,
  columnsFor,
  ident,
  int,
  join,
  matcherProperties,
  or,
  propertyAsText,
  resolveProperty,
  sql,
  timeBounds,
  timeCondition,
  type EventMatcher,
  type Sql,
} from './sql';
import { chainUnitsSql, isChainFunnel } from './funnel-chain';
import { attemptsSql } from './funnel-exclusions';
import { col, matchFlag, windowEndSql } from './funnel-match';
import type { FunnelSpec } from './funnel-spec';

interface Plan {
  spec: FunnelSpec;
  /** Distinct step definitions; stepDef[k] indexes them. */
  definitions: EventMatcher[];
  stepDef: number[];
  /** For `any`: how many identical steps precede step k, plus one. */
  rank: number[];
}

function plan(spec: FunnelSpec): Plan {
  const keys: string[] = [];
  const definitions: EventMatcher[] = [];
  const stepDef: number[] = [];
  const rank: number[] = [];
  spec.steps.forEach((step, k) => {
    const key = JSON.stringify([step.event, step.where ?? []]);
    let d = keys.indexOf(key);
    if (d === -1) {
      d = keys.length;
      keys.push(key);
      definitions.push(step);
    }
    stepDef.push(d);
    rank.push(stepDef.slice(0, k).filter((other) => other === d).length + 1);
  });
  return { spec, definitions, stepDef, rank };
}

/**
 * One row per counted unit (a person, or an attempt with count "totals"): `person`, `level` (steps
 * reached, 1..N), `bv` (breakdown value) and `d1..d{N-1}` (milliseconds from step k-1 to step k).
 * With merged identity `person` is the person's integer key (see personEvents); funnelPersonsSql gives ids.
 */
export function funnelUnitsSql(input: FunnelSpec): Sql {
  if (isChainFunnel(input)) return chainUnitsSql(input);
  const p = plan(input);
  const { spec, definitions, stepDef } = p;
  const n = spec.steps.length;
  const windowEnd = windowEndSql(spec);
  const defs = definitions.map((_, d) => d);
  const exclusions = spec.exclusions.map((_, e) => e);
  const strict = spec.order === 'strict';

  const flags = [
    ...definitions.map((matcher, d) => sql`${matchFlag(matcher)} AS ${col('m', d)}`),
    ...spec.exclusions.map((matcher, e) => sql`${matchFlag(matcher)} AS ${col('x', e)}`),
  ];
  const startDefs = spec.order === 'any' ? defs : [stepDef[0]!];
  const startsHere = or(startDefs.map((d) => col('m', d)));
  const breakdown = spec.breakdown ? sql`CASE WHEN ${or(startDefs.map((d) => sql`(${matchFlag(definitions[d]!)})`))} THEN ${propertyAsText(resolveProperty(spec.breakdown.property))} END` : sql`NULL::VARCHAR`;
  const orderKey = sql`CASE ${join(spec.steps.map((_, k) => sql`WHEN ${col('m', stepDef[k]!)} THEN ${int(k)}`), ' ')} ELSE ${int(1000)} END`;
  // Only events named by a step or an exclusion matter, except in strict order where any event interrupts.
  const names = [...new Set([...spec.steps, ...spec.exclusions].map((m) => m.event))];
  const named = strict ? sql`TRUE` : sql`"event" IN (${join(names.map((name) => sql`${name}`))})`;
  // Without property filters every named event matches a step or an exclusion, and `named` has kept only those.
  const filtered = [...spec.steps, ...spec.exclusions].some((m) => (m.where?.length ?? 0) > 0);
  const relevant = strict || !filtered ? sql`TRUE` : or([...defs.map((d) => col('m', d)), ...exclusions.map((e) => col('x', e))]);
  const columns = columnsFor([...matcherProperties([...spec.steps, ...spec.exclusions]), ...(spec.breakdown ? [spec.breakdown.property] : [])], ['timestamp', 'event', 'event_id']);

  // Running counts of each definition's events: the step-k event of an attempt is the (c + 1)-th one
  // after its step k-1 event, an equality join. Strict order joins on the next position instead.
  // count(*) FILTER runs about twice as fast as sum(flag::INTEGER) as a window aggregate.
  const counted = strict ? [] : spec.order === 'any' ? defs : [...new Set(stepDef.slice(1))];
  const counters = [
    sql`row_number() OVER w AS pos`,
    ...counted.map((d) => sql`count(*) FILTER (WHERE ${col('m', d)}) OVER w AS ${col('c', d)}`),
    ...exclusions.map((e) => sql`count(*) FILTER (WHERE ${col('x', e)}) OVER w AS ${col('cx', e)}`),
  ];
  const carriedColumns = [...counted.map((d) => col('c', d)), ...exclusions.map((e) => col('cx', e))];
  const carried = carriedColumns.length ? sql`, ${join(carriedColumns)}` : sql``;

  // Persons as integer keys: the window below partitions and sorts every relevant event by person, and the attempts
  // join on it four times over; an integer does all of that faster than the id text.
  const ctes: Sql[] = [
    sql`flagged AS (SELECT person, "timestamp" AS ts, event_id, ${join(flags)}, ${breakdown} AS bv
      FROM ${personEvents(spec.identity, columns, { key: 'integer', includeFlagged: spec.includeFlagged })} WHERE ${and([timeCondition(timeBounds(spec.from, spec.to)), named])})`,
    sql`ev AS (SELECT *, ${orderKey} AS ok FROM flagged WHERE ${relevant})`,
    sql`seq AS MATERIALIZED (SELECT *, ${join(counters)} FROM ev
      WINDOW w AS (PARTITION BY person ORDER BY ts, ok, event_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))`,
    ...counted.map((d) => sql`${ident(`md${d}`)} AS (SELECT person, ${col('c', d)} AS n, pos, ts${carried} FROM seq WHERE ${col('m', d)})`),
    ...exclusions.map((e) => sql`${ident(`mx${e}`)} AS (SELECT person, ${col('cx', e)} AS n, pos, ts FROM seq WHERE ${col('x', e)})`),
  ];

  const joins: Sql[] = [];
  let level: Sql;
  let durations: Sql[];
  let completionPos: Sql;
  let startColumns: Sql;
  // The step k event (k >= 1) of the attempt `a` (step 0) for ordered funnels: alias s{k}.
  const stepAlias = (k: number): Sql => (k === 0 ? ident('a') : ident(`s${k}`));
  if (spec.order !== 'any') {
    startColumns = sql`person, pos AS p0, ts AS t0, bv${carried}`;
    for (let k = 1; k < n; k++) {
      const prev = stepAlias(k - 1);
      const here = stepAlias(k);
      const d = stepDef[k]!;
      joins.push(
        strict
          ? sql`LEFT JOIN seq ${here} ON ${here}.person = a.person AND ${here}.pos = ${prev}.${k === 1 ? ident('p0') : ident('pos')} + 1 AND ${here}.${col('m', d)} AND ${here}.ts <= ${windowEnd}`
          : sql`LEFT JOIN ${ident(`md${d}`)} ${here} ON ${here}.person = a.person AND ${here}.n = ${prev}.${col('c', d)} + 1 AND ${here}.ts <= ${windowEnd}`,
      );
    }
    level = sql`(1 ${join(Array.from({ length: n - 1 }, (_, i) => sql`+ (${stepAlias(i + 1)}.pos IS NOT NULL)::INTEGER`), ' ')})`;
    const time = (k: number) => (k === 0 ? sql`epoch_ms(a.t0)` : sql`epoch_ms(${stepAlias(k)}.ts)`);
    durations = Array.from({ length: n - 1 }, (_, i) => sql`${time(i + 1)} - ${time(i)} AS ${col('d', i + 1)}`);
    completionPos = sql`${stepAlias(n - 1)}.pos`;
  } else {
    startColumns = sql`person, pos AS p0, ts AS t0, bv${carried}, ${join(defs.map((d) => col('m', d)))}`;
    spec.steps.forEach((_, s) => {
      const d = stepDef[s]!;
      const here = ident(`q${s}`);
      joins.push(sql`LEFT JOIN ${ident(`md${d}`)} ${here} ON ${here}.person = a.person AND ${here}.n = a.${col('c', d)} - a.${col('m', d)}::INTEGER + ${int(p.rank[s]!)} AND ${here}.ts <= ${windowEnd}`);
    });
    const times = join(spec.steps.map((_, s) => sql`epoch_ms(${ident(`q${s}`)}.ts)`));
    level = sql`len(list_filter([${times}], lambda x: x IS NOT NULL))`;
    const sorted = sql`list_sort(list_filter([${times}], lambda x: x IS NOT NULL))`;
    durations = Array.from({ length: n - 1 }, (_, i) => sql`${sorted}[${int(i + 2)}] - ${sorted}[${int(i + 1)}] AS ${col('d', i + 1)}`);
    completionPos = sql`greatest(${join(spec.steps.map((_, s) => sql`${ident(`q${s}`)}.pos`))})`;
  }

  const attemptColumns = sql`a.person, a.p0, a.bv, ${level} AS level${durations.length ? sql`, ${join(durations)}` : sql``}`;
  const { attempts, reachMatters } = attemptsSql(spec, { stepAlias, level, completionPos, windowEnd, joins, columns: attemptColumns });
  ctes.push(sql`a AS (SELECT ${startColumns} FROM seq WHERE ${startsHere})`);
  ctes.push(sql`attempts AS (${attempts})`);

  const unitFields = [ident('bv'), ident('level'), ...durations.map((_, i) => col('d', i + 1))];
  if (spec.count === 'totals') {
    ctes.push(sql`units AS (SELECT person, ${join(unitFields)} FROM attempts)`);
  } else {
    // The best clean attempt (furthest level, then earliest start) through one grouped arg_min rather than a
    // window: positions count a person's events, so level dominates the key below 2^32 events. A person with no
    // clean attempt (or, in order, a disqualified one that reached further) leaves the funnel entirely.
    const best = sql`arg_min(struct_pack(${join(unitFields.map((f) => sql`${f} := ${f}`))}), p0 - level::BIGINT * 4294967296)`;
    ctes.push(
      reachMatters
        ? sql`persons AS (SELECT person, ${best} FILTER (WHERE NOT disq) AS best, max(reach) FILTER (WHERE disq) AS excluded_reach FROM attempts GROUP BY person)`
        : sql`persons AS (SELECT person, ${best} AS best FROM attempts GROUP BY person)`,
    );
    const notOutreached = reachMatters ? sql` WHERE best.level >= coalesce(excluded_reach, 0)` : sql``;
    ctes.push(sql`units AS (SELECT person, ${join(unitFields.map((f) => sql`best.${f} AS ${f}`))} FROM persons${notOutreached})`);
  }
  return sql`WITH ${join(ctes, ',\n')}\nSELECT * FROM units`;
}
