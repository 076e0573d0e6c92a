/**
 * Segments: persons matching a condition tree, evaluated as of an instant (`asOf`, default the last
 * event). Conditions (docs/analytics.md):
 *
 *   {type:"property", property, op, value, match?}  an event property or column: by default its most
 *       recent non-null value on the person's events (`match:"latest"`), or any event (`match:"any"`)
 *   {type:"tag", tag, op, value}                     a person tag (person-tags.ts), e.g. lifecycle, rfm_tier
 *   {type:"behaviour", event, where?, did?, atLeast?, withinDays?}
 *       did (default) / did not do the event at least `atLeast` (default 1) times in the last
 *       `withinDays` days before asOf (default: ever)
 *   {type:"funnel", funnel, step, outcome}           reached / dropped at a funnel step
 *   {type:"attribute", attribute, op, value}       a declared attribute (declared-attributes.ts): gender,
 *       birth_year, age_band (as of asOf), city, tier, registration_store; the latest declared value wins
 *   {type:"score", model, op, value?}                a model's score of the person, from the table
 *       `person_scores(person, model, score)` that the Models view writes (SCORE_OPS)
 *   {and:[...]}, {or:[...]}, {not: condition}
 *
 * The universe is every person with an event before asOf (and in [from, to] when given). Negative
 * property operators match persons without the property, as in funnels.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { funnelPersonsSql, funnelSpecSchema } from './funnel';
import { ensurePersonMap, personEvents, type IdentityMode } from './identity';
import { DECLARED_ATTRIBUTE_COLUMNS, DECLARED_ATTRIBUTE_NAMES, DECLARED_ATTRIBUTES, declaredAttributesSql, type DeclaredAttribute } from './declared-attributes';
import { PERSON_TAG_NAMES, PERSON_TAGS, personTagsSql, tagEventColumns, tagOptionsSchema, type PersonTag } from './person-tags';
import { analysisBasis, type WithBasis } from './basis';
import { checkFilterValue, checkRange, eventMatcherSchema, filterShape, identitySchema, includeFlaggedSchema, isoTime, parseSpec, propertyName } from './spec';
import {
  and,
  columnsFor,
  DAY_MS,
  matcherProperties,
  eventCondition,
  filterCondition,
  ident,
  int,
  join,
  milliseconds,
  or,
  parseDate,
  parseInstant,
  propertyExpr,
  resolveProperty,
  sql,
  timeBounds,
  timeCondition,
  timestamp,
  type PropertyFilter,
  type Sql,
} from './sql';

/** The table of model scores per person (written by the Models view; `person` as in personEvents). */
export const PERSON_SCORES = 'person_scores';
export const NO_SCORES_MESSAGE = 'no model scores: score persons in the Models view first';
export const SCORE_OPS = ['gt', 'gte', 'lt', 'lte', 'between', 'eq', 'neq', 'is_set', 'is_not_set'] as const;
export type ScoreOp = (typeof SCORE_OPS)[number];

export type ScoreCondition = { type: 'score'; model: string; op: ScoreOp; value?: number | number[] | undefined };

export type SegmentCondition =
  | (PropertyFilter & { type: 'property'; match?: 'latest' | 'any' | undefined })
  | (Omit<PropertyFilter, 'property'> & { type: 'tag'; tag: PersonTag })
  | (Omit<PropertyFilter, 'property'> & { type: 'attribute'; attribute: DeclaredAttribute })
  | { type: 'behaviour'; event: string; where?: PropertyFilter[] | undefined; did?: boolean | undefined; atLeast?: number | undefined; withinDays?: number | undefined }
  | { type: 'funnel'; funnel: z.input<typeof funnelSpecSchema>; step: number; outcome: 'reached' | 'dropped' }
  | ScoreCondition
  | { and: SegmentCondition[] }
  | { or: SegmentCondition[] }
  | { not: SegmentCondition };

