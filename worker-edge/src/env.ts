import type { IngestBuffer } from './buffer/ingest-buffer';
import type { SiteCatalog } from './storage/site-catalog';

/** Bindings declared in wrangler.toml (keep the two in step). */
export interface Env {
  EVENTS: R2Bucket;
  INGEST_BUFFER: DurableObjectNamespace<IngestBuffer>;
  SITE_CATALOG: DurableObjectNamespace<SiteCatalog>;
  INGEST_RATE_LIMITER?: RateLimit;
  /** JSON: non-secret per-site settings, see config/sites.ts. */
  SITES: string;
  /** JSON secret: write keys, read/admin tokens and hash keys per site. */
  SITE_SECRETS?: string;
  FLUSH_INTERVAL_SECONDS?: string;
  FLUSH_MAX_ROWS?: string;
  BUFFER_SHARDS?: string;
}
