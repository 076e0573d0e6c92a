/**
 * A plain TypeScript funnel, written from the semantics in funnel.ts's header rather than from its
 * SQL, for property-based tests: the SQL funnel must agree with it on random event streams.
 * Quadratic and unoptimised on purpose.
 */
import type { FunnelResult, FunnelSpec, FunnelStepResult } from '../analytics/funnel';
import { timeBounds, WINDOW_UNITS, type EventMatcher, type PropertyFilter, type Scalar } from '../analytics/sql';

export interface ReferenceEvent {
  person: string;
  ts: number;
  id: string;
  event: string;
  properties: Record<string, Scalar | null>;
}

function matchesFilter(event: ReferenceEvent, filter: PropertyFilter): boolean {
  const value = event.properties[filter.property] ?? null;
  const text = value === null ? null : String(value);
  const operand = filter.value as Scalar;
  switch (filter.op) {
    case 'eq':
      return text !== null && text === String(operand);
    case 'neq':
      return text === null || text !== String(operand);
    case 'is_set':
      return text !== null;
    case 'is_not_set':
      return text === null;
    default:
      throw new Error(`reference funnel: op ${filter.op} not modelled`);
  }
}

function matches(event: ReferenceEvent, matcher: EventMatcher): boolean {
  return event.event === matcher.event && (matcher.where ?? []).every((f) => matchesFilter(event, f));
}

export interface ReferenceAttempt {
  person: string;
  /** The position of its first event among the person's events. */
  start: number;
  level: number;
  times: number[];
  bv: string | null;
  disqualified: boolean;
  /** Ordered funnels, disqualified attempts: steps done before the first exclusion event, plus the next if it came. */
  reach: number | null;
}

