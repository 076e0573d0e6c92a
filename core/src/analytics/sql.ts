/**
 * The one place analytics SQL is built from typed specs. Values travel as positional `?` parameters;
 * identifiers are quoted; the few literals that must be inline (regular expressions, which DuckDB only
 * compiles once when they are constant, and validated integers) are escaped here. No other module
 * puts spec text into SQL: they compose `Sql` fragments with the `sql` template tag.
 *
 * Properties: a name of an event-schema column reads that column; any other name (or
 * `properties.<key>` to reach a key that shadows a column) reads the top-level key of the
 * `properties` JSON text. DuckDB-Wasm ships without the json extension (and must never download
 * it), so keys are read with core string and regular-expression functions, identically on every
 * engine: see `jsonKeyText` and docs/analytics.md.
 */
import { EVENT_COLUMNS, type ColumnKind, type ColumnName } from '../schema/event-columns';
import type { SqlValue } from '../engine/query-engine';
import { quoteIdentifier } from '../engine/events-table';
import { DAY_MS } from '../time/units';

export interface Sql {
  readonly text: string;
  readonly params: readonly SqlValue[];
}

type SqlPart = Sql | SqlValue;

function isSql(value: unknown): value is Sql {
  return typeof value === 'object' && value !== null && !(value instanceof Date) && 'text' in value && 'params' in value;
}

