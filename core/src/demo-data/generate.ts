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
import {
  CATEGORIES,
  CATEGORY_SPECS,
  CATEGORY_TABLE,
  COMPLEMENTS_BY_ANTECEDENT,
  PRODUCT_TABLES,
  PRODUCTS_BY_ID,
  type Category,
  type Product,
} from './catalog';
import {
  COUNTRIES,
  ITP_FAMILIES,
  UA_POOLS,
  type CountrySpec,
  type DeviceType,
  type FestivalGroup,
  type UaFamily,
} from './geo';
import { Random, WeightedTable, hashInts } from './random';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export interface PageInfo {
  path: string;
  url: string;
  referrer: string;
  title: string;
  search: string;
}

export interface CampaignInfo {
  source: string;
  medium: string;
  name: string;
  term?: string;
  content?: string;
}

export interface SegmentContext {
  userAgent: string;
  ip?: string;
  locale: string;
  page?: PageInfo;
  campaign?: CampaignInfo;
  /** Segment's context.location: where a server-side source says the person is. */
  location: { country: string; region: string };
  library: { name: 'demo-generator'; version: '1' };
  sessionId?: string;
}

interface MessageBase {
  messageId: string;
  anonymousId: string;
  userId?: string;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-10-24T09:15:02.123Z */
  timestamp: string;
  context: SegmentContext;
}

export interface TrackMessage extends MessageBase {
  type: 'track';
  event: string;
  properties: Record<string, unknown>;
}

export interface PageMessage extends MessageBase {
  type: 'page';
  name: string;
  properties: PageInfo;
}

export interface IdentifyMessage extends MessageBase {
  type: 'identify';
  userId: string;
  traits: Record<string, unknown>;
}

export interface AliasMessage extends MessageBase {
  type: 'alias';
  userId: string;
  previousId: string;
}

export type SegmentMessage = TrackMessage | PageMessage | IdentifyMessage | AliasMessage;

export type { DeviceType } from './geo';
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

// ---------------------------------------------------------------------------------------------
// Static tables
// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
/** Simulated days before the period, so it opens with returning visitors and existing customers. */
const WARMUP_DAYS = 42;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const LIBRARY = Object.freeze({ name: 'demo-generator', version: '1' }) as { name: 'demo-generator'; version: '1' };
const SHOP_NAME = 'DemoShop';


/** Per-country derived lookup tables (built once). */
interface CountryTables {
  readonly spec: CountrySpec;
  readonly locales: WeightedTable<string>;
  readonly devices: WeightedTable<DeviceType>;
  readonly search: WeightedTable<string>;
  readonly social: WeightedTable<string>;
  readonly channels: WeightedTable<Channel>;
}

const ACQUISITION: Record<FestivalGroup, ReadonlyArray<readonly [Channel, number]>> = {
  cn: [['organic_search', 0.22], ['paid_search', 0.18], ['social', 0.3], ['direct', 0.12], ['referral', 0.1], ['display', 0.06], ['email', 0.02]],
  west: [['organic_search', 0.3], ['paid_search', 0.2], ['social', 0.16], ['direct', 0.14], ['referral', 0.08], ['display', 0.09], ['email', 0.03]],
  asia: [['organic_search', 0.28], ['paid_search', 0.2], ['social', 0.2], ['direct', 0.14], ['referral', 0.08], ['display', 0.08], ['email', 0.02]],
};

const COUNTRY_TABLES: readonly CountryTables[] = COUNTRIES.map((spec) => ({
  spec,
  locales: WeightedTable.of(spec.locales),
  devices: new WeightedTable<DeviceType>(['desktop', 'mobile', 'tablet'], spec.devices),
  search: WeightedTable.of(spec.search),
  social: WeightedTable.of(spec.social),
  channels: WeightedTable.of(ACQUISITION[spec.group]),
}));
const COUNTRY_TABLE = new WeightedTable(COUNTRY_TABLES, COUNTRIES.map((c) => c.weight));

/** Local-time hour-of-day activity (index = hour). */
const HOUR_TABLE = new WeightedTable(
  Array.from({ length: 24 }, (_, h) => h),
  [1.0, 0.6, 0.35, 0.25, 0.2, 0.25, 0.5, 1.0, 1.6, 2.0, 2.3, 2.5, 2.7, 2.5, 2.4, 2.4, 2.5, 2.7, 3.0, 3.6, 4.0, 3.9, 3.0, 1.9],
);

