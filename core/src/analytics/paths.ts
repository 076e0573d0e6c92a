/**
 * Paths: the most common sequences of events after a start event or before an end event, as
 * Sankey-ready nodes and links. Semantics (docs/analytics.md):
 *
 * - A node is an event's label: the page path for page events (else the page name), the screen
 *   name for screens, the event name otherwise. Events named in `exclude` are dropped first
 *   (identify, alias and group by default), then consecutive repeats of one label collapse into one.
 * - Each person contributes one path, anchored at their first matching start (or end) event in
 *   [from, to]: the anchor and up to `steps - 1` following (preceding) nodes. With `sessionBound`
 *   the path stops where the anchor's session ends (session_id, or a 30-minute gap without one).
 * - Node `step` is the distance from the anchor (0, 1, 2... after a start; ..., -2, -1, 0 before an
 *   end). `persons` counts persons whose path passes the node; `dropOff` counts those whose path
 *   stops there before reaching `steps` nodes (for an end anchor: whose path begins there).
 * - `topPaths`: the TOP_PATHS most common whole paths (the same per-person paths, in time order), by
 *   persons, then by the label sequence; `dropped` when the path has fewer than `steps` nodes.
 *   Nodes, links and top paths with fewer than `minPersons` persons are left out.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { analysisBasis, type WithBasis } from './basis';
import { checkRange, eventMatcherSchema, identitySchema, includeFlaggedSchema, isoTime, parseSpec } from './spec';
import { and, columnsFor, eventCondition, int, join, matcherProperties, sql, timeBounds, timeCondition, type Sql } from './sql';

import { SESSION_GAP_MINUTES } from './overview';
export const TOP_PATHS = 20;

export const pathsSpecSchema = z
  .strictObject({
    start: eventMatcherSchema.optional(),
    end: eventMatcherSchema.optional(),
    steps: z.number().int().min(2).max(20).default(5),
    sessionBound: z.boolean().default(false),
    exclude: z.array(z.string().min(1).max(256)).max(100).default(['identify', 'alias', 'group']),
    minPersons: z.number().int().min(1).default(1),
    from: isoTime.optional(),
    to: isoTime.optional(),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
  })
  .superRefine((spec, ctx) => {
    checkRange(spec, ctx);
    if ((spec.start === undefined) === (spec.end === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of "start" (paths after an event) or "end" (paths before an event)' });
  });

export type PathsSpecInput = z.input<typeof pathsSpecSchema>;
export type PathsSpec = z.output<typeof pathsSpecSchema>;

export interface PathNode {
  id: string;
  step: number;
  name: string;
  persons: number;
  dropOff: number;
  dropOffRate: number;
}

export interface TopPath {
  /** Node names in time order: the anchor first after a start, last before an end. */
  steps: string[];
  persons: number;
  /** persons / all persons with an anchor event. */
  share: number;
  /** The path ended (or, before an end, began) before reaching `steps` nodes. */
  dropped: boolean;
}

export interface PathsResult {
  /** Persons with an anchor event. */
  persons: number;
  nodes: PathNode[];
  links: { source: string; target: string; persons: number }[];
  /** The most common whole paths, most persons first (at most TOP_PATHS). */
  topPaths: TopPath[];
}

export function parsePathsSpec(input: unknown): PathsSpec {
  return parseSpec(pathsSpecSchema, input);
}

/**
 * Plan: one window pass over each person's events (ordered by time, then event_id) marks where a run
 * of one label starts and where the session changes; each person's path is then gathered by grouped
 * top-N aggregates over the run starts after (before) the anchor, as a list, which the nodes, links and
 * top paths unnest. One sort in all, where numbering runs would need a second.
 */
