/** SQL pieces both funnel plans (funnel-units.ts, funnel-chain.ts) share. */
import { eventCondition, ident, milliseconds, sql, WINDOW_UNITS, type EventMatcher, type Sql } from './sql';
import type { FunnelSpec } from './funnel-spec';

export const col = (prefix: string, i: number): Sql => ident(`${prefix}${i}`);

/** A lazily evaluated match flag: property filters only run on rows of the right event. */
export function matchFlag(matcher: EventMatcher): Sql {
  if (!matcher.where?.length) return sql`coalesce("event" = ${matcher.event}, false)`;
  const { where, ...event } = matcher;
  return sql`CASE WHEN "event" = ${matcher.event} THEN coalesce(${eventCondition({ event: event.event, where })}, false) ELSE false END`;
}

/** The end of attempt `a`'s window: its start event's time plus the spec's window, inclusive. */
export function windowEndSql(spec: FunnelSpec): Sql {
  return sql`a.t0 + ${milliseconds(spec.window.value * WINDOW_UNITS[spec.window.unit])}`;
}
