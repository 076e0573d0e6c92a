/**
 * Multi-touch attribution: which marketing sources get the credit for conversions. Semantics
 * (docs/marketing-analytics.md):
 *
 * - Sessions: session_id when the client sent one, else a person's events with no gap over 30
 *   minutes. A touchpoint is the first event of a session matching `touch` (any event by default),
 *   with the value of `touch.property` on it (the derived `channel` by default, or any column or
 *   event property such as utm_source); a missing value is "(none)".
 * - Conversions are the events matching `conversion` in [from, to], each worth its
 *   `revenueProperty` (0 when missing). A conversion's path is the person's touchpoints in
 *   [conversion - lookback, conversion] that come after the person's previous conversion, oldest
 *   first. A conversion without any touchpoint is unattributed (counted in totals, credited to no
 *   channel, by every model).
 * - Non-converting journeys: per person, the touchpoints after their last conversion (all of them
 *   for persons who never converted) within lookback of the journey's last touchpoint, when that
 *   last touchpoint lies in [from, to]. They feed the Markov model only.
 * - Models: attribution-models.ts (rule based) and markov.ts (removal effects). Every model
 *   credits exactly the attributed conversions and their revenue.
 * - Spend (spend.ts): CPA = spend / conversions, ROAS = revenue / spend, ROI = revenue * margin /
 *   spend, per channel and model; a channel is flagged when its ROI is below 1.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { channelCredits, HEURISTIC_MODELS, type HeuristicModel, type TouchPath } from './attribution-models';
import { ensurePersonMap, personEvents, type IdentityMode } from './identity';
import { markovAttribution, type Journey, type MarkovModel } from './markov';
import { SESSION_GAP_MINUTES } from './overview';
import { analysisBasis, type WithBasis } from './basis';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyFilterSchema, propertyName, SpecError, windowSchema } from './spec';
import { economics, parseSpendCsv, summariseSpend, type ChannelEconomics } from './spend';
import { clickRates, type ImportedSpend } from './imported-spend';
import { offlineTouchValue, OFFLINE_TOUCH_MODES, ORIGIN_PROPERTY, STORE_PROPERTY, type OfflineTouch } from './origin';
import { channelNewCustomers, costPerNewCustomer, newCustomerCtes, NewCustomerTally, type NewCustomerColumns, type NewCustomerQuality, type NewCustomerSummary } from './new-customers';
import {
  and,
  columnsFor,
  eventCondition,
  matcherProperties,
  milliseconds,
  propertyAsText,
  propertyExpr,
  propertyFilterCondition,
  resolveProperty,
  sql,
  timeBounds,
  timestamp,
  epochMs,
  WINDOW_UNITS,
  type EventMatcher,
  type PropertyFilter,
  type Sql,
  type TimeBounds,
} from './sql';

export const ATTRIBUTION_MODELS = [...HEURISTIC_MODELS, 'markov'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];
export const NO_VALUE = '(none)';

export const touchSchema = z.strictObject({
  event: z.string().min(1, 'event name is empty').max(256).optional(),
  where: z.array(propertyFilterSchema).max(50).optional(),
  property: propertyName.default('channel'),
});

export const attributionSpecSchema = z
  .strictObject({
    conversion: eventMatcherSchema.default({ event: 'Order Completed' }),
    revenueProperty: propertyName.default('revenue'),
    touch: touchSchema.default({ property: 'channel' }),
    lookback: windowSchema.default({ value: 30, unit: 'day' }),
    models: z.array(z.enum(ATTRIBUTION_MODELS)).min(1).max(ATTRIBUTION_MODELS.length).default([...ATTRIBUTION_MODELS]),
    halfLife: windowSchema.default({ value: 7, unit: 'day' }),
    markov: z.strictObject({ order: z.number().int().min(1).max(4).default(1) }).default({ order: 1 }),
    directValues: z.array(z.string().max(256)).max(50).default(['direct', NO_VALUE, '(direct)']),
    /** Path of a spend CSV; the caller reads it and passes the text to runAttribution. */
    spend: z.string().min(1).max(4096).optional(),
    /** Share of revenue that is return on spend (gross margin) for ROI. */
    margin: z.number().gt(0).max(10).default(1),
    /** Follow-up window after a new customer's first order, for repeat share and revenue per new customer. */
    newCustomerWindow: windowSchema.default({ value: 90, unit: 'day' }),
    /** Imported rows' touch: one channel "offline", or "offline:<store>" per store. */
    offlineTouch: z.enum(OFFLINE_TOUCH_MODES).default('offline'),
    from: isoTime.optional(),
    to: isoTime.optional(),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine((spec, ctx) => {
    checkRange(spec, ctx);
    const seen = new Set<string>();
    spec.models.forEach((model, i) => {
      if (seen.has(model)) ctx.addIssue({ code: 'custom', path: ['models', i], message: `model "${model}" is listed twice` });
      seen.add(model);
    });
  });

