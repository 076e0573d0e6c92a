/**
 * Tag coverage (requirement: ≥ 92% of persons carry each tag): for every person tag (person-tags.ts) and declared
 * attribute (declared-attributes.ts), the share of persons with a non-null value, as of an instant.
 *
 * Persons are those with an event before `asOfMs` (the universe of segments). order_count and revenue are 0, not
 * null, for persons without orders, so they always count as covered; aov and rfm_tier exist for buyers only.
 */
import type { QueryEngine } from '../engine/query-engine';
import { DECLARED_ATTRIBUTE_NAMES, declaredAttributesSql, type DeclaredAttribute } from './declared-attributes';
import { ensurePersonMap, type IdentityMode } from './identity';
import { PERSON_TAG_NAMES, personTagsSql, type LifecycleThresholds, type PersonTag } from './person-tags';
import { ident, join, sql, type EventMatcher } from './sql';

export const TAG_COVERAGE_TARGET = 0.92;

export interface TagCoverageEntry {
  name: PersonTag | DeclaredAttribute;
  /** A tag computed from behaviour, or an attribute the person declared. */
  source: 'tag' | 'attribute';
  persons: number;
  /** persons with a value / all persons (0 without persons) */
  share: number;
  meetsTarget: boolean;
}

export interface TagCoverage {
  asOf: string;
  persons: number;
  target: number;
  entries: TagCoverageEntry[];
  /** Entries at or above the target. */
  met: number;
}

export interface TagCoverageOptions {
  orderEvent: EventMatcher;
  revenueProperty: string;
  lifecycle: LifecycleThresholds;
  identity: IdentityMode;
  includeFlagged?: boolean | undefined;
}

export async function tagCoverage(engine: QueryEngine, options: TagCoverageOptions, asOfMs: number): Promise<TagCoverage> {
  if (options.identity === 'merged') await ensurePersonMap(engine);
  const names = [...PERSON_TAG_NAMES, ...DECLARED_ATTRIBUTE_NAMES];
  const counts = names.map((name) => sql`count(${ident(name)})::BIGINT AS ${ident(name)}`);
  const attributes = DECLARED_ATTRIBUTE_NAMES.map((name) => sql`a.${ident(name)}`);
  const query = sql`SELECT count(*)::BIGINT AS persons, ${join(counts)} FROM (
      SELECT t.*, ${join(attributes)}
      FROM (${personTagsSql(options, asOfMs)}) t
      LEFT JOIN (${declaredAttributesSql(options.identity, asOfMs, { includeFlagged: options.includeFlagged })}) a ON a.person = t.person
    )`;
  const [row] = await engine.query<Record<string, number>>(query.text, query.params);
  const persons = Number(row?.persons ?? 0);
  const entries = names.map((name): TagCoverageEntry => {
    const covered = Number(row?.[name] ?? 0);
    const share = persons > 0 ? covered / persons : 0;
    return { name, source: (PERSON_TAG_NAMES as string[]).includes(name) ? 'tag' : 'attribute', persons: covered, share, meetsTarget: persons > 0 && share >= TAG_COVERAGE_TARGET };
  });
  return { asOf: new Date(asOfMs - 1).toISOString(), persons, target: TAG_COVERAGE_TARGET, entries, met: entries.filter((e) => e.meetsTarget).length };
}
