/**
 * Market-basket association rules: "people who bought A also bought B". Semantics
 * (docs/marketing-analytics.md):
 *
 * - Purchase events are the events matching any of `events` (default Segment's `Order Completed`)
 *   in [from, to]. An event whose `properties` JSON has a top-level `products` array contributes the
 *   `item` key of every element (Segment's e-commerce spec: `product_id`, `category`, `sku`...);
 *   any other event contributes its own `item` property (a single-product event, e.g. the
 *   `product_id` column of `Product Purchased`).
 * - Baskets: `order_id` groups events by the order_id column (an event without one is its own
 *   basket); `person` groups a person's purchases from one purchase up to `window` later
 *   (inclusive), then starts a new basket. A basket is the set of its items; baskets without any
 *   item are not counted.
 * - Frequent itemsets are exact (FP-growth, fp-growth.ts); rules keep confidence >= minConfidence and
 *   lift >= minLift, ordered by lift, confidence, count; at most `limit` are returned
 *   (`totalRules` tells how many there were).
 * - `maxLength` counts the items of an itemset, so of a rule's antecedent and consequent together, as
 *   arules' `maxlen` does; up to 10, arules' default. A run too large for the mining bounds
 *   (fp-growth.ts) fails with a SpecError naming the minSupport and maxLength that fit.
 *
 * DuckDB-Wasm has no JSON extension, so the `products` arrays are read here with JSON.parse from the
 * properties text that SQL hands over (only for events whose text holds a `"products":` key).
 */
import { z } from 'zod';
import { EVENTS_TABLE, type QueryEngine } from '../engine/query-engine';
import { associationRules, type RuleSet } from './association-rules';
import { alsoBought, frequentItemsets, MAX_FREQUENT_ITEMSETS, MAX_RULE_CANDIDATES, minimumCount, MiningLimitError, type AlsoBought, type AssociationRule, type FrequentItemset, type MiningLimit } from './fp-growth';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type AnalysisBasis, type WithBasis } from './basis';
import { unflaggedCondition } from './quality-gate';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName, SpecError, windowSchema } from './spec';
import { and, columnsFor, eventCondition, ident, JSON_KEY_PREFIX, matcherProperties, or, propertyAsText, resolveProperty, sql, timeBounds, timeCondition, WINDOW_UNITS, type Sql } from './sql';

/** arules' default `maxlen`: items of an itemset, so of a rule's antecedent and consequent together. */
export const MAX_ITEMSET_LENGTH = 10;