export function pathsSql(spec: PathsSpec): Sql {
  const anchor = (spec.start ?? spec.end)!;
  const forward = spec.start !== undefined;
  const label = sql`CASE "type" WHEN 'page' THEN coalesce(page_path, "name", "event") WHEN 'screen' THEN coalesce("name", "event") ELSE "event" END`;
  const excluded = spec.exclude.length ? sql`"event" NOT IN (${join(spec.exclude.map((e) => sql`${e}`))})` : sql`TRUE`;
  const columns = columnsFor(matcherProperties([anchor]), ['timestamp', 'event_id', 'event', 'type', 'name', 'page_path', 'session_id']);
  // Sessions: the session_id, or without one a run of events less than SESSION_GAP_MINUTES apart.
  const gap = sql`(lag(ts) OVER w IS NULL OR ts - lag(ts) OVER w > INTERVAL ${int(SESSION_GAP_MINUTES)} MINUTE)`;
  const newSession = sql`CASE WHEN session_id IS NULL AND lag(session_id) OVER w IS NULL THEN ${gap} ELSE session_id IS DISTINCT FROM lag(session_id) OVER w END`;
  const newRun = spec.sessionBound ? sql`(label IS DISTINCT FROM lag(label) OVER w OR ${newSession})` : sql`label IS DISTINCT FROM lag(label) OVER w`;
  const steps = int(spec.steps);
  // Per person: `labels`, the path in time order. Forward: the anchor's label, then the labels of the
  // next steps-1 run starts, cut before the first one that opens another session. Backward: the last
  // `steps` run starts up to the anchor (the last is the anchor's run), from the latest session start on.
  const gathered = forward
    ? sql`SELECT a.person, a.label, list_sort(min_by({'pos': s.pos, 'label': s.label, 'ns': s.ns}, s.pos, ${int(spec.steps - 1)})) AS next
        FROM anchors a LEFT JOIN starts s ON s.person = a.person AND s.pos > a.pos GROUP BY a.person, a.label`
    : sql`SELECT a.person, list_sort(max_by({'pos': s.pos, 'label': s.label, 'ns': s.ns}, s.pos, ${steps})) AS previous
        FROM anchors a JOIN starts s ON s.person = a.person AND s.pos <= a.pos GROUP BY a.person`;
  const cutAt = sql`list_position(list_transform(next, x -> x.ns), true)`;
  const labels = forward
    ? spec.sessionBound
      ? sql`list_prepend(label, list_transform(CASE WHEN ${cutAt} > 0 THEN next[:${cutAt} - 1] ELSE coalesce(next, []) END, x -> x.label))`
      : sql`list_prepend(label, list_transform(coalesce(next, []), x -> x.label))`
    : spec.sessionBound
      ? sql`list_transform(previous[len(previous) + 1 - coalesce(nullif(list_position(list_reverse(list_transform(previous, x -> x.ns)), true), 0), len(previous)):], x -> x.label)`
      : sql`list_transform(previous, x -> x.label)`;
  const stepOf = forward ? sql`i - 1` : sql`i - len(labels)`;
  return sql`WITH pe AS (
      SELECT person, "timestamp" AS ts, event_id, session_id, ${label} AS label, coalesce(${eventCondition(anchor)}, false) AS is_anchor
      FROM ${personEvents(spec.identity, columns, { key: 'integer', includeFlagged: spec.includeFlagged })} WHERE ${and([timeCondition(timeBounds(spec.from, spec.to)), excluded])}
    ),
    marked AS MATERIALIZED (
      SELECT person, label, is_anchor, row_number() OVER w AS pos, ${newRun} AS new_run${spec.sessionBound ? sql`, ${newSession} AS ns` : sql`, false AS ns`}
      FROM pe WINDOW w AS (PARTITION BY person ORDER BY ts, event_id)
    ),
    starts AS (SELECT person, pos, label, ns FROM marked WHERE new_run),
    anchors AS (SELECT person, min(pos) AS pos, arg_min(label, pos) AS label FROM marked WHERE is_anchor GROUP BY person),
    gathered AS (${gathered}),
    whole AS (SELECT person, ${labels} AS labels FROM gathered),
    path AS (
      SELECT person, (${stepOf})::INTEGER AS step, labels[i] AS label, i = ${forward ? sql`len(labels)` : sql`1`} AND len(labels) < ${steps} AS dropped
      FROM (SELECT person, labels, unnest(range(1, len(labels) + 1)) AS i FROM whole)
    ),
    nodes AS (
      SELECT step, label, count(*)::BIGINT AS persons, count(*) FILTER (WHERE dropped)::BIGINT AS drop_off FROM path GROUP BY step, label
    ),
    links AS (
      SELECT s.step, s.label AS source, t.label AS target, count(*)::BIGINT AS persons
      FROM path s JOIN path t ON t.person = s.person AND t.step = s.step + 1 GROUP BY s.step, s.label, t.label
    ),
    top_paths AS (
      SELECT labels, persons, row_number() OVER (ORDER BY persons DESC, labels) AS rank FROM (
        SELECT labels, count(*)::BIGINT AS persons FROM whole GROUP BY labels
      ) WHERE persons >= ${int(spec.minPersons)}
    )
    SELECT 'node' AS kind, step, label AS source, NULL AS target, persons, drop_off, NULL::VARCHAR[] AS labels FROM nodes
    UNION ALL SELECT 'link', step, source, target, persons, NULL, NULL FROM links
    UNION ALL SELECT 'path', rank, NULL, NULL, persons, NULL, labels FROM top_paths WHERE rank <= ${int(TOP_PATHS)}
    UNION ALL SELECT 'total', 0, NULL, NULL, (SELECT count(*) FROM anchors)::BIGINT, NULL, NULL`;
}

export async function runPaths(engine: QueryEngine, input: PathsSpec | PathsSpecInput): Promise<WithBasis<PathsResult>> {
  const spec = parsePathsSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = pathsSql(spec);
  const rows = await engine.query<{ kind: string; step: number; source: string | null; target: string | null; persons: number; drop_off: number | null; labels: string[] | null }>(
    query.text,
    query.params,
  );
  const id = (step: number, name: string) => `${step}:${name}`;
  const nodes: PathNode[] = rows
    .filter((r) => r.kind === 'node' && Number(r.persons) >= spec.minPersons)
    .map((r) => {
      const persons = Number(r.persons);
      const dropOff = Number(r.drop_off ?? 0);
      return { id: id(Number(r.step), r.source!), step: Number(r.step), name: r.source!, persons, dropOff, dropOffRate: persons === 0 ? 0 : dropOff / persons };
    })
    .sort((a, b) => a.step - b.step || b.persons - a.persons || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const kept = new Set(nodes.map((n) => n.id));
  const links = rows
    .filter((r) => r.kind === 'link' && Number(r.persons) >= spec.minPersons)
    .map((r) => ({ source: id(Number(r.step), r.source!), target: id(Number(r.step) + 1, r.target!), persons: Number(r.persons) }))
    .filter((l) => kept.has(l.source) && kept.has(l.target))
    .sort((a, b) => b.persons - a.persons || (a.source < b.source ? -1 : a.source > b.source ? 1 : a.target < b.target ? -1 : 1));
  const persons = Number(rows.find((r) => r.kind === 'total')?.persons ?? 0);
  const topPaths = rows
    .filter((r) => r.kind === 'path')
    .sort((a, b) => Number(a.step) - Number(b.step))
    .map((r) => {
      const steps = (r.labels ?? []).map(String);
      const count = Number(r.persons);
      return { steps, persons: count, share: persons === 0 ? 0 : count / persons, dropped: steps.length < spec.steps };
    });
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [timeBounds(spec.from, spec.to)] });
  return { persons, nodes, links, topPaths, basis };
}
