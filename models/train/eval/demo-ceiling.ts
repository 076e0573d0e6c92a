/**
 * The best achievable scores on demo data, from the generator's ground truth (`onPerson`): for each
 * person at a cut-off, the true probability of the label given their latent state at that moment.
 *
 * The generator makes a person quiet for good from a day drawn with a daily hazard h (after the
 * arrival day), and gives each active day Poisson(sessionsPerDay) visits and a probability
 * `purchaseProbability` of at least one order. A person not yet quiet at cut-off T stays active
 * 1 + G more days, G ~ Geometric(h) (memoryless), so with a horizon of H days and K = min(H, 1 + G):
 *
 *   P(no activity in [T, T + H)) = E[exp(-sessionsPerDay * K)]     (1 if already quiet)
 *   (with a lead L, the window [T + L, T + L + H): K = max(0, min(1 + G, L + H) - L))
 *   P(an order in [T, T + H))    = 1 - E[(1 - purchaseProbability)^K]  (0 if already quiet)
 *
 * Campaign days (more traffic, higher conversion) are ignored, so this is the ceiling of a model that
 * knows every person's parameters and whether they have gone quiet, not of one that knows the calendar.
 * Only persons whose id is the generator's (raw ids: NDJSON input or the test fixture) can be matched.
 */
/**
 * What the ceiling reads of a person's ground truth: the slice of a simulator's record of one person (the demo
 * generator's `PersonGroundTruth` has these fields and more). Declared here so that evaluation depends on no generator.
 */
export interface PersonGroundTruth {
  anonymousIds: readonly string[];
  userId: string | null;
  /** When the person went quiet for good (ISO), or null if they never did within the simulation. */
  churnedAt: string | null;
  churnHazard: number;
  sessionsPerDay: number;
  purchaseProbability: number;
}

export type CeilingTask = 'churn' | 'propensity';

/**
 * E[q^A] for A the active days inside the label window [lead, lead + horizon) (days counted from the
 * cut-off): the person is active on days 0 .. G, G ~ Geometric(hazard), so A = max(0, min(1 + G, lead + horizon) - lead).
 * With lead 0 this is K = min(horizon, 1 + G) of the formulas above.
 */
function expectedPowerOfActiveDays(q: number, hazard: number, horizon: number, lead = 0): number {
  const end = lead + horizon;
  let sum = 0;
  let stillActive = 1;
  for (let k = 1; k < end; k++) {
    // Active for exactly k days: active on days 1..k, quiet from day k + 1.
    sum += stillActive * hazard * q ** Math.max(0, k - lead);
    stillActive *= 1 - hazard;
  }
  return sum + stillActive * q ** horizon;
}

export function trueProbability(truth: PersonGroundTruth, task: CeilingTask, cutoffMs: number, horizonDays: number, leadDays = 0): number {
  const quiet = truth.churnedAt !== null && Date.parse(truth.churnedAt) <= cutoffMs;
  if (task === 'churn') return quiet ? 1 : expectedPowerOfActiveDays(Math.exp(-truth.sessionsPerDay), truth.churnHazard, horizonDays, leadDays);
  return quiet ? 0 : 1 - expectedPowerOfActiveDays(1 - truth.purchaseProbability, truth.churnHazard, horizonDays, leadDays);
}

/** Person key (user id or anonymous id) -> truth. */
export function truthIndex(truth: readonly PersonGroundTruth[]): Map<string, PersonGroundTruth> {
  const index = new Map<string, PersonGroundTruth>();
  for (const t of truth) {
    if (t.userId) index.set(t.userId, t);
    for (const id of t.anonymousIds) index.set(id, t);
  }
  return index;
}
