/**
 * Identity mapping: one person across anonymous ids, user ids and aliased ids.
 *
 * Ids are nodes; an event carrying two ids links them: (anonymous_id, user_id) on any event (track,
 * page, identify...), (previous_id, user_id) on alias, and a contact key (hashed e-mail, phone, member or device id,
 * `$ids` in properties; ingest/contact-keys.ts) to the user id, else anonymous id, of each row carrying it, unless
 * the key is shared (several online user ids, several offline member ids, or more than `linkMaxIds` ids). Persons
 * are the connected components, found by label propagation (each id takes the smallest id among itself and its neighbours, repeated
 * until nothing changes, at most `maxIterations` rounds, with a pointer-jumping step that halves the
 * remaining distance each round). A person is keyed by a user id when the component has one (the
 * earliest seen; ties by the smaller id), else by its smallest anonymous id, so `person` in results
 * is the user id for identified people.
 *
 * The result is the table `person_map(id, person_id, person_key, is_user, is_anonymous, linked)`; `person_key` is a
 * dense integer per person (1..persons, in person_id order), which sorts, partitions and joins faster than the id
 * text. Analyses join events to it through `personEvents()`; call `buildPersonMap` again after loading more events.
 */
import { EVENTS_TABLE, type QueryEngine } from '../engine/query-engine';
import { unflaggedCondition } from './quality-gate';
import { CONTACT_KEYS_PROPERTY } from '../ingest/contact-keys';
import { ident, int, join, literal, sql, tableExists, type Sql } from './sql';

export const PERSON_MAP = 'person_map';
export type IdentityMode = 'merged' | 'none';

export interface IdentityStats {
  /** Distinct values of anonymous_id. */
  anonymousIds: number;
  /** Anonymous ids whose person has a user id. */
  linkedAnonymousIds: number;
  /** linkedAnonymousIds / anonymousIds (0 without anonymous ids). */
  linkRate: number;
  userIds: number;
  persons: number;
  /** Label-propagation rounds it took. */
  iterations: number;
  /** Contact keys (hashed e-mail, phone, member / device id) that linked ids. */
  contactKeys?: number;
  /** Contact keys left out as shared: seen with several online user ids, several offline member ids or more than linkMaxIds ids. */
  sharedContactKeys?: number;
}

/** Most ids one contact key may link (the edge's erasure uses the same bound, ERASURE_LINK_MAX_IDS, default 20). */
export const CONTACT_LINK_MAX_IDS = 20;

export class IdentityError extends Error {
  override name = 'IdentityError';
}

const LINKS = '__pa_identity_links';
const EDGES = '__pa_identity_edges';
const LABELS = '__pa_identity_labels';
const NEXT = '__pa_identity_next';
const CONTACTS = '__pa_identity_contacts';
const CONTACT_USE = '__pa_identity_contact_use';
const NODES = '__pa_identity_nodes';
const NUMBERS = '__pa_identity_numbers';

/**
 * The contact keys of a row as `kind:hash` tokens separated by spaces ('' when none). The normaliser appends
 * `"$ids":"…"` as the object's last top-level key (contact-keys.ts), so one anchored expression reads it: a nested
 * "$ids" cannot end the text with `"}`, and an escaped one is not `"$ids":"`.
 */
export function contactKeysText(table?: string): Sql {
  const properties = table ? sql`${ident(table)}.properties` : sql`properties`;
  return sql`regexp_extract(${properties}, ${literal('"\\$ids":"([^"\\\\]*)"}$')}, 1)`;
}

/** A cheap pre-filter for rows that may carry contact keys. */
export function hasContactKeys(table?: string): Sql {
  const properties = table ? sql`${ident(table)}.properties` : sql`properties`;
  return sql`strpos(${properties}, ${'"' + CONTACT_KEYS_PROPERTY + '":'}) > 0`;
}

/** True for a row from an import (`"source":"import"`; origin.ts): its user id is a member id of the CRM or till. */
export function offlineRowText(table?: string): Sql {
  const properties = table ? sql`${ident(table)}.properties` : sql`properties`;
  return sql`strpos(${properties}, '"source":"import"') > 0`;
}

/**
 * The aggregate condition, over a contact key's rows `(id, is_user, offline)`, under which the key links: seen with at
 * most one online user id, at most one offline user id (member id) and at most linkMaxIds ids in all (a shared family
 * phone, a shop's counter e-mail given by several members or a demo device id links nobody), the bound erasure applies
 * to links. One online account and one CRM member with the same phone are the same person seen from two systems: that
 * is the link the key exists for.
 */
export function usableContactKey(linkMaxIds: number = CONTACT_LINK_MAX_IDS): Sql {
  return sql`count(DISTINCT id) FILTER (WHERE is_user AND NOT offline) <= 1 AND count(DISTINCT id) FILTER (WHERE is_user AND offline) <= 1
        AND count(DISTINCT id) <= ${int(linkMaxIds)}`;
}

async function run(engine: QueryEngine, statement: Sql): Promise<void> {
  await engine.query(statement.text, statement.params);
}

