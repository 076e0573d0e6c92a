import { SIMULATION_PARAMETERS } from '../ground-truth';
import { logIn, signUp } from './accounts';
import type { DayProfile } from './calendar';
import { round2 } from './money';
import type { PersonSimulation } from './person-simulation';
import { SHOP_NAME } from './shop-pages';
import type { CartLine } from './shopping';

const COUPONS: Record<string, { name: string; percent: number; amount: number }> = {
  WELCOME10: { name: 'Welcome 10% off', percent: 10, amount: 0 },
  SAVE5: { name: '$5 off orders over $50', percent: 0, amount: 5 },
  FREESHIP: { name: 'Free shipping', percent: 0, amount: 0 },
  DOUBLE11: { name: "Singles' Day 15% off", percent: 15, amount: 0 },
  BF20: { name: 'Black Friday 20% off', percent: 20, amount: 0 },
  CYBER25: { name: 'Cyber Monday 25% off', percent: 25, amount: 0 },
  BOXING15: { name: 'Boxing Day 15% off', percent: 15, amount: 0 },
};

function cartValue(cart: CartLine[]): number {
  let sum = 0;
  for (const l of cart) sum += l.product.price * l.quantity;
  return round2(sum);
}

function cartProducts(cart: CartLine[]): Array<Record<string, unknown>> {
  return cart.map((l) => ({
    product_id: l.product.id,
    sku: l.product.sku,
    category: l.product.category,
    name: l.product.name,
    price: l.product.price,
    quantity: l.quantity,
  }));
}

/** The end of a session with a cart: cart view, account, checkout, coupon, payment and (as planned) the order. */
export function finishCart(sim: PersonSimulation, cart: CartLine[], cartId: string, willCheckout: boolean, willComplete: boolean, profile: DayProfile): void {
  const rng = sim.rng;
  if (!willCheckout) {
    if (rng.chance(0.45)) {
      sim.pageView('Cart', '/cart', '', `Your cart | ${SHOP_NAME}`);
      sim.advance(300, 2_000);
      sim.track('Cart Viewed', { cart_id: cartId, products: cartProducts(cart) });
    }
    return;
  }
  if (rng.chance(0.7)) {
    sim.pageView('Cart', '/cart', '', `Your cart | ${SHOP_NAME}`);
    sim.advance(300, 2_000);
    sim.track('Cart Viewed', { cart_id: cartId, products: cartProducts(cart) });
  }
  if (!sim.dev.identified) {
    if (sim.userId) {
      if (rng.chance(0.8)) logIn(sim);
    } else if (sim.willRegister || rng.chance(0.45)) {
      signUp(sim);
    }
  }
  sim.pageView('Checkout', '/checkout', '', `Checkout | ${SHOP_NAME}`);
  if (!sim.exposed && sim.t >= sim.run.startMs) {
    // The experiment runs from the start of the period.
    sim.exposed = true;
    sim.advance(50, 400);
    const id = SIMULATION_PARAMETERS.experimentId;
    sim.track('Experiment Viewed', { experiment_id: id, experiment_name: id, variant: sim.truth.variant });
  }
  const orderId = `o-${String(++sim.run.orderSeq).padStart(8, '0')}`;
  const revenue = cartValue(cart);
  sim.advance(300, 1_500);
  sim.track('Checkout Started', { order_id: orderId, value: revenue, revenue, currency: 'USD', products: cartProducts(cart) });

  let coupon = '';
  const pushed = profile.coupon;
  if (pushed && rng.chance(0.45)) coupon = pushed;
  else if (rng.chance(0.1)) coupon = sim.ordersPlaced === 0 && sim.userId ? 'WELCOME10' : rng.pick(['SAVE5', 'FREESHIP']);
  if (coupon === 'SAVE5' && revenue < 50) coupon = '';
  const spec = coupon ? COUPONS[coupon]! : undefined;
  const shippingBase = revenue >= 50 ? 0 : 5.99;
  const discount = spec ? round2(spec.amount + (revenue * spec.percent) / 100 + (coupon === 'FREESHIP' ? shippingBase : 0)) : 0;
  if (spec) {
    sim.advance(5_000, 40_000);
    sim.track('Coupon Applied', { order_id: orderId, cart_id: cartId, coupon_id: coupon, coupon_name: spec.name, discount });
  }
  sim.pageView('Checkout Payment', '/checkout/payment', '', `Payment | ${SHOP_NAME}`);
  if (!willComplete) return;
  sim.advance(20_000, 150_000);
  const cc = sim.truth.country;
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
    products: cartProducts(cart),
  };
  if (coupon) props.coupon = coupon;
  sim.track('Order Completed', props);
  sim.ordersPlaced++;
  sim.advance(300, 1_500);
  sim.pageView('Order Confirmation', '/checkout/confirmation', '', `Thank you for your order | ${SHOP_NAME}`);
  cart.length = 0;
}