const AGE_BANDS = new WeightedTable(['18-24', '25-34', '35-44', '45-54', '55-64', '65+'], [0.18, 0.32, 0.24, 0.14, 0.08, 0.04]);
const GENDERS = new WeightedTable(['female', 'male', 'non-binary', 'unspecified'], [0.52, 0.44, 0.01, 0.03]);
const PLANS = new WeightedTable(['free', 'plus', 'premium'], [0.8, 0.15, 0.05]);
const EMAIL_DOMAINS = ['example.com', 'example.com', 'example.net', 'example.org'];
const DISPLAY_SOURCES = new WeightedTable(['criteo', 'google_display', 'taboola', 'outbrain'], [0.4, 0.35, 0.15, 0.1]);
const DISPLAY_REFERRERS = ['', '', 'https://www.cnn.com/', 'https://www.theguardian.com/', 'https://www.accuweather.com/', 'https://www.msn.com/'];
const CN_DISPLAY_REFERRERS = ['', '', 'https://www.163.com/', 'https://www.sohu.com/', 'https://news.qq.com/'];
const EMAIL_REFERRERS = ['', '', '', 'https://mail.google.com/', 'https://outlook.live.com/'];

// ---------------------------------------------------------------------------------------------
// Calendar: traffic and conversion by day (weekday pattern + Singles' Day, Black Friday, ...)
// ---------------------------------------------------------------------------------------------

interface DayProfile {
  /** Multiplier on sessions per day. */
  traffic: number;
  /** Multiplier on cart probability. */
  conv: number;
  /** utm_campaign used by email (and some paid) traffic that day. */
  campaign: string;
  /** Landing path of the campaign's sale page. */
  salePath: string;
  /** Coupon pushed that day, or '' */
  coupon: string;
  /** Weight boost of email sessions that day. */
  emailBoost: number;
}

const WEEKDAY_TRAFFIC = [1.12, 1.06, 1.0, 0.98, 0.96, 0.9, 0.95]; // Sun..Sat

function isoWeek(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const dayNum = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dayNum);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
}

function blackFriday(year: number): number {
  // Fourth Thursday of November, plus one day.
  const nov1 = new Date(Date.UTC(year, 10, 1));
  const firstThursday = 1 + ((4 - nov1.getUTCDay() + 7) % 7);
  return Date.UTC(year, 10, firstThursday + 21 + 1);
}