export const segmentConditionSchema: z.ZodType<SegmentCondition> = z.lazy(() =>
  z.union([
    z.strictObject({ type: z.literal('property'), match: z.enum(['latest', 'any']).optional(), property: propertyName, ...filterShape }).superRefine(checkFilterValue),
    z.strictObject({ type: z.literal('tag'), tag: z.enum(PERSON_TAG_NAMES as [PersonTag, ...PersonTag[]]), ...filterShape }).superRefine(checkFilterValue),
    z
      .strictObject({ type: z.literal('attribute'), attribute: z.enum(DECLARED_ATTRIBUTE_NAMES as [DeclaredAttribute, ...DeclaredAttribute[]]), ...filterShape })
      .superRefine(checkFilterValue),
    eventMatcherSchema.extend({
      type: z.literal('behaviour'),
      did: z.boolean().optional(),
      atLeast: z.number().int().min(1).optional(),
      withinDays: z.number().int().min(1).max(3650).optional(),
    }),
    z.strictObject({ type: z.literal('funnel'), funnel: funnelSpecSchema, step: z.number().int().min(0), outcome: z.enum(['reached', 'dropped']) }),
    z
      .strictObject({
        type: z.literal('score'),
        model: z.string().min(1, 'model name is empty').max(256),
        op: z.enum(SCORE_OPS),
        value: z.union([z.number().finite(), z.array(z.number().finite()).max(2)]).optional(),
      })
      .superRefine(checkFilterValue),
    z.strictObject({ and: z.array(segmentConditionSchema).min(1) }),
    z.strictObject({ or: z.array(segmentConditionSchema).min(1) }),
    z.strictObject({ not: segmentConditionSchema }),
  ]),
) as unknown as z.ZodType<SegmentCondition>;

export const segmentSpecSchema = tagOptionsSchema
  .extend({
    condition: segmentConditionSchema,
    asOf: isoTime.optional(),
    from: isoTime.optional(),
    to: isoTime.optional(),
    identity: identitySchema.default('merged'),
    includeFlagged: includeFlaggedSchema,
    sizeOverTime: z.strictObject({ period: z.enum(['day', 'week', 'month']), points: z.number().int().min(1).max(60) }).optional(),
  })
  .superRefine(checkRange);

export type SegmentSpecInput = z.input<typeof segmentSpecSchema>;
export type SegmentSpec = z.output<typeof segmentSpecSchema>;

export interface SegmentResult {
  asOf: string;
  size: number;
  members: string[];
  sizeOverTime?: { at: string; size: number }[];
}

export function parseSegmentSpec(input: unknown): SegmentSpec {
  return parseSpec(segmentSpecSchema, input);
}

interface Context {
  asOf: Sql;
  identity: IdentityMode;
}

function conditionSql(condition: SegmentCondition, context: Context): Sql {
  if ('and' in condition) return and(condition.and.map((c) => sql`coalesce(${conditionSql(c, context)}, false)`));
  if ('or' in condition) return or(condition.or.map((c) => sql`coalesce(${conditionSql(c, context)}, false)`));
  if ('not' in condition) return sql`(NOT coalesce(${conditionSql(condition.not, context)}, false))`;
  switch (condition.type) {
    case 'property': {
      const value = propertyExpr(resolveProperty(condition.property), 'pe');
      if (condition.match === 'any') {
        return sql`EXISTS (SELECT 1 FROM pe WHERE pe.person = p.person AND pe."timestamp" < ${context.asOf} AND ${filterCondition(value, condition)})`;
      }
      const latest = sql`(SELECT arg_max(${value.sql}, pe."timestamp") FILTER (WHERE ${value.sql} IS NOT NULL) FROM pe WHERE pe.person = p.person AND pe."timestamp" < ${context.asOf})`;
      return filterCondition({ ...value, sql: latest }, condition);
    }
    case 'tag': {
      const kind = PERSON_TAGS[condition.tag];
      return filterCondition({ sql: sql`t.${ident(condition.tag)}`, kind, text: false }, { ...condition, property: condition.tag });
    }
    case 'attribute': {
      const kind = DECLARED_ATTRIBUTES[condition.attribute];
      return filterCondition({ sql: sql`a.${ident(condition.attribute)}`, kind, text: false }, { ...condition, property: condition.attribute });
    }
    case 'behaviour': {
      const since = condition.withinDays ? sql` AND pe."timestamp" >= ${context.asOf} - ${milliseconds(condition.withinDays * DAY_MS)}` : sql``;
      const count = sql`(SELECT count(*) FROM pe WHERE pe.person = p.person AND pe."timestamp" < ${context.asOf}${since} AND ${eventCondition(condition, 'pe')})`;
      const atLeast = int(condition.atLeast ?? 1);
      return condition.did === false ? sql`(${count} < ${atLeast})` : sql`(${count} >= ${atLeast})`;
    }
    case 'funnel':
      return sql`p.person IN (${funnelPersonsSql(funnelSpecSchema.parse(condition.funnel), condition.step, condition.outcome)})`;
    case 'score': {
      // One row per person and model is expected; should a model have several, the highest counts.
      const score = sql`(SELECT max(s.score) FROM ${ident(PERSON_SCORES)} s WHERE s.person = p.person AND s.model = ${condition.model})`;
      return filterCondition({ sql: score, kind: 'number', text: false }, { property: `score of ${condition.model}`, op: condition.op, value: condition.value });
    }
  }
}

