import { z } from 'zod';
import type { Env } from '../env';
import { MAX_RETENTION_DAYS } from '../lifecycle/retention-policy';
import { secretWeakness } from './secret-strength';

const siteIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'site ids are 1-63 chars of a-z, 0-9, _ and -');

/** https, or http to a loopback address when ALLOW_LOOPBACK_WEBHOOKS is set (checked where a webhook is used). */
const webhookUrlSchema = z.string().max(2048).url().regex(/^https?:\/\//i, 'webhook URLs are absolute http(s) URLs');

const siteSettingsSchema = z.object({
  /** pseudonymous: keyed hash stable across days; cookieless: daily-rotated salt, no cross-day linking. */
  mode: z.enum(['pseudonymous', 'cookieless']).default('pseudonymous'),
  /** Query parameters kept in page URLs besides utm_*. Everything else is dropped. */
  queryParams: z.array(z.string().min(1).max(64)).max(50).default([]),
  /** Origins allowed to read (manifest, files) from a browser. */
  dashboardOrigins: z.array(z.string().url()).max(20).default([]),
  /** Days a date partition is kept (unset: DEFAULT_RETENTION_DAYS, 3 years); an admin can override it through the API. */
  retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).optional(),
  /**
   * Retention an admin may not go below through the API without `"override": true` and a reason (audited); unset: 1095
   * days (marketing records are kept at least 3 years), or retentionDays when that is configured lower.
   */
  retentionFloorDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).optional(),
  /** Oldest event date accepted, in days before today (unset: INGEST_HORIZON_DAYS); never more than the retention. */
  ingestHorizonDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).optional(),
  /** Events stored per minute before ingest answers 429 (see README: Limits); unset: no site quota. */
  maxEventsPerMinute: z.number().int().min(1).max(100_000_000).optional(),
  /**
   * The country calling code (digits, e.g. "86") of phone numbers written without one, in live events and imports:
   * `138 0013 8000` then hashes as `+8613800138000`, so a till that drops the code meets the web. Unset: numbers hash
   * as written. Changing it changes the hashes of such numbers from then on (earlier rows keep theirs).
   */
  phoneCountryCode: z.string().regex(/^[1-9][0-9]{0,3}$/, 'phoneCountryCode is a country calling code: 1 to 4 digits, e.g. "86"').optional(),
  /** Track events counted as `conversions` in the live counters (alert rules on conversions). */
  conversionEvents: z.array(z.string().min(1).max(200)).max(20).default(['Order Completed']),
  /** Webhooks alert rules may post to; empty: any https URL an admin enters. */
  alertWebhookUrls: z.array(webhookUrlSchema).max(20).default([]),
  /** Webhooks audiences (hashed ids) may be delivered to; the first is the default; empty: delivery disabled. */
  audienceWebhookUrls: z.array(webhookUrlSchema).max(20).default([]),
});

const siteSecretsSchema = z.object({
  writeKeys: z.array(z.string().min(8).max(200)).min(1),
  /** Bootstrap bearer tokens by role (more can be issued through the tokens API). readTokens are analysts. */
  viewerTokens: z.array(z.string().min(8).max(200)).default([]),
  readTokens: z.array(z.string().min(8).max(200)).default([]),
  adminTokens: z.array(z.string().min(8).max(200)).default([]),
  /** Secret key for HMAC-SHA256 pseudonymisation (at least 32 random bytes); never leaves the edge. */
  hashKey: z.string().max(500),
  /**
   * Keys `hashKey` had before a rotation, newest first. Ingest uses `hashKey` only; erasure by user id also hashes
   * with these, so rows written before the rotation are found. Drop a key once retention has deleted its rows.
   */
  previousHashKeys: z.array(z.string().min(8).max(500)).max(20).default([]),
  /** Signs webhooks (alerts, audiences): `x-webhook-signature: t=<ts>,v1=<hex HMAC of "<ts>.<body>">`; audience delivery requires it. */
  webhookSecret: z.string().min(16).max(500).optional(),
});

