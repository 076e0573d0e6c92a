/**
 * The one place that names Durable Objects: each object's id is derived from the site (and the buffer's shard), so
 * every caller reaches the same instance. Type-only imports keep this module free of the classes' code.
 */
import type { IngestBuffer } from './buffer/ingest-buffer';
import type { SiteAlerts } from './alerts/site-alerts';
import type { SiteAudiences } from './audience/site-audiences';
import type { SiteBackup } from './backup/site-backup';
import type { SiteHealth } from './health/site-health';
import { runtimeSettings } from './config/sites';
import type { Env } from './env';
import type { SiteLifecycle } from './lifecycle/site-lifecycle';
import type { SiteState } from './storage/site-state';

/** One shard of a site's ingest buffer (`<site>/<shard>`). */
export function bufferOf(env: Env, site: string, shard: number): DurableObjectStub<IngestBuffer> {
  return env.INGEST_BUFFER.get(env.INGEST_BUFFER.idFromName(`${site}/${shard}`));
}

/** Every shard of a site's ingest buffer, as configured now (BUFFER_SHARDS). */
export function buffersOf(env: Env, site: string): DurableObjectStub<IngestBuffer>[] {
  return Array.from({ length: runtimeSettings(env).bufferShards }, (_, shard) => bufferOf(env, site, shard));
}

/**
 * The configured shards and every shard the site's SiteState has seen take events: after BUFFER_SHARDS was lowered, a
 * higher shard may still hold rows. For work that must reach every buffered row (erasure, flush).
 */
export async function everyBufferOf(env: Env, site: string): Promise<DurableObjectStub<IngestBuffer>[]> {
  const shards = new Set(Array.from({ length: runtimeSettings(env).bufferShards }, (_, shard) => shard));
  for (const shard of await catalogOf(env, site).bufferShards()) shards.add(shard);
  return [...shards].sort((a, b) => a - b).map((shard) => bufferOf(env, site, shard));
}

/** The site's SiteState: manifest, salts, tokens, settings, audit log, erased ids (binding SITE_CATALOG, its old name). */
export function catalogOf(env: Env, site: string): DurableObjectStub<SiteState> {
  return env.SITE_CATALOG.get(env.SITE_CATALOG.idFromName(site));
}

/** The site's lifecycle jobs: compaction, erasure, retention. */
export function lifecycleOf(env: Env, site: string): DurableObjectStub<SiteLifecycle> {
  return env.SITE_LIFECYCLE.get(env.SITE_LIFECYCLE.idFromName(site));
}

/** The site's alert rules and their evaluation. */
export function alertsOf(env: Env, site: string): DurableObjectStub<SiteAlerts> {
  return env.SITE_ALERTS.get(env.SITE_ALERTS.idFromName(site));
}

/** The site's queue of audience deliveries to webhooks. */
export function audiencesOf(env: Env, site: string): DurableObjectStub<SiteAudiences> {
  return env.SITE_AUDIENCES.get(env.SITE_AUDIENCES.idFromName(site));
}

/** The site's daily failure counts (the failure rate). */
export function healthOf(env: Env, site: string): DurableObjectStub<SiteHealth> {
  return env.SITE_HEALTH.get(env.SITE_HEALTH.idFromName(site));
}

/** The site's backup job and the index of its backups. */
export function backupOf(env: Env, site: string): DurableObjectStub<SiteBackup> {
  return env.SITE_BACKUP.get(env.SITE_BACKUP.idFromName(site));
}
