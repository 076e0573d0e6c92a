import { CATEGORY_TABLE } from '../catalog';
import { ITP_FAMILIES, type DeviceType } from '../geo';
import { SIMULATION_PARAMETERS, type PersonTruth, type Variant } from '../ground-truth';
import type { CampaignInfo, PageInfo, PageMessage, SegmentContext, SegmentMessage, TrackMessage } from '../messages';
import { Random, hashInts } from '../random';
import type { DayProfile } from './calendar';
import { newDevice, type Device } from './devices';
import { round2 } from './money';
import { AGE_BANDS, COUNTRY_TABLE, EMAIL_DOMAINS, GENDERS, HOUR_TABLE, PLANS, type CountryTables } from './population';
import type { RunState } from './run-state';
import { runSession } from './session';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../time/units';

const LIBRARY = Object.freeze({ name: 'demo-generator', version: '1' }) as { name: 'demo-generator'; version: '1' };

/**
 * One person, from arrival to going quiet: who they are (drawn in the constructor), the page view being emitted,
 * and their messages. The behaviour modules beside this file (session, traffic sources, shopping, accounts,
 * checkout) read and advance the same state, so its fields are open to them; nothing outside simulation/ sees it.
 */
export class PersonSimulation {
  /** Messages in time order, and their epoch-ms times. */
  out: SegmentMessage[] = [];
  private times: number[] = [];
  readonly truth: PersonTruth;

  readonly rng: Random;
  readonly run: RunState;
  readonly country: CountryTables;
  readonly locale: string;
  private readonly location: { country: string; region: string };
  readonly profiles: DayProfile[];
  private readonly devices: Device[] = [];
  private readonly allAnonymousIds: string[] = [];
  readonly willRegister: boolean;
  private readonly hasSecondDevice: boolean;
  readonly cartProbability: number;
  readonly checkoutProbability: number;
  readonly completionProbability: number;
  readonly traits: { firstName: string; lastName: string; email: string; phone: string; plan: string; ageBand: string; gender: string };

  // Per-session state.
  dev!: Device;
  t = 0;
  sessionId = '';
  sessionIp = '';
  private page: PageInfo | undefined;
  /** Context shared by all messages of the current page view. */
  ctx!: SegmentContext;
  campaign: CampaignInfo | undefined;
  lastUrl = '';
  userId: string | null = null;
  registeredAt = 0;
  ordersPlaced = 0;
  exposed = false;

  constructor(run: RunState, index: number) {
    this.run = run;
    const rng = (this.rng = Random.derive(run.seed, index));
    const P = SIMULATION_PARAMETERS;
    const country = (this.country = COUNTRY_TABLE.pick(rng));
    const spec = country.spec;
    this.profiles = run.profiles[spec.group];
    this.locale = country.locales.pick(rng);
    const region = rng.pick(spec.regions);
    this.location = { country: spec.code, region };
    const deviceType = country.devices.pick(rng);
    const first = newDevice(rng, spec, deviceType);
    this.devices.push(first);
    this.allAnonymousIds.push(first.anonymousId);

    const sessionsPerDay = Math.min(4, Math.max(0.005, rng.lognormal(Math.log(0.15), 1.0)));
    const propensity = Math.min(6, Math.max(0.05, rng.lognormal(-0.245, 0.7)));
    const neverBuys = rng.chance(P.neverBuysShare);
    const segment = rng.next();
    const churnHazard =
      segment < 0.3 ? rng.uniform(0.01, 0.04) : segment < 0.65 ? rng.uniform(0.06, 0.2) : rng.uniform(0.5, 0.9);
    const variant: Variant = (hashInts(run.seed, index, 0xab7e57) & 1) === 0 ? 'control' : 'treatment';
    this.cartProbability = Math.min(0.85, P.baseCartProbability * propensity * (neverBuys ? P.neverBuysCartFactor : 1));
    this.checkoutProbability = neverBuys ? P.neverBuysCheckoutProbability : P.checkoutProbability;
    this.completionProbability = neverBuys ? 0 : P.controlCompletion * (variant === 'treatment' ? 1 + P.experimentLift : 1);
    const perSession = this.cartProbability * this.checkoutProbability * this.completionProbability;
    this.willRegister = rng.chance(neverBuys ? 0.15 : 0.45);
    this.hasSecondDevice = rng.chance(0.2);

    const firstName = rng.pick(spec.firstNames);
    const lastName = rng.pick(spec.lastNames);
    const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
    this.traits = {
      firstName: cap(firstName),
      lastName: cap(lastName),
      email: `${firstName}.${lastName}${rng.int(1, 999)}@${rng.pick(EMAIL_DOMAINS)}`,
      phone: rng.pick(spec.phone).replace(/X/g, () => String(rng.int(0, 9))),
      plan: PLANS.pick(rng),
      ageBand: AGE_BANDS.pick(rng),
      gender: GENDERS.pick(rng),
    };

    this.truth = {
      index,
      anonymousIds: [],
      userId: null,
      country: spec.code,
      region,
      locale: this.locale,
      deviceType,
      acquisitionChannel: country.channels.pick(rng),
      preferredCategory: CATEGORY_TABLE.pick(rng),
      arrivedAt: '',
      firstSeen: '',
      sessionsPerDay,
      purchasePropensity: propensity,
      neverBuys,
      cartProbability: this.cartProbability,
      checkoutProbability: this.checkoutProbability,
      completionProbability: this.completionProbability,
      orderProbabilityPerSession: perSession,
      purchaseProbability: 1 - Math.exp(-sessionsPerDay * perSession),
      churnHazard,
      churnedAt: null,
      variant,
      exposedToExperiment: false,
      sessions: 0,
      events: 0,
      orders: 0,
      revenue: 0,
      truncated: false,
    };
  }