export const basketSpecSchema = z
  .strictObject({
    basket: z.enum(['order_id', 'person']).default('order_id'),
    /** For `basket: "person"`: how long after a basket's first purchase later purchases join it. */
    window: windowSchema.default({ value: 1, unit: 'day' }),
    item: propertyName.default('product_id'),
    events: z.array(eventMatcherSchema).min(1).max(20).default([{ event: 'Order Completed' }]),
    minSupport: z.number().gt(0, 'minSupport must be above 0').max(1),
    minConfidence: z.number().min(0).max(1).default(0),
    minLift: z.number().min(0).default(0),
    maxLength: z.number().int().min(2).max(MAX_ITEMSET_LENGTH).default(3),
    limit: z.number().int().min(1).max(100_000).default(1000),
    /** An item to answer "bought this, also bought" for. */
    alsoBought: z.string().min(1).max(256).optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine(checkRange);

export type BasketSpecInput = z.input<typeof basketSpecSchema>;
export type BasketSpec = z.output<typeof basketSpecSchema>;

export interface BasketResult {
  baskets: number;
  /** Distinct items over all baskets. */
  items: number;
  /** The support threshold as a basket count: the smallest count with count / baskets >= minSupport. */
  minCount: number;
  frequentItemsets: number;
  totalRules: number;
  rules: AssociationRule[];
  alsoBought?: { item: string; baskets: number; items: AlsoBought[] };
}

export function parseBasketSpec(input: unknown): BasketSpec {
  return parseSpec(basketSpecSchema, input);
}

/** One row per purchase event: basket key, person, time, its own item and (when present) properties JSON. */
export function purchaseRowsSql(spec: BasketSpec): Sql {
  const itemRef = resolveProperty(spec.item);
  const byPerson = spec.basket === 'person';
  const columns = columnsFor([spec.item, ...matcherProperties(spec.events)], ['event_id', 'timestamp', 'event', 'order_id', 'properties']);
  const gate = spec.includeFlagged ? sql`` : sql` WHERE ${unflaggedCondition()}`;
  const source = byPerson ? personEvents(spec.identity, columns, { includeFlagged: spec.includeFlagged }) : sql`(SELECT *, NULL::VARCHAR AS person FROM ${ident(EVENTS_TABLE)}${gate})`;
  const where = and([timeCondition(timeBounds(spec.from, spec.to)), or(spec.events.map((matcher) => sql`coalesce(${eventCondition(matcher)}, false)`))]);
  return sql`SELECT coalesce(order_id, 'event:' || event_id) AS basket_key, person, epoch_ms("timestamp") AS ts, ${propertyAsText(itemRef)} AS item,
      CASE WHEN strpos(properties, '"products":') > 0 THEN properties END AS properties_json
    FROM ${source} WHERE ${where}
    ORDER BY ${byPerson ? sql`person, ts, event_id` : sql`basket_key, event_id`}`;
}

interface PurchaseRow {
  basket_key: string;
  person: string | null;
  ts: number;
  item: string | null;
  properties_json: string | null;
}

/** The items of the products array of one properties JSON text, or null when it has none. */
export function productItems(propertiesJson: string, itemKey: string): string[] | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(propertiesJson);
  } catch {
    return null;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const products = (parsed as Record<string, unknown>).products;
  if (!Array.isArray(products)) return null;
  const keys = itemKey === 'product_id' ? ['product_id', 'productId'] : [itemKey];
  const items: string[] = [];
  for (const product of products) {
    if (product === null || typeof product !== 'object' || Array.isArray(product)) continue;
    for (const key of keys) {
      const value = (product as Record<string, unknown>)[key];
      if (typeof value === 'string' && value !== '') {
        items.push(value);
        break;
      }
      if (typeof value === 'number' && Number.isFinite(value)) {
        items.push(String(value));
        break;
      }
    }
  }
  return items;
}

/** Baskets as item lists (sets), in a deterministic order. */
export async function fetchBaskets(engine: QueryEngine, spec: BasketSpec): Promise<string[][]> {
  const query = purchaseRowsSql(spec);
  const rows = await engine.query<PurchaseRow & Record<string, unknown>>(query.text, query.params);
  const itemKey = spec.item.startsWith(JSON_KEY_PREFIX) ? spec.item.slice(JSON_KEY_PREFIX.length) : spec.item;
  const itemsOf = (row: PurchaseRow): string[] => {
    const fromProducts = row.properties_json === null ? null : productItems(row.properties_json, itemKey);
    if (fromProducts !== null) return fromProducts;
    return row.item === null || row.item === undefined ? [] : [String(row.item)];
  };
  const baskets: string[][] = [];
  let current: Set<string> | null = null;
  const close = () => {
    if (current && current.size) baskets.push([...current]);
    current = null;
  };
  if (spec.basket === 'order_id') {
    let key: string | null = null;
    for (const row of rows) {
      if (row.basket_key !== key) {
        close();
        key = row.basket_key;
        current = new Set();
      }
      for (const item of itemsOf(row)) current!.add(item);
    }
  } else {
    const windowMs = spec.window.value * WINDOW_UNITS[spec.window.unit];
    let person: string | null | undefined;
    let startMs = 0;
    for (const row of rows) {
      const ts = Number(row.ts);
      if (row.person !== person || ts - startMs > windowMs) {
        close();
        person = row.person;
        startMs = ts;
        current = new Set();
      }
      for (const item of itemsOf(row)) current!.add(item);
    }
  }
  close();
  return baskets;
}

export interface BasketLimits {
  /** Default MAX_FREQUENT_ITEMSETS. */
  maxItemsets?: number;
  /** Default MAX_RULE_CANDIDATES. */
  maxRuleCandidates?: number;
}

/** Mines already fetched baskets (also used by the benchmark to time mining alone). */
export function basketRules(baskets: readonly (readonly string[])[], spec: BasketSpec, limits: BasketLimits = {}): BasketResult {
  const minCount = minimumCount(spec.minSupport, baskets.length);
  const { sets, rules } = mineWithin(baskets, spec, minCount, limits);
  const distinct = new Set<string>();
  for (const basket of baskets) for (const item of basket) distinct.add(item);
  const result: BasketResult = { baskets: baskets.length, items: distinct.size, minCount, frequentItemsets: sets.length, totalRules: rules.total, rules: rules.rules };
  if (spec.alsoBought !== undefined) result.alsoBought = { item: spec.alsoBought, ...alsoBought(baskets, spec.alsoBought) };
  return result;
}

function mineWithin(baskets: readonly (readonly string[])[], spec: BasketSpec, minCount: number, limits: BasketLimits): { sets: FrequentItemset[]; rules: RuleSet } {
  try {
    const sets = frequentItemsets(baskets, minCount, spec.maxLength, limits.maxItemsets ?? MAX_FREQUENT_ITEMSETS);
    const rules = associationRules(sets, baskets.length, { minConfidence: spec.minConfidence, minLift: spec.minLift, limit: spec.limit, maxCandidates: limits.maxRuleCandidates ?? MAX_RULE_CANDIDATES });
    return { sets, rules };
  } catch (error) {
    if (error instanceof MiningLimitError) throw new SpecError(limitMessage(error.detail, spec, baskets.length, minCount), { cause: error });
    throw error;
  }
}

/** The mining bound in the spec's terms: what was asked, and the minSupport and maxLength that fit. */
function limitMessage(limit: MiningLimit, spec: BasketSpec, baskets: number, minCount: number): string {
  const whole = (n: number) => n.toLocaleString('en-US');
  const asked = `minSupport ${spec.minSupport} (${whole(minCount)} of ${whole(baskets)} baskets) with maxLength ${spec.maxLength}`;
  const found =
    limit.limit === 'itemsets'
      ? `finds more than ${whole(limit.cap)} frequent itemsets, the most one run mines`
      : `gives ${whole(limit.candidates ?? 0)} candidate rules (2^k - 2 splits of each k-item frequent itemset), more than the ${whole(limit.cap)} one run considers`;
  const fixes: string[] = [];
  const support = supportForCount(limit.fitsFromCount, baskets);
  if (support !== null) fixes.push(`raise minSupport to ${support.minSupport} or more (itemsets in at least ${whole(support.count)} baskets)`);
  if (limit.fitsUpToLength !== null && limit.fitsUpToLength >= 2) fixes.push(`lower maxLength to ${limit.fitsUpToLength}`);
  fixes.push('narrow the date range (from, to) to fewer baskets');
  return `spec: ${asked} ${found}; ${fixes.length > 1 ? `${fixes.slice(0, -1).join(', ')}, or ${fixes.at(-1)}` : fixes[0]}`;
}

/** The shortest decimal minSupport whose support count is `count`; null when no minSupport up to 1 reaches it. */
function supportForCount(count: number, baskets: number): { minSupport: number; count: number } | null {
  if (count > baskets) return null;
  for (let digits = 0; digits <= 17; digits++) {
    const scale = 10 ** digits;
    // Floor of the decimal, not of its binary error (0.02 * 100 may be 1.9999999999999998).
    const minSupport = Math.floor((count / baskets) * scale + 1e-9) / scale;
    if (minSupport > 0 && minimumCount(minSupport, baskets) === count) return { minSupport, count };
  }
  return { minSupport: count / baskets, count };
}

export async function runBasket(engine: QueryEngine, input: BasketSpec | BasketSpecInput): Promise<WithBasis<BasketResult>> {
  const spec = parseBasketSpec(input);
  if (spec.basket === 'person' && spec.identity === 'merged') await ensurePersonMap(engine);
  const result = basketRules(await fetchBaskets(engine, spec), spec);
  return { ...result, basis: await basketBasis(engine, spec) };
}

/** The basis runBasket attaches; for callers that mine baskets they fetched themselves (the dashboard keeps them). */
export function basketBasis(engine: QueryEngine, spec: BasketSpec): Promise<AnalysisBasis> {
  return analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [timeBounds(spec.from, spec.to)], orders: { matchers: spec.events } });
}
