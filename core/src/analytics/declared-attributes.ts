/**
 * Declared attributes: what a person told us about themselves (CRM / member registrations, `identify` traits), as
 * opposed to tags computed from behaviour (person-tags.ts). The customers import (imports/customers.ts) stores them
 * as identify rows whose properties hold the traits; live `identify` calls with the same trait names count alike.
 *
 *   gender               trait `gender` (the import lower-cases it)
 *   birth_year           trait `birth_year`, a whole number
 *   age_band             from birth_year as of the as-of instant: age = as-of UTC year - birth year (the age reached
 *                        in that year; a birth year says no more), banded as AGE_BANDS
 *   city, tier           traits `city`, `tier` (member tier)
 *   registration_store   trait `registration_store`
 *
 * Resolved per person through the identity map: over every identify row of the person's ids before the as-of
 * instant, the latest non-null value of each attribute wins (latest by event time, then by the time the edge
 * received it, so a re-imported CRM table with unchanged registration dates overrides the earlier import).
 */
import { personEvents, type IdentityMode } from './identity';
import { ident, int, join, propertyExpr, sql, timestamp, type Sql, type ValueKind } from './sql';

export const DECLARED_ATTRIBUTES = {
  gender: 'string',
  birth_year: 'number',
  age_band: 'string',
  city: 'string',
  tier: 'string',
  registration_store: 'string',
} as const satisfies Record<string, ValueKind>;

export type DeclaredAttribute = keyof typeof DECLARED_ATTRIBUTES;
export const DECLARED_ATTRIBUTE_NAMES = Object.keys(DECLARED_ATTRIBUTES) as DeclaredAttribute[];

/** Age bands, each from its lower bound (inclusive) to the next one's. */
export const AGE_BANDS = [
  { band: '<18', from: 0 },
  { band: '18-24', from: 18 },
  { band: '25-34', from: 25 },
  { band: '35-44', from: 35 },
  { band: '45-54', from: 45 },
  { band: '55-64', from: 55 },
  { band: '65+', from: 65 },
] as const;
export type AgeBand = (typeof AGE_BANDS)[number]['band'];
export const AGE_BAND_NAMES = AGE_BANDS.map((b) => b.band) as AgeBand[];

/** The events columns the attributes are read from. */
export const DECLARED_ATTRIBUTE_COLUMNS = ['timestamp', 'received_at', 'event_id', 'type', 'properties'] as const;

const TRAIT_OF: Record<Exclude<DeclaredAttribute, 'age_band'>, string> = {
  gender: 'gender',
  birth_year: 'birth_year',
  city: 'city',
  tier: 'tier',
  registration_store: 'registration_store',
};

function ageBandSql(birthYear: Sql, asOfMs: number): Sql {
  const age = sql`(${int(new Date(asOfMs - 1).getUTCFullYear())} - ${birthYear})`;
  const whens = [...AGE_BANDS].reverse().map((b) => sql`WHEN ${age} >= ${int(b.from)} THEN ${b.band}`);
  return sql`CASE WHEN ${birthYear} IS NULL OR ${age} < 0 THEN NULL ${join(whens, ' ')} END`;
}

export interface AttributeScope {
  /** The events to read: a relation with `person` and DECLARED_ATTRIBUTE_COLUMNS (default personEvents of `identity`). */
  events?: Sql;
  includeFlagged?: boolean | undefined;
}

/**
 * `person` plus every declared attribute, one row per person with an identify row before `asOfMs` (exclusive).
 * The age band is as of `asOfMs - 1` (the last instant counted), so an as-of date's year is the year of that date.
 */
export function declaredAttributesSql(identity: IdentityMode, asOfMs: number, scope: AttributeScope = {}): Sql {
  const events = scope.events ?? personEvents(identity, DECLARED_ATTRIBUTE_COLUMNS, { includeFlagged: scope.includeFlagged });
  const latest = (trait: string, whole = false) => {
    const text = propertyExpr({ kind: 'json', key: trait }, 'd').sql;
    const value = whole ? sql`TRY_CAST(${text} AS INTEGER)` : sql`nullif(${text}, '')`;
    return sql`first(${value} ORDER BY d."timestamp" DESC, d.received_at DESC, d.event_id DESC) FILTER (WHERE ${value} IS NOT NULL)`;
  };
  const columns = (Object.keys(TRAIT_OF) as (keyof typeof TRAIT_OF)[]).map((name) =>
    name === 'birth_year' ? sql`${latest(TRAIT_OF[name], true)} AS birth_year` : sql`${latest(TRAIT_OF[name])} AS ${ident(name)}`,
  );
  return sql`SELECT person, gender, birth_year, ${ageBandSql(sql`birth_year`, asOfMs)} AS age_band, city, tier, registration_store FROM (
      SELECT d.person, ${join(columns)}
      FROM ${events} d WHERE d.type = 'identify' AND d."timestamp" < ${timestamp(asOfMs)} GROUP BY d.person
    )`;
}
