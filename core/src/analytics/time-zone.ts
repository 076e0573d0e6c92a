/**
 * Local calendar time in SQL without DuckDB's ICU extension (DuckDB-Wasm ships without it and must
 * not download it): the zone's UTC offsets over the analysed range are computed here with Intl,
 * and the SQL adds the offset in effect at each instant through a CASE over the transitions.
 */
import { DAY_MS, join, milliseconds, sql, timestamp, type Sql } from './sql';
import { MINUTE_MS } from '../time/units';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, f);
  }
  return f;
}

/** Minutes to add to UTC to get the wall-clock time of `zone` at instant `ms`. */
export function offsetMinutesAt(zone: string, ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(ms))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
}

export interface OffsetSpan {
  /** First instant (UTC ms) the offset applies; the first span applies to everything before too. */
  fromMs: number;
  offsetMinutes: number;
}

/** The offsets in effect between startMs and endMs, found day by day and refined to the minute. */
export function offsetSpans(zone: string, startMs: number, endMs: number): OffsetSpan[] {
  const start = Math.floor(startMs / DAY_MS) * DAY_MS - DAY_MS;
  const end = Math.ceil(endMs / DAY_MS) * DAY_MS + DAY_MS;
  const spans: OffsetSpan[] = [{ fromMs: start, offsetMinutes: offsetMinutesAt(zone, start) }];
  for (let t = start; t < end; t += DAY_MS) {
    const current = spans[spans.length - 1]!.offsetMinutes;
    if (offsetMinutesAt(zone, t + DAY_MS) === current) continue;
    let low = t;
    let high = t + DAY_MS;
    while (high - low > MINUTE_MS) {
      const mid = low + Math.floor((high - low) / 2 / MINUTE_MS) * MINUTE_MS;
      if (offsetMinutesAt(zone, mid) === current) low = mid;
      else high = mid;
    }
    spans.push({ fromMs: high, offsetMinutes: offsetMinutesAt(zone, high) });
  }
  return spans;
}

export function isUtc(zone: string | undefined): boolean {
  return zone === undefined || zone === 'UTC' || zone === 'Etc/UTC' || zone === 'GMT';
}

/** The wall-clock TIMESTAMP in `zone` of the UTC TIMESTAMP expression `column`. */
export function localTime(column: Sql, zone: string | undefined, startMs: number, endMs: number): Sql {
  if (isUtc(zone)) return column;
  const spans = offsetSpans(zone!, startMs, endMs);
  const shift = (minutes: number) => sql`${column} + ${milliseconds(minutes * MINUTE_MS)}`;
  if (spans.length === 1) return shift(spans[0]!.offsetMinutes);
  const branches = spans.slice(1).map((span, i) => sql`WHEN ${column} < ${timestamp(span.fromMs)} THEN ${shift(spans[i]!.offsetMinutes)}`);
  return sql`(CASE ${join(branches, ' ')} ELSE ${shift(spans[spans.length - 1]!.offsetMinutes)} END)`;
}

/** Local wall-clock milliseconds of a UTC instant (for bounds computed in TypeScript). */
export function localMs(ms: number, zone: string | undefined): number {
  return isUtc(zone) ? ms : ms + offsetMinutesAt(zone!, ms) * MINUTE_MS;
}
