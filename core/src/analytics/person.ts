/**
 * One person, for the person view: given any of their ids (an anonymous id, a user id or the merged person id), the
 * ids identity mapping joined (identity.ts) and what joined them, their events online and offline (origin.ts) newest
 * first, their tags (person-tags.ts), their model scores (`person_scores`, segments.ts) and which saved segments they
 * belong to.
 *
 * An id links to another of the person's ids by:
 *   user_id   an event carrying both an anonymous id and a user id (identify, or any tracked call after login)
 *   alias     an alias call (previous id → user id, else anonymous id)
 *   email, phone, member, device
 *             a hashed contact key (`$ids`, contact-keys.ts) that rows of both ids carry and that links (one
 *             person's: at most one user id and CONTACT_LINK_MAX_IDS ids, buildPersonMap's rule)
 * With identity `none` a person is one id (the user id, else the anonymous id of each row) and nothing links.
 */
import { z } from 'zod';
import { EVENTS_TABLE, type QueryEngine } from '../engine/query-engine';
import { CONTACT_KINDS, type ContactKind } from '../ingest/contact-keys';
import { contactKeysText, ensurePersonMap, hasContactKeys, offlineRowText, PERSON_MAP, usableContactKey, type IdentityMode } from './identity';
import { importedRow } from './origin';
import { PERSON_TAG_NAMES, PERSON_TAGS, personTagsSql, tagOptionsSchema, type PersonTag } from './person-tags';
import { unflaggedCondition } from './quality-gate';
import { NO_SCORES_MESSAGE, PERSON_SCORES, parseSegmentSpec, resolveAsOfInstant, segmentMembersSql } from './segments';
import { identitySchema, includeFlaggedSchema, parseSpec } from './spec';
import { ident, int, join, propertyExpr, resolveProperty, sql, type Sql } from './sql';

export const LINK_KINDS = ['user_id', 'alias', ...CONTACT_KINDS] as const;
export type LinkKind = 'user_id' | 'alias' | ContactKind;

export const PERSON_TIMELINE_LIMIT = 200;
export const MAX_PERSON_ID_LENGTH = 512;

export const personSpecSchema = z.strictObject({
  id: z.string().trim().min(1, 'paste a person id (an anonymous id, user id or person id)').max(MAX_PERSON_ID_LENGTH),
  identity: identitySchema.default('merged'),
  includeFlagged: includeFlaggedSchema,
  limit: z.number().int().min(1).max(1000).default(PERSON_TIMELINE_LIMIT),
  offset: z.number().int().min(0).max(1_000_000).default(0),
  /** Saved segments to test the person against (the spec as the Segments view saves it). */
  segments: z.array(z.strictObject({ name: z.string().min(1).max(200), spec: z.unknown() })).max(200).default([]),
});
export type PersonSpecInput = z.input<typeof personSpecSchema>;
export type PersonSpec = z.output<typeof personSpecSchema>;

export interface PersonId {
  id: string;
  isUser: boolean;
  isAnonymous: boolean;
  /** the id's own rows (those naming it as user id, else anonymous id) */
  events: number;
  firstSeen: number | null;
  lastSeen: number | null;
  /** how it is joined to the person's other ids (empty for the only id) */
  via: LinkKind[];
}

export interface TimelineEvent {
  eventId: string;
  at: number;
  type: string;
  event: string;
  /** the row's user id, else its anonymous id */
  id: string | null;
  origin: 'online' | 'offline';
  channel: string | null;
  pagePath: string | null;
  orderId: string | null;
  revenue: number | null;
  currency: string | null;
  productId: string | null;
  category: string | null;
  /** `store` of an imported row */
  store: string | null;
}

/** Every tag of PERSON_TAGS; times as epoch milliseconds. */
export type PersonTags = Record<PersonTag, number | string | null>;

export interface SegmentMembership {
  name: string;
  /** null when it could not be told (the reason says why) */
  member: boolean | null;
  reason?: string;
}

