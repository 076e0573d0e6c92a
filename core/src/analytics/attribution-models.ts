/**
 * Rule-based attribution models: how one conversion's credit (1 conversion, its revenue) is split
 * over the touchpoints of its path, oldest first. Credits of one path sum to 1; a channel appearing
 * several times collects the credit of each appearance.
 *
 *   first            1 to the first touch
 *   last             1 to the last touch
 *   last_non_direct  1 to the last touch whose channel is not direct (directValues); the last touch
 *                    when every touch is direct
 *   linear           1/n to each of n touches
 *   time_decay       weight 2^(-age / halfLife) per touch, age = conversion time - touch time;
 *                    weights normalised to sum to 1
 *   position         one touch: 1; two: 0.5 each; three or more: 0.4 first, 0.4 last and 0.2 split
 *                    evenly over the touches between (U-shaped, as in Google Analytics)
 */

export const HEURISTIC_MODELS = ['first', 'last', 'last_non_direct', 'linear', 'time_decay', 'position'] as const;
export type HeuristicModel = (typeof HEURISTIC_MODELS)[number];

export interface TouchPath {
  channels: readonly string[];
  /** Milliseconds from each touch to the conversion (>= 0), same order as channels. */
  agesMs: readonly number[];
}

export interface HeuristicOptions {
  halfLifeMs: number;
  directValues: ReadonlySet<string>;
}

/** Position-based shares: first and last touch each, and all touches between together. */
export const POSITION_SHARES = { ends: 0.4, middle: 0.2 } as const;

/** The weight of each touch of the path (same order), summing to 1; empty for an empty path. */
export function touchWeights(model: HeuristicModel, path: TouchPath, options: HeuristicOptions): number[] {
  const n = path.channels.length;
  if (n === 0) return [];
  const weights = new Array<number>(n).fill(0);
  switch (model) {
    case 'first':
      weights[0] = 1;
      return weights;
    case 'last':
      weights[n - 1] = 1;
      return weights;
    case 'last_non_direct': {
      let i = n - 1;
      while (i > 0 && options.directValues.has(path.channels[i]!)) i--;
      if (options.directValues.has(path.channels[i]!)) i = n - 1;
      weights[i] = 1;
      return weights;
    }
    case 'linear':
      return weights.fill(1 / n);
    case 'time_decay': {
      // Relative to the newest touch, so very old touches cannot underflow every weight to 0.
      const newest = Math.min(...path.agesMs);
      const raw = path.agesMs.map((age) => Math.pow(2, -(age - newest) / options.halfLifeMs));
      const sum = raw.reduce((s, x) => s + x, 0);
      return raw.map((x) => x / sum);
    }
    case 'position': {
      if (n === 1) return [1];
      if (n === 2) return [0.5, 0.5];
      weights.fill(POSITION_SHARES.middle / (n - 2));
      weights[0] = POSITION_SHARES.ends;
      weights[n - 1] = POSITION_SHARES.ends;
      return weights;
    }
  }
}

/** Credit per channel for one path. */
export function channelCredits(model: HeuristicModel, path: TouchPath, options: HeuristicOptions): Map<string, number> {
  const credits = new Map<string, number>();
  touchWeights(model, path, options).forEach((w, i) => {
    const channel = path.channels[i]!;
    credits.set(channel, (credits.get(channel) ?? 0) + w);
  });
  return credits;
}