export type AttributionSpecInput = z.input<typeof attributionSpecSchema>;
export type AttributionSpec = z.output<typeof attributionSpecSchema>;
export type PerModel<T> = Partial<Record<AttributionModel, T>>;

export interface AttributionChannel {
  channel: string;
  /** Touchpoints of the channel in converting and non-converting journeys. */
  touchpoints: number;
  conversions: PerModel<number>;
  revenue: PerModel<number>;
  spend?: number;
  cpa?: PerModel<number | null>;
  roas?: PerModel<number | null>;
  roi?: PerModel<number | null>;
  /** Models under which the channel's ROI is below 1. */
  roiBelowOne?: AttributionModel[];
  /** From imported ad reports: what the platforms report, CTR = clicks / impressions, CPC = spend / clicks. */
  impressions?: number;
  clicks?: number;
  ctr?: number | null;
  cpc?: number | null;
  platformConversions?: number;
  /** Credited new customers (a person's first order ever among the analysed conversions). */
  newCustomers: PerModel<number>;
  newCustomerQuality: PerModel<NewCustomerQuality>;
  /** spend / new customers; null without spend or new customers. With spend only. */
  costPerNewCustomer?: PerModel<number | null>;
}

export interface AttributionResult {
  models: AttributionModel[];
  channels: AttributionChannel[];
  totals: { conversions: number; revenue: number; attributedConversions: number; attributedRevenue: number; unattributedConversions: number; unattributedRevenue: number };
  /** converting: conversions with at least one touchpoint; nonConverting: journeys without a conversion. */
  paths: { converting: number; nonConverting: number; averageConvertingLength: number };
  markov?: MarkovModel;
  newCustomers: NewCustomerSummary;
  spend?: { total: number; rowsUsed: number; rowsOutsideRange: number; margin: number; channelsWithoutTouches: string[]; source?: 'csv' | 'imported'; by?: 'platform' | 'campaign' };
}

export function parseAttributionSpec(input: unknown): AttributionSpec {
  return parseSpec(attributionSpecSchema, input);
}

export interface TouchDefinition {
  event?: string | undefined;
  where?: PropertyFilter[] | undefined;
  property: string;
}

/** A lazily evaluated boolean: filters only run on rows of the right event; no event name means any event. */
function matchFlag(matcher: { event?: string | undefined; where?: PropertyFilter[] | undefined }): Sql {
  const filters = matcher.where ?? [];
  if (matcher.event === undefined) return filters.length ? sql`coalesce(${and(filters.map((f) => propertyFilterCondition(f)))}, false)` : sql`TRUE`;
  if (!filters.length) return sql`coalesce("event" = ${matcher.event}, false)`;
  return sql`CASE WHEN "event" = ${matcher.event} THEN coalesce(${eventCondition(matcher as EventMatcher)}, false) ELSE false END`;
}

/**
 * CTEs `pe` (events with person, is_touch, is_conv, touch_value, revenue), `touches` (person, ts,
 * channel: one row per session with a touch) for the events in `bounds`. Shared with audience.ts.
 */
