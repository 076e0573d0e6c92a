/** What the simulation planted: its parameters, and the truth about each simulated person. */
import type { Category } from './catalog';
import type { DeviceType } from './geo';

export type Channel = 'direct' | 'organic_search' | 'paid_search' | 'social' | 'email' | 'referral' | 'display';
export type Variant = 'control' | 'treatment';

/** Ground truth for one simulated person, reported once their messages are produced. */
export interface PersonTruth {
  /** 0-based index of the person in generation order (persons quiet during the whole period are skipped, so there are gaps). */
  index: number;
  /** The anonymousIds the person used in the data (devices, cookie resets), in order of creation. */
  anonymousIds: string[];
  /** The person's userId if it appears in the data (signed up or logged in); null for anonymous persons. */
  userId: string | null;
  country: string;
  region: string;
  locale: string;
  deviceType: DeviceType;
  acquisitionChannel: Channel;
  preferredCategory: Category;
  /** Time of the person's first visit ever (ISO); before the period start for persons who were already visitors or customers. */
  arrivedAt: string;
  /** Time of the person's first message in the data (ISO). */
  firstSeen: string;
  /** Latent activity: expected sessions per active day at baseline traffic. */
  sessionsPerDay: number;
  /** Latent purchase propensity (multiplier on the cart probability; population mean 1). */
  purchasePropensity: number;
  /** Persons who browse but never complete an order (completion probability 0). */
  neverBuys: boolean;
  /** P(add to cart in a session) at baseline (before campaign-day boosts). */
  cartProbability: number;
  checkoutProbability: number;
  /** P(order | checkout started); includes the planted experiment effect. */
  completionProbability: number;
  /** P(order in one session) = cart * checkout * completion, at baseline. */
  orderProbabilityPerSession: number;
  /** P(at least one order on a given active day) at baseline traffic and conversion. */
  purchaseProbability: number;
  /** P(going quiet for good) on each day after the arrival day. */
  churnHazard: number;
  /** Start of the (UTC) day from which the person is quiet; null if active to the end of the period. */
  churnedAt: string | null;
  /** Experiment arm (fixed per person); exposure happens on the first checkout page view. */
  variant: Variant;
  exposedToExperiment: boolean;
  /** Realised counts in the emitted data (sessions, messages, orders, revenue in USD). */
  sessions: number;
  events: number;
  orders: number;
  revenue: number;
  /** True for the last person when output stopped at the requested event count. */
  truncated: boolean;
}

/** Ground-truth hook type (see `GenerateOptions.onPerson`). */
export type GroundTruth = PersonTruth;
export type GroundTruthHook = (person: PersonTruth) => void;

/** The planted model parameters (for tests and for documenting evaluation ceilings). */
export const SIMULATION_PARAMETERS = {
  /** Baseline P(add to cart in a session) for propensity 1. */
  baseCartProbability: 0.1,
  /** Multiplier on cart probability for persons who never buy. */
  neverBuysCartFactor: 0.35,
  neverBuysShare: 0.3,
  checkoutProbability: 0.42,
  neverBuysCheckoutProbability: 0.2,
  /** P(order | checkout) in the control arm; treatment is control * (1 + experimentLift). */
  controlCompletion: 0.69,
  experimentLift: 0.15,
  experimentId: 'checkout_button',
  /** Safari-family browsers drop the anonymousId cookie after this many idle days (ITP). */
  itpCookieDays: 7,
} as const;