export type SiteSettings = z.infer<typeof siteSettingsSchema>;
export type SiteSecrets = z.infer<typeof siteSecretsSchema>;
export interface SiteConfig extends SiteSettings, SiteSecrets {
  id: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface SitesConfig {
  sites: ReadonlyMap<string, SiteConfig>;
  siteByWriteKey: ReadonlyMap<string, SiteConfig>;
}

let cached: { sites: string; secrets: string; config: SitesConfig } | null = null;

/** Parses SITES and SITE_SECRETS once per isolate; a deploy with bad config fails loudly. */
export function loadSitesConfig(env: Pick<Env, 'SITES' | 'SITE_SECRETS'>): SitesConfig {
  const secretsText = env.SITE_SECRETS ?? '';
  if (cached && cached.sites === env.SITES && cached.secrets === secretsText) return cached.config;
  if (!secretsText) throw new ConfigError('SITE_SECRETS is not set (see README: Configuration)');
  const settings = parseJson(env.SITES, 'SITES', z.record(siteIdSchema, siteSettingsSchema));
  const secrets = parseJson(secretsText, 'SITE_SECRETS', z.record(siteIdSchema, siteSecretsSchema));
  const sites = new Map<string, SiteConfig>();
  const siteByWriteKey = new Map<string, SiteConfig>();
  for (const [id, secret] of Object.entries(secrets)) {
    const site: SiteConfig = { id, ...siteSettingsSchema.parse({}), ...settings[id], ...secret };
    sites.set(id, site);
    for (const key of secret.writeKeys) {
      if (siteByWriteKey.has(key)) throw new ConfigError(`write key of site "${id}" is also used by site "${siteByWriteKey.get(key)?.id}"`);
      siteByWriteKey.set(key, site);
    }
  }
  for (const [id, secret] of Object.entries(secrets)) checkSecrets(id, secret, siteByWriteKey);
  for (const site of sites.values()) {
    if (site.retentionFloorDays !== undefined && site.retentionDays !== undefined && site.retentionDays < site.retentionFloorDays) {
      throw new ConfigError(`SITES: site "${site.id}" retentionDays (${site.retentionDays}) is below its retentionFloorDays (${site.retentionFloorDays}); lower the floor to keep less`);
    }
  }
  const config = { sites, siteByWriteKey };
  cached = { sites: env.SITES, secrets: secretsText, config };
  return config;
}

/** Tokens and the hash key carry 32 random bytes, and no token is a write key (write keys are public). */
function checkSecrets(id: string, secret: SiteSecrets, siteByWriteKey: ReadonlyMap<string, SiteConfig>): void {
  const named: Array<[string, string]> = [['hashKey', secret.hashKey]];
  for (const field of ['viewerTokens', 'readTokens', 'adminTokens'] as const) {
    secret[field].forEach((token, index) => named.push([`${field}[${index}]`, token]));
  }
  for (const [field, value] of named) {
    const weakness = secretWeakness(value);
    if (weakness) {
      throw new ConfigError(`SITE_SECRETS: site "${id}" ${field} is too weak: it ${weakness}. Generate one with \`openssl rand -base64 32\``);
    }
    if (field !== 'hashKey' && siteByWriteKey.has(value)) {
      throw new ConfigError(`SITE_SECRETS: site "${id}" ${field} equals a write key of site "${siteByWriteKey.get(value)?.id}"; write keys are public, so a token must differ from every one`);
    }
  }
}

function parseJson<T>(text: string, name: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${name} is not valid JSON`, { cause });
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${name} is invalid: ${z.prettifyError(result.error)}`);
  return result.data;
}

/**
 * Segment lets a client send any past timestamp, but a 30-day-old event is already an SDK's stale offline queue or a
 * backfill; each past day it names costs a file per flush (see docs/architecture.md, "Old events").
 */
export const DEFAULT_INGEST_HORIZON_DAYS = 30;
/** Seven days: the default of DEDUP_HORIZON_SECONDS. */
export const DEFAULT_DEDUP_HORIZON_SECONDS = 7 * 86_400;

export interface RuntimeSettings {
  flushIntervalMs: number;
  flushMaxRows: number;
  /** a flush plan holds at most this many bytes of buffered rows (their JSON), whatever their count */
  flushMaxBytes: number;
  bufferShards: number;
  /** events dated before today minus this many days are refused at ingest, unless a site sets its own */
  ingestHorizonDays: number;
  /** how long an event id is remembered for deduplication, at least (DEDUP_HORIZON_SECONDS; see buffer/dedup-tables.ts) */
  dedupHorizonMs: number;
}

export function runtimeSettings(env: Env): RuntimeSettings {
  return {
    ingestHorizonDays: boundedInt(env.INGEST_HORIZON_DAYS, 'INGEST_HORIZON_DAYS', DEFAULT_INGEST_HORIZON_DAYS, 1, MAX_RETENTION_DAYS),
    flushIntervalMs: boundedInt(env.FLUSH_INTERVAL_SECONDS, 'FLUSH_INTERVAL_SECONDS', 30, 1, 60) * 1000,
    flushMaxRows: boundedInt(env.FLUSH_MAX_ROWS, 'FLUSH_MAX_ROWS', 20_000, 1, 200_000),
    flushMaxBytes: boundedInt(env.FLUSH_MAX_BYTES, 'FLUSH_MAX_BYTES', 8 * 1024 * 1024, 64 * 1024, 64 * 1024 * 1024),
    bufferShards: boundedInt(env.BUFFER_SHARDS, 'BUFFER_SHARDS', 2, 1, 64),
    dedupHorizonMs: boundedInt(env.DEDUP_HORIZON_SECONDS, 'DEDUP_HORIZON_SECONDS', DEFAULT_DEDUP_HORIZON_SECONDS, 60, 30 * 86_400) * 1000,
  };
}

export interface ErasureSettings {
  /** Expansion does not pass through an id linked to more than this many other ids (ERASURE_LINK_MAX_IDS). */
  linkMaxIds: number;
  /** A request that would erase more ids than this waits for "confirm": true (ERASURE_CONFIRM_ABOVE_IDS). */
  confirmAboveIds: number;
}

/** Read where erasure runs only, so that a bad value stops erasures instead of ingest. */
export function erasureSettings(env: Env): ErasureSettings {
  return {
    linkMaxIds: boundedInt(env.ERASURE_LINK_MAX_IDS, 'ERASURE_LINK_MAX_IDS', 20, 1, 10_000),
    confirmAboveIds: boundedInt(env.ERASURE_CONFIRM_ABOVE_IDS, 'ERASURE_CONFIRM_ABOVE_IDS', 50, 1, 1_000_000),
  };
}

function boundedInt(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return value;
}