function dayProfile(dayStartUtc: number, group: FestivalGroup): DayProfile {
  const date = new Date(dayStartUtc);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  const dom = date.getUTCDate();
  let traffic = WEEKDAY_TRAFFIC[date.getUTCDay()]!;
  let conv = 1;
  let campaign = `weekly_digest_${year}_w${String(isoWeek(date)).padStart(2, '0')}`;
  let salePath = '/sale/new-arrivals';
  let coupon = '';
  let emailBoost = 1;
  const bf = blackFriday(year);
  const fromBf = Math.round((dayStartUtc - bf) / DAY_MS);
  const cnWeight = group === 'cn' ? 1 : group === 'asia' ? 0.25 : 0.05;
  const bfWeight = group === 'west' ? 1 : group === 'asia' ? 0.5 : 0.15;

  // Singles' Day (11.11): pre-sales from 11-01, peak on the day.
  if (month === 11 && dom <= 12) {
    const shape = dom === 11 ? [3.0, 1.8] : dom === 10 ? [1.6, 1.2] : dom === 12 ? [1.3, 1.1] : [1.15, 0.92];
    traffic *= 1 + (shape[0]! - 1) * cnWeight;
    conv *= 1 + (shape[1]! - 1) * cnWeight;
    if (group !== 'west') {
      campaign = `singles_day_${year}`;
      salePath = '/sale/singles-day';
      coupon = dom >= 10 && dom <= 11 ? 'DOUBLE11' : '';
      emailBoost = dom >= 9 && dom <= 11 ? 3 : 1.5;
    }
  }
  // Black Friday week through Cyber Monday.
  if (fromBf >= -7 && fromBf <= 3) {
    const shapes: Record<number, [number, number]> = { [-1]: [1.3, 1.1], 0: [2.4, 1.7], 1: [1.8, 1.4], 2: [1.5, 1.3], 3: [2.1, 1.6] };
    const shape = shapes[fromBf] ?? [1.1, 0.95];
    traffic *= 1 + (shape[0] - 1) * bfWeight;
    conv *= 1 + (shape[1] - 1) * bfWeight;
    if (group !== 'cn') {
      campaign = fromBf === 3 ? `cyber_monday_${year}` : `black_friday_${year}`;
      salePath = fromBf === 3 ? '/sale/cyber-monday' : '/sale/black-friday';
      coupon = fromBf >= 0 ? (fromBf === 3 ? 'CYBER25' : 'BF20') : '';
      emailBoost = fromBf >= 0 ? 3 : 1.5;
    }
  }
  // Christmas season.
  if (month === 12 && group !== 'cn') {
    if (dom <= 20) {
      traffic *= 1.2;
      conv *= 1.1;
      campaign = `holiday_gifts_${year}`;
      salePath = '/sale/holiday-gifts';
      emailBoost = 1.5;
    } else if (dom === 24 || dom === 25) {
      traffic *= dom === 24 ? 0.8 : 0.6;
    } else if (dom === 26) {
      traffic *= 1.6;
      conv *= 1.3;
      campaign = `boxing_day_${year}`;
      salePath = '/sale/boxing-day';
      coupon = 'BOXING15';
      emailBoost = 2;
    }
  }
  // 618 mid-year festival in China.
  if (month === 6 && dom >= 16 && dom <= 18) {
    traffic *= 1 + (dom === 18 ? 1.2 : 0.3) * cnWeight;
    conv *= 1 + (dom === 18 ? 0.5 : 0.1) * cnWeight;
    if (group === 'cn') {
      campaign = `618_festival_${year}`;
      salePath = '/sale/618';
      emailBoost = 2;
    }
  }
  return { traffic, conv, campaign, salePath, coupon, emailBoost };
}

const COUPONS: Record<string, { name: string; percent: number; amount: number }> = {
  WELCOME10: { name: 'Welcome 10% off', percent: 10, amount: 0 },
  SAVE5: { name: '$5 off orders over $50', percent: 0, amount: 5 },
  FREESHIP: { name: 'Free shipping', percent: 0, amount: 0 },
  DOUBLE11: { name: "Singles' Day 15% off", percent: 15, amount: 0 },
  BF20: { name: 'Black Friday 20% off', percent: 20, amount: 0 },
  CYBER25: { name: 'Cyber Monday 25% off', percent: 25, amount: 0 },
  BOXING15: { name: 'Boxing Day 15% off', percent: 15, amount: 0 },
};

// ---------------------------------------------------------------------------------------------
// Fast ISO timestamps
// ---------------------------------------------------------------------------------------------

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** Formats epoch milliseconds as ISO strings using a per-day prefix cache (no Date per event). */
export class IsoClock {
  private readonly base: number;
  private readonly prefixes: string[] = [];

  constructor(startMs: number, days: number) {
    this.base = Math.floor(startMs / DAY_MS) * DAY_MS;
    for (let d = 0; d <= days + 2; d++) this.prefixes.push(new Date(this.base + d * DAY_MS).toISOString().slice(0, 11));
  }

