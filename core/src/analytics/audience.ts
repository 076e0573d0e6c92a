/**
 * Audience export: a segment or a model's output (persons with scores, tiers, recommended
 * products...) as CSV rows for campaign tools, with pseudonymous ids and each person's most
 * responsive channel. Definitions (docs/marketing-analytics.md):
 *
 * - id_hash: hex HMAC-SHA-256 of the person id under the export key (`hashKey`, at least 16
 *   characters, never part of a saved spec): stable for one key, unlinkable across keys.
 * - Most responsive channel: over the person's touchpoints (first touch event of each session, as in
 *   attribution.ts) and their conversions credited last touch within `lookback`, the channel with the
 *   most credited conversions; ties go to more sessions, then the most recent session, then the name.
 *   `sessions` and `conversions` are the person's counts on that channel; persons without any
 *   touchpoint have an empty channel.
 * - Every export returns a log record (actor, time, rows, source) for the compliance log.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { touchCtes, touchSchema } from './attribution';
import { ensurePersonMap } from './identity';
import { parseSegmentSpec, resolveAsOfInstant, segmentMembers, segmentSpecSchema } from './segments';
import { eventMatcherSchema, identitySchema, parseSpec, windowSchema } from './spec';
import { milliseconds, sql, WINDOW_UNITS, type Sql } from './sql';

const cell = z.union([z.string().max(4096), z.number().finite(), z.boolean(), z.null()]);
export const MAX_AUDIENCE_ROWS = 1_000_000;

export const audienceSpecSchema = z.strictObject({
  source: z.union([
    z.strictObject({ segment: segmentSpecSchema }),
    z.strictObject({ persons: z.array(z.string().min(1).max(512)).max(MAX_AUDIENCE_ROWS) }),
    z.strictObject({ rows: z.array(z.object({ person: z.string().min(1).max(512) }).catchall(cell)).max(MAX_AUDIENCE_ROWS) }),
  ]),
  responsiveness: z
    .strictObject({
      touch: touchSchema.default({ property: 'channel' }),
      conversion: eventMatcherSchema.default({ event: 'Order Completed' }),
      lookback: windowSchema.default({ value: 30, unit: 'day' }),
    })
    .default({ touch: { property: 'channel' }, conversion: { event: 'Order Completed' }, lookback: { value: 30, unit: 'day' } }),
  identity: identitySchema.default('merged'),
});

export type AudienceSpecInput = z.input<typeof audienceSpecSchema>;
export type AudienceSpec = z.output<typeof audienceSpecSchema>;

export interface AudienceRow {
  id_hash: string;
  channel: string;
  sessions: number;
  conversions: number;
  /** Extra columns of a model's output rows. */
  fields: Record<string, string | number | boolean | null>;
}

export interface AudienceExport {
  columns: string[];
  rows: AudienceRow[];
  log: { actor: string; exportedAt: string; rows: number; source: 'segment' | 'persons' | 'rows' };
}

export function parseAudienceSpec(input: unknown): AudienceSpec {
  return parseSpec(audienceSpecSchema, input);
}

/** Per person: the most responsive channel with its sessions and last-touch conversions. */
export function responsiveChannelSql(spec: AudienceSpec): Sql {
  const { touch, conversion, lookback } = spec.responsiveness;
  const window = milliseconds(lookback.value * WINDOW_UNITS[lookback.unit]);
  return sql`WITH ${touchCtes({ touch, conversion, revenueProperty: 'revenue', identity: spec.identity, bounds: { fromMs: null, toMs: null } })},
    credited AS (
      SELECT c.person, first(t.channel ORDER BY t.ts DESC, t.channel) AS channel
      FROM conv c JOIN touches t ON t.person = c.person AND t.ts <= c.ts AND t.ts >= c.ts - ${window}
      GROUP BY c.person, c.event_id
    ),
    credited_counts AS (SELECT person, channel, count(*) AS conversions FROM credited GROUP BY person, channel),
    per_channel AS (
      SELECT t.person, t.channel, count(*) AS sessions, max(t.ts) AS last_ts FROM touches t GROUP BY t.person, t.channel
    ),
    ranked AS (
      SELECT p.person, p.channel, p.sessions, coalesce(k.conversions, 0) AS conversions,
        row_number() OVER (PARTITION BY p.person ORDER BY coalesce(k.conversions, 0) DESC, p.sessions DESC, p.last_ts DESC, p.channel) AS r
      FROM per_channel p LEFT JOIN credited_counts k ON k.person = p.person AND k.channel = p.channel
    )
    SELECT person, channel, sessions::BIGINT AS sessions, conversions::BIGINT AS conversions FROM ranked WHERE r = 1`;
}

