/**
 * Implicit feedback for recommendation: who viewed, carted and bought which product, from the events
 * through the identity map. Views and carts come from the `product_id` column of the view and cart
 * events; purchases from the order event's `product_id` column and from the `product_id`s of its
 * `products` array (Segment's e-commerce spec), which stays in the `properties` JSON text and is read
 * with a constant regular expression (DuckDB-Wasm has no JSON extension).
 *
 * Each (person, item) pair gets the weight of its strongest kind (view 1, cart 3, purchase 5 by
 * default) and the time of its first interaction, which orders a person's items for leave-last-out
 * evaluation.
 */
import { z } from 'zod';
import type { QueryEngine } from '@privacy-analytics/core/engine';
import { columnsFor, ensurePersonMap, eventCondition, eventMatcherSchema, identitySchema, literal, matcherProperties, personEvents, sql, type Sql } from '@privacy-analytics/core/analytics';

export const interactionOptionsSchema = z.strictObject({
  viewEvent: z.string().min(1).max(256).default('Product Viewed'),
  cartEvent: z.string().min(1).max(256).default('Product Added'),
  orderEvent: eventMatcherSchema.default({ event: 'Order Completed' }),
  weights: z
    .strictObject({ view: z.number().positive().max(100), cart: z.number().positive().max(100), purchase: z.number().positive().max(100) })
    .default({ view: 1, cart: 3, purchase: 5 }),
  identity: identitySchema.default('merged'),
});

export type InteractionOptions = z.output<typeof interactionOptionsSchema>;
export type InteractionKind = 'view' | 'cart' | 'purchase';

export interface PersonItem {
  item: number;
  weight: number;
  firstMs: number;
  purchased: boolean;
}

export interface InteractionData {
  /** Person keys, by person index. */
  persons: string[];
  /** Product ids, by item index (sorted). */
  items: string[];
  /** Categories, by category index; index 0 is "(unknown)". */
  categories: string[];
  /** Category index of each item. */
  itemCategory: Int32Array;
  /** Each person's items in order of first interaction (ties: item index). */
  byPerson: PersonItem[][];
}

export const UNKNOWN_CATEGORY = '(unknown)';
/** A JSON "product_id" key with a string or number value (the value group keeps the quotes). */
const PRODUCT_ID_IN_JSON = '"product_id":\\s*("(?:[^"\\\\]|\\\\.)*"|-?[0-9][0-9.eE+-]*)';

export function interactionsSql(options: InteractionOptions): Sql {
  const columns = columnsFor(matcherProperties([options.orderEvent]), ['timestamp', 'event', 'product_id', 'properties']);
  return sql`WITH te AS (SELECT person, "timestamp" AS ts, "event", product_id, properties, ${eventCondition(options.orderEvent)} AS is_order FROM ${personEvents(options.identity, columns)}),
    touched AS (
      SELECT person, product_id AS item, CASE WHEN "event" = ${options.cartEvent} THEN 'cart' ELSE 'view' END AS kind, ts
      FROM te WHERE "event" IN (${options.viewEvent}, ${options.cartEvent}) AND product_id IS NOT NULL AND NOT is_order
      UNION ALL
      SELECT person, trim(unnest(regexp_extract_all(properties, ${literal(PRODUCT_ID_IN_JSON)}, 1)), '"') AS item, 'purchase' AS kind, ts FROM te WHERE is_order
      UNION ALL
      SELECT person, product_id AS item, 'purchase' AS kind, ts FROM te WHERE is_order AND product_id IS NOT NULL
    )
    SELECT person, item, kind, epoch_ms(min(ts)) AS first_ms FROM touched WHERE item IS NOT NULL AND item <> '' GROUP BY person, item, kind ORDER BY person, item, kind`;
}

export function itemCategoriesSql(): Sql {
  return sql`SELECT product_id AS item, first(category ORDER BY n DESC, category) AS category
    FROM (SELECT product_id, category, count(*) AS n FROM events WHERE product_id IS NOT NULL AND category IS NOT NULL GROUP BY product_id, category)
    GROUP BY product_id ORDER BY product_id`;
}

export async function loadInteractions(engine: QueryEngine, options: InteractionOptions): Promise<InteractionData> {
  if (options.identity === 'merged') await ensurePersonMap(engine);
  const query = interactionsSql(options);
  const rows = await engine.query<{ person: string; item: string; kind: InteractionKind; first_ms: number }>(query.text, query.params);
  const categoryQuery = itemCategoriesSql();
  const categoryRows = await engine.query<{ item: string; category: string }>(categoryQuery.text, categoryQuery.params);

  const items = [...new Set(rows.map((r) => String(r.item)))].sort();
  const itemIndex = new Map(items.map((id, i) => [id, i]));
  const categoryOfItem = new Map(categoryRows.map((r) => [String(r.item), String(r.category)]));
  const categories = [UNKNOWN_CATEGORY, ...[...new Set(items.map((id) => categoryOfItem.get(id)).filter((c): c is string => c !== undefined))].sort()];
  const categoryIndex = new Map(categories.map((c, i) => [c, i]));
  const itemCategory = Int32Array.from(items, (id) => categoryIndex.get(categoryOfItem.get(id) ?? UNKNOWN_CATEGORY) ?? 0);

  const persons: string[] = [];
  const byPerson: PersonItem[][] = [];
  let current: Map<number, PersonItem> | null = null;
  let currentPerson: string | null = null;
  const finish = () => {
    if (current && currentPerson !== null) {
      persons.push(currentPerson);
      byPerson.push([...current.values()].sort((a, b) => a.firstMs - b.firstMs || a.item - b.item));
    }
  };
  for (const row of rows) {
    const person = String(row.person);
    if (person !== currentPerson) {
      finish();
      currentPerson = person;
      current = new Map();
    }
    const item = itemIndex.get(String(row.item))!;
    const weight = options.weights[row.kind];
    const firstMs = Number(row.first_ms);
    const existing = current!.get(item);
    if (existing) {
      existing.weight = Math.max(existing.weight, weight);
      existing.firstMs = Math.min(existing.firstMs, firstMs);
      existing.purchased ||= row.kind === 'purchase';
    } else {
      current!.set(item, { item, weight, firstMs, purchased: row.kind === 'purchase' });
    }
  }
  finish();
  return { persons, items, categories, itemCategory, byPerson };
}