export function touchCtes(options: { touch: TouchDefinition; conversion: EventMatcher; revenueProperty: string; identity: IdentityMode; includeFlagged?: boolean | undefined; bounds: TimeBounds; offlineTouch?: OfflineTouch | undefined }): Sql {
  const { touch, conversion } = options;
  const touchFlag = matchFlag(touch);
  const convFlag = matchFlag(conversion);
  const amount = revenueAmount(options.revenueProperty);
  const columns = columnsFor([touch.property, options.revenueProperty, ORIGIN_PROPERTY, STORE_PROPERTY, ...matcherProperties([conversion]), ...(touch.where ?? []).map((f) => f.property)], ['event_id', 'timestamp', 'event', 'session_id']);
  const range: Sql[] = [];
  if (options.bounds.fromMs !== null) range.push(sql`"timestamp" >= ${timestamp(options.bounds.fromMs)}`);
  if (options.bounds.toMs !== null) range.push(sql`"timestamp" < ${timestamp(options.bounds.toMs)}`);
  const gap = milliseconds(SESSION_GAP_MINUTES * 60_000);
  // Sessions without a session_id are inferred from all of a person's events; otherwise only touches and conversions matter.
  // conv.prev_ts is -infinity before a person's first conversion: an OR there would turn the journey join into a nested loop.
  return sql`pe AS MATERIALIZED (
      SELECT person, "timestamp" AS ts, event_id, session_id, is_touch, is_conv,
        CASE WHEN is_touch THEN coalesce(${offlineTouchValue(options.offlineTouch ?? 'offline')}, ${propertyAsText(resolveProperty(touch.property))}, ${NO_VALUE}) END AS touch_value,
        CASE WHEN is_conv THEN coalesce(${amount}, 0) END AS revenue
      FROM (SELECT *, ${touchFlag} AS is_touch, ${convFlag} AS is_conv FROM ${personEvents(options.identity, columns, { includeFlagged: options.includeFlagged })} WHERE ${and(range)})
      WHERE is_touch OR is_conv OR session_id IS NULL
    ),
    inferred AS (
      SELECT person, ts, event_id, is_touch, touch_value,
        sum(CASE WHEN prev_ts IS NULL OR ts - prev_ts > ${gap} THEN 1 ELSE 0 END) OVER (PARTITION BY person ORDER BY ts, event_id ROWS UNBOUNDED PRECEDING) AS session_number
      FROM (SELECT *, lag(ts) OVER (PARTITION BY person ORDER BY ts, event_id) AS prev_ts FROM pe WHERE session_id IS NULL)
    ),
    touches AS (
      SELECT person, min(ts) AS ts, arg_min(touch_value, (ts, event_id)) AS channel FROM (
        SELECT person, ts, event_id, touch_value, 's:' || session_id AS session_key FROM pe WHERE is_touch AND session_id IS NOT NULL
        UNION ALL
        SELECT person, ts, event_id, touch_value, 'g:' || CAST(session_number AS VARCHAR) FROM inferred WHERE is_touch
      ) GROUP BY person, session_key
    ),
    conv AS (
      SELECT person, ts, event_id, revenue, coalesce(lag(ts) OVER (PARTITION BY person ORDER BY ts, event_id), CAST('-infinity' AS TIMESTAMP)) AS prev_ts FROM pe WHERE is_conv
    )`;
}

/** A conversion's revenue: the property as a number, NULL when it is not one. */
function revenueAmount(revenueProperty: string): Sql {
  const revenue = propertyExpr(resolveProperty(revenueProperty));
  return revenue.kind === 'number' && !revenue.text ? revenue.sql : sql`TRY_CAST(${revenue.sql} AS DOUBLE)`;
}

