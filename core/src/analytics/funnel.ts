/**
 * Funnels: spec -> SQL -> per-step counts, conversion and time to convert. Semantics (also in
 * docs/analytics.md, with where they differ from PostHog):
 *
 * - Events are those in [from, to] (all steps, exclusions and strict-order interruptions). Each
 *   person's events are ordered by time; at equal times step events come first in step order, then
 *   other events, then by event_id.
 * - An attempt starts at every event matching step 0 (`any` order: any step). Within the window,
 *   measured from that event and inclusive at the boundary:
 *   sequential: step k is the first step-k event after the attempt's step k-1 event;
 *   strict:     step k must be the very next event of the person (any event counts as interrupting);
 *   any:        a step is done when the window (from the start event on) holds as many events matching
 *               it as the funnel has identical steps up to it; count k = attempts with >= k+1 steps done.
 * - Exclusion {event, fromStep, toStep}: an attempt is disqualified when the exclusion event happens
 *   after its fromStep event and before its toStep event (or, if toStep was never reached, within
 *   the window). `any` order only allows exclusions spanning the whole funnel.
 * - count "persons": each person counts once, with their best attempt that was not disqualified
 *   (furthest step, then earliest start), so an exclusion in one attempt does not block a clean one.
 *   The person is removed entirely when no attempt is clean or, in sequential and strict order, when a
 *   disqualified attempt reached further than every clean one; a disqualified attempt's reach is the
 *   steps it did before its first exclusion event, plus the next step if it came (PostHog's ordered
 *   funnels). Disqualified attempts never count themselves. count "totals": every non-disqualified attempt.
 * - Time to convert at step k: step k time minus step k-1 time of the counted attempt, in seconds;
 *   average and median (interpolated) over units that reached step k.
 * - Breakdown: the property's value on the counted attempt's first event (first touch).
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents, personIdsOf } from './identity';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName, windowSchema } from './spec';
import { analysisBasis, type WithBasis } from './basis';
import {
  and,
  columnsFor,
  eventCondition,
  ident,
  int,
  join,
  matcherProperties,
  milliseconds,
  or,
  propertyAsText,
  resolveProperty,
  sql,
  timeBounds,
  timeCondition,
  WINDOW_UNITS,
  type EventMatcher,
  type Sql,
} from './sql';

export const FUNNEL_ORDERS = ['sequential', 'strict', 'any'] as const;
export const MAX_FUNNEL_STEPS = 20;

export const funnelSpecSchema = z
  .strictObject({
    steps: z.array(eventMatcherSchema).min(2, 'a funnel needs at least 2 steps').max(MAX_FUNNEL_STEPS, `a funnel has at most ${MAX_FUNNEL_STEPS} steps`),
    order: z.enum(FUNNEL_ORDERS).default('sequential'),
    window: windowSchema.default({ value: 14, unit: 'day' }),
    exclusions: z
      .array(
        eventMatcherSchema.extend({
          fromStep: z.number().int().min(0),
          toStep: z.number().int().min(1),
        }),
      )
      .max(20)
      .default([]),
    breakdown: z.strictObject({ property: propertyName }).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    count: z.enum(['persons', 'totals']).default('persons'),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine((spec, ctx) => {
    checkRange(spec, ctx);
    spec.exclusions.forEach((exclusion, i) => {
      const path = ['exclusions', i];
      if (exclusion.toStep <= exclusion.fromStep) ctx.addIssue({ code: 'custom', path: [...path, 'toStep'], message: `toStep (${exclusion.toStep}) must be after fromStep (${exclusion.fromStep})` });
      if (exclusion.toStep >= spec.steps.length) ctx.addIssue({ code: 'custom', path: [...path, 'toStep'], message: `toStep (${exclusion.toStep}) must be a step index below ${spec.steps.length}` });
      if (spec.order === 'any' && (exclusion.fromStep !== 0 || exclusion.toStep !== spec.steps.length - 1)) {
        ctx.addIssue({ code: 'custom', path, message: `in an "any" order funnel the steps have no order, so exclusions must span the whole funnel (fromStep 0, toStep ${spec.steps.length - 1})` });
      }
    });
  });

export type FunnelSpecInput = z.input<typeof funnelSpecSchema>;
export type FunnelSpec = z.output<typeof funnelSpecSchema>;

export interface FunnelStepResult {
  index: number;
  event: string;
  count: number;
  conversionFromPrevious: number;
  conversionFromFirst: number;
  avgTimeToConvertSeconds: number | null;
  medianTimeToConvertSeconds: number | null;
}

export interface FunnelResult {
  steps: FunnelStepResult[];
  breakdown?: { value: string | null; steps: FunnelStepResult[] }[];
}

export function parseFunnelSpec(input: unknown): FunnelSpec {
  return parseSpec(funnelSpecSchema, input);
}

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

const col = (prefix: string, i: number): Sql => ident(`${prefix}${i}`);

/** A lazily evaluated match flag: property filters only run on rows of the right event. */
function matchFlag(matcher: EventMatcher): Sql {
  if (!matcher.where?.length) return sql`coalesce("event" = ${matcher.event}, false)`;
  const { where, ...event } = matcher;
  return sql`CASE WHEN "event" = ${matcher.event} THEN coalesce(${eventCondition({ event: event.event, where })}, false) ELSE false END`;
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
  const windowEnd = sql`a.t0 + ${milliseconds(spec.window.value * WINDOW_UNITS[spec.window.unit])}`;
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
  const attemptColumns = sql`a.person, a.p0, a.bv, ${level} AS level${durations.length ? sql`, ${join(durations)}` : sql``}`;
  let attempts = sql`SELECT ${attemptColumns} FROM a ${join(joins, ' ')}${disqualifiers.length ? sql` WHERE NOT ${disqualified}` : sql``}`;
  if (reachMatters) {
    const exclusionPos = sql`least(${join(disqualifiers.map((x) => x.position))})`;
    const stepsBefore = Array.from({ length: n - 1 }, (_, i) => sql`+ coalesce(${stepAlias(i + 1)}.pos < ${exclusionPos}, false)::INTEGER`);
    attempts = sql`SELECT ${attemptColumns}, ${disqualified} AS disq, least(${level}, 2 ${join(stepsBefore, ' ')}) AS reach FROM a ${join(joins, ' ')}`;
  }
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
function chainUnitsSql(spec: FunnelSpec): Sql {
  const n = spec.steps.length;
  const windowEnd = sql`a.t0 + ${milliseconds(spec.window.value * WINDOW_UNITS[spec.window.unit])}`;
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

function aggregateSql(spec: FunnelSpec): Sql {
  const n = spec.steps.length;
  const columns: Sql[] = [];
  for (let k = 0; k < n; k++) {
    const reached = sql`level >= ${int(k + 1)}`;
    columns.push(sql`count(*) FILTER (WHERE ${reached})::BIGINT AS ${col('n', k)}`);
    if (k > 0) {
      columns.push(sql`avg(${col('d', k)}::DOUBLE) FILTER (WHERE ${reached}) / 1000.0 AS ${col('avg', k)}`);
      columns.push(sql`median(${col('d', k)}::DOUBLE) FILTER (WHERE ${reached}) / 1000.0 AS ${col('med', k)}`);
    }
  }
  // With a breakdown, one pass yields each value's row and the overall row (total = 1).
  const grouped = spec.breakdown !== undefined;
  return sql`WITH u AS (${funnelUnitsSql(spec)})
    SELECT ${grouped ? sql`bv, grouping(bv) AS total,` : sql``} ${join(columns)} FROM u ${grouped ? sql`GROUP BY GROUPING SETS ((bv), ())` : sql``}`;
}

function stepsFrom(spec: FunnelSpec, row: Record<string, unknown>): FunnelStepResult[] {
  const counts = spec.steps.map((_, k) => Number(row[`n${k}`] ?? 0));
  const first = counts[0] ?? 0;
  return spec.steps.map((step, k) => {
    const count = counts[k]!;
    const previous = k === 0 ? count : counts[k - 1]!;
    const number = (value: unknown) => (value === null || value === undefined ? null : Number(value));
    return {
      index: k,
      event: step.event,
      count,
      conversionFromPrevious: previous === 0 ? 0 : count / previous,
      conversionFromFirst: first === 0 ? 0 : count / first,
      avgTimeToConvertSeconds: k === 0 || count === 0 ? null : number(row[`avg${k}`]),
      medianTimeToConvertSeconds: k === 0 || count === 0 ? null : number(row[`med${k}`]),
    };
  });
}

export async function runFunnel(engine: QueryEngine, input: FunnelSpec | FunnelSpecInput): Promise<WithBasis<FunnelResult>> {
  const spec = parseFunnelSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = aggregateSql(spec);
  const rows = await engine.query(query.text, query.params);
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [timeBounds(spec.from, spec.to)] });
  if (!spec.breakdown) return { steps: stepsFrom(spec, rows[0] ?? {}), basis };
  const total = rows.find((row) => Number(row.total) === 1) ?? {};
  const breakdown = rows
    .filter((row) => Number(row.total) === 0)
    .map((row) => ({ value: row.bv === null || row.bv === undefined ? null : String(row.bv), steps: stepsFrom(spec, row) }))
    .sort((x, y) => y.steps[0]!.count - x.steps[0]!.count || compareValues(x.value, y.value));
  return { steps: stepsFrom(spec, total), breakdown, basis };
}