  iso(ms: number): string {
    const d = Math.floor((ms - this.base) / DAY_MS);
    const prefix = this.prefixes[d];
    if (prefix === undefined || !Number.isInteger(ms)) return new Date(ms).toISOString();
    let r = ms - this.base - d * DAY_MS;
    const h = Math.floor(r / HOUR_MS);
    r -= h * HOUR_MS;
    const mi = Math.floor(r / MINUTE_MS);
    r -= mi * MINUTE_MS;
    const s = Math.floor(r / 1000);
    return `${prefix}${PAD2[h]}:${PAD2[mi]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
  }
}

// ---------------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------------

interface Device {
  anonymousId: string;
  type: DeviceType;
  family: UaFamily;
  ua: string;
  homeIp: string;
  identified: boolean;
  lastSeen: number;
}

interface CartLine {
  product: Product;
  quantity: number;
}

type PageKind = 'home' | 'category' | 'product' | 'search' | 'sale';

interface Landing {
  channel: Channel;
  referrer: string;
  query: string;
  campaign: CampaignInfo | undefined;
  kind: 'home' | 'category' | 'product' | 'sale';
  category: Category;
  product: Product | undefined;
}

/** State shared across persons within one generation run. */
interface RunState {
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

const CATEGORY_PAGE: Record<Category, { path: string; title: string }> = Object.fromEntries(
  CATEGORIES.map((c) => [c, { path: `/category/${c}`, title: `${CATEGORY_SPECS[c].label} | ${SHOP_NAME}` }]),
) as Record<Category, { path: string; title: string }>;

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

class PersonSimulation {
  /** Messages in time order, and their epoch-ms times. */
  out: SegmentMessage[] = [];
  private times: number[] = [];
  readonly truth: PersonTruth;

  private readonly rng: Random;
  private readonly run: RunState;
  private readonly country: CountryTables;
  private readonly locale: string;
  private readonly location: { country: string; region: string };
  private readonly profiles: DayProfile[];
  private readonly devices: Device[] = [];
  private readonly allAnonymousIds: string[] = [];
  private readonly willRegister: boolean;
  private readonly hasSecondDevice: boolean;
  private readonly cartProbability: number;
  private readonly checkoutProbability: number;
  private readonly completionProbability: number;
  private readonly traits: { firstName: string; lastName: string; email: string; phone: string; plan: string; ageBand: string; gender: string };

  // Per-session state.
  private dev!: Device;
  private t = 0;
  private sessionId = '';
  private sessionIp = '';
  private page: PageInfo | undefined;
  /** Context shared by all messages of the current page view. */
  private ctx!: SegmentContext;
  private campaign: CampaignInfo | undefined;
  private lastUrl = '';
  private userId: string | null = null;
  private registeredAt = 0;
  private ordersPlaced = 0;
  private exposed = false;

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
    const first = this.newDevice(deviceType);
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

  // -- helpers -------------------------------------------------------------------------------

  private newIp(): string {
    const rng = this.rng;
    const spec = this.country.spec;
    if (rng.chance(spec.ipv6Share)) {
      let s = rng.pick(spec.ipv6);
      for (let i = 0; i < 6; i++) s += ':' + (rng.uint32() & 0xffff).toString(16);
      return s;
    }
    const [a, b] = rng.pick(spec.ipv4);
    return `${a}.${b}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
  }

  private newDevice(type: DeviceType): Device {
    const family = this.country.spec.browsers[type].pick(this.rng);
    return {
      anonymousId: this.rng.uuid(),
      type,
      family,
      ua: this.rng.pick(UA_POOLS[family]),
      homeIp: this.newIp(),
      identified: false,
      lastSeen: 0,
    };
  }

  /** A start time on day `day` drawn from the local diurnal curve (may fall outside the period). */
  private timeOnDay(day: number): number {
    const hour = HOUR_TABLE.pick(this.rng) + this.rng.next();
    return Math.round(this.run.baseMs + day * DAY_MS + (hour - this.country.spec.tz) * HOUR_MS);
  }

  /** Index into `profiles` for a time. */
  private dayIndex(ms: number): number {
    const d = Math.floor((ms - this.run.baseMs) / DAY_MS) + this.run.warmupDays;
    const last = this.profiles.length - 1;
    return d < 0 ? 0 : d > last ? last : d;
  }

  private push(m: SegmentMessage): void {
    this.out.push(m);
    this.times.push(this.t);
  }

