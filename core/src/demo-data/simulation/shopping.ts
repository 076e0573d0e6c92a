/** Product views, adding to the cart (with the "frequently bought together" widget), category and product picks, search queries. */
import { CATEGORY_SPECS, CATEGORY_TABLE, COMPLEMENTS_BY_ANTECEDENT, PRODUCT_TABLES, PRODUCTS_BY_ID, type Category, type Product } from '../catalog';
import type { Random } from '../random';
import type { PersonSimulation } from './person-simulation';

export interface CartLine {
  product: Product;
  quantity: number;
}

export function viewProduct(sim: PersonSimulation, p: Product, first = false, search = ''): void {
  sim.pageView('Product', p.path, search, p.title, first);
  sim.advance(300, 2_500);
  sim.track('Product Viewed', {
    product_id: p.id,
    sku: p.sku,
    category: p.category,
    name: p.name,
    brand: p.brand,
    price: p.price,
    currency: 'USD',
    url: sim.run.origin + p.path,
  });
}

function drawQuantity(rng: Random, p: Product): number {
  const consumable = p.category === 'grocery' || p.category === 'baby' || p.category === 'beauty';
  const x = rng.next();
  return x < (consumable ? 0.72 : 0.88) ? 1 : x < (consumable ? 0.9 : 0.97) ? 2 : 3;
}

export function addToCart(sim: PersonSimulation, cart: CartLine[], cartId: string, p: Product, fromWidget = false): void {
  if (cart.some((l) => l.product === p)) return;
  sim.advance(fromWidget ? 1_500 : 4_000, fromWidget ? 10_000 : 45_000);
  const quantity = drawQuantity(sim.rng, p);
  cart.push({ product: p, quantity });
  sim.track('Product Added', {
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
  if (rule && !fromWidget && sim.rng.chance(rule.attachRate)) {
    // "Frequently bought together" widget on the product page.
    addToCart(sim, cart, cartId, PRODUCTS_BY_ID.get(rule.consequent)!, true);
  }
}

export function otherCategory(rng: Random): Category {
  return CATEGORY_TABLE.pick(rng);
}

export function pickProduct(rng: Random, category: Category): Product {
  return PRODUCT_TABLES[category].pick(rng);
}

export function searchQuery(sim: PersonSimulation, category: Category): string {
  const spec = CATEGORY_SPECS[category];
  if (sim.locale.startsWith('zh') && sim.rng.chance(0.6)) return sim.rng.pick(spec.queriesZh);
  return sim.rng.pick(spec.queries);
}
