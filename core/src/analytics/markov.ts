/**
 * Data-driven attribution by a Markov chain over customer journeys (Anderl, Becker, von Wangenheim
 * and Schumann 2016; the method of the R package ChannelAttribution).
 *
 * - Every journey is `(start) -> s1 -> ... -> sn -> (conversion)` or `... -> (null)`. With order k a
 *   state is the last k channels of the journey (fewer at its beginning), so order 1 states are
 *   channels. Transition probabilities are transition counts divided by the state's outgoing count.
 * - Conversion probability: the probability of absorption in `(conversion)` from `(start)`, solved
 *   exactly (Gaussian elimination with partial pivoting; Gauss-Seidel above MAX_DENSE_STATES states).
 * - Removal effect of channel c: 1 - P(conversion without c) / P(conversion), where "without c" sends
 *   every transition into a state containing c to `(null)`. Conversions (and revenue) are credited
 *   in proportion to the removal effects, normalised to sum to one.
 */

export interface Journey {
  channels: readonly string[];
  converted: boolean;
  /** Journeys with this path and outcome. */
  count: number;
}

export interface MarkovTransition {
  from: string;
  to: string;
  count: number;
  probability: number;
}

export interface MarkovModel {
  order: number;
  /** Transient states (channel states) in the chain. */
  states: number;
  conversionProbability: number;
  /** Removal effect per channel, 0..1. */
  removalEffects: Record<string, number>;
  /** Removal effects normalised to sum to 1 (all 0 when nothing converts). */
  shares: Record<string, number>;
  transitions: MarkovTransition[];
}

export const START = '(start)';
export const CONVERSION = '(conversion)';
export const NULL_STATE = '(null)';
const MAX_DENSE_STATES = 400;
const SEPARATOR = '\u0000';

interface Chain {
  /** State keys by index; 0 start, 1 conversion, 2 null. */
  keys: string[];
  /** Channels of each state (empty for the three special states). */
  channels: string[][];
  /** Outgoing counts per state. */
  out: Map<number, number>[];
}

function buildChain(journeys: readonly Journey[], order: number): Chain {
  const keys = [START, CONVERSION, NULL_STATE];
  const channels: string[][] = [[], [], []];
  const index = new Map<string, number>();
  const out: Map<number, number>[] = [new Map(), new Map(), new Map()];
  const stateOf = (window: readonly string[]): number => {
    const key = window.join(SEPARATOR);
    let i = index.get(key);
    if (i === undefined) {
      i = keys.length;
      index.set(key, i);
      keys.push(key);
      channels.push([...window]);
      out.push(new Map());
    }
    return i;
  };
  const add = (from: number, to: number, count: number) => out[from]!.set(to, (out[from]!.get(to) ?? 0) + count);
  for (const journey of journeys) {
    if (journey.channels.length === 0 || journey.count <= 0) continue;
    let previous = 0;
    journey.channels.forEach((_, i) => {
      const state = stateOf(journey.channels.slice(Math.max(0, i - order + 1), i + 1));
      add(previous, state, journey.count);
      previous = state;
    });
    add(previous, journey.converted ? 1 : 2, journey.count);
  }
  return { keys, channels, out };
}

/** P(absorption in conversion) from start, with states in `removed` redirected to null. */
function conversionProbability(chain: Chain, removed: ReadonlySet<number>): number {
  const transient: number[] = [0];
  for (let s = 3; s < chain.keys.length; s++) if (!removed.has(s)) transient.push(s);
  const position = new Map(transient.map((s, i) => [s, i]));
  const n = transient.length;
  // Rows of (I - Q) x = r, sparse.
  const rows = transient.map((s) => {
    const out = chain.out[s]!;
    let total = 0;
    for (const count of out.values()) total += count;
    const coefficients = new Map<number, number>();
    let rhs = 0;
    if (total > 0) {
      for (const [to, count] of out) {
        const p = count / total;
        if (to === 1) rhs += p;
        else if (to === 2 || removed.has(to)) continue;
        else {
          const j = position.get(to)!;
          coefficients.set(j, (coefficients.get(j) ?? 0) - p);
        }
      }
    }
    const i = position.get(s)!;
    coefficients.set(i, (coefficients.get(i) ?? 0) + 1);
    return { coefficients, rhs };
  });
  if (n <= MAX_DENSE_STATES) {
    const a = rows.map((row) => {
      const dense = new Float64Array(n + 1);
      for (const [j, v] of row.coefficients) dense[j] = v;
      dense[n] = row.rhs;
      return dense;
    });
    for (let col = 0; col < n; col++) {
      let pivot = col;
      for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
      [a[col], a[pivot]] = [a[pivot]!, a[col]!];
      const p = a[col]![col]!;
      if (Math.abs(p) < 1e-300) continue;
      for (let r = 0; r < n; r++) {
        if (r === col) continue;
        const factor = a[r]![col]! / p;
        if (factor === 0) continue;
        for (let c = col; c <= n; c++) a[r]![c]! -= factor * a[col]![c]!;
      }
    }
    const x0 = a[0]![0]! === 0 ? 0 : a[0]![n]! / a[0]![0]!;
    return Math.min(1, Math.max(0, x0));
  }
  const x = new Float64Array(n);
  for (let sweep = 0; sweep < 100_000; sweep++) {
    let change = 0;
    rows.forEach((row, i) => {
      let sum = row.rhs;
      let diagonal = 1;
      for (const [j, v] of row.coefficients) {
        if (j === i) diagonal = v;
        else sum -= v * x[j]!;
      }
      const next = diagonal === 0 ? 0 : sum / diagonal;
      change = Math.max(change, Math.abs(next - x[i]!));
      x[i] = next;
    });
    if (change < 1e-15) break;
  }
  return Math.min(1, Math.max(0, x[0]!));
}

export function markovAttribution(journeys: readonly Journey[], order = 1): MarkovModel {
  if (!Number.isInteger(order) || order < 1) throw new RangeError(`Markov order must be a whole number >= 1, got ${order}`);
  const chain = buildChain(journeys, order);
  const base = conversionProbability(chain, new Set());
  const channelNames = [...new Set(chain.channels.flat())].sort();
  const removalEffects: Record<string, number> = {};
  for (const channel of channelNames) {
    const removed = new Set<number>();
    chain.channels.forEach((list, s) => {
      if (list.includes(channel)) removed.add(s);
    });
    removalEffects[channel] = base > 0 ? Math.max(0, 1 - conversionProbability(chain, removed) / base) : 0;
  }
  const total = Object.values(removalEffects).reduce((s, x) => s + x, 0);
  const shares = Object.fromEntries(channelNames.map((c) => [c, total > 0 ? removalEffects[c]! / total : 0]));
  const label = (s: number) => (s < 3 ? chain.keys[s]! : chain.channels[s]!.join(' > '));
  const transitions: MarkovTransition[] = [];
  chain.out.forEach((out, from) => {
    let sum = 0;
    for (const count of out.values()) sum += count;
    for (const [to, count] of out) transitions.push({ from: label(from), to: label(to), count, probability: count / sum });
  });
  transitions.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : b.count - a.count || (a.to < b.to ? -1 : a.to > b.to ? 1 : 0)));
  return { order, states: chain.keys.length - 3, conversionProbability: base, removalEffects, shares, transitions };
}