function usesScores(condition: SegmentCondition): boolean {
  if ('and' in condition) return condition.and.some(usesScores);
  if ('or' in condition) return condition.or.some(usesScores);
  if ('not' in condition) return usesScores(condition.not);
  return condition.type === 'score';
}

async function hasScoresTable(engine: QueryEngine): Promise<boolean> {
  // information_schema lists tables, views and temporary tables alike: the Models view may write any of them.
  const probe = sql`SELECT 1 AS present FROM information_schema.tables WHERE table_name = ${PERSON_SCORES}`;
  return (await engine.query(probe.text, probe.params)).length > 0;
}

/** Fails with NO_SCORES_MESSAGE when the spec has a score condition and nothing has been scored yet. */
async function checkScores(engine: QueryEngine, condition: SegmentCondition): Promise<void> {
  if (usesScores(condition) && !(await hasScoresTable(engine))) throw new Error(NO_SCORES_MESSAGE);
}

/** The models with scores in `person_scores` (none when the table does not exist), for the segment builder. */
export async function scoredModels(engine: QueryEngine): Promise<string[]> {
  if (!(await hasScoresTable(engine))) return [];
  const rows = await engine.query<{ model: string }>(sql`SELECT DISTINCT model FROM ${ident(PERSON_SCORES)} WHERE model IS NOT NULL ORDER BY model LIMIT 500`.text);
  return rows.map((row) => String(row.model));
}

function conditionProperties(condition: SegmentCondition): string[] {
  if ('and' in condition) return condition.and.flatMap(conditionProperties);
  if ('or' in condition) return condition.or.flatMap(conditionProperties);
  if ('not' in condition) return conditionProperties(condition.not);
  if (condition.type === 'property') return [condition.property];
  if (condition.type === 'behaviour') return matcherProperties([condition]);
  return [];
}

function validateFunnelSteps(condition: SegmentCondition): void {
  if ('and' in condition) condition.and.forEach(validateFunnelSteps);
  else if ('or' in condition) condition.or.forEach(validateFunnelSteps);
  else if ('not' in condition) validateFunnelSteps(condition.not);
  else if (condition.type === 'funnel') funnelPersonsSql(funnelSpecSchema.parse(condition.funnel), condition.step, condition.outcome);
}

function usesAttributes(condition: SegmentCondition): boolean {
  if ('and' in condition) return condition.and.some(usesAttributes);
  if ('or' in condition) return condition.or.some(usesAttributes);
  if ('not' in condition) return usesAttributes(condition.not);
  return condition.type === 'attribute';
}

function conditionTags(condition: SegmentCondition): PersonTag[] {
  if ('and' in condition) return condition.and.flatMap(conditionTags);
  if ('or' in condition) return condition.or.flatMap(conditionTags);
  if ('not' in condition) return conditionTags(condition.not);
  return condition.type === 'tag' ? [condition.tag] : [];
}

/**
 * The segment's members as of `asOfMs` (exclusive), as a query with the members' alias `p`: their `person` column,
 * plus every tag with `output` "tags". Only the tags the condition uses are computed for every person; the tags of
 * the output are computed for the members alone.
 */
export function segmentMembersSql(spec: SegmentSpec, asOfMs: number, output: 'person' | 'tags' = 'person'): Sql {
  const asOf = timestamp(asOfMs);
  const context: Context = { asOf, identity: spec.identity };
  const tagOptions = { orderEvent: spec.orderEvent, revenueProperty: spec.revenueProperty, lifecycle: spec.lifecycle, identity: spec.identity, includeFlagged: spec.includeFlagged };
  const usedTags = [...new Set(conditionTags(spec.condition))];
  const attributes = usesAttributes(spec.condition);
  const range = timeCondition(timeBounds(spec.from, spec.to));
  // One read of the events serves the conditions and the tags and attributes they use.
  const columns = columnsFor(conditionProperties(spec.condition), [
    'timestamp',
    'event',
    ...tagEventColumns(tagOptions, usedTags),
    ...(attributes ? DECLARED_ATTRIBUTE_COLUMNS : []),
  ]);
  const ctes = [
    sql`pe AS MATERIALIZED (SELECT * FROM ${personEvents(spec.identity, columns, { includeFlagged: spec.includeFlagged })})`,
    ...(usedTags.length ? [sql`tags AS MATERIALIZED (${personTagsSql(tagOptions, asOfMs, usedTags, { events: sql`pe` })})`] : []),
    ...(attributes ? [sql`attrs AS MATERIALIZED (${declaredAttributesSql(spec.identity, asOfMs, { events: sql`pe` })})`] : []),
    sql`universe AS (SELECT DISTINCT person FROM pe WHERE "timestamp" < ${asOf} AND ${range})`,
    sql`members AS (SELECT p.person FROM universe p ${usedTags.length ? sql`LEFT JOIN tags t ON t.person = p.person` : sql``}
      ${attributes ? sql`LEFT JOIN attrs a ON a.person = p.person` : sql``}
      WHERE coalesce(${conditionSql(spec.condition, context)}, false))`,
  ];
  if (output === 'person') return sql`WITH ${join(ctes)} SELECT p.person FROM members p`;
  const tagColumns = PERSON_TAG_NAMES.map((tag) => (PERSON_TAGS[tag] === 'timestamp' ? sql`epoch_ms(t.${ident(tag)}) AS ${ident(tag)}` : sql`t.${ident(tag)}`));
  return sql`WITH ${join(ctes)}
    SELECT p.person, ${join(tagColumns)}
    FROM members p LEFT JOIN (${personTagsSql(tagOptions, asOfMs, PERSON_TAG_NAMES, { persons: sql`SELECT person FROM members` })}) t ON t.person = p.person`;
}