const encoder = new TextEncoder();

/** Hex HMAC-SHA-256 of each id under `key` (Web Crypto: the browser and Node alike). */
export async function hashIds(ids: readonly string[], key: string): Promise<string[]> {
  if (key.length < 16) throw new Error('the export hash key must be at least 16 characters');
  const cryptoKey = await crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return Promise.all(
    ids.map(async (id) => {
      const bytes = new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(id)));
      let hex = '';
      for (const b of bytes) hex += b.toString(16).padStart(2, '0');
      return hex;
    }),
  );
}

export interface AudienceOptions {
  hashKey: string;
  /** Who exports, for the compliance log. */
  actor: string;
  now?: () => Date;
  /** Members to leave out of the file (a holdout, persons without marketing consent), by person id. */
  keep?: (person: string) => boolean;
  /** Further columns per person (the hashed contact key, recommended items), after the model's own. */
  extraFields?: (person: string) => AudienceRow['fields'];
}

export async function buildAudience(engine: QueryEngine, input: AudienceSpec | AudienceSpecInput, options: AudienceOptions): Promise<AudienceExport> {
  const spec = parseAudienceSpec(input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  let members: { person: string; fields: AudienceRow['fields'] }[];
  let source: AudienceExport['log']['source'];
  if ('segment' in spec.source) {
    const segment = parseSegmentSpec({ ...spec.source.segment, identity: spec.identity });
    const rows = await segmentMembers(engine, segment, await resolveAsOfInstant(engine, segment.asOf));
    members = rows.map((row) => ({ person: String(row.person), fields: {} }));
    source = 'segment';
  } else if ('persons' in spec.source) {
    members = [...new Set(spec.source.persons)].map((person) => ({ person, fields: {} }));
    source = 'persons';
  } else {
    members = spec.source.rows.map(({ person, ...fields }) => ({ person, fields: fields as AudienceRow['fields'] }));
    source = 'rows';
  }
  if (options.keep) members = members.filter((m) => options.keep!(m.person));
  if (options.extraFields) members = members.map((m) => ({ person: m.person, fields: { ...m.fields, ...options.extraFields!(m.person) } }));
  const query = responsiveChannelSql(spec);
  const channels = new Map((await engine.query<{ person: string; channel: string; sessions: number; conversions: number }>(query.text, query.params)).map((r) => [String(r.person), r]));
  const hashes = await hashIds(
    members.map((m) => m.person),
    options.hashKey,
  );
  const rows = members.map((m, i) => {
    const best = channels.get(m.person);
    return { id_hash: hashes[i]!, channel: best?.channel ?? '', sessions: Number(best?.sessions ?? 0), conversions: Number(best?.conversions ?? 0), fields: m.fields };
  });
  const extra = [...new Set(members.flatMap((m) => Object.keys(m.fields)))];
  return {
    columns: ['id_hash', 'channel', 'sessions', 'conversions', ...extra],
    rows,
    log: { actor: options.actor, exportedAt: (options.now?.() ?? new Date()).toISOString(), rows: rows.length, source },
  };
}

function csvField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // Cells starting with = + - @ are prefixed so spreadsheet tools do not run them as formulas.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function audienceCsv(audience: AudienceExport): string {
  const lines = [audience.columns.join(',')];
  for (const row of audience.rows) {
    const record: Record<string, unknown> = { ...row.fields, id_hash: row.id_hash, channel: row.channel, sessions: row.sessions, conversions: row.conversions };
    lines.push(audience.columns.map((c) => csvField(record[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
}