  private advance(minMs: number, maxMs: number): void {
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

  private track(event: string, properties: Record<string, unknown>): void {
    const userId = this.currentUserId();
    const m: TrackMessage = userId
      ? { type: 'track', messageId: this.rng.uuid(), anonymousId: this.dev.anonymousId, userId, event, properties, timestamp: this.run.clock.iso(this.t), context: this.ctx }
      : { type: 'track', messageId: this.rng.uuid(), anonymousId: this.dev.anonymousId, event, properties, timestamp: this.run.clock.iso(this.t), context: this.ctx };
    this.push(m);
  }

  /** Navigates to a page: dwell on the previous one, then emit the page view. */
  private pageView(name: string, path: string, search: string, title: string, first = false): void {
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

  private identify(): void {
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

  private signUp(): void {
    this.pageView('Sign Up', '/signup', '', `Create account | ${SHOP_NAME}`);
    this.advance(20_000, 120_000);
    this.userId = `u-${String(++this.run.userSeq).padStart(6, '0')}`;
    this.truth.userId = this.userId;
    this.registeredAt = this.t;
    this.identify();
    if (this.rng.chance(0.08)) {
      this.advance(50, 400);
      this.push({
        type: 'alias',
        messageId: this.rng.uuid(),
        anonymousId: this.dev.anonymousId,
        userId: this.userId,
        previousId: this.dev.anonymousId,
        timestamp: this.run.clock.iso(this.t),
        context: this.ctx,
      });
    }
    this.advance(100, 900);
    const method = this.country.spec.code === 'CN' ? this.rng.pick(['wechat', 'wechat', 'phone', 'email']) : this.rng.pick(['email', 'email', 'google', 'apple']);
    this.track('Signed Up', { method, plan: this.traits.plan });
  }

  private logIn(): void {
    this.pageView('Log In', '/login', '', `Log in | ${SHOP_NAME}`);
    this.advance(8_000, 60_000);
    this.identify();
    this.advance(100, 900);
    this.track('Signed In', { method: this.country.spec.code === 'CN' ? 'wechat' : 'email' });
  }

  private viewProduct(p: Product, first = false, search = ''): void {
    this.pageView('Product', p.path, search, p.title, first);
    this.advance(300, 2_500);
    this.track('Product Viewed', {
      product_id: p.id,
      sku: p.sku,
      category: p.category,
      name: p.name,
      brand: p.brand,
      price: p.price,
      currency: 'USD',
      url: this.run.origin + p.path,
    });
  }

  private quantity(p: Product): number {
    const consumable = p.category === 'grocery' || p.category === 'baby' || p.category === 'beauty';
    const x = this.rng.next();
    return x < (consumable ? 0.72 : 0.88) ? 1 : x < (consumable ? 0.9 : 0.97) ? 2 : 3;
  }

  private addToCart(cart: CartLine[], cartId: string, p: Product, fromWidget = false): void {
    if (cart.some((l) => l.product === p)) return;
    this.advance(fromWidget ? 1_500 : 4_000, fromWidget ? 10_000 : 45_000);
    const quantity = this.quantity(p);
    cart.push({ product: p, quantity });
    this.track('Product Added', {
      cart_id: cartId,
      product_id: p.id,
      sku: p.sku,
      category: p.category,
      name: p.name,
      brand: p.brand,
      price: p.price,
      currency: 'USD',
      quantity,
    });
    const rule = COMPLEMENTS_BY_ANTECEDENT.get(p.id);
    if (rule && !fromWidget && this.rng.chance(rule.attachRate)) {
      // "Frequently bought together" widget on the product page.
      this.addToCart(cart, cartId, PRODUCTS_BY_ID.get(rule.consequent)!, true);
    }
  }

  private otherCategory(): Category {
    return CATEGORY_TABLE.pick(this.rng);
  }

  private pickProduct(category: Category): Product {
    return PRODUCT_TABLES[category].pick(this.rng);
  }

  private searchQuery(category: Category): string {
    const spec = CATEGORY_SPECS[category];
    if (this.locale.startsWith('zh') && this.rng.chance(0.6)) return this.rng.pick(spec.queriesZh);
    return this.rng.pick(spec.queries);
  }

  // -- traffic sources -------------------------------------------------------------------------

  private sessionChannel(first: boolean): Channel {
    if (first) return this.truth.acquisitionChannel;
    const rng = this.rng;
    const profile = this.profiles[this.dayIndex(this.t)]!;
    const emailW = this.userId ? 0.1 * profile.emailBoost : 0.01;
    const acq = this.truth.acquisitionChannel;
    const w = (c: Channel, base: number) => base + (c === acq ? 0.15 : 0);
    const weights = [
      w('direct', 0.38), w('organic_search', 0.2), w('paid_search', 0.07), w('social', 0.08), emailW + (acq === 'email' ? 0.1 : 0),
      w('referral', 0.03), w('display', 0.05),
    ];
    return rng.weighted<Channel>(['direct', 'organic_search', 'paid_search', 'social', 'email', 'referral', 'display'], weights);
  }

  private landing(channel: Channel): Landing {
    const rng = this.rng;
    const spec = this.country.spec;
    const profile = this.profiles[this.dayIndex(this.t)]!;
    const category = rng.chance(0.7) ? this.truth.preferredCategory : this.otherCategory();
    const product = this.pickProduct(category);
    const festival = !profile.campaign.startsWith('weekly_digest');
    const l: Landing = { channel, referrer: '', query: '', campaign: undefined, kind: 'home', category, product: undefined };
    const landOn = (pProduct: number, pCategory: number) => {
      const x = rng.next();
      l.kind = x < pProduct ? 'product' : x < pProduct + pCategory ? 'category' : 'home';
      if (l.kind === 'product') l.product = product;
    };
    const utm = (source: string, medium: string, name: string, extra = '', term?: string) => {
      l.campaign = term ? { source, medium, name, term } : { source, medium, name };
      l.query = `?utm_source=${source}&utm_medium=${medium}&utm_campaign=${encodeURIComponent(name)}${term ? `&utm_term=${encodeURIComponent(term)}` : ''}${extra}`;
    };
    switch (channel) {
      case 'direct':
        landOn(0.22, 0.12);
        break;
      case 'organic_search':
        l.referrer = this.country.search.pick(rng);
        landOn(0.5, 0.38);
        break;
      case 'paid_search': {
        l.referrer = spec.paidSource === 'baidu' ? 'https://www.baidu.com/' : spec.paidSource === 'naver' ? 'https://search.naver.com/' : this.country.search.items[0]!;
        landOn(0.6, 0.4);
        const name = festival && rng.chance(0.4) ? profile.campaign : rng.chance(0.3) ? 'brand_search' : `generic_${category}`;
        const clickId = spec.paidSource === 'google' ? `&gclid=Cj0KCQ${rng.hex(24)}` : spec.paidSource === 'baidu' ? `&bd_vid=${rng.hex(16)}` : '';
        utm(spec.paidSource, 'cpc', name, clickId, this.searchQuery(category));
        break;
      }
      case 'social': {
        l.referrer = this.country.social.pick(rng);
        landOn(0.55, 0.3);
        if (l.referrer === '' || rng.chance(0.45)) {
          // Paid social / share links carry UTM parameters (WeChat shares have no referrer).
          const source = l.referrer === '' ? 'wechat' : (new URL(l.referrer).hostname.replace(/^(www|l|m)\./, '').split('.')[0] ?? 'social');
          const name = festival && rng.chance(0.5) ? profile.campaign : `social_${category}`;
          utm(source, 'social', name, source === 'facebook' || source === 'instagram' ? `&fbclid=IwAR${rng.hex(24)}` : '');
        }
        break;
      }
      case 'email': {
        l.referrer = rng.pick(EMAIL_REFERRERS);
        const x = rng.next();
        if (festival && x < 0.55) l.kind = 'sale';
        else landOn(0.45, 0.35);
        utm('newsletter', 'email', profile.campaign, `&utm_content=${rng.pick(['hero', 'product_grid', 'footer'])}`);
        break;
      }
      case 'referral':
        l.referrer = rng.pick(spec.deals) + (spec.code === 'CN' ? String(rng.int(10_000_000, 99_999_999)) : `best-${category}-${new Date(this.run.startMs).getUTCFullYear()}/`);
        landOn(0.75, 0.2);
        break;
      case 'display': {
        l.referrer = rng.pick(spec.code === 'CN' ? CN_DISPLAY_REFERRERS : DISPLAY_REFERRERS);
        landOn(0.7, 0.25);
        const source = spec.code === 'CN' ? 'tencent_ads' : DISPLAY_SOURCES.pick(rng);
        utm(source, 'display', rng.chance(0.5) ? 'retargeting' : festival ? profile.campaign : `prospecting_${category}`);
        break;
      }
    }
    return l;
  }

  // -- sessions ----------------------------------------------------------------------------------

  private runSession(first: boolean): void {
    const rng = this.rng;
    const truth = this.truth;
    this.sessionId = rng.hex(16);
    this.sessionIp = this.dev.type === 'mobile' || rng.chance(0.12) ? this.newIp() : this.dev.homeIp;
    this.campaign = undefined;
    const profile = this.profiles[this.dayIndex(this.t)]!;

    // Plan the funnel up front so the per-session probabilities are exactly known.
    const cartP = Math.min(0.9, this.cartProbability * profile.conv);
    const wantsCart = rng.chance(cartP);
    const willCheckout = wantsCart && rng.chance(this.checkoutProbability);
    const willComplete = willCheckout && rng.chance(this.completionProbability);

    // Landing page.
    const channel = this.sessionChannel(first);
    const l = this.landing(channel);
    this.lastUrl = l.referrer;
    this.campaign = l.campaign;
    const cart: CartLine[] = [];
    const cartId = rng.hex(16);
    let productViews = 0;
    let addAt = wantsCart ? 1 + rng.geometric(0.5) : -1;
    let category = l.category;
    let where: PageKind = l.kind;
    const onProduct = (p: Product) => {
      productViews++;
      if (wantsCart && cart.length === 0 && productViews >= addAt) this.addToCart(cart, cartId, p);
      else if (cart.length > 0 && cart.length < 4 && rng.chance(0.25)) this.addToCart(cart, cartId, p);
    };
    switch (l.kind) {
      case 'product':
        this.viewProduct(l.product!, true, l.query);
        onProduct(l.product!);
        break;
      case 'category':
        this.pageView('Category', CATEGORY_PAGE[category].path, l.query, CATEGORY_PAGE[category].title, true);
        break;
      case 'sale':
        this.pageView('Sale', profile.salePath, l.query, `${profile.campaign.replace(/_/g, ' ')} | ${SHOP_NAME}`, true);
        break;
      default:
        this.pageView('Home', '/', l.query, `${SHOP_NAME} - Shop beauty, electronics, fashion & more`, true);
    }

    // Account actions near the start of the session.
    if (!this.dev.identified) {
      if (this.userId && rng.chance(0.45)) this.logIn();
      else if (!this.userId && this.willRegister && rng.chance(first ? 0.2 : 0.12)) this.signUp();
    }

    // Browse.
    for (let step = 0; step < 60; step++) {
      const needAdd = wantsCart && cart.length === 0;
      if (!needAdd) {
        const exitP = step === 0 ? (wantsCart ? 0.3 : 0.42) : wantsCart ? 0.38 : 0.3;
        if (rng.chance(exitP)) break;
      }
      const x = rng.next();
      let next: PageKind;
      if (needAdd && step >= 8) next = 'product';
      else if (where === 'home' || where === 'sale') next = x < 0.45 ? 'category' : x < 0.8 ? 'product' : 'search';
      else if (where === 'category') next = x < 0.75 ? 'product' : x < 0.85 ? 'category' : 'search';
      else if (where === 'product') next = x < 0.5 ? 'product' : x < 0.75 ? 'category' : x < 0.9 ? 'search' : 'home';
      else next = x < 0.8 ? 'product' : 'search';

      if (next === 'product') {
        if (where !== 'product' && where !== 'category' && where !== 'search') category = rng.chance(0.65) ? truth.preferredCategory : this.otherCategory();
        else if (rng.chance(0.15)) category = this.otherCategory();
        const p = this.pickProduct(category);
        this.viewProduct(p);
        onProduct(p);
      } else if (next === 'category') {
        category = rng.chance(0.6) ? truth.preferredCategory : this.otherCategory();
        this.pageView('Category', CATEGORY_PAGE[category].path, '', CATEGORY_PAGE[category].title);
      } else if (next === 'search') {
        category = rng.chance(0.7) ? truth.preferredCategory : this.otherCategory();
        const q = this.searchQuery(category);
        this.pageView('Search', '/search', `?q=${encodeURIComponent(q)}`, `Search results for "${q}" | ${SHOP_NAME}`);
        this.advance(200, 1_200);
        this.track('Searched', { query: q });
      } else {
        this.pageView('Home', '/', '', `${SHOP_NAME} - Shop beauty, electronics, fashion & more`);
      }
      where = next;
    }

    if (cart.length > 0) this.finishCart(cart, cartId, willCheckout, willComplete, profile);
    this.dev.lastSeen = this.t;
  }

  private cartValue(cart: CartLine[]): number {
    let sum = 0;
    for (const l of cart) sum += l.product.price * l.quantity;
    return round2(sum);
  }

  private cartProducts(cart: CartLine[]): Array<Record<string, unknown>> {
    return cart.map((l) => ({
      product_id: l.product.id,
      sku: l.product.sku,
      category: l.product.category,
      name: l.product.name,
      price: l.product.price,
      quantity: l.quantity,
    }));
  }

  private finishCart(cart: CartLine[], cartId: string, willCheckout: boolean, willComplete: boolean, profile: DayProfile): void {
    const rng = this.rng;
    if (!willCheckout) {
      if (rng.chance(0.45)) {
        this.pageView('Cart', '/cart', '', `Your cart | ${SHOP_NAME}`);
        this.advance(300, 2_000);
        this.track('Cart Viewed', { cart_id: cartId, products: this.cartProducts(cart) });
      }
      return;
    }
    if (rng.chance(0.7)) {
      this.pageView('Cart', '/cart', '', `Your cart | ${SHOP_NAME}`);
      this.advance(300, 2_000);
      this.track('Cart Viewed', { cart_id: cartId, products: this.cartProducts(cart) });
    }
    if (!this.dev.identified) {
      if (this.userId) {
        if (rng.chance(0.8)) this.logIn();
      } else if (this.willRegister || rng.chance(0.45)) {
        this.signUp();
      }
    }
    this.pageView('Checkout', '/checkout', '', `Checkout | ${SHOP_NAME}`);
    if (!this.exposed && this.t >= this.run.startMs) {
      // The experiment runs from the start of the period.
      this.exposed = true;
      this.advance(50, 400);
      const id = SIMULATION_PARAMETERS.experimentId;
      this.track('Experiment Viewed', { experiment_id: id, experiment_name: id, variant: this.truth.variant });
    }
    const orderId = `o-${String(++this.run.orderSeq).padStart(8, '0')}`;
    const revenue = this.cartValue(cart);
    this.advance(300, 1_500);
    this.track('Checkout Started', { order_id: orderId, value: revenue, revenue, currency: 'USD', products: this.cartProducts(cart) });

    let coupon = '';
    const pushed = profile.coupon;
    if (pushed && rng.chance(0.45)) coupon = pushed;
    else if (rng.chance(0.1)) coupon = this.ordersPlaced === 0 && this.userId ? 'WELCOME10' : rng.pick(['SAVE5', 'FREESHIP']);
    if (coupon === 'SAVE5' && revenue < 50) coupon = '';
    const spec = coupon ? COUPONS[coupon]! : undefined;
    const shippingBase = revenue >= 50 ? 0 : 5.99;
    const discount = spec ? round2(spec.amount + (revenue * spec.percent) / 100 + (coupon === 'FREESHIP' ? shippingBase : 0)) : 0;
    if (spec) {
      this.advance(5_000, 40_000);
      this.track('Coupon Applied', { order_id: orderId, cart_id: cartId, coupon_id: coupon, coupon_name: spec.name, discount });
    }
    this.pageView('Checkout Payment', '/checkout/payment', '', `Payment | ${SHOP_NAME}`);
    if (!willComplete) return;
    this.advance(20_000, 150_000);
    const cc = this.truth.country;
    const taxRate = cc === 'US' ? 0.0825 : cc === 'CA' ? 0.13 : 0; // elsewhere prices include VAT
    const tax = round2((revenue - discount) * taxRate);
    const shipping = shippingBase; // FREESHIP is booked as a discount equal to shipping
    const total = round2(revenue - discount + shipping + tax);
    const props: Record<string, unknown> = {
      order_id: orderId,
      checkout_id: cartId,
      total,
      revenue,
      shipping,
      tax,
      discount,
      currency: 'USD',
      products: this.cartProducts(cart),
    };
    if (coupon) props.coupon = coupon;
    this.track('Order Completed', props);
    this.ordersPlaced++;
    this.advance(300, 1_500);
    this.pageView('Order Confirmation', '/checkout/confirmation', '', `Thank you for your order | ${SHOP_NAME}`);
    cart.length = 0;
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
          const second = this.newDevice(rng.chance(0.75) ? types[0]! : types[1]!);
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
      this.runSession(first);
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

function validateOptions(options: GenerateOptions): void {
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

function createRunState(options: GenerateOptions): RunState {
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

/**
 * Streams `options.events` Segment messages of simulated shoppers. Deterministic for given options.
 * Options are validated immediately (RangeError); messages are produced lazily.
 */
export function generateDemoEvents(options: GenerateOptions): Generator<SegmentMessage> {
  validateOptions(options);
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
