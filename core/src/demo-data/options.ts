import type { GroundTruthHook } from './ground-truth';

export interface GenerateOptions {
  seed: number;
  /** Number of messages to emit (exactly), 1_000 to 10_000_000; a non-integer is rounded. */
  events: number;
  /** Start of the period. */
  start: Date;
  /** Length of the period in days (1 to 3660). */
  days: number;
  /** Host name of the shop, default `shop.example.com`. */
  site?: string;
  /** Called for each person after their messages were produced (before they are yielded). */
  onPerson?: GroundTruthHook;
}

export const MIN_EVENTS = 1_000;
export const MAX_EVENTS = 10_000_000;
export const MAX_DAYS = 3660;
export const DEFAULT_SITE = 'shop.example.com';

/** Throws a RangeError naming the first option out of range. */
export function validateGenerateOptions(options: GenerateOptions): void {
  const { seed, events, start, days, site } = options;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${String(seed)}`);
  if (!Number.isFinite(events) || Math.round(events) < MIN_EVENTS || Math.round(events) > MAX_EVENTS) {
    throw new RangeError(`events must be a number between ${MIN_EVENTS} and ${MAX_EVENTS}, got ${String(events)}`);
  }
  if (!(start instanceof Date) || !Number.isFinite(start.getTime())) throw new RangeError(`start must be a valid Date, got ${String(start)}`);
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new RangeError(`days must be an integer between 1 and ${MAX_DAYS}, got ${String(days)}`);
  if (site !== undefined && !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i.test(site)) {
    throw new RangeError(`site must be a host name such as shop.example.com, got "${site}"`);
  }
}