export async function buildPersonMap(engine: QueryEngine, options: { maxIterations?: number; linkMaxIds?: number } = {}): Promise<IdentityStats> {
  const maxIterations = options.maxIterations ?? 64;
  const linkMaxIds = options.linkMaxIds ?? CONTACT_LINK_MAX_IDS;
  const events = ident(EVENTS_TABLE);
  const contacts = contactKeysText();
  // Contact keys (hashed e-mail, phone, member and device ids; contact-keys.ts) seen with the id each row names.
  // `offline`: the row came from an import (a CRM or till export, `"source":"import"`), whose user ids are member ids: a
  // namespace of their own beside the online accounts' user ids.
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(CONTACTS)} AS
    SELECT DISTINCT '$' || k AS contact, id, is_user, offline FROM (
      SELECT unnest(string_split(${contacts}, ' ')) AS k, coalesce(user_id, anonymous_id) AS id, user_id IS NOT NULL AS is_user,
        ${offlineRowText()} AS offline
      FROM ${events} WHERE ${hasContactKeys()}
    ) WHERE k <> '' AND id IS NOT NULL`);
  // A contact key links only when it is one person's (usableContactKey).
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(CONTACT_USE)} AS
    SELECT contact, ${usableContactKey(linkMaxIds)} AS usable FROM ${ident(CONTACTS)} GROUP BY contact`);
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(LINKS)} AS
    SELECT DISTINCT a, b FROM (
      SELECT anonymous_id AS a, user_id AS b FROM ${events} WHERE anonymous_id IS NOT NULL AND user_id IS NOT NULL
      UNION ALL SELECT previous_id, user_id FROM ${events} WHERE previous_id IS NOT NULL AND user_id IS NOT NULL
      UNION ALL SELECT previous_id, anonymous_id FROM ${events} WHERE previous_id IS NOT NULL AND user_id IS NULL AND anonymous_id IS NOT NULL
      UNION ALL SELECT c.id, c.contact FROM ${ident(CONTACTS)} c JOIN ${ident(CONTACT_USE)} u ON u.contact = c.contact AND u.usable
    ) WHERE a <> b`);
  const [contactRow] = await engine.query<{ used: number; shared: number }>(
    sql`SELECT count(*) FILTER (WHERE usable)::INTEGER AS used, count(*) FILTER (WHERE NOT usable)::INTEGER AS shared FROM ${ident(CONTACT_USE)}`.text,
  );
  // Every id gets an integer (`n`), and label propagation joins integers, not id text: 2-3 times faster on a million
  // persons (scripts/bench/identity-relink.ts). Usable contact keys are numbered after the ids; they link ids but are
  // not persons' ids themselves.
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(NODES)} AS
    WITH ids AS (
      SELECT anonymous_id AS id, "timestamp" AS ts, false AS is_user, true AS is_anonymous FROM ${events} WHERE anonymous_id IS NOT NULL
      UNION ALL SELECT user_id, "timestamp", true, false FROM ${events} WHERE user_id IS NOT NULL
      UNION ALL SELECT previous_id, "timestamp", false, false FROM ${events} WHERE previous_id IS NOT NULL
    )
    SELECT id, min(ts) AS first_seen, bool_or(is_user) AS is_user, bool_or(is_anonymous) AS is_anonymous, row_number() OVER ()::BIGINT AS n FROM ids GROUP BY id`);
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(NUMBERS)} AS
    SELECT id, n FROM ${ident(NODES)}
    UNION ALL SELECT contact, (SELECT coalesce(max(n), 0) FROM ${ident(NODES)}) + row_number() OVER () FROM ${ident(CONTACT_USE)} WHERE usable`);
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(EDGES)} AS
    WITH numbered AS (SELECT x.n AS a, y.n AS b FROM ${ident(LINKS)} l JOIN ${ident(NUMBERS)} x ON x.id = l.a JOIN ${ident(NUMBERS)} y ON y.id = l.b)
    SELECT a AS src, b AS dst FROM numbered UNION SELECT b, a FROM numbered`);
  await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(LABELS)} AS SELECT src AS id, least(src, min(dst)) AS label FROM ${ident(EDGES)} GROUP BY src`);

  let iterations = 0;
  for (;;) {
    iterations += 1;
    await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(NEXT)} AS
      WITH spread AS (
        SELECT e.src AS id, min(n.label) AS label FROM ${ident(EDGES)} e JOIN ${ident(LABELS)} n ON n.id = e.dst GROUP BY e.src
      )
      SELECT l.id, least(l.label, s.label, coalesce(j.label, l.label)) AS label
      FROM ${ident(LABELS)} l JOIN spread s ON s.id = l.id LEFT JOIN ${ident(LABELS)} j ON j.id = l.label`);
    const [changed] = await engine.query<{ changed: number }>(
      sql`SELECT count(*)::INTEGER AS changed FROM ${ident(NEXT)} x JOIN ${ident(LABELS)} l ON l.id = x.id WHERE x.label <> l.label`.text,
    );
    await run(engine, sql`CREATE OR REPLACE TEMP TABLE ${ident(LABELS)} AS SELECT * FROM ${ident(NEXT)}`);
    if (Number(changed?.changed ?? 0) === 0) break;
    if (iterations >= maxIterations) {
      throw new IdentityError(`identity mapping did not converge in ${maxIterations} label-propagation rounds (${changed?.changed} ids still changing)`);
    }
  }

  await run(engine, sql`CREATE OR REPLACE TABLE ${ident(PERSON_MAP)} AS
    WITH labelled AS (
      SELECT n.id, n.first_seen, n.is_user, n.is_anonymous, coalesce(l.label, n.n) AS component FROM ${ident(NODES)} n LEFT JOIN ${ident(LABELS)} l ON l.id = n.n
    ),
    keyed AS (
      SELECT component,
        coalesce(first(id ORDER BY first_seen, id) FILTER (WHERE is_user), min(id)) AS person_id,
        bool_or(is_user) AS linked
      FROM labelled GROUP BY component
    ),
    numbered AS (SELECT *, row_number() OVER (ORDER BY person_id)::INTEGER AS person_key FROM keyed)
    SELECT l.id, k.person_id, k.person_key, l.is_user, l.is_anonymous, k.linked FROM labelled l JOIN numbered k ON k.component = l.component`);
  for (const table of [LINKS, EDGES, LABELS, NEXT, CONTACTS, CONTACT_USE, NODES, NUMBERS]) await run(engine, sql`DROP TABLE IF EXISTS ${ident(table)}`);
  return { ...(await identityStats(engine)), iterations, contactKeys: Number(contactRow?.used ?? 0), sharedContactKeys: Number(contactRow?.shared ?? 0) };
}