/** The exclusive end instant for asOf: a date covers its whole UTC day; default just after the last event. */
export async function resolveAsOfInstant(engine: QueryEngine, asOf: string | undefined): Promise<number> {
  if (asOf !== undefined) {
    const day = parseDate(asOf);
    return day !== null ? day + DAY_MS : parseInstant(asOf)! + 1;
  }
  const [row] = await engine.query<{ last: number | null }>('SELECT epoch_ms(max("timestamp")) AS last FROM events');
  return row?.last === null || row?.last === undefined ? Date.now() : Number(row.last) + 1;
}

export async function segmentMembers(engine: QueryEngine, spec: SegmentSpec, asOfMs: number, output: 'person' | 'tags' = 'person'): Promise<Record<string, unknown>[]> {
  const query = sql`${segmentMembersSql(spec, asOfMs, output)} ORDER BY p.person`;
  return engine.query(query.text, query.params);
}

function stepBack(ms: number, period: 'day' | 'week' | 'month', count: number): number {
  if (period === 'month') {
    const date = new Date(ms);
    date.setUTCMonth(date.getUTCMonth() - count);
    return date.getTime();
  }
  return ms - count * (period === 'week' ? 7 : 1) * DAY_MS;
}

export async function runSegment(engine: QueryEngine, input: SegmentSpec | SegmentSpecInput): Promise<WithBasis<SegmentResult>> {
  const spec = parseSegmentSpec(input);
  validateFunnelSteps(spec.condition);
  await checkScores(engine, spec.condition);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const asOfMs = await resolveAsOfInstant(engine, spec.asOf);
  const members = (await segmentMembers(engine, spec, asOfMs)).map((row) => String(row.person));
  const bounds = timeBounds(spec.from, spec.to);
  const universe = { fromMs: bounds.fromMs, toMs: Math.min(bounds.toMs ?? asOfMs, asOfMs) };
  const basis = await analysisBasis(engine, { identity: spec.identity, includeFlagged: spec.includeFlagged, spans: [universe] });
  const result: WithBasis<SegmentResult> = { asOf: new Date(asOfMs - 1).toISOString(), size: members.length, members, basis };
  if (spec.sizeOverTime) {
    const points: { at: string; size: number }[] = [];
    for (let i = spec.sizeOverTime.points - 1; i >= 0; i--) {
      const at = stepBack(asOfMs, spec.sizeOverTime.period, i);
      const query = sql`SELECT count(*)::BIGINT AS n FROM (${segmentMembersSql(spec, at)})`;
      const [row] = await engine.query<{ n: number }>(query.text, query.params);
      points.push({ at: new Date(at - 1).toISOString(), size: Number(row?.n ?? 0) });
    }
    result.sizeOverTime = points;
  }
  return result;
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Members as CSV: `person` only, or with every tag (times as ISO). */
export async function segmentMembersCsv(engine: QueryEngine, input: SegmentSpec | SegmentSpecInput, options: { tags?: boolean } = {}): Promise<string> {
  const spec = parseSegmentSpec(input);
  validateFunnelSteps(spec.condition);
  await checkScores(engine, spec.condition);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const rows = await segmentMembers(engine, spec, await resolveAsOfInstant(engine, spec.asOf), options.tags ? 'tags' : 'person');
  const columns = options.tags ? ['person', ...PERSON_TAG_NAMES] : ['person'];
  const lines = [columns.join(',')];
  for (const row of rows) {
    lines.push(
      columns
        .map((column) => {
          const value = row[column];
          if ((column === 'first_seen' || column === 'last_seen') && value !== null && value !== undefined) return new Date(Number(value)).toISOString();
          return csvField(value);
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