export interface PersonProfile {
  found: true;
  /** the id asked for, trimmed */
  query: string;
  /** the person's id as the analyses name it (the `person` of personEvents) */
  person: string;
  identity: IdentityMode;
  ids: PersonId[];
  counts: { events: number; online: number; offline: number };
  /** newest first; `counts.events` rows in all, this page starting at `offset` */
  timeline: TimelineEvent[];
  offset: number;
  limit: number;
  tags: PersonTags | null;
  /** model → score; null when nothing has been scored (NO_SCORES_MESSAGE) */
  scores: Record<string, number> | null;
  segments: SegmentMembership[];
}

export interface PersonNotFound {
  found: false;
  query: string;
}

export function parsePersonSpec(input: unknown): PersonSpec {
  return parseSpec(personSpecSchema, input);
}

/** The person `id` belongs to, or null when no loaded row names it. */
export async function resolvePerson(engine: QueryEngine, id: string, identity: IdentityMode): Promise<string | null> {
  if (identity === 'merged') {
    await ensurePersonMap(engine);
    const query = sql`SELECT person_id FROM ${ident(PERSON_MAP)} WHERE id = ${id} LIMIT 1`;
    const [row] = await engine.query<{ person_id: string }>(query.text, query.params);
    return row ? String(row.person_id) : null;
  }
  const query = sql`SELECT 1 AS present FROM ${ident(EVENTS_TABLE)} WHERE coalesce(user_id, anonymous_id) = ${id} LIMIT 1`;
  return (await engine.query(query.text, query.params)).length ? id : null;
}

/** The person's ids: the person map's component, or the one id. */
function personIdsSql(person: string, identity: IdentityMode): Sql {
  if (identity === 'none') return sql`SELECT ${person} AS id`;
  return sql`SELECT id FROM ${ident(PERSON_MAP)} WHERE person_id = ${person}`;
}

/** The person's rows (alias `e`), gated as personEvents gates them. */
function personRowsSql(person: string, spec: Pick<PersonSpec, 'identity' | 'includeFlagged'>): Sql {
  const gate = spec.includeFlagged ? sql`` : sql` AND ${unflaggedCondition('e')}`;
  return sql`SELECT e.* FROM ${ident(EVENTS_TABLE)} e WHERE coalesce(e.user_id, e.anonymous_id) IN (${personIdsSql(person, spec.identity)})${gate}`;
}

