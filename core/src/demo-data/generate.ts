/**
 * Deterministic demo data: realistic e-commerce behaviour as Segment HTTP Tracking API messages.
 *
 * Persons are the unit of simulation. Each person arrives at some moment in the period (or in a
 * six-week warm-up before it, so the period opens with returning visitors and logged-in customers;
 * only messages inside the period are emitted), has a country, devices, a preferred category, a
 * latent activity level (sessions per day), a purchase propensity and a churn hazard, and produces
 * sessions until they go quiet or the period ends. The number of persons follows from the target
 * message count: persons are simulated until exactly `events` messages have been produced.
 * Sessions have a traffic source (direct, organic, paid, social, email, referral, display), browse
 * pages and products, sometimes add to cart, check out and order. Visitors start anonymous and
 * may sign up / log in (identify), use a second device, or send alias.
 *
 * The session-level funnel is planned up front with known probabilities, so the per-person truth
 * reported through `onPerson` is exact:
 *   P(order in a session) = cartProbability * checkoutProbability * completionProbability
 *   P(at least one order on an active day) = 1 - exp(-sessionsPerDay * P(order in a session))
 *
 * Output is a pure function of the options: the same seed gives byte-identical messages.
 * Messages of one person are in time order; persons follow each other (global order is not).
 * Objects are shared between messages: all messages of one page view share one `context`, and a
 * page message's `properties` is its `context.page`. Treat yielded messages as read-only (serialise
 * or copy before mutating). `serializeMessage` (serialize.ts) exploits the sharing for fast NDJSON.
 */
import type { SegmentMessage } from './messages';
import { validateGenerateOptions, type GenerateOptions } from './options';
import { PersonSimulation } from './simulation/person-simulation';
import { createRunState } from './simulation/run-state';

/**
 * Streams `options.events` Segment messages of simulated shoppers. Deterministic for given options.
 * Options are validated immediately (RangeError); messages are produced lazily.
 */
export function generateDemoEvents(options: GenerateOptions): Generator<SegmentMessage> {
  validateGenerateOptions(options);
  return run(options);
}

function* run(options: GenerateOptions): Generator<SegmentMessage> {
  const state = createRunState(options);
  const target = Math.round(options.events);
  let emitted = 0;
  for (let index = 0; emitted < target; index++) {
    const person = new PersonSimulation(state, index);
    person.simulate();
    const out = person.out;
    // Persons who were quiet during the whole period do not exist in the data.
    if (out.length === 0) continue;
    const take = Math.min(out.length, target - emitted);
    if (take < out.length) {
      person.truth.truncated = true;
      person.recount(take);
    }
    options.onPerson?.(person.truth);
    for (let i = 0; i < take; i++) yield out[i]!;
    emitted += take;
  }
}