/** Every conversion of the loaded data (person, ts, event_id, revenue), whatever the range: for first orders. */
function allOrdersSql(spec: AttributionSpec): Sql {
  const columns = columnsFor([spec.revenueProperty, ...matcherProperties([spec.conversion])], ['event_id', 'timestamp', 'event']);
  return sql`SELECT person, "timestamp" AS ts, event_id, coalesce(${revenueAmount(spec.revenueProperty)}, 0) AS revenue
    FROM ${personEvents(spec.identity, columns, { includeFlagged: spec.includeFlagged })} WHERE ${matchFlag(spec.conversion)}`;
}

/** The events attribution reads: conversions in [from, to], touchpoints from `lookback` before `from` on. */
function readBounds(spec: AttributionSpec): TimeBounds {
  const bounds = timeBounds(spec.from, spec.to);
  const lookbackMs = spec.lookback.value * WINDOW_UNITS[spec.lookback.unit];
  return { fromMs: bounds.fromMs === null ? null : bounds.fromMs - lookbackMs, toMs: bounds.toMs };
}

/** Rows: kind 'c' (one per conversion: path, ages, revenue) and 'n' (distinct non-converting paths with their count). */
export function attributionPathsSql(spec: AttributionSpec): Sql {
  const bounds = timeBounds(spec.from, spec.to);
  const lookback = milliseconds(spec.lookback.value * WINDOW_UNITS[spec.lookback.unit]);
  const loaded = readBounds(spec);
  const from = bounds.fromMs === null ? sql`TRUE` : sql`c.ts >= ${timestamp(bounds.fromMs)}`;
  const lastFrom = bounds.fromMs === null ? sql`TRUE` : sql`e.last_ts >= ${timestamp(bounds.fromMs)}`;
  const lastEvent = sql`SELECT max("timestamp") AS ts FROM ${personEvents('none', ['timestamp'], { includeFlagged: spec.includeFlagged })}`;
  return sql`WITH ${touchCtes({ touch: spec.touch, conversion: spec.conversion, revenueProperty: spec.revenueProperty, identity: spec.identity, includeFlagged: spec.includeFlagged, bounds: loaded, offlineTouch: spec.offlineTouch })},
    ${newCustomerCtes({ orders: allOrdersSql(spec), lastEvent, windowMs: spec.newCustomerWindow.value * WINDOW_UNITS[spec.newCustomerWindow.unit] })},
    converting AS (
      SELECT c.event_id, c.revenue,
        list(t.channel ORDER BY t.ts, t.channel) FILTER (WHERE t.ts IS NOT NULL) AS path,
        list(epoch_ms(c.ts) - epoch_ms(t.ts) ORDER BY t.ts, t.channel) FILTER (WHERE t.ts IS NOT NULL) AS ages
      FROM conv c LEFT JOIN touches t ON t.person = c.person AND t.ts <= c.ts AND t.ts >= c.ts - ${lookback} AND t.ts > c.prev_ts
      WHERE ${from}
      GROUP BY c.event_id, c.revenue
    ),
    last_conv AS (SELECT person, max(ts) AS ts FROM conv GROUP BY person),
    tail AS (SELECT t.* FROM touches t LEFT JOIN last_conv l ON l.person = t.person WHERE l.ts IS NULL OR t.ts > l.ts),
    tail_end AS (SELECT person, max(ts) AS last_ts FROM tail GROUP BY person),
    non_converting AS (
      SELECT list(t.channel ORDER BY t.ts, t.channel) AS path FROM tail t JOIN tail_end e ON e.person = t.person
      WHERE ${lastFrom} AND t.ts >= e.last_ts - ${lookback} GROUP BY t.person
    )
    SELECT 'c' AS kind, path, ages, c.revenue, 1::BIGINT AS n, nc.event_id IS NOT NULL AS new_customer, nc.follow_revenue, nc.repeat_order, nc.mature,
      (SELECT ${epochMs(sql`max(ts)`)} FROM data_end) AS data_end_ms
    FROM converting c LEFT JOIN new_customer nc ON nc.event_id = c.event_id
    UNION ALL
    SELECT 'n', path, NULL::BIGINT[], NULL::DOUBLE, count(*)::BIGINT, NULL::BOOLEAN, NULL::DOUBLE, NULL::BOOLEAN, NULL::BOOLEAN, NULL::BIGINT FROM non_converting GROUP BY path
    ORDER BY kind, n DESC`;
}

