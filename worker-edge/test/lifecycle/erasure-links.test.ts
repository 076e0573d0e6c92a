import { describe, expect, it } from 'vitest';
import { scanLinks, seedIsShared, stopReason, type LinkRole, type PersonLinks } from '../../src/lifecycle/erasure-links';
import type { PersonIds } from '../../src/lifecycle/identity-links';

const MAX_LINKS = 20;

const row = (ids: Partial<PersonIds>): PersonIds => ({ user_id: null, anonymous_id: null, previous_id: null, ...ids });

/** Two passes over the same rows, as the job does: the first finds the candidates, the second reads all their rows. */
function judged(seeds: readonly string[], rows: readonly PersonIds[]): PersonLinks & { reasons: Map<string, string | null> } {
  const person: PersonLinks = { roles: new Map<string, LinkRole>(seeds.map((seed) => [seed, 'seed'])), ties: new Map() };
  scanLinks(rows, person, MAX_LINKS);
  scanLinks(rows, person, MAX_LINKS);
  const reasons = new Map<string, string | null>();
  for (const [id, role] of person.roles) if (role === 'candidate') reasons.set(id, stopReason(person.ties.get(id), MAX_LINKS));
  return { ...person, reasons };
}

describe('erasure links', () => {
  it("takes a device only the person identified on, and stops at an anonymous id someone else identified on too", () => {
    const { reasons } = judged(['me'], [
      row({ anonymous_id: 'my-phone' }),
      row({ anonymous_id: 'my-phone', user_id: 'me' }),
      row({ anonymous_id: 'their-laptop', user_id: 'them' }),
      row({ previous_id: 'their-laptop', user_id: 'me' }),
    ]);
    expect(reasons).toEqual(new Map([['my-phone', null], ['their-laptop', 'several_user_ids']]));
  });

  it("stops at another user id, in either slot of a forged alias: the request's ids count as user ids", () => {
    const { reasons } = judged(['attacker'], [
      row({ user_id: 'victim', anonymous_id: 'victim-device' }),
      row({ previous_id: 'attacker', user_id: 'victim' }),
      row({ previous_id: 'victim-2', user_id: 'attacker' }),
      row({ user_id: 'victim-2' }),
    ]);
    expect(reasons).toEqual(new Map([['victim', 'several_user_ids'], ['victim-2', 'several_user_ids']]));
  });

  it('stops at an id linked to more than ERASURE_LINK_MAX_IDS ids, even under one user id', () => {
    const rows = Array.from({ length: MAX_LINKS }, (_, i) => row({ anonymous_id: 'tablet', previous_id: `profile-${i}`, user_id: 'me' }));
    expect(judged(['me'], rows).reasons.get('tablet')).toBe('too_many_ids');
    expect(judged(['me'], rows.slice(1)).reasons.get('tablet')).toBeNull();
  });

  it('a seed is shared (erased, not blocked) only when it is no user id and appears with several user ids', () => {
    const nullDevice = [row({ anonymous_id: 'null', user_id: 'a' }), row({ anonymous_id: 'null', user_id: 'b' })];
    const shared = judged(['null'], nullDevice);
    expect(seedIsShared(shared.ties.get('null'))).toBe(true);
    // Every user id met through the shared seed is a stop: the seed counts as a user id of its own.
    expect(shared.reasons).toEqual(new Map([['a', 'several_user_ids'], ['b', 'several_user_ids']]));
    const userSeed = judged(['victim'], [row({ user_id: 'victim' }), row({ previous_id: 'victim', user_id: 'x' }), row({ previous_id: 'victim', user_id: 'y' })]);
    expect(seedIsShared(userSeed.ties.get('victim'))).toBe(false);
    expect(seedIsShared(judged(['only-mine'], [row({ anonymous_id: 'only-mine', user_id: 'me' })]).ties.get('only-mine'))).toBe(false);
  });
});
