/**
 * Retention: cohorts of persons by the period of their start event, and how many of them do the
 * return event in later periods. Semantics (docs/analytics.md):
 *
 * - Periods are calendar days, weeks (starting Monday, or Sunday with weekStart) or months in the
 *   spec's time zone (UTC by default). Events outside [from, to] are ignored.
 * - recurring: a person belongs to the cohort of every period in which they did the start event.
 *   first_time: only to the cohort of their first start event ever (over all loaded data), and only
 *   if that event lies in [from, to].
 * - values[0] is the cohort size; values[k] (k >= 1) counts cohort members who did the return event
 *   in period k after the cohort's period (criterion `on`), or in period k or any later one
 *   (`on_or_after`). A return in the cohort's own period is not a return. Like PostHog, a cohort
 *   only has values for periods that have begun by the end of the range (`to`, else the last event).
 * - Breakdown: the property's value on the person's first start event of the cohort period.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName, timeZoneSchema } from './spec';
import { and, columnsFor, DAY_MS, eventCondition, matcherProperties, ident, int, propertyAsText, resolveProperty, sql, timeBounds, timeCondition, type Sql, type TimeBounds } from './sql';
import { localMs, localTime } from './time-zone';

export const retentionSpecSchema = z
  .strictObject({
    startEvent: eventMatcherSchema,
    returnEvent: eventMatcherSchema,
    period: z.enum(['day', 'week', 'month']).default('day'),
    periods: z.number().int().min(1).max(400).default(11),
    mode: z.enum(['recurring', 'first_time']).default('recurring'),
    criterion: z.enum(['on', 'on_or_after']).default('on'),
    weekStart: z.enum(['monday', 'sunday']).default('monday'),
    breakdown: z.strictObject({ property: propertyName }).optional(),
    timeZone: timeZoneSchema.default('UTC'),
    from: isoTime.optional(),
    to: isoTime.optional(),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine(checkRange);

export type RetentionSpecInput = z.input<typeof retentionSpecSchema>;
export type RetentionSpec = z.output<typeof retentionSpecSchema>;

export interface RetentionCohort {
  /** First day of the cohort's period, YYYY-MM-DD in the spec's time zone. */
  start: string;
  size: number;
  values: number[];
  /** values[k] / size (0 for an empty cohort). */
  percentages: number[];
}

export interface RetentionResult {
  cohorts: RetentionCohort[];
  breakdown?: { value: string | null; cohorts: RetentionCohort[] }[];
}

export function parseRetentionSpec(input: unknown): RetentionSpec {
  return parseSpec(retentionSpecSchema, input);
}

function periodStart(spec: RetentionSpec, local: Sql): Sql {
  if (spec.period === 'week' && spec.weekStart === 'sunday') return sql`(CAST(date_trunc('week', ${local} + INTERVAL 1 DAY) AS DATE) - 1)`;
  const unit = { day: sql`'day'`, week: sql`'week'`, month: sql`'month'` }[spec.period];
  return sql`CAST(date_trunc(${unit}, ${local}) AS DATE)`;
}

function periodIndex(spec: RetentionSpec, from: Sql, to: Sql): Sql {
  if (spec.period === 'day') return sql`(${to} - ${from})`;
  if (spec.period === 'week') return sql`((${to} - ${from}) // 7)`;
  return sql`((year(${to}) - year(${from})) * 12 + month(${to}) - month(${from}))`;
}

/** Calendar arithmetic on YYYY-MM-DD labels (periods are calendar units, so no time zone is involved). */
function addPeriods(spec: RetentionSpec, day: string, count: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (spec.period === 'day') date.setUTCDate(date.getUTCDate() + count);
  else if (spec.period === 'week') date.setUTCDate(date.getUTCDate() + 7 * count);
  else date.setUTCMonth(date.getUTCMonth() + count);
  return date.toISOString().slice(0, 10);
}

function labelOf(spec: RetentionSpec, localMillis: number): string {
  const date = new Date(Math.floor(localMillis / DAY_MS) * DAY_MS);
  if (spec.period === 'week') {
    const weekday = date.getUTCDay();
    const back = spec.weekStart === 'monday' ? (weekday + 6) % 7 : weekday;
    date.setUTCDate(date.getUTCDate() - back);
  } else if (spec.period === 'month') date.setUTCDate(1);
  return date.toISOString().slice(0, 10);
}

function periodsBetween(spec: RetentionSpec, from: string, to: string): number {
  const a = new Date(`${from}T00:00:00Z`);
  const b = new Date(`${to}T00:00:00Z`);
  if (spec.period === 'month') return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
  const days = Math.round((b.getTime() - a.getTime()) / DAY_MS);
  return spec.period === 'week' ? Math.floor(days / 7) : days;
}

interface Extent {
  minMs: number;
  maxMs: number;
}

async function dataExtent(engine: QueryEngine, bounds: TimeBounds): Promise<Extent | null> {
  const query = sql`SELECT epoch_ms(min("timestamp")) AS lo, epoch_ms(max("timestamp")) AS hi FROM ${ident('events')} WHERE ${timeCondition(bounds)}`;
  const [row] = await engine.query<{ lo: number | null; hi: number | null }>(query.text, query.params);
  if (!row || row.lo === null || row.hi === null) return null;
  return { minMs: Number(row.lo), maxMs: Number(row.hi) };
}

