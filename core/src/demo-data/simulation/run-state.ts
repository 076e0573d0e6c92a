import type { FestivalGroup } from '../geo';
import { IsoClock } from '../iso-clock';
import { DEFAULT_SITE, type GenerateOptions } from '../options';
import { WeightedTable } from '../random';
import { dayProfile, type DayProfile } from './calendar';
import { DAY_MS } from '../../time/units';

/** Simulated days before the period, so it opens with returning visitors and existing customers. */
const WARMUP_DAYS = 42;

/** State shared across persons within one generation run. */
export interface RunState {
  readonly seed: number;
  readonly origin: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly days: number;
  /** UTC midnight of the first day. */
  readonly baseMs: number;
  /** Days simulated before the period (so it starts with returning visitors and customers). */
  readonly warmupDays: number;
  readonly clock: IsoClock;
  /** Per festival group, per day; index = day relative to baseMs + warmupDays. */
  readonly profiles: Record<FestivalGroup, DayProfile[]>;
  /** Arrival day (relative to baseMs, may be negative) weighted by traffic. */
  readonly arrivalDays: Record<FestivalGroup, WeightedTable<number>>;
  orderSeq: number;
  userSeq: number;
}

export function createRunState(options: GenerateOptions): RunState {
  const startMs = options.start.getTime();
  const endMs = startMs + options.days * DAY_MS;
  const baseMs = Math.floor(startMs / DAY_MS) * DAY_MS;
  const nDays = Math.floor((endMs - 1 - baseMs) / DAY_MS) + 2;
  const warmupDays = WARMUP_DAYS;
  const groups: FestivalGroup[] = ['cn', 'west', 'asia'];
  const profiles = {} as Record<FestivalGroup, DayProfile[]>;
  const arrivalDays = {} as Record<FestivalGroup, WeightedTable<number>>;
  for (const g of groups) {
    const list = Array.from({ length: warmupDays + nDays }, (_, i) => dayProfile(baseMs + (i - warmupDays) * DAY_MS, g));
    profiles[g] = list;
    // Arrivals follow traffic, from the start of the warm-up to the last day of the period.
    const days = Array.from({ length: warmupDays + nDays - 1 }, (_, i) => i - warmupDays);
    arrivalDays[g] = new WeightedTable(days, days.map((d) => list[d + warmupDays]!.traffic));
  }
  return {
    seed: options.seed,
    origin: `https://${(options.site ?? DEFAULT_SITE).toLowerCase()}`,
    startMs,
    endMs,
    days: options.days,
    baseMs,
    warmupDays,
    clock: new IsoClock(baseMs - warmupDays * DAY_MS, warmupDays + options.days + 1),
    profiles,
    arrivalDays,
    orderSeq: 0,
    userSeq: 0,
  };
}
