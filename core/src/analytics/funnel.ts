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
  *
 * The spec is in funnel-spec.ts, the SQL of the units in funnel-units.ts (the general plan), funnel-chain.ts (chains)
 * and funnel-exclusions.ts; this module runs them and shapes the result.
 */
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personIdsOf } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { int, join, sql, timeBounds, type Sql } from './sql';
import { col } from './funnel-match';
import { parseFunnelSpec, type FunnelSpec, type FunnelSpecInput } from './funnel-spec';
import { funnelUnitsSql } from './funnel-units';

export { FUNNEL_ORDERS, MAX_FUNNEL_STEPS, funnelSpecSchema, parseFunnelSpec, type FunnelSpec, type FunnelSpecInput } from './funnel-spec';
export { funnelUnitsSql } from './funnel-units';
export { isChainFunnel } from './funnel-chain';

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

export interface RunFunnelOptions {
  /** called with the steps (and breakdown) as soon as they are counted, before the basis query runs */
  onSteps?: ((result: FunnelResult) => void) | undefined;
}

export async function runFunnel(engine: QueryEngine, input: FunnelSpec | FunnelSpecInput, options: RunFunnelOptions = {}): Promise<WithBasis<FunnelResult>> {
  const spec = parseFunnelSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = aggregateSql(spec);
  const rows = await engine.query(query.text, query.params);
  let result: FunnelResult;
  if (!spec.breakdown) result = { steps: stepsFrom(spec, rows[0] ?? {}) };
  else {
    const total = rows.find((row) => Number(row.total) === 1) ?? {};
    const breakdown = rows
      .filter((row) => Number(row.total) === 0)
      .map((row) => ({ value: row.bv === null || row.bv === undefined ? null : String(row.bv), steps: stepsFrom(spec, row) }))
      .sort((x, y) => y.steps[0]!.count - x.steps[0]!.count || compareValues(x.value, y.value));
    result = { steps: stepsFrom(spec, total), breakdown };
  }
  options.onSteps?.(result);
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [timeBounds(spec.from, spec.to)] });
  return { ...result, basis };
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
