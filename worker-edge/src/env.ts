import type { IngestBuffer } from './buffer/ingest-buffer';
import type { SiteLifecycle } from './lifecycle/site-lifecycle';
import type { SiteAlerts } from './alerts/site-alerts';
import type { SiteCatalog } from './storage/site-catalog';

/** Bindings declared in wrangler.toml (keep the two in step). */
export interface Env {
  EVENTS: R2Bucket;
  INGEST_BUFFER: DurableObjectNamespace<IngestBuffer>;
  SITE_CATALOG: DurableObjectNamespace<SiteCatalog>;
  SITE_LIFECYCLE: DurableObjectNamespace<SiteLifecycle>;
  SITE_ALERTS: DurableObjectNamespace<SiteAlerts>;
  INGEST_RATE_LIMITER?: RateLimit;
  /** JSON: non-secret per-site settings, see config/sites.ts. */
  SITES: string;
  /** JSON secret: write keys, read/admin tokens and hash keys per site. */
  SITE_SECRETS?: string;
  FLUSH_INTERVAL_SECONDS?: string;
  FLUSH_MAX_ROWS?: string;
  BUFFER_SHARDS?: string;
  /** "true": lifecycle work (erasure, retention, compaction) runs only when driven explicitly; tests use this. */
  LIFECYCLE_PAUSED?: string;
  /** "true": webhooks may use http://127.0.0.1, http://localhost or http://[::1] (local development and tests only). */
  ALLOW_LOOPBACK_WEBHOOKS?: string;
}
