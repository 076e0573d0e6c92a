/**
 * What the pickers offer: the loaded events' names with counts, and the properties one can filter or break down by
 * (the schema's columns plus the JSON keys seen in `properties`, read from a sample). Engine-agnostic, like every
 * analysis here.
 */
import { EVENTS_TABLE, type QueryEngine } from '../engine/query-engine';
import { COLUMN_KINDS, COLUMN_NAMES, JSON_KEY_PREFIX, propertyNameProblem } from './sql';

export interface EventName {
  event: string;
  count: number;
}

export interface PropertyName {
  /** the name specs take: a column name, or `properties.<key>` for a JSON key */
  name: string;
  kind: 'string' | 'number' | 'timestamp';
  source: 'column' | 'json';
}

export interface EventCatalog {
  events: EventName[];
  properties: PropertyName[];
}

/** Columns no one filters or breaks down by (ids, raw JSON, bookkeeping). */
const HIDDEN_COLUMNS = new Set(['event_id', 'properties', 'quality_flags', 'schema_version', 'received_at', 'previous_id', 'group_id']);
const MAX_EVENTS = 500;
const MAX_JSON_KEYS = 200;
/** rows sampled for JSON keys: enough to see every key of a typical tracking plan, cheap on 10M rows */
const KEY_SAMPLE_ROWS = 50_000;

export async function readEventCatalog(engine: QueryEngine): Promise<EventCatalog> {
  const events = await readEventNames(engine);
  return { events, properties: await readPropertyNames(engine) };
}

/** The catalog's events alone (most frequent first): what a view's starter needs, one statement. */
export async function readEventNames(engine: QueryEngine): Promise<EventName[]> {
  const events = await engine.query<{ event: string; count: number }>(
    `SELECT "event", count(*)::DOUBLE AS "count" FROM ${EVENTS_TABLE} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${MAX_EVENTS}`,
  );
  return events.map((row) => ({ event: String(row.event), count: Number(row.count) }));
}

/** The catalog's properties alone: the schema's columns, then the JSON keys of a sample of `properties`. */
export async function readPropertyNames(engine: QueryEngine): Promise<PropertyName[]> {
  const keys = await engine.query<{ key: string }>(
    `SELECT "key" FROM (
       SELECT unnest(regexp_extract_all(properties, '[{,]"([^"\\\\]{1,200})":', 1)) AS "key"
       FROM (SELECT properties FROM ${EVENTS_TABLE} LIMIT ${KEY_SAMPLE_ROWS})
     ) GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT ${MAX_JSON_KEYS}`,
  );
  const columns: PropertyName[] = COLUMN_NAMES.filter((name) => !HIDDEN_COLUMNS.has(name)).map((name) => {
    const kind = COLUMN_KINDS.get(name);
    return { name, kind: kind === 'timestamp' ? 'timestamp' : kind === 'string' ? 'string' : 'number', source: 'column' };
  });
  const json: PropertyName[] = keys
    .map((row) => row.key)
    .filter((key) => propertyNameProblem(key) === null)
    .map((key) => ({ name: `${JSON_KEY_PREFIX}${key}`, kind: 'string', source: 'json' }));
  return [...columns, ...json];
}
