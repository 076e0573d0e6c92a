import type { QualityFlag } from '../schema/event-columns';

export interface CommerceFields {
  productId: string | null;
  category: string | null;
  price: number | null;
  quantity: number | null;
  revenue: number | null;
  currency: string | null;
  orderId: string | null;
  experiment: string | null;
  variant: string | null;
}

/**
 * Lifts the Segment e-commerce and A/B-test spec fields into columns and removes them from
 * `properties` (mutated), so what stays in the JSON column is only the rest.
 */
export function extractCommerce(properties: Record<string, unknown>, flags: Set<QualityFlag>): CommerceFields {
  // The first key present with a value wins and is removed; the others stay in properties.
  const take = (...keys: string[]): unknown => {
    for (const key of keys) {
      const value = properties[key];
      if (value !== undefined && value !== null && value !== '') {
        delete properties[key];
        return value;
      }
    }
    return undefined;
  };
  const str = (value: unknown): string | null =>
    typeof value === 'string' && value !== '' ? value.slice(0, 256) : typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
  const num = (value: unknown): number | null => {
    if (value === undefined || value === null || value === '') return null;
    const parsed = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
    if (Number.isFinite(parsed)) return parsed;
    flags.add('invalid_number');
    return null;
  };
  const currency = str(take('currency'));
  return {
    productId: str(take('product_id', 'productId')),
    category: str(take('category')),
    price: num(take('price')),
    quantity: num(take('quantity')),
    revenue: num(take('revenue', 'total')),
    currency: currency ? currency.toUpperCase().slice(0, 8) : null,
    orderId: str(take('order_id', 'orderId')),
    experiment: str(take('experiment_id', 'experiment_name', 'experiment')),
    variant: str(take('variant', 'variation_id', 'variation_name')),
  };
}
