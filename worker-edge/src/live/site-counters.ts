import { HyperLogLog } from '@privacy-analytics/core/rollups';
import type { Env } from '../env';
import { HttpError } from '../http/http-error';
import { buffersOf } from '../stubs';

export interface SiteCounters {
  /** Every minute from `sinceMinute` to `untilMinute` (epoch minutes), each metric summed over the shards. */
  perMinute: Map<number, Record<string, number>>;
  /** Per UTC day (YYYY-MM-DD), each metric summed over the shards. */
  daily: Map<string, Record<string, number>>;
}

/** The last `?minutes=` minutes (1 to 2880, default `fallback`) as epoch minutes, both ends included. */
export function minuteWindow(url: URL, fallback: number): { since: number; now: number } {
  const minutesText = url.searchParams.get('minutes') ?? String(fallback);
  const minutes = Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 48 * 60) {
    throw new HttpError(400, 'invalid_parameter', `minutes: expected an integer from 1 to 2880, got "${minutesText.slice(0, 40)}"`);
  }
  const now = Math.floor(Date.now() / 60_000);
  return { since: now - minutes + 1, now };
}

/** The one reader of the buffers' counters: `/live` and `/metrics` both sum every shard through it. */
export async function readSiteCounters(env: Env, site: string, sinceMinute: number, untilMinute: number): Promise<SiteCounters> {
  const series = await Promise.all(buffersOf(env, site).map((buffer) => buffer.counters(sinceMinute)));
  const perMinute = new Map<number, Record<string, number>>();
  for (let minute = sinceMinute; minute <= untilMinute; minute++) perMinute.set(minute, {});
  const daily = new Map<string, Record<string, number>>();
  for (const shard of series) {
    for (const { minute, metric, count } of shard.minutes) {
      const bucket = perMinute.get(minute);
      if (bucket) bucket[metric] = (bucket[metric] ?? 0) + count;
    }
    for (const { date, metric, count } of shard.daily) {
      const bucket = daily.get(date) ?? {};
      bucket[metric] = (bucket[metric] ?? 0) + count;
      daily.set(date, bucket);
    }
  }
  return { perMinute, daily };
}

/** Distinct persons per minute: each shard's HyperLogLog sketches merged (distinct counts do not add up). */
export async function readSitePersons(env: Env, site: string, sinceMinute: number): Promise<Map<number, HyperLogLog>> {
  const series = await Promise.all(buffersOf(env, site).map((buffer) => buffer.personMinutes(sinceMinute)));
  const persons = new Map<number, HyperLogLog>();
  for (const shard of series) {
    for (const { minute, sketch } of shard) persons.set(minute, (persons.get(minute) ?? new HyperLogLog()).merge(HyperLogLog.decode(sketch)));
  }
  return persons;
}