export function retentionSql(spec: RetentionSpec, extent: Extent): Sql {
  const bounds = timeBounds(spec.from, spec.to);
  const local = localTime(sql`"timestamp"`, spec.timeZone, Math.min(extent.minMs, bounds.fromMs ?? extent.minMs), Math.max(extent.maxMs, bounds.toMs ?? extent.maxMs));
  const period = periodStart(spec, local);
  const inRange = timeCondition(bounds);
  const value = spec.breakdown ? propertyAsText(resolveProperty(spec.breakdown.property)) : sql`NULL::VARCHAR`;
  const isStart = eventCondition(spec.startEvent);
  const starts =
    spec.mode === 'recurring'
      ? sql`SELECT person, ${period} AS cp, arg_min(${value}, "timestamp") AS bv FROM pe WHERE ${and([isStart, inRange])} GROUP BY person, cp`
      : sql`SELECT person, ${periodStart(spec, localTime(sql`first_ts`, spec.timeZone, extent.minMs, extent.maxMs))} AS cp, bv FROM (
          SELECT person, min("timestamp") AS first_ts, arg_min(${value}, "timestamp") AS bv FROM pe WHERE ${isStart} GROUP BY person
        ) WHERE ${timeCondition(bounds, sql`first_ts`)}`;
  const index = periodIndex(spec, sql`s.cp`, sql`r.rp`);
  const returned =
    spec.criterion === 'on'
      ? sql`SELECT s.cp, s.bv, ${index} AS k, count(DISTINCT s.person)::BIGINT AS n FROM starts s JOIN returns r ON r.person = s.person AND r.rp > s.cp
          WHERE ${index} < ${int(spec.periods)} GROUP BY ALL`
      : sql`SELECT cp, bv, k, count(*)::BIGINT AS n FROM (
            SELECT s.cp, s.bv, s.person, least(max(${index}), ${int(spec.periods - 1)}) AS reach
            FROM starts s JOIN returns r ON r.person = s.person AND r.rp > s.cp GROUP BY ALL
          ) JOIN range(1, ${int(spec.periods)}) AS ks(k) ON k <= reach GROUP BY ALL`;
  const columns = columnsFor([...matcherProperties([spec.startEvent, spec.returnEvent]), ...(spec.breakdown ? [spec.breakdown.property] : [])], ['timestamp', 'event']);
  return sql`WITH pe AS MATERIALIZED (SELECT * FROM ${personEvents(spec.identity, columns, { key: 'integer', includeFlagged: spec.includeFlagged })}),
    starts AS (${starts}),
    returns AS (SELECT DISTINCT person, ${period} AS rp FROM pe WHERE ${and([eventCondition(spec.returnEvent), inRange])}),
    sizes AS (SELECT cp, bv, 0::BIGINT AS k, count(*)::BIGINT AS n FROM starts GROUP BY ALL),
    returned AS (${returned})
    SELECT strftime(cp, '%Y-%m-%d') AS cohort, bv, k::INTEGER AS k, n FROM sizes
    UNION ALL SELECT strftime(cp, '%Y-%m-%d'), bv, k::INTEGER, n FROM returned`;
}

function cohortsFrom(spec: RetentionSpec, cells: Map<string, number[]>, first: string | null, last: string): RetentionCohort[] {
  const labels = [...cells.keys()].sort();
  const begin = first ?? labels[0];
  if (begin === undefined) return [];
  const cohorts: RetentionCohort[] = [];
  for (let start = begin; start <= last; start = addPeriods(spec, start, 1)) {
    const length = Math.max(1, Math.min(spec.periods, periodsBetween(spec, start, last) + 1));
    const raw = cells.get(start) ?? [];
    const values = Array.from({ length }, (_, k) => raw[k] ?? 0);
    const size = values[0]!;
    cohorts.push({ start, size, values, percentages: values.map((v) => (size === 0 ? 0 : v / size)) });
  }
  return cohorts;
}

export async function runRetention(engine: QueryEngine, input: RetentionSpec | RetentionSpecInput): Promise<WithBasis<RetentionResult>> {
  const spec = parseRetentionSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const bounds = timeBounds(spec.from, spec.to);
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [bounds] });
  const extent = await dataExtent(engine, { fromMs: null, toMs: null });
  if (!extent) return spec.breakdown ? { cohorts: [], breakdown: [], basis } : { cohorts: [], basis };
  const query = retentionSql(spec, extent);
  const rows = await engine.query<{ cohort: string; bv: string | null; k: number; n: number }>(query.text, query.params);

  const inRange = await dataExtent(engine, bounds);
  const endMs = bounds.toMs !== null ? bounds.toMs - 1 : (inRange?.maxMs ?? extent.maxMs);
  const last = labelOf(spec, localMs(endMs, spec.timeZone));
  const first = bounds.fromMs !== null ? labelOf(spec, localMs(bounds.fromMs, spec.timeZone)) : null;

  const add = (map: Map<string, number[]>, row: { cohort: string; k: number; n: number }) => {
    const values = map.get(row.cohort) ?? [];
    values[row.k] = (values[row.k] ?? 0) + Number(row.n);
    map.set(row.cohort, values);
  };
  const total = new Map<string, number[]>();
  const byValue = new Map<string | null, Map<string, number[]>>();
  for (const row of rows) {
    add(total, row);
    const key = row.bv ?? null;
    if (!byValue.has(key)) byValue.set(key, new Map());
    add(byValue.get(key)!, row);
  }
  const result: WithBasis<RetentionResult> = { cohorts: cohortsFrom(spec, total, first, last), basis };
  if (spec.breakdown) {
    result.breakdown = [...byValue.entries()]
      .map(([value, cells]) => ({ value, cohorts: cohortsFrom(spec, cells, first, last), size: [...cells.values()].reduce((sum, v) => sum + (v[0] ?? 0), 0) }))
      .sort((a, b) => b.size - a.size || (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1))
      .map(({ value, cohorts }) => ({ value, cohorts }));
  }
  return result;
}