function attemptsOf(person: string, all: ReferenceEvent[], spec: FunnelSpec): ReferenceAttempt[] {
  const n = spec.steps.length;
  const windowMs = spec.window.value * WINDOW_UNITS[spec.window.unit];
  const orderKey = (e: ReferenceEvent) => {
    const k = spec.steps.findIndex((s) => matches(e, s));
    return k === -1 ? 1000 : k;
  };
  const relevant = spec.order === 'strict' ? all : all.filter((e) => spec.steps.some((s) => matches(e, s)) || spec.exclusions.some((x) => matches(e, x)));
  const events = [...relevant].sort((a, b) => a.ts - b.ts || orderKey(a) - orderKey(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const attempts: ReferenceAttempt[] = [];
  events.forEach((first, i) => {
    const starts = spec.order === 'any' ? spec.steps.some((s) => matches(first, s)) : matches(first, spec.steps[0]!);
    if (!starts) return;
    const t0 = first.ts;
    const inWindow = (j: number) => events[j]!.ts <= t0 + windowMs;
    const bv = spec.breakdown ? (first.properties[spec.breakdown.property] ?? null) : null;
    let level: number;
    let times: number[];
    const positions: (number | null)[] = [];
    if (spec.order === 'any') {
      const doneAt: number[] = [];
      spec.steps.forEach((step, s) => {
        const rank = spec.steps.slice(0, s).filter((other) => JSON.stringify([other.event, other.where ?? []]) === JSON.stringify([step.event, step.where ?? []])).length + 1;
        const hits = events.map((e, j) => ({ e, j })).filter(({ e, j }) => j >= i && matches(e, step));
        const hit = hits[rank - 1];
        if (hit && inWindow(hit.j)) {
          doneAt.push(hit.e.ts);
          positions.push(hit.j);
        } else positions.push(null);
      });
      times = doneAt.sort((a, b) => a - b);
      level = times.length;
    } else {
      times = [t0];
      positions.push(i);
      let current = i;
      for (let k = 1; k < n; k++) {
        let next = -1;
        if (spec.order === 'strict') {
          if (current + 1 < events.length && matches(events[current + 1]!, spec.steps[k]!) && inWindow(current + 1)) next = current + 1;
        } else {
          const j = events.findIndex((e, idx) => idx > current && matches(e, spec.steps[k]!));
          if (j !== -1 && inWindow(j)) next = j;
        }
        if (next === -1) break;
        times.push(events[next]!.ts);
        positions.push(next);
        current = next;
      }
      level = times.length;
    }
    const completionPos = level === n ? Math.max(...(positions.filter((p) => p !== null) as number[])) : null;
    let firstExclusion = Infinity;
    for (const exclusion of spec.exclusions) {
      const fromPos = spec.order === 'any' ? i : (positions[exclusion.fromStep] ?? null);
      if (fromPos === null) continue;
      const j = events.findIndex((e, idx) => idx > fromPos && matches(e, exclusion));
      if (j === -1) continue;
      const toPos = spec.order === 'any' ? completionPos : (positions[exclusion.toStep] ?? null);
      if (toPos !== null ? j < toPos : inWindow(j)) firstExclusion = Math.min(firstExclusion, j);
    }
    const disqualified = firstExclusion !== Infinity;
    const doneBefore = positions.filter((p) => p !== null && p < firstExclusion).length;
    const reach = disqualified && spec.order !== 'any' ? Math.min(level, doneBefore + 1) : null;
    attempts.push({ person, start: i, level, times, bv: bv === null ? null : String(bv), disqualified, reach });
  });
  return attempts;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = (sorted.length - 1) / 2;
  return (sorted[Math.floor(mid)]! + sorted[Math.ceil(mid)]!) / 2;
}

function aggregate(spec: FunnelSpec, units: ReferenceAttempt[]): FunnelStepResult[] {
  const counts = spec.steps.map((_, k) => units.filter((u) => u.level >= k + 1).length);
  return spec.steps.map((step, k) => {
    const reached = units.filter((u) => u.level >= k + 1);
    const durations = k === 0 ? [] : reached.map((u) => (u.times[k]! - u.times[k - 1]!) / 1000);
    const previous = k === 0 ? counts[0]! : counts[k - 1]!;
    return {
      index: k,
      event: step.event,
      count: counts[k]!,
      conversionFromPrevious: previous === 0 ? 0 : counts[k]! / previous,
      conversionFromFirst: counts[0] === 0 ? 0 : counts[k]! / counts[0]!,
      avgTimeToConvertSeconds: durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length : null,
      medianTimeToConvertSeconds: median(durations),
    };
  });
}

/** Every person's attempts, disqualified ones included: what a test's random stream exercised. */
export function referenceAttempts(events: readonly ReferenceEvent[], spec: FunnelSpec): Map<string, ReferenceAttempt[]> {
  const bounds = timeBounds(spec.from, spec.to);
  const inRange = events.filter((e) => (bounds.fromMs === null || e.ts >= bounds.fromMs) && (bounds.toMs === null || e.ts < bounds.toMs));
  const byPerson = new Map<string, ReferenceEvent[]>();
  for (const e of inRange) byPerson.set(e.person, [...(byPerson.get(e.person) ?? []), e]);
  return new Map([...byPerson].map(([person, list]) => [person, attemptsOf(person, list, spec)]));
}

export function referenceFunnel(events: readonly ReferenceEvent[], spec: FunnelSpec): FunnelResult {
  const units: ReferenceAttempt[] = [];
  for (const attempts of referenceAttempts(events, spec).values()) {
    const clean = attempts.filter((a) => !a.disqualified);
    if (spec.count === 'totals') {
      units.push(...clean);
      continue;
    }
    const best = clean.sort((a, b) => b.level - a.level || a.start - b.start)[0];
    const excludedReach = Math.max(0, ...attempts.map((a) => a.reach ?? 0));
    if (best && best.level >= excludedReach) units.push(best);
  }
  const result: FunnelResult = { steps: aggregate(spec, units) };
  if (spec.breakdown) {
    const values = [...new Set(units.map((u) => u.bv))];
    result.breakdown = values
      .map((value) => ({ value, steps: aggregate(spec, units.filter((u) => u.bv === value)) }))
      .sort((a, b) => b.steps[0]!.count - a.steps[0]!.count || (a.value === b.value ? 0 : a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1));
  }
  return result;
}