interface PathRow extends NewCustomerColumns {
  kind: 'c' | 'n';
  path: string[] | null;
  ages: number[] | null;
  revenue: number | null;
  n: number;
  data_end_ms: number | null;
}

export interface AttributionOptions {
  /** Text of the spend CSV (spec.spend names the file; the caller reads it). */
  spendCsv?: string;
  /** Names the CSV in errors (default spec.spend). */
  spendLabel?: string;
  /** Spend from imported ad reports (readImportedSpend), used when no CSV is given. */
  importedSpend?: ImportedSpend | null;
}

export async function runAttribution(engine: QueryEngine, input: AttributionSpec | AttributionSpecInput, options: AttributionOptions = {}): Promise<WithBasis<AttributionResult>> {
  const spec = parseAttributionSpec(input);
  if (spec.spend !== undefined && options.spendCsv === undefined) throw new SpecError(`spec.spend names a CSV file (${spec.spend}) but its text was not given`);
  const imported = options.spendCsv === undefined ? (options.importedSpend ?? null) : null;
  const spendRows = options.spendCsv !== undefined ? parseSpendCsv(options.spendCsv, options.spendLabel ?? spec.spend ?? 'spend CSV') : (imported?.rows ?? null);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = attributionPathsSql(spec);
  const rows = await engine.query<PathRow & Record<string, unknown>>(query.text, query.params);
  const result = attribute(spec, rows, spendRows === null ? null : summariseSpend(spendRows, timeBounds(spec.from, spec.to)), imported);
  const orders = { matchers: [spec.conversion], spans: [timeBounds(spec.from, spec.to)] };
  return { ...result, basis: await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [readBounds(spec)], orders }) };
}

