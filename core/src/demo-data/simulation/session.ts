import type { Product } from '../catalog';
import { logIn, signUp } from './accounts';
import { finishCart } from './checkout';
import { newIp } from './devices';
import type { PersonSimulation } from './person-simulation';
import { CATEGORY_PAGE, SHOP_NAME } from './shop-pages';
import { addToCart, otherCategory, pickProduct, searchQuery, viewProduct, type CartLine } from './shopping';
import { pickLanding, pickSessionChannel } from './traffic-sources';

type PageKind = 'home' | 'category' | 'product' | 'search' | 'sale';

/** One visit: landing, account actions, browsing, and the cart planned up front. */
export function runSession(sim: PersonSimulation, first: boolean): void {
  const rng = sim.rng;
  const truth = sim.truth;
  sim.sessionId = rng.hex(16);
  sim.sessionIp = sim.dev.type === 'mobile' || rng.chance(0.12) ? newIp(rng, sim.country.spec) : sim.dev.homeIp;
  sim.campaign = undefined;
  const profile = sim.profiles[sim.dayIndex(sim.t)]!;

  // Plan the funnel up front so the per-session probabilities are exactly known.
  const cartP = Math.min(0.9, sim.cartProbability * profile.conv);
  const wantsCart = rng.chance(cartP);
  const willCheckout = wantsCart && rng.chance(sim.checkoutProbability);
  const willComplete = willCheckout && rng.chance(sim.completionProbability);

  // Landing page.
  const channel = pickSessionChannel(sim, first);
  const l = pickLanding(sim, channel);
  sim.lastUrl = l.referrer;
  sim.campaign = l.campaign;
  const cart: CartLine[] = [];
  const cartId = rng.hex(16);
  let productViews = 0;
  let addAt = wantsCart ? 1 + rng.geometric(0.5) : -1;
  let category = l.category;
  let where: PageKind = l.kind;
  const onProduct = (p: Product) => {
    productViews++;
    if (wantsCart && cart.length === 0 && productViews >= addAt) addToCart(sim, cart, cartId, p);
    else if (cart.length > 0 && cart.length < 4 && rng.chance(0.25)) addToCart(sim, cart, cartId, p);
  };
  switch (l.kind) {
    case 'product':
      viewProduct(sim, l.product!, true, l.query);
      onProduct(l.product!);
      break;
    case 'category':
      sim.pageView('Category', CATEGORY_PAGE[category].path, l.query, CATEGORY_PAGE[category].title, true);
      break;
    case 'sale':
      sim.pageView('Sale', profile.salePath, l.query, `${profile.campaign.replace(/_/g, ' ')} | ${SHOP_NAME}`, true);
      break;
    default:
      sim.pageView('Home', '/', l.query, `${SHOP_NAME} - Shop beauty, electronics, fashion & more`, true);
  }

  // Account actions near the start of the session.
  if (!sim.dev.identified) {
    if (sim.userId && rng.chance(0.45)) logIn(sim);
    else if (!sim.userId && sim.willRegister && rng.chance(first ? 0.2 : 0.12)) signUp(sim);
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
      if (where !== 'product' && where !== 'category' && where !== 'search') category = rng.chance(0.65) ? truth.preferredCategory : otherCategory(rng);
      else if (rng.chance(0.15)) category = otherCategory(rng);
      const p = pickProduct(rng, category);
      viewProduct(sim, p);
      onProduct(p);
    } else if (next === 'category') {
      category = rng.chance(0.6) ? truth.preferredCategory : otherCategory(rng);
      sim.pageView('Category', CATEGORY_PAGE[category].path, '', CATEGORY_PAGE[category].title);
    } else if (next === 'search') {
      category = rng.chance(0.7) ? truth.preferredCategory : otherCategory(rng);
      const q = searchQuery(sim, category);
      sim.pageView('Search', '/search', `?q=${encodeURIComponent(q)}`, `Search results for "${q}" | ${SHOP_NAME}`);
      sim.advance(200, 1_200);
      sim.track('Searched', { query: q });
    } else {
      sim.pageView('Home', '/', '', `${SHOP_NAME} - Shop beauty, electronics, fashion & more`);
    }
    where = next;
  }

  if (cart.length > 0) finishCart(sim, cart, cartId, willCheckout, willComplete, profile);
  sim.dev.lastSeen = sim.t;
}
