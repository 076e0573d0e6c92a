import type { EventRow } from '@privacy-analytics/core/schema';

/** The columns that identify a person. A row carrying two of them links those identifiers. */
export const PERSON_ID_COLUMNS = ['user_id', 'anonymous_id', 'previous_id'] as const;

export type PersonIds = Pick<EventRow, (typeof PERSON_ID_COLUMNS)[number]>;

export function personIdsOf(row: PersonIds): string[] {
  const ids: string[] = [];
  for (const column of PERSON_ID_COLUMNS) {
    const value = row[column];
    if (value) ids.push(value);
  }
  return ids;
}

export function mentionsAny(row: PersonIds, ids: ReadonlySet<string>): boolean {
  for (const column of PERSON_ID_COLUMNS) {
    const value = row[column];
    if (value && ids.has(value)) return true;
  }
  return false;
}

export interface LinkScan {
  /** True when at least one row mentions the person. */
  matched: boolean;
  /** Identifiers added to the person while scanning these rows. */
  added: string[];
}

/**
 * Grows `person` (a set of hashed ids, mutated in place) with every id that shares a row with one
 * of its ids. One scan over all rows can miss a link seen before the id it hangs on was added, so
 * callers repeat full passes until a pass adds nothing: the fixed point is the connected component.
 */
export function extendPerson(rows: Iterable<PersonIds>, person: Set<string>): LinkScan {
  const added: string[] = [];
  let matched = false;
  for (const row of rows) {
    if (!mentionsAny(row, person)) continue;
    matched = true;
    for (const id of personIdsOf(row)) {
      if (person.has(id)) continue;
      person.add(id);
      added.push(id);
    }
  }
  return { matched, added };
}
