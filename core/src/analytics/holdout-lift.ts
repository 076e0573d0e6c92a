/**
 * An audience's lift against its holdout: the members the edge delivered (treatment) against the members it kept back
 * (control, the same deterministic draw as the edge: core/src/edge-api/audience-holdout.ts), each measured by the share
 * who converted within `window` after the send. Intent to treat: a treatment member the edge suppressed (no consent,
 * frequency cap, quiet days) stays in the treatment group, so the lift is that of sending the audience as it was sent,
 * and both groups were drawn from the same members, so unlike the before / after comparison of campaign-lift.ts the
 * difference is causal up to chance. Two-proportion z test, 95 % intervals.
 */
import { z } from 'zod';
import { isHeldOut, MAX_HOLDOUT_SHARE } from '../edge-api/audience-holdout';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { eventMatcherSchema, identitySchema, isoTime, parseSpec, windowSchema } from './spec';
import { and, columnsFor, eventCondition, matcherProperties, sql, timeBounds, timestamp, WINDOW_UNITS } from './sql';
import { twoProportionTest, type ProportionTest } from './stats';

export const holdoutLiftSpecSchema = z.strictObject({
  audienceId: z.string().min(1).max(64),
  holdout: z.number().gt(0, 'an audience without a holdout has no control group').max(MAX_HOLDOUT_SHARE),
  members: z.array(z.string().min(1).max(512)).min(1).max(1_000_000),
  sentAt: isoTime,
  window: windowSchema.default({ value: 7, unit: 'day' }),
  conversion: eventMatcherSchema.default({ event: 'Order Completed' }),
  identity: identitySchema.default('merged'),
});

export type HoldoutLiftSpecInput = z.input<typeof holdoutLiftSpecSchema>;

export interface HoldoutGroup {
  persons: number;
  converters: number;
  conversionRate: number;
}

export interface HoldoutLift {
  audienceId: string;
  from: string;
  to: string;
  /** The data ends before the window does: the rates may still rise. */
  incomplete: boolean;
  delivered: HoldoutGroup;
  holdout: HoldoutGroup;
  /** Delivered against holdout (difference = delivered rate - holdout rate). */
  test: ProportionTest;
}

export async function holdoutLift(engine: QueryEngine, input: HoldoutLiftSpecInput): Promise<HoldoutLift> {
  const spec = parseSpec(holdoutLiftSpecSchema, input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const fromMs = timeBounds(spec.sentAt).fromMs!;
  const toMs = fromMs + spec.window.value * WINDOW_UNITS[spec.window.unit];
  const columns = columnsFor(matcherProperties([spec.conversion]), ['timestamp', 'event']);
  const query = sql`SELECT DISTINCT person FROM ${personEvents(spec.identity, columns)}
    WHERE ${and([eventCondition(spec.conversion), sql`"timestamp" >= ${timestamp(fromMs)}`, sql`"timestamp" < ${timestamp(toMs)}`])}`;
  const converted = new Set((await engine.query<{ person: string }>(query.text, query.params)).map((r) => String(r.person)));
  const end = sql`SELECT epoch_ms(max("timestamp")) AS data_end FROM events`;
  const dataEnd = Number((await engine.query<{ data_end: number | bigint | null }>(end.text, end.params))[0]?.data_end ?? 0);
  const groups = { delivered: { persons: 0, converters: 0 }, holdout: { persons: 0, converters: 0 } };
  for (const member of new Set(spec.members)) {
    const group = isHeldOut(spec.audienceId, member.toLowerCase(), spec.holdout) ? groups.holdout : groups.delivered;
    group.persons++;
    if (converted.has(member)) group.converters++;
  }
  const rate = (g: { persons: number; converters: number }): HoldoutGroup => ({ ...g, conversionRate: g.persons > 0 ? g.converters / g.persons : 0 });
  return {
    audienceId: spec.audienceId,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    incomplete: dataEnd < toMs,
    delivered: rate(groups.delivered),
    holdout: rate(groups.holdout),
    test: twoProportionTest(groups.holdout.converters, groups.holdout.persons, groups.delivered.converters, groups.delivered.persons),
  };
}
