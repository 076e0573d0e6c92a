/**
 * New customers in attribution (docs/marketing-analytics.md, "New customers and their quality"):
 *
 * - A new customer is a person whose first order ever (every conversion event in the loaded data, online or
 *   imported, whatever the range) is one of the analysed conversions. That conversion's credit under each model is
 *   the channel's share of the new customer, so linear and the other fractional models give fractions.
 * - Markov has no per-path credit: a new customer's path is split over its distinct channels in proportion to their
 *   removal effects (equally when all are 0).
 * - Cost per new customer = channel spend / credited new customers; null when the channel has no spend (none known
 *   or 0) or no credited new customers.
 * - Quality: over a follow-up window after the first order ([first, first + window)), whether the person ordered
 *   again (repeat share) and what they spent, first order included (revenue per new customer), credit-weighted. Only
 *   mature new customers count there: those whose window ends by the end of the data (the latest loaded event); the
 *   others are reported as immature.
 */
import type { HeuristicModel, HeuristicOptions, TouchPath } from './attribution-models';
import { channelCredits } from './attribution-models';
import type { AttributionModel, PerModel } from './attribution';
import { milliseconds, sql, type Sql } from './sql';

export interface NewCustomerQuality {
  /** Credited new customers whose follow-up window ends by the end of the data. */
  mature: number;
  /** Credited new customers with less than the window of data after their first order. */
  immature: number;
  /** Share of the mature new customers who ordered again within the window; null without mature ones. */
  repeatShare: number | null;
  /** Revenue within the window (first order included) per mature new customer; null without mature ones. */
  revenuePerCustomer: number | null;
}

export interface NewCustomerSummary {
  windowMs: number;
  /** The latest loaded event (ISO), the end of the data a follow-up window must reach. */
  dataEnd: string | null;
  /** Analysed conversions that are a person's first order ever. */
  total: number;
  attributed: number;
  unattributed: number;
  /** Over all new customers, attributed or not. */
  quality: NewCustomerQuality;
}

/** Per-conversion columns the paths query adds (null on non-converting rows). */
export interface NewCustomerColumns {
  new_customer: boolean | null;
  follow_revenue: number | null;
  repeat_order: boolean | null;
  mature: boolean | null;
}

/**
 * CTEs `all_orders` (every conversion of the loaded data), `first_order` (a person's first), `data_end` and
 * `new_customer` (per first order: follow-up revenue, repeat, mature). `orders` selects person, ts, event_id and
 * revenue of every conversion event; `lastEvent` the latest event time.
 */
export function newCustomerCtes(options: { orders: Sql; lastEvent: Sql; windowMs: number }): Sql {
  const window = milliseconds(options.windowMs);
  return sql`all_orders AS MATERIALIZED (${options.orders}),
    first_order AS (SELECT person, min(ts) AS ts, arg_min(event_id, (ts, event_id)) AS event_id FROM all_orders GROUP BY person),
    data_end AS (${options.lastEvent}),
    new_customer AS (
      SELECT f.event_id, sum(o.revenue) AS follow_revenue, count(*) > 1 AS repeat_order,
        coalesce(f.ts + ${window} <= (SELECT max(ts) FROM data_end), false) AS mature
      FROM first_order f JOIN all_orders o ON o.person = f.person AND o.ts >= f.ts AND o.ts < f.ts + ${window}
      GROUP BY f.event_id, f.ts
    )`;
}

interface NewCustomerPath extends TouchPath {
  followRevenue: number;
  repeat: boolean;
  mature: boolean;
}

interface Accumulator {
  credited: number;
  mature: number;
  repeat: number;
  revenue: number;
}

const emptyAccumulator = (): Accumulator => ({ credited: 0, mature: 0, repeat: 0, revenue: 0 });

function quality(a: Accumulator): NewCustomerQuality {
  return {
    mature: a.mature,
    immature: a.credited - a.mature,
    repeatShare: a.mature > 0 ? a.repeat / a.mature : null,
    revenuePerCustomer: a.mature > 0 ? a.revenue / a.mature : null,
  };
}

/** Collects the analysed new customers, then credits them per model and channel. */
export class NewCustomerTally {
  readonly #paths: NewCustomerPath[] = [];
  readonly #all = emptyAccumulator();
  #unattributed = 0;

  add(path: TouchPath | null, row: NewCustomerColumns): void {
    if (!row.new_customer) return;
    const followRevenue = Number(row.follow_revenue ?? 0);
    const repeat = row.repeat_order === true;
    const mature = row.mature === true;
    addTo(this.#all, 1, followRevenue, repeat, mature);
    if (path === null || path.channels.length === 0) {
      this.#unattributed += 1;
      return;
    }
    this.#paths.push({ ...path, followRevenue, repeat, mature });
  }

  /** Per model, channel → credited new customers and their quality. */
  credit(models: readonly AttributionModel[], options: HeuristicOptions, removalEffects?: Record<string, number>): Map<AttributionModel, Map<string, Accumulator>> {
    const byModel = new Map<AttributionModel, Map<string, Accumulator>>();
    for (const model of models) {
      const channels = new Map<string, Accumulator>();
      for (const path of this.#paths) {
        const credits = model === 'markov' ? markovPathCredits(path.channels, removalEffects ?? {}) : channelCredits(model as HeuristicModel, path, options);
        for (const [channel, weight] of credits) {
          let a = channels.get(channel);
          if (!a) channels.set(channel, (a = emptyAccumulator()));
          addTo(a, weight, path.followRevenue, path.repeat, path.mature);
        }
      }
      byModel.set(model, channels);
    }
    return byModel;
  }

  summary(windowMs: number, dataEnd: string | null): NewCustomerSummary {
    return { windowMs, dataEnd, total: this.#all.credited, attributed: this.#paths.length, unattributed: this.#unattributed, quality: quality(this.#all) };
  }
}

function addTo(a: Accumulator, weight: number, revenue: number, repeat: boolean, mature: boolean): void {
  a.credited += weight;
  if (!mature) return;
  a.mature += weight;
  a.revenue += weight * revenue;
  if (repeat) a.repeat += weight;
}

/** One path's credit under Markov: its distinct channels in proportion to their removal effects. */
export function markovPathCredits(channels: readonly string[], removalEffects: Record<string, number>): Map<string, number> {
  const distinct = [...new Set(channels)];
  const effects = distinct.map((c) => Math.max(0, removalEffects[c] ?? 0));
  const sum = effects.reduce((s, x) => s + x, 0);
  return new Map(distinct.map((c, i) => [c, sum > 0 ? effects[i]! / sum : 1 / distinct.length]));
}

export interface ChannelNewCustomers {
  newCustomers: PerModel<number>;
  newCustomerQuality: PerModel<NewCustomerQuality>;
}

/** A channel's new customers and quality under each model (0 and empty quality when it has none). */
export function channelNewCustomers(credited: Map<AttributionModel, Map<string, Accumulator>>, channel: string): ChannelNewCustomers {
  const newCustomers: PerModel<number> = {};
  const newCustomerQuality: PerModel<NewCustomerQuality> = {};
  for (const [model, channels] of credited) {
    const a = channels.get(channel) ?? emptyAccumulator();
    newCustomers[model] = a.credited;
    newCustomerQuality[model] = quality(a);
  }
  return { newCustomers, newCustomerQuality };
}

/** Spend per credited new customer; null without spend or without new customers. */
export function costPerNewCustomer(spend: number, newCustomers: number): number | null {
  return spend > 0 && newCustomers > 0 ? spend / newCustomers : null;
}
