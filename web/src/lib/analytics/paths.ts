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
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { checkRange, eventMatcherSchema, identitySchema, isoTime, parseSpec } from './spec';
import { and, eventCondition, int, join, sql, timeBounds, timeCondition, type Sql } from './sql';

export const SESSION_GAP_MINUTES = 30;

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

export interface PathsResult {
  /** Persons with an anchor event. */
  persons: number;
  nodes: PathNode[];
  links: { source: string; target: string; persons: number }[];
}

export function parsePathsSpec(input: unknown): PathsSpec {
  return parseSpec(pathsSpecSchema, input);
}

export function pathsSql(spec: PathsSpec): Sql {
  const anchor = (spec.start ?? spec.end)!;
  const forward = spec.start !== undefined;
  const label = sql`CASE "type" WHEN 'page' THEN coalesce(page_path, "name", "event") WHEN 'screen' THEN coalesce("name", "event") ELSE "event" END`;
  const excluded = spec.exclude.length ? sql`"event" NOT IN (${join(spec.exclude.map((e) => sql`${e}`))})` : sql`TRUE`;
  const order = sql`PARTITION BY person ORDER BY ts, event_id`;
  const sessionBreak = spec.sessionBound ? sql` OR sk IS DISTINCT FROM lag(sk) OVER (${order})` : sql``;
  const reach = int(spec.steps - 1);
  const window = forward ? sql`r.run BETWEEN a.run AND a.run + ${reach}` : sql`r.run BETWEEN a.run - ${reach} AND a.run`;
  const cut = spec.sessionBound
    ? forward
      ? sql`AND r.run < coalesce((SELECT min(o.run) FROM runs o WHERE o.person = a.person AND o.run > a.run AND o.sk IS DISTINCT FROM a.sk), a.run + ${int(spec.steps)})`
      : sql`AND r.run > coalesce((SELECT max(o.run) FROM runs o WHERE o.person = a.person AND o.run < a.run AND o.sk IS DISTINCT FROM a.sk), a.run - ${int(spec.steps)})`
    : sql``;
  return sql`WITH pe AS (
      SELECT person, "timestamp" AS ts, event_id, session_id, ${label} AS label, coalesce(${eventCondition(anchor)}, false) AS is_anchor
      FROM ${personEvents(spec.identity)} WHERE ${and([timeCondition(timeBounds(spec.from, spec.to)), excluded])}
    ),
    gaps AS (
      SELECT *, CASE WHEN lag(ts) OVER (${order}) IS NULL OR ts - lag(ts) OVER (${order}) > INTERVAL ${int(SESSION_GAP_MINUTES)} MINUTE THEN 1 ELSE 0 END AS gap_break FROM pe
    ),
    sessions AS (
      SELECT *, coalesce(session_id, 'gap:' || CAST(sum(gap_break) OVER (${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS VARCHAR)) AS sk FROM gaps
    ),
    marked AS (
      SELECT *, CASE WHEN label IS DISTINCT FROM lag(label) OVER (${order})${sessionBreak} THEN 1 ELSE 0 END AS new_run FROM sessions
    ),
    numbered AS (
      SELECT *, sum(new_run) OVER (${order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run FROM marked
    ),
    runs AS (
      SELECT person, run, first(label ORDER BY ts, event_id) AS label, bool_or(is_anchor) AS is_anchor, first(sk ORDER BY ts, event_id) AS sk
      FROM numbered GROUP BY person, run
    ),
    anchors AS (
      SELECT r.person, r.run, r.sk FROM runs r JOIN (SELECT person, min(run) AS run FROM runs WHERE is_anchor GROUP BY person) f ON f.person = r.person AND f.run = r.run
    ),
    path AS (
      SELECT r.person, (r.run - a.run)::INTEGER AS step, r.label FROM anchors a JOIN runs r ON r.person = a.person AND ${window} ${cut}
    ),
    ends AS (
      SELECT person, ${forward ? sql`max(step)` : sql`min(step)`} AS last_step FROM path GROUP BY person
    ),
    nodes AS (
      SELECT p.step, p.label, count(*)::BIGINT AS persons,
        count(*) FILTER (WHERE e.last_step = p.step AND abs(p.step) < ${reach})::BIGINT AS drop_off
      FROM path p JOIN ends e ON e.person = p.person GROUP BY p.step, p.label
    ),
    links AS (
      SELECT s.step, s.label AS source, t.label AS target, count(*)::BIGINT AS persons
      FROM path s JOIN path t ON t.person = s.person AND t.step = s.step + 1 GROUP BY s.step, s.label, t.label
    )
    SELECT 'node' AS kind, step, label AS source, NULL AS target, persons, drop_off FROM nodes
    UNION ALL SELECT 'link', step, source, target, persons, NULL FROM links
    UNION ALL SELECT 'total', 0, NULL, NULL, (SELECT count(*) FROM anchors)::BIGINT, NULL`;
}

export async function runPaths(engine: QueryEngine, input: PathsSpec | PathsSpecInput): Promise<PathsResult> {
  const spec = parsePathsSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const query = pathsSql(spec);
  const rows = await engine.query<{ kind: string; step: number; source: string | null; target: string | null; persons: number; drop_off: number | null }>(query.text, query.params);
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
  const total = rows.find((r) => r.kind === 'total');
  return { persons: Number(total?.persons ?? 0), nodes, links };
}
