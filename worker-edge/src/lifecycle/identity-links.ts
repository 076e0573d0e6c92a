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