async function personIds(engine: QueryEngine, person: string, identity: IdentityMode): Promise<PersonId[]> {
  const events = ident(EVENTS_TABLE);
  const ids = personIdsSql(person, identity);
  const own = sql`SELECT coalesce(user_id, anonymous_id) AS id, count(*)::BIGINT AS events, epoch_ms(min("timestamp")) AS first_seen, epoch_ms(max("timestamp")) AS last_seen
    FROM ${events} WHERE coalesce(user_id, anonymous_id) IN (${ids}) GROUP BY 1`;
  if (identity === 'none') {
    const query = sql`SELECT o.*, EXISTS (SELECT 1 FROM ${events} WHERE user_id = ${person}) AS is_user, EXISTS (SELECT 1 FROM ${events} WHERE anonymous_id = ${person}) AS is_anonymous, [] AS via FROM (${own}) o`;
    return (await engine.query<Record<string, unknown>>(query.text, query.params)).map(toPersonId);
  }
  // Links among the person's ids only: every link of buildPersonMap joins two ids of one person.
  const query = sql`WITH ids AS MATERIALIZED (${ids}),
    pairs AS (
      SELECT anonymous_id AS a, user_id AS b, 'user_id' AS kind FROM ${events} WHERE user_id IN (SELECT id FROM ids) AND anonymous_id IS NOT NULL
      UNION ALL SELECT previous_id, coalesce(user_id, anonymous_id), 'alias' FROM ${events}
        WHERE previous_id IN (SELECT id FROM ids) AND coalesce(user_id, anonymous_id) IS NOT NULL
    ),
    keyed AS (
      SELECT DISTINCT unnest(string_split(${contactKeysText()}, ' ')) AS k, coalesce(user_id, anonymous_id) AS id, user_id IS NOT NULL AS is_user,
        ${offlineRowText()} AS offline
      FROM ${events} WHERE ${hasContactKeys()} AND coalesce(user_id, anonymous_id) IS NOT NULL
    ),
    own_keys AS (SELECT DISTINCT k FROM keyed WHERE k <> '' AND id IN (SELECT id FROM ids)),
    usable AS (
      -- a usable key joins all who carry it into one person, so two holders are two of the person's ids
      SELECT k FROM keyed WHERE k IN (SELECT k FROM own_keys) GROUP BY k
      HAVING ${usableContactKey()} AND count(DISTINCT id) >= 2
    ),
    contact_links AS (SELECT id, split_part(k, ':', 1) AS kind FROM keyed WHERE k IN (SELECT k FROM usable)),
    via AS (
      SELECT id, kind FROM (SELECT a AS id, kind FROM pairs WHERE a <> b UNION ALL SELECT b, kind FROM pairs WHERE a <> b UNION ALL SELECT id, kind FROM contact_links)
      WHERE id IN (SELECT id FROM ids)
      GROUP BY id, kind
    )
    SELECT m.id, m.is_user, m.is_anonymous, coalesce(o.events, 0) AS events, o.first_seen, o.last_seen,
      coalesce((SELECT list(v.kind ORDER BY v.kind) FROM via v WHERE v.id = m.id), []) AS via
    FROM ${ident(PERSON_MAP)} m LEFT JOIN (${own}) o ON o.id = m.id
    WHERE m.person_id = ${person}`;
  const rows = (await engine.query<Record<string, unknown>>(query.text, query.params)).map(toPersonId);
  return rows.sort((a, b) => Number(b.isUser) - Number(a.isUser) || (a.firstSeen ?? Infinity) - (b.firstSeen ?? Infinity) || (a.id < b.id ? -1 : 1));
}

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object' && 'toArray' in value && typeof value.toArray === 'function') return Array.from(value.toArray() as Iterable<unknown>);
  return [];
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function toPersonId(row: Record<string, unknown>): PersonId {
  const order = new Map<string, number>(LINK_KINDS.map((kind, i) => [kind, i]));
  const via = listOf(row.via)
    .map(String)
    .filter((kind): kind is LinkKind => order.has(kind))
    .sort((a, b) => order.get(a)! - order.get(b)!);
  return {
    id: String(row.id),
    isUser: Boolean(row.is_user),
    isAnonymous: Boolean(row.is_anonymous),
    events: Number(row.events ?? 0),
    firstSeen: numberOrNull(row.first_seen),
    lastSeen: numberOrNull(row.last_seen),
    via,
  };
}

async function timeline(engine: QueryEngine, person: string, spec: PersonSpec): Promise<{ counts: PersonProfile['counts']; rows: TimelineEvent[] }> {
  const rows = personRowsSql(person, spec);
  const offline = importedRow();
  const store = propertyExpr(resolveProperty('properties.store')).sql;
  const countQuery = sql`SELECT count(*)::BIGINT AS events, count(*) FILTER (WHERE ${offline})::BIGINT AS offline FROM (${rows})`;
  const [count] = await engine.query<{ events: number; offline: number }>(countQuery.text, countQuery.params);
  const page = sql`SELECT event_id, epoch_ms("timestamp") AS at, type, event, coalesce(user_id, anonymous_id) AS id, ${offline} AS offline,
      channel, page_path, order_id, revenue, currency, product_id, category, CASE WHEN ${offline} THEN ${store} END AS store
    FROM (${rows}) ORDER BY "timestamp" DESC, event_id DESC LIMIT ${int(spec.limit)} OFFSET ${int(spec.offset)}`;
  const events = Number(count?.events ?? 0);
  const offlineCount = Number(count?.offline ?? 0);
  return {
    counts: { events, online: events - offlineCount, offline: offlineCount },
    rows: (await engine.query<Record<string, unknown>>(page.text, page.params)).map((row) => ({
      eventId: String(row.event_id),
      at: Number(row.at),
      type: String(row.type),
      event: String(row.event),
      id: textOrNull(row.id),
      origin: row.offline ? 'offline' : 'online',
      channel: textOrNull(row.channel),
      pagePath: textOrNull(row.page_path),
      orderId: textOrNull(row.order_id),
      revenue: numberOrNull(row.revenue),
      currency: textOrNull(row.currency),
      productId: textOrNull(row.product_id),
      category: textOrNull(row.category),
      store: textOrNull(row.store),
    })),
  };
}