/** Template tag: interpolated `Sql` fragments are spliced in, every other value becomes a `?` parameter. */
export function sql(strings: TemplateStringsArray, ...values: readonly SqlPart[]): Sql {
  let text = strings[0] ?? '';
  const params: SqlValue[] = [];
  values.forEach((value, i) => {
    if (isSql(value)) {
      text += value.text;
      params.push(...value.params);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[i + 1] ?? '';
  });
  return { text, params };
}

export const EMPTY: Sql = { text: '', params: [] };

export function join(parts: readonly Sql[], separator = ', '): Sql {
  return { text: parts.map((p) => p.text).join(separator), params: parts.flatMap((p) => p.params) };
}

/** A quoted identifier: `"name"` with embedded quotes doubled. */
export function ident(name: string): Sql {
  if (name.length === 0 || name.includes('\u0000')) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  return { text: quoteIdentifier(name), params: [] };
}

/** An inline integer (windows, limits, offsets): only finite safe integers are accepted. */
export function int(value: number): Sql {
  if (!Number.isSafeInteger(value)) throw new Error(`expected a safe integer for an SQL literal, got ${value}`);
  return { text: value < 0 ? `(${value})` : String(value), params: [] };
}

/** An inline string literal; for constants the engine should see at plan time (regular expressions). */
export function literal(value: string): Sql {
  if (value.includes('\u0000')) throw new Error('SQL string literals may not contain NUL');
  return { text: `'${value.replaceAll("'", "''")}'`, params: [] };
}

/** A UTC instant as a DuckDB TIMESTAMP (no time zone), passed as a parameter. */
export function timestamp(ms: number): Sql {
  if (!Number.isFinite(ms)) throw new Error(`invalid timestamp ${ms}`);
  return sql`CAST(${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')} AS TIMESTAMP)`;
}

/** Milliseconds since the epoch of a TIMESTAMP expression, as BIGINT (engines return it as a number). */
export function epochMs(expression: Sql): Sql {
  return sql`epoch_ms(${expression})`;
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

export const COLUMN_KINDS: ReadonlyMap<string, ColumnKind> = new Map(EVENT_COLUMNS.map((c) => [c.name, c.kind]));
export const COLUMN_NAMES: readonly ColumnName[] = EVENT_COLUMNS.map((c) => c.name);

export type PropertyRef = { kind: 'column'; name: ColumnName; type: ColumnKind } | { kind: 'json'; key: string };

/** Characters a JSON key may not contain here: they would need JSON escapes in the stored text. */
const UNSUPPORTED_KEY_CHARACTER = /["\\\u0000-\u001f]/;
export const JSON_KEY_PREFIX = 'properties.';

/** Why a property name cannot be read, or null when it can. */
export function propertyNameProblem(name: string): string | null {
  const key = name.startsWith(JSON_KEY_PREFIX) ? name.slice(JSON_KEY_PREFIX.length) : name;
  if (key.length === 0) return 'property name is empty';
  if (key.length > 200) return `property name is longer than 200 characters`;
  if (UNSUPPORTED_KEY_CHARACTER.test(key)) return `property "${name}" contains a double quote, backslash or control character, which property names may not contain`;
  return null;
}

export function resolveProperty(name: string): PropertyRef {
  const problem = propertyNameProblem(name);
  if (problem) throw new Error(problem);
  if (name.startsWith(JSON_KEY_PREFIX)) return { kind: 'json', key: name.slice(JSON_KEY_PREFIX.length) };
  const kind = COLUMN_KINDS.get(name);
  return kind ? { kind: 'column', name: name as ColumnName, type: kind } : { kind: 'json', key: name };
}

const JSON_STRING = '"(?:[^"\\\\]|\\\\.)*"';
/** Removes every innermost nested container (strings are matched first, so brackets inside them survive). */
const INNERMOST_CONTAINER = `(${JSON_STRING})|[{\\[](?:${JSON_STRING}|[^"{}\\[\\]])*[}\\]]`;
/** The edge caps nesting at 8 levels (scrubJson maxDepth); the root is one of them. */
const NESTED_LEVELS = 7;

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
}

/**
 * The top-level value of `key` in the JSON object text `column` as VARCHAR: strings unescaped,
 * numbers and booleans as written, null / missing / object / array values as NULL.
 *
 * Why it is exact for JSON produced by JSON.stringify: inside a JSON string every `"` is escaped,
 * so `{"k":` or `,"k":` can only be a real key. Objects without `[` and with a single `{` are flat,
 * and the first such match is the top-level key. Otherwise nested containers are stripped
 * innermost-first (at most NESTED_LEVELS passes) before matching, so a nested key of the same name
 * is never picked. `\uXXXX` escapes (JSON.stringify writes them only for control characters) are
 * kept as written.
 */
function jsonKeyText(column: Sql, key: string): Sql {
  const k = regexEscape(key);
  const flat = sql`regexp_extract(${column}, ${literal(`[{,]"${k}":(${JSON_STRING}|[^,}]*)`)}, 1)`;
  let inner = sql`${column}[2:-2]`;
  for (let i = 0; i < NESTED_LEVELS; i++) inner = sql`regexp_replace(${inner}, ${literal(INNERMOST_CONTAINER)}, '\\1', 'g')`;
  const nested = sql`regexp_extract(',' || ${inner}, ${literal(`,"${k}":(${JSON_STRING}|[^,]*)`)}, 1)`;
  const token = sql`CASE WHEN strpos(${column}, ${literal(`"${key}":`)}) = 0 THEN '' WHEN strpos(${column}, '[') = 0 AND strpos(${column}[2:], '{') = 0 THEN ${flat} ELSE ${nested} END`;
  const unescaped = ['\\/', '/', '\\n', 'chr(10)', '\\r', 'chr(13)', '\\t', 'chr(9)', '\\b', 'chr(8)', '\\f', 'chr(12)'];
  let decoded = "replace(replace(t[2:-2], '\\\\', chr(1)), '\\\"', '\"')";
  for (let i = 0; i < unescaped.length; i += 2) {
    const to = unescaped[i + 1]!;
    decoded = `replace(${decoded}, '${unescaped[i]}', ${to.startsWith('chr') ? to : `'${to}'`})`;
  }
  decoded = `replace(${decoded}, chr(1), '\\')`;
  // The lambda binds the token once, so the regular expressions run once per row.
  return sql`list_transform([${token}], lambda t: CASE WHEN t = '' OR t = 'null' THEN NULL WHEN t[1] <> '"' THEN t WHEN strpos(t, '\\') = 0 THEN t[2:-2] ELSE ${{ text: decoded, params: [] }} END)[1]`;
}

/** The event columns that reading these property names needs (`properties` for JSON keys). */
export function columnsFor(propertyNames: Iterable<string>, base: readonly string[]): string[] {
  const columns = new Set(base);
  for (const name of propertyNames) {
    const ref = resolveProperty(name);
    columns.add(ref.kind === 'column' ? ref.name : 'properties');
  }
  return [...columns];
}

/** Property names used by event matchers. */
export function matcherProperties(matchers: Iterable<EventMatcher | undefined>): string[] {
  const names: string[] = [];
  for (const matcher of matchers) for (const filter of matcher?.where ?? []) names.push(filter.property);
  return names;
}

export type ValueKind = 'string' | 'number' | 'timestamp';

/** A typed expression over one event row (or an aggregate of one). */
export interface ValueExpr {
  sql: Sql;
  kind: ValueKind;
  /** True for JSON property text: numeric comparisons cast it. */
  text: boolean;
}

export function propertyExpr(ref: PropertyRef, table?: string): ValueExpr {
  const prefix = table ? sql`${ident(table)}.` : EMPTY;
  if (ref.kind === 'json') return { sql: jsonKeyText(sql`${prefix}"properties"`, ref.key), kind: 'string', text: true };
  const kind: ValueKind = ref.type === 'string' ? 'string' : ref.type === 'timestamp' ? 'timestamp' : 'number';
  return { sql: sql`${prefix}${ident(ref.name)}`, kind, text: false };
}

/** A property as VARCHAR (breakdown values, path labels). */
export function propertyAsText(ref: PropertyRef, table?: string): Sql {
  const value = propertyExpr(ref, table);
  if (value.kind === 'string') return value.sql;
  if (value.kind === 'timestamp') return sql`strftime(${value.sql}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  return sql`CAST(${value.sql} AS VARCHAR)`;
}

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

export const FILTER_OPS = ['eq', 'neq', 'in', 'nin', 'contains', 'not_contains', 'gt', 'gte', 'lt', 'lte', 'between', 'is_set', 'is_not_set'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export type Scalar = string | number | boolean;

export interface PropertyFilter {
  property: string;
  op: FilterOp;
  value?: Scalar | Scalar[] | undefined;
}

function numeric(value: ValueExpr): Sql {
  return value.kind === 'number' && !value.text ? value.sql : sql`TRY_CAST(${value.sql} AS DOUBLE)`;
}

function comparable(value: ValueExpr, operand: Scalar): { left: Sql; right: Sql } {
  if (value.kind === 'timestamp') {
    const ms = typeof operand === 'number' ? operand : parseInstant(String(operand));
    if (ms === null) throw new Error(`expected an ISO time to compare with a timestamp, got ${JSON.stringify(operand)}`);
    return { left: value.sql, right: timestamp(ms) };
  }
  if (typeof operand === 'number') return { left: numeric(value), right: sql`${operand}` };
  if (typeof operand === 'boolean') return { left: value.kind === 'string' ? value.sql : sql`CAST(${value.sql} AS VARCHAR)`, right: sql`${String(operand)}` };
  if (value.kind === 'number' && !value.text) {
    const parsed = Number(operand);
    if (operand.trim() === '' || !Number.isFinite(parsed)) throw new Error(`expected a number to compare with a numeric property, got ${JSON.stringify(operand)}`);
    return { left: value.sql, right: sql`${parsed}` };
  }
  return { left: value.sql, right: sql`${operand}` };
}

function list(value: PropertyFilter['value']): readonly Scalar[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value as Scalar];
}

function single(filter: PropertyFilter): Scalar {
  const value = filter.value;
  if (value === undefined || Array.isArray(value)) throw new Error(`${filter.op} needs a single value`);
  return value as Scalar;
}

/**
 * A boolean condition. Negative operators (neq, nin, not_contains) also match when the property is
 * missing, as PostHog's "is not" does; positive ones never match a missing property.
 */
export function filterCondition(value: ValueExpr, filter: PropertyFilter): Sql {
  switch (filter.op) {
    case 'is_set':
      return sql`(${value.sql} IS NOT NULL)`;
    case 'is_not_set':
      return sql`(${value.sql} IS NULL)`;
    case 'eq': {
      const c = comparable(value, single(filter));
      return sql`(${c.left} = ${c.right})`;
    }
    case 'neq': {
      const c = comparable(value, single(filter));
      return sql`(${c.left} IS DISTINCT FROM ${c.right})`;
    }
    case 'in':
    case 'nin': {
      const items = list(filter.value);
      if (items.length === 0) throw new Error(`${filter.op} needs at least one value`);
      const any = join(items.map((item) => { const c = comparable(value, item); return sql`(${c.left} = ${c.right})`; }), ' OR ');
      return filter.op === 'in' ? sql`(${any})` : sql`(NOT coalesce(${any}, false))`;
    }
    case 'contains':
    case 'not_contains': {
      const needle = String(single(filter)).toLowerCase();
      const text = value.kind === 'string' ? value.sql : sql`CAST(${value.sql} AS VARCHAR)`;
      const found = sql`strpos(lower(${text}), ${needle}) > 0`;
      return filter.op === 'contains' ? sql`coalesce(${found}, false)` : sql`(NOT coalesce(${found}, false))`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const c = comparable(value, single(filter));
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[filter.op];
      return sql`(${c.left} ${{ text: op, params: [] }} ${c.right})`;
    }
    case 'between': {
      const [low, high] = list(filter.value);
      if (low === undefined || high === undefined) throw new Error('between needs [low, high]');
      const a = comparable(value, low);
      const b = comparable(value, high);
      return sql`(${a.left} BETWEEN ${a.right} AND ${b.right})`;
    }
  }
}

export function propertyFilterCondition(filter: PropertyFilter, table?: string): Sql {
  return filterCondition(propertyExpr(resolveProperty(filter.property), table), filter);
}

export function and(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? sql`TRUE` : sql`(${join(conditions, ' AND ')})`;
}

export function or(conditions: readonly Sql[]): Sql {
  return conditions.length === 0 ? sql`FALSE` : sql`(${join(conditions, ' OR ')})`;
}

/** An event matcher: the event name and its property filters. */
export interface EventMatcher {
  event: string;
  where?: PropertyFilter[] | undefined;
}

export function eventCondition(matcher: EventMatcher, table?: string): Sql {
  const prefix = table ? sql`${ident(table)}.` : EMPTY;
  return and([sql`${prefix}"event" = ${matcher.event}`, ...(matcher.where ?? []).map((f) => propertyFilterCondition(f, table))]);
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
export { DAY_MS };

/** A calendar date (YYYY-MM-DD) as the UTC midnight that starts it, or null. */
export function parseDate(text: string): number | null {
  const match = DATE_ONLY.exec(text);
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().startsWith(text) ? ms : null;
}

/** An ISO time (a time without zone is UTC) or a date (its UTC midnight), or null. */
export function parseInstant(text: string): number | null {
  const date = parseDate(text);
  if (date !== null) return date;
  if (!DATE_TIME.test(text)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const ms = Date.parse(hasZone ? text : `${text}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** Inclusive bounds as half-open UTC milliseconds [fromMs, toMs): a date-only `to` covers its whole day. */
export interface TimeBounds {
  fromMs: number | null;
  /** Exclusive. */
  toMs: number | null;
}

export function timeBounds(from?: string, to?: string): TimeBounds {
  const fromMs = from === undefined ? null : parseInstant(from);
  let toMs: number | null = null;
  if (to !== undefined) {
    const date = parseDate(to);
    toMs = date !== null ? date + DAY_MS : (parseInstant(to) ?? Number.NaN) + 1;
  }
  if (Number.isNaN(fromMs) || Number.isNaN(toMs)) throw new Error('invalid time bounds');
  return { fromMs, toMs };
}

export function timeCondition(bounds: TimeBounds, column: Sql = sql`"timestamp"`): Sql {
  const parts: Sql[] = [];
  if (bounds.fromMs !== null) parts.push(sql`${column} >= ${timestamp(bounds.fromMs)}`);
  if (bounds.toMs !== null) parts.push(sql`${column} < ${timestamp(bounds.toMs)}`);
  return and(parts);
}

export const WINDOW_UNITS = { second: 1_000, minute: 60_000, hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS } as const;
export type WindowUnit = keyof typeof WINDOW_UNITS;

/** An interval of whole milliseconds, inline (computed from validated integers). */
export function milliseconds(ms: number): Sql {
  return sql`to_milliseconds(${int(ms)})`;
}

/**
 * Whether a table (or view) `name` can be read, by binding a read of no rows: a catalog listing (duckdb_tables())
 * writes every table's SQL, which took 0.3-0.6 s with the 10M warehouse's tables in DuckDB-Wasm.
 */
export async function tableExists(engine: { query(sql: string): Promise<unknown[]> }, name: string): Promise<boolean> {
  try {
    await engine.query(`SELECT 1 FROM ${ident(name).text} LIMIT 0`);
    return true;
  } catch (error) {
    if (/does not exist/i.test(error instanceof Error ? error.message : String(error))) return false;
    throw error;
  }
}
