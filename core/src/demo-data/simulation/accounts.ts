/** Signing up (identify, sometimes alias, Signed Up) and logging in (identify, Signed In). */
import type { PersonSimulation } from './person-simulation';
import { SHOP_NAME } from './shop-pages';

export function signUp(sim: PersonSimulation): void {
  sim.pageView('Sign Up', '/signup', '', `Create account | ${SHOP_NAME}`);
  sim.advance(20_000, 120_000);
  sim.userId = `u-${String(++sim.run.userSeq).padStart(6, '0')}`;
  sim.truth.userId = sim.userId;
  sim.registeredAt = sim.t;
  sim.identify();
  if (sim.rng.chance(0.08)) {
    sim.advance(50, 400);
    sim.push({
      type: 'alias',
      messageId: sim.rng.uuid(),
      anonymousId: sim.dev.anonymousId,
      userId: sim.userId,
      previousId: sim.dev.anonymousId,
      timestamp: sim.run.clock.iso(sim.t),
      context: sim.ctx,
    });
  }
  sim.advance(100, 900);
  const method = sim.country.spec.code === 'CN' ? sim.rng.pick(['wechat', 'wechat', 'phone', 'email']) : sim.rng.pick(['email', 'email', 'google', 'apple']);
  sim.track('Signed Up', { method, plan: sim.traits.plan });
}

export function logIn(sim: PersonSimulation): void {
  sim.pageView('Log In', '/login', '', `Log in | ${SHOP_NAME}`);
  sim.advance(8_000, 60_000);
  sim.identify();
  sim.advance(100, 900);
  sim.track('Signed In', { method: sim.country.spec.code === 'CN' ? 'wechat' : 'email' });
}