async function tagsOf(engine: QueryEngine, person: string, spec: PersonSpec, asOfMs: number): Promise<PersonTags | null> {
  const options = { ...tagOptionsSchema.parse({}), identity: spec.identity, includeFlagged: spec.includeFlagged };
  const tags = personTagsSql(options, asOfMs, PERSON_TAG_NAMES, { persons: sql`SELECT ${person}` });
  const columns = PERSON_TAG_NAMES.map((tag) => (PERSON_TAGS[tag] === 'timestamp' ? sql`epoch_ms(${ident(tag)}) AS ${ident(tag)}` : ident(tag)));
  const query = sql`SELECT ${join(columns)} FROM (${tags}) WHERE person = ${person}`;
  const [row] = await engine.query<Record<string, unknown>>(query.text, query.params);
  if (!row) return null;
  const result: Record<string, number | string | null> = {};
  for (const tag of PERSON_TAG_NAMES) result[tag] = PERSON_TAGS[tag] === 'string' ? textOrNull(row[tag]) : numberOrNull(row[tag]);
  return result as PersonTags;
}

async function hasTable(engine: QueryEngine, name: string): Promise<boolean> {
  const probe = sql`SELECT 1 AS present FROM information_schema.tables WHERE table_name = ${name}`;
  return (await engine.query(probe.text, probe.params)).length > 0;
}

async function scoresOf(engine: QueryEngine, person: string): Promise<Record<string, number> | null> {
  if (!(await hasTable(engine, PERSON_SCORES))) return null;
  const query = sql`SELECT model, max(score)::DOUBLE AS score FROM ${ident(PERSON_SCORES)} WHERE person = ${person} GROUP BY model ORDER BY model`;
  const rows = await engine.query<{ model: string; score: number }>(query.text, query.params);
  return Object.fromEntries(rows.map((row) => [String(row.model), Number(row.score)]));
}

async function membershipOf(engine: QueryEngine, person: string, spec: PersonSpec, scored: boolean): Promise<SegmentMembership[]> {
  const result: SegmentMembership[] = [];
  for (const saved of spec.segments) {
    try {
      const segment = parseSegmentSpec({ ...(saved.spec as object), identity: spec.identity, includeFlagged: spec.includeFlagged });
      if (!scored && JSON.stringify(segment.condition).includes('"type":"score"')) {
        result.push({ name: saved.name, member: null, reason: NO_SCORES_MESSAGE });
        continue;
      }
      const asOfMs = await resolveAsOfInstant(engine, segment.asOf);
      const query = sql`SELECT 1 AS member FROM (${segmentMembersSql(segment, asOfMs)}) WHERE person = ${person} LIMIT 1`;
      result.push({ name: saved.name, member: (await engine.query(query.text, query.params)).length > 0 });
    } catch (error) {
      result.push({ name: saved.name, member: null, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}

/** The person of `input.id` with ids, a page of their timeline, tags, scores and segments; found: false when unknown. */
export async function personProfile(engine: QueryEngine, input: PersonSpec | PersonSpecInput): Promise<PersonProfile | PersonNotFound> {
  const spec = parsePersonSpec(input);
  const person = await resolvePerson(engine, spec.id, spec.identity);
  if (person === null) return { found: false, query: spec.id };
  const asOfMs = await resolveAsOfInstant(engine, undefined);
  const ids = await personIds(engine, person, spec.identity);
  const { counts, rows } = await timeline(engine, person, spec);
  const tags = await tagsOf(engine, person, spec, asOfMs);
  const scores = await scoresOf(engine, person);
  const segments = await membershipOf(engine, person, spec, scores !== null);
  return { found: true, query: spec.id, person, identity: spec.identity, ids, counts, timeline: rows, offset: spec.offset, limit: spec.limit, tags, scores, segments };
}
