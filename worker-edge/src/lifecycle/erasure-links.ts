import { personIdsOf, type PersonIds } from './identity-links';

/**
 * Which ids an erasure takes from the identity links: rows carrying two ids (identify, alias, an event with both a
 * user id and an anonymous id). Anyone holding a site's public write key can write such a link between any two ids, and
 * some ids are shared by several people (a constant anonymous id such as "null", a kiosk, one cookieless visitor hash
 * behind a NAT), so a link alone never makes an id the person's:
 * - seed: an id of the request. Always erased and followed. Blocked for the future unless it is shared: not a user id
 *   itself and found with several user ids (a hashed anonymous id given by the admin).
 * - candidate: found on a row beside a seed or a member; judged once a full pass has read all its rows.
 * - member: a candidate tied to at most one user id, the seeds counting as user ids, and to at most `linkMaxIds` other
 *   ids: the person's own. Erased, followed and blocked.
 * - stop: a candidate tied to more. Not erased (its rows that carry one of the person's ids are), not followed, not
 *   blocked; reported in the request's status.
 * Every link row has a user id (alias needs one), so a candidate that is someone else's is tied to that someone's user
 * id and to the person's: an alias onto another person's anonymous id or user id stops there.
 */
export type LinkRole = 'seed' | 'member' | 'candidate' | 'stop';
export type StopReason = 'several_user_ids' | 'too_many_ids';
export type TieKind = 'self' | 'user' | 'link';

/** What the rows say about a seed or a candidate. The sets stop growing once they decide the judgement. */
export interface IdTies {
  /** The id appears as a user_id itself. */
  isUser: boolean;
  /** Other user ids on its rows (for a candidate, also the seeds on its rows); at most 2 kept. */
  users: Set<string>;
  /** Other ids on its rows; at most linkMaxIds + 1 kept. */
  links: Set<string>;
}

export interface TieRecord {
  id: string;
  kind: TieKind;
  /** The other id; empty for `self`. */
  other: string;
}

export interface PersonLinks {
  /** Every id the request has met, with its role. */
  roles: Map<string, LinkRole>;
  ties: Map<string, IdTies>;
}

export interface LinkScan {
  /** Rows carrying an id to erase (a seed or a member). */
  matchedRows: number;
  /** Ids first seen beside a seed or a member in these rows: new candidates. */
  found: string[];
  /** New facts about seeds and candidates, to store. */
  ties: TieRecord[];
}

const USERS_KEPT = 2;
/** Stands for all seeds in `IdTies.users`; not a 32-hex pseudonym, so no real id equals it. */
const THE_PERSON = 'the person';

export function isErasedRole(role: LinkRole | undefined): boolean {
  return role === 'seed' || role === 'member';
}

export function emptyTies(): IdTies {
  return { isUser: false, users: new Set(), links: new Set() };
}

/** Reads rows into `person` (mutated): new candidates beside its ids, and the ties of its seeds and candidates. */
export function scanLinks(rows: Iterable<PersonIds>, person: PersonLinks, linkMaxIds: number): LinkScan {
  const scan: LinkScan = { matchedRows: 0, found: [], ties: [] };
  for (const row of rows) {
    const ids = [...new Set(personIdsOf(row))];
    if (ids.some((id) => isErasedRole(person.roles.get(id)))) {
      scan.matchedRows++;
      for (const id of ids) {
        if (person.roles.has(id)) continue;
        person.roles.set(id, 'candidate');
        scan.found.push(id);
      }
    }
    for (const id of ids) {
      const role = person.roles.get(id);
      if (role === 'seed' || role === 'candidate') recordTies(person, scan, linkMaxIds, id, role, row, ids);
    }
  }
  return scan;
}

function recordTies(person: PersonLinks, scan: LinkScan, linkMaxIds: number, id: string, role: 'seed' | 'candidate', row: PersonIds, ids: readonly string[]): void {
  let ties = person.ties.get(id);
  if (!ties) person.ties.set(id, (ties = emptyTies()));
  if (row.user_id === id && !ties.isUser) {
    ties.isUser = true;
    scan.ties.push({ id, kind: 'self', other: '' });
  }
  // Every seed is the person (the pseudonyms of one user id under each hashKey version or live salt): one user.
  const asUser = (user: string | null) => (user !== null && person.roles.get(user) === 'seed' ? THE_PERSON : user);
  const users = role === 'candidate' ? [row.user_id, ...ids.filter((other) => person.roles.get(other) === 'seed')].map(asUser) : [asUser(row.user_id)];
  for (const user of users) {
    if (!user || user === id || (role === 'seed' && user === THE_PERSON) || ties.users.size >= USERS_KEPT || ties.users.has(user)) continue;
    ties.users.add(user);
    scan.ties.push({ id, kind: 'user', other: user });
  }
  for (const other of ids) {
    if (other === id || ties.links.size > linkMaxIds || ties.links.has(other)) continue;
    ties.links.add(other);
    scan.ties.push({ id, kind: 'link', other });
  }
}

/** Why a candidate is not the person's, or null when it is. */
export function stopReason(ties: IdTies | undefined, linkMaxIds: number): StopReason | null {
  if (!ties) return null;
  if (ties.users.size + (ties.isUser ? 1 : 0) > 1) return 'several_user_ids';
  if (ties.links.size > linkMaxIds) return 'too_many_ids';
  return null;
}

/** A seed is shared, hence erased but not blocked, when it is no user id and appears with several user ids. */
export function seedIsShared(ties: IdTies | undefined): boolean {
  return ties !== undefined && !ties.isUser && ties.users.size > 1;
}