function attribute(spec: AttributionSpec, rows: readonly PathRow[], spend: ReturnType<typeof summariseSpend> | null, imported: ImportedSpend | null = null): AttributionResult {
  const options = { halfLifeMs: spec.halfLife.value * WINDOW_UNITS[spec.halfLife.unit], directValues: new Set(spec.directValues) };
  const heuristics = spec.models.filter((m): m is HeuristicModel => m !== 'markov');
  const conversions = new Map<AttributionModel, Map<string, number>>(spec.models.map((m) => [m, new Map()]));
  const revenue = new Map<AttributionModel, Map<string, number>>(spec.models.map((m) => [m, new Map()]));
  const touchpoints = new Map<string, number>();
  const journeys = new Map<string, Journey>();
  const totals = { conversions: 0, revenue: 0, attributedConversions: 0, attributedRevenue: 0, unattributedConversions: 0, unattributedRevenue: 0 };
  const newCustomers = new NewCustomerTally();
  let dataEndMs: number | null = null;
  let converting = 0;
  let nonConverting = 0;
  let touchesInConverting = 0;
  const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);
  const addJourney = (channels: string[], converted: boolean, count: number) => {
    const key = `${converted ? 1 : 0}\u0001${channels.join('\u0000')}`;
    const journey = journeys.get(key);
    if (journey) journey.count += count;
    else journeys.set(key, { channels, converted, count });
    for (const c of channels) add(touchpoints, c, count);
  };
  for (const row of rows) {
    const path = (row.path ?? []).map(String);
    const count = Number(row.n);
    if (row.kind === 'n') {
      if (path.length === 0) continue;
      nonConverting += count;
      addJourney(path, false, count);
      continue;
    }
    const value = Number(row.revenue ?? 0);
    if (row.data_end_ms !== null && row.data_end_ms !== undefined) dataEndMs = Number(row.data_end_ms);
    totals.conversions += 1;
    totals.revenue += value;
    if (path.length === 0) {
      totals.unattributedConversions += 1;
      totals.unattributedRevenue += value;
      newCustomers.add(null, row);
      continue;
    }
    converting += 1;
    touchesInConverting += path.length;
    totals.attributedConversions += 1;
    totals.attributedRevenue += value;
    addJourney(path, true, 1);
    const touchPath: TouchPath = { channels: path, agesMs: (row.ages ?? []).map(Number) };
    newCustomers.add(touchPath, row);
    for (const model of heuristics) {
      for (const [channel, credit] of channelCredits(model, touchPath, options)) {
        add(conversions.get(model)!, channel, credit);
        add(revenue.get(model)!, channel, credit * value);
      }
    }
  }
  let markov: MarkovModel | undefined;
  if (spec.models.includes('markov')) {
    markov = markovAttribution([...journeys.values()], spec.markov.order);
    for (const [channel, share] of Object.entries(markov.shares)) {
      add(conversions.get('markov')!, channel, share * totals.attributedConversions);
      add(revenue.get('markov')!, channel, share * totals.attributedRevenue);
    }
  }

  const credited = newCustomers.credit(spec.models, options, markov?.removalEffects);
  const names = new Set<string>([...touchpoints.keys(), ...(spend ? spend.byChannel.keys() : [])]);
  const ranking = spec.models[0]!;
  const channels: AttributionChannel[] = [...names].map((channel) => {
    const entry: AttributionChannel = {
      channel,
      touchpoints: touchpoints.get(channel) ?? 0,
      conversions: Object.fromEntries(spec.models.map((m) => [m, conversions.get(m)!.get(channel) ?? 0])),
      revenue: Object.fromEntries(spec.models.map((m) => [m, revenue.get(m)!.get(channel) ?? 0])),
      ...channelNewCustomers(credited, channel),
    };
    if (spend) {
      const amount = spend.byChannel.get(channel) ?? 0;
      const perModel = spec.models.map((m) => [m, economics(amount, entry.conversions[m]!, entry.revenue[m]!, spec.margin)] as const);
      const pick = (field: keyof Omit<ChannelEconomics, 'spend'>) => Object.fromEntries(perModel.map(([m, e]) => [m, e[field]]));
      entry.spend = amount;
      entry.cpa = pick('cpa');
      entry.roas = pick('roas');
      entry.roi = pick('roi');
      entry.roiBelowOne = perModel.filter(([, e]) => e.roi !== null && e.roi < 1).map(([m]) => m);
      entry.costPerNewCustomer = Object.fromEntries(spec.models.map((m) => [m, costPerNewCustomer(amount, entry.newCustomers[m]!)]));
      const reach = imported?.reach.get(channel);
      if (reach) Object.assign(entry, { impressions: reach.impressions, clicks: reach.clicks, platformConversions: reach.platformConversions, ...clickRates(reach, amount) });
    }
    return entry;
  });
  channels.sort((a, b) => b.conversions[ranking]! - a.conversions[ranking]! || b.touchpoints - a.touchpoints || (a.channel < b.channel ? -1 : 1));

  const result: AttributionResult = {
    models: spec.models,
    channels,
    totals,
    paths: { converting, nonConverting, averageConvertingLength: converting ? touchesInConverting / converting : 0 },
    newCustomers: newCustomers.summary(spec.newCustomerWindow.value * WINDOW_UNITS[spec.newCustomerWindow.unit], dataEndMs === null ? null : new Date(dataEndMs).toISOString()),
  };
  if (markov) result.markov = markov;
  if (spend) {
    result.spend = {
      total: spend.total,
      rowsUsed: spend.rowsUsed,
      rowsOutsideRange: spend.rowsOutsideRange,
      margin: spec.margin,
      channelsWithoutTouches: [...spend.byChannel.keys()].filter((c) => !touchpoints.has(c)).sort(),
      source: imported ? 'imported' : 'csv',
      ...(imported ? { by: imported.by } : {}),
    };
  }
  return result;
}