  // -- days ---------------------------------------------------------------------------------------

  /** A start time on day `day` drawn from the local diurnal curve (may fall outside the period). */
  private timeOnDay(day: number): number {
    const hour = HOUR_TABLE.pick(this.rng) + this.rng.next();
    return Math.round(this.run.baseMs + day * DAY_MS + (hour - this.country.spec.tz) * HOUR_MS);
  }

  /** Index into `profiles` for a time. */
  dayIndex(ms: number): number {
    const d = Math.floor((ms - this.run.baseMs) / DAY_MS) + this.run.warmupDays;
    const last = this.profiles.length - 1;
    return d < 0 ? 0 : d > last ? last : d;
  }

  // -- messages -----------------------------------------------------------------------------------

  push(m: SegmentMessage): void {
    this.out.push(m);
    this.times.push(this.t);
  }

  advance(minMs: number, maxMs: number): void {
    this.t += Math.round(minMs + this.rng.next() * (maxMs - minMs));
  }

  /** Time spent reading a page before the next navigation. */
  private dwell(): void {
    const ms = Math.exp(this.rng.normal(Math.log(28_000), 0.9));
    this.t += Math.round(ms < 2_000 ? 2_000 : ms > 900_000 ? 900_000 : ms);
  }

  private context(): SegmentContext {
    if (this.campaign) {
      return {
        userAgent: this.dev.ua,
        ip: this.sessionIp,
        locale: this.locale,
        page: this.page,
        campaign: this.campaign,
        location: this.location,
        library: LIBRARY,
        sessionId: this.sessionId,
      };
    }
    return { userAgent: this.dev.ua, ip: this.sessionIp, locale: this.locale, page: this.page, location: this.location, library: LIBRARY, sessionId: this.sessionId };
  }

  private currentUserId(): string | undefined {
    return this.dev.identified && this.userId ? this.userId : undefined;
  }

  track(event: string, properties: Record<string, unknown>): void {
    const userId = this.currentUserId();
    const m: TrackMessage = userId
      ? { type: 'track', messageId: this.rng.uuid(), anonymousId: this.dev.anonymousId, userId, event, properties, timestamp: this.run.clock.iso(this.t), context: this.ctx }
      : { type: 'track', messageId: this.rng.uuid(), anonymousId: this.dev.anonymousId, event, properties, timestamp: this.run.clock.iso(this.t), context: this.ctx };
    this.push(m);
  }

  /** Navigates to a page: dwell on the previous one, then emit the page view. */
  pageView(name: string, path: string, search: string, title: string, first = false): void {
    if (!first) {
      this.dwell();
      this.campaign = undefined; // UTM parameters only live on the landing URL
    }
    const url = this.run.origin + path + search;
    // As analytics.js does, page properties repeat context.page (here: the same object).
    const properties: PageInfo = { path, url, referrer: this.lastUrl, title, search };
    this.page = properties;
    this.lastUrl = url;
    this.ctx = this.context();
    const userId = this.currentUserId();
    const m: PageMessage = userId
      ? { type: 'page', messageId: this.rng.uuid(), anonymousId: this.dev.anonymousId, userId, name, properties, timestamp: this.run.clock.iso(this.t), context: this.ctx }
      : { type: 'page', messageId: this.rng.uuid(), anonymousId: this.dev.anonymousId, name, properties, timestamp: this.run.clock.iso(this.t), context: this.ctx };
    this.push(m);
  }

  identify(): void {
    const userId = this.userId!;
    const traits: Record<string, unknown> = {
      ...this.traits,
      createdAt: this.run.clock.iso(this.registeredAt || this.t),
      address: { country: this.truth.country, city: this.truth.region },
    };
    this.push({
      type: 'identify',
      messageId: this.rng.uuid(),
      anonymousId: this.dev.anonymousId,
      userId,
      traits,
      timestamp: this.run.clock.iso(this.t),
      context: this.ctx,
    });
    this.dev.identified = true;
  }