function compareValues(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

export type FunnelOutcome = 'reached' | 'dropped';

/**
 * Persons (or, with count "totals", the persons of attempts) who reached step `step`, or who
 * dropped at it: reached step-1 but not step. One `person` column, for segments and exports.
 */
export function funnelPersonsSql(input: FunnelSpec, step: number, outcome: FunnelOutcome): Sql {
  const spec = parseFunnelSpec(input);
  if (!Number.isInteger(step) || step < 0 || step >= spec.steps.length) throw new RangeError(`step must be 0..${spec.steps.length - 1}, got ${step}`);
  if (outcome === 'dropped' && step === 0) throw new RangeError('nobody drops at step 0: drop-off is measured from step 1 on');
  const condition = outcome === 'reached' ? sql`level >= ${int(step + 1)}` : sql`level = ${int(step)}`;
  return personIdsOf(spec.identity, sql`SELECT person FROM (${funnelUnitsSql(spec)}) WHERE ${condition}`);
}

export async function funnelPersons(engine: QueryEngine, input: FunnelSpec | FunnelSpecInput, step: number, outcome: FunnelOutcome): Promise<string[]> {
  const spec = parseFunnelSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = sql`${funnelPersonsSql(spec, step, outcome)} ORDER BY person`;
  const rows = await engine.query<{ person: string }>(query.text, query.params);
  return rows.map((r) => r.person);
}