export async function identityStats(engine: QueryEngine): Promise<Omit<IdentityStats, 'iterations'>> {
  const [row] = await engine.query<Record<string, number>>(
    sql`SELECT
      count(*) FILTER (WHERE is_anonymous)::BIGINT AS anonymous_ids,
      count(*) FILTER (WHERE is_anonymous AND linked)::BIGINT AS linked_anonymous_ids,
      count(*) FILTER (WHERE is_user)::BIGINT AS user_ids,
      count(DISTINCT person_id)::BIGINT AS persons
    FROM ${ident(PERSON_MAP)}`.text,
  );
  const anonymousIds = Number(row?.anonymous_ids ?? 0);
  const linkedAnonymousIds = Number(row?.linked_anonymous_ids ?? 0);
  return {
    anonymousIds,
    linkedAnonymousIds,
    linkRate: anonymousIds === 0 ? 0 : linkedAnonymousIds / anonymousIds,
    userIds: Number(row?.user_ids ?? 0),
    persons: Number(row?.persons ?? 0),
  };
}

/** Builds the person map unless it exists. Callers that load more events call buildPersonMap themselves. */
export async function ensurePersonMap(engine: QueryEngine): Promise<void> {
  if (!(await tableExists(engine, PERSON_MAP))) await buildPersonMap(engine);
}

/**
 * The events table with a `person` column: the merged person (default) or, with identity `none`,
 * the raw user_id else anonymous_id of each event. With `key: 'integer'` and merged identity, `person` is the
 * person's `person_key` instead of its id text (turn it back into ids with personIdsOf()); identity `none` has no
 * integer key and gives the id text either way. Rows flagged as invalid (quality-gate.ts) are left out unless
 * `includeFlagged`.
 */
export function personEvents(identity: IdentityMode = 'merged', columns?: readonly string[], options: PersonEventsOptions = {}): Sql {
  const events = ident(EVENTS_TABLE);
  const selected = columns ? join(columns.map((c) => sql`e.${ident(c)}`)) : sql`e.*`;
  const gate = options.includeFlagged ? sql`` : sql` WHERE ${unflaggedCondition('e')}`;
  if (identity === 'none') return sql`(SELECT ${selected}, coalesce(e.user_id, e.anonymous_id) AS person FROM ${events} e${gate})`;
  // every id of the events is in the map, so the map's key alone names the person
  const person = options.key === 'integer' ? sql`m.person_key` : sql`coalesce(m.person_id, e.user_id, e.anonymous_id)`;
  return sql`(SELECT ${selected}, ${person} AS person FROM ${events} e LEFT JOIN ${ident(PERSON_MAP)} m ON m.id = coalesce(e.user_id, e.anonymous_id)${gate})`;
}

export interface PersonEventsOptions {
  key?: 'id' | 'integer' | undefined;
  /** Keep rows flagged as invalid (default: leave them out). */
  includeFlagged?: boolean | undefined;
}

/** The distinct persons of `persons` (a query with the `person` column of personEvents with `key: 'integer'`) as ids. */
export function personIdsOf(identity: IdentityMode, persons: Sql): Sql {
  if (identity === 'none') return sql`SELECT DISTINCT person FROM (${persons})`;
  return sql`SELECT DISTINCT k.person_id AS person FROM (${persons}) u JOIN (SELECT DISTINCT person_key, person_id FROM ${ident(PERSON_MAP)}) k ON k.person_key = u.person`;
}