  /**
   * Simulates the whole person from their arrival (possibly in the warm-up before the period) and
   * keeps the messages inside the period: sessions that start at or after the period start, cut at
   * the period end.
   */
  simulate(): void {
    const rng = this.rng;
    const run = this.run;
    const truth = this.truth;

    // Arrival: a day weighted by traffic, a local hour from the diurnal curve.
    const simStart = run.baseMs - run.warmupDays * DAY_MS;
    const arrivalTable = run.arrivalDays[this.country.spec.group];
    let arrival = 0;
    for (let tries = 0; tries < 20; tries++) {
      arrival = this.timeOnDay(arrivalTable.pick(rng));
      if (arrival >= simStart && arrival < run.endMs) break;
    }
    if (arrival < simStart) arrival = simStart + rng.int(0, HOUR_MS);
    if (arrival >= run.endMs) arrival = run.endMs - rng.int(HOUR_MS, 2 * HOUR_MS);
    const arrivalDay = Math.floor((arrival - run.baseMs) / DAY_MS);
    truth.arrivedAt = run.clock.iso(arrival);

    // Quiet from this day on (the arrival day is always active).
    const quietDay = arrivalDay + 1 + rng.geometric(truth.churnHazard);
    const lastDay = Math.floor((run.endMs - 1 - run.baseMs) / DAY_MS);
    if (quietDay <= lastDay) truth.churnedAt = run.clock.iso(run.baseMs + quietDay * DAY_MS);

    // Session start times: the arrival, then Poisson per active day.
    const starts: number[] = [arrival];
    const endDay = Math.min(lastDay, quietDay - 1);
    for (let d = arrivalDay; d <= endDay; d++) {
      const k = rng.poisson(truth.sessionsPerDay * this.profiles[this.dayIndex(run.baseMs + d * DAY_MS)]!.traffic);
      for (let i = 0; i < k; i++) {
        const s = this.timeOnDay(d);
        if (s > arrival && s < run.endMs) starts.push(s);
      }
    }
    starts.sort((a, b) => a - b);
    if (starts[starts.length - 1]! < run.startMs) {
      // Gone quiet before the period: nothing to emit, skip the simulation.
      this.recount(0);
      return;
    }

    let lastEnd = -Infinity;
    let firstInPeriod = -1;
    for (let i = 0; i < starts.length; i++) {
      const first = i === 0;
      let start = starts[i]!;
      if (start < lastEnd + 30 * MINUTE_MS) start = lastEnd + 30 * MINUTE_MS + rng.int(0, 30 * MINUTE_MS);
      if (start >= run.endMs) break;
      if (firstInPeriod < 0 && start >= run.startMs) firstInPeriod = this.out.length;
      this.t = start;

      // Device: after sign-up some persons also use a second device.
      let dev = this.devices[0]!;
      if (!first && this.userId && this.hasSecondDevice && rng.chance(0.4)) {
        if (this.devices.length < 2) {
          const types: DeviceType[] = dev.type === 'desktop' ? ['mobile', 'tablet'] : ['desktop', 'tablet'];
          const second = newDevice(rng, this.country.spec, rng.chance(0.75) ? types[0]! : types[1]!);
          this.devices.push(second);
          this.allAnonymousIds.push(second.anonymousId);
        }
        dev = this.devices[1]!;
      }
      // Safari's ITP expires script-set cookies after 7 days without a visit: new anonymousId.
      if (ITP_FAMILIES.has(dev.family) && dev.lastSeen > 0 && start - dev.lastSeen > SIMULATION_PARAMETERS.itpCookieDays * DAY_MS) {
        dev.anonymousId = rng.uuid();
        dev.identified = false;
        this.allAnonymousIds.push(dev.anonymousId);
      }
      this.dev = dev;
      runSession(this, first);
      lastEnd = this.t;
    }

    // Keep the period only.
    const lo = firstInPeriod < 0 ? this.out.length : firstInPeriod;
    let hi = this.out.length;
    while (hi > lo && this.times[hi - 1]! >= run.endMs) hi--;
    if (lo > 0 || hi < this.out.length) {
      this.out = this.out.slice(lo, hi);
      this.times = this.times.slice(lo, hi);
    }
    this.recount(this.out.length);
  }

  /** Sets the realised counts in `truth` from the first `n` kept messages. */
  recount(n: number): void {
    const truth = this.truth;
    const used = new Set<string>();
    let sessions = 0;
    let orders = 0;
    let revenue = 0;
    let exposed = false;
    let identified = false;
    let lastSession: string | undefined;
    for (let i = 0; i < n; i++) {
      const m = this.out[i]!;
      used.add(m.anonymousId);
      if (m.userId) identified = true;
      if (m.context.sessionId !== lastSession) {
        sessions++;
        lastSession = m.context.sessionId;
      }
      if (m.type !== 'track') continue;
      if (m.event === 'Order Completed') {
        orders++;
        revenue += m.properties.revenue as number;
      } else if (m.event === 'Experiment Viewed') {
        exposed = true;
      }
    }
    truth.sessions = sessions;
    truth.orders = orders;
    truth.revenue = round2(revenue);
    truth.exposedToExperiment = exposed;
    truth.events = n;
    truth.firstSeen = n > 0 ? this.out[0]!.timestamp : '';
    // Only the ids and the userId that appear in the data.
    truth.anonymousIds = this.allAnonymousIds.filter((id) => used.has(id));
    truth.userId = identified ? this.userId : null;
  }
}
