/**
 * Which stored rows the analyses leave out unless a spec says `includeFlagged: true`. Most quality flags record a
 * correction after which the row is as good as any other (a scrubbed e-mail address, a dropped query parameter, a
 * skewed clock put right); only a flag saying that a value the row claims could not be read makes it unreliable.
 * The rule and its reasons are in docs/analytics.md ("Rows flagged as invalid").
 */
import type { QualityFlag } from '../schema/event-columns';
import { ident, literal, or, sql, type Sql } from './sql';

/**
 * `invalid_number`: a price, quantity or revenue was sent but was not a finite number, so the edge stored null.
 * Counting such a row would count an order at revenue 0 (or a purchase of unknown quantity) as if it were known.
 */
export const INVALID_QUALITY_FLAGS = ['invalid_number'] as const satisfies readonly QualityFlag[];

/** True when the row carries a flag of INVALID_QUALITY_FLAGS; `table` qualifies the column. */
export function flaggedCondition(table?: string): Sql {
  const column = table ? sql`${ident(table)}.quality_flags` : sql`quality_flags`;
  // A plain substring test is exact: no flag name contains another one (quality-gate.test.ts checks it).
  return sql`coalesce(${or(INVALID_QUALITY_FLAGS.map((flag) => sql`contains(${column}, ${literal(flag)})`))}, false)`;
}

/** The rows an analysis reads by default: those without an invalid flag. */
export function unflaggedCondition(table?: string): Sql {
  return sql`NOT ${flaggedCondition(table)}`;
}
