import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { ALERT_TEST_SITE_SECRETS, ALERT_TEST_SITES } from './test/alerts/alert-fixtures.ts';
import { webhookSink } from './test/alerts/webhook-sink.ts';
import { TEST_SITE_SECRETS, TEST_SITES } from './test/fixtures/sites.ts';

// Tests run inside workerd with local R2 and Durable Objects (Miniflare), using the real wrangler.toml.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../wrangler.toml' },
      miniflare: {
        bindings: {
          SITES: JSON.stringify({ ...TEST_SITES, ...ALERT_TEST_SITES }),
          SITE_SECRETS: JSON.stringify({ ...TEST_SITE_SECRETS, ...ALERT_TEST_SITE_SECRETS }),
          FLUSH_INTERVAL_SECONDS: '60',
          FLUSH_MAX_ROWS: '1000',
          BUFFER_SHARDS: '2',
          // Lifecycle tests drive erasure, retention and compaction step by step (drainWork) instead of by alarm.
          LIFECYCLE_PAUSED: 'true',
          // Alert and audience webhooks post to the fake receiver below (http://127.0.0.1).
          ALLOW_LOOPBACK_WEBHOOKS: 'true',
        },
        // Every fetch() the worker makes goes to this fake webhook receiver instead of the network.
        outboundService: webhookSink,
        ratelimits: {
          INGEST_RATE_LIMITER: { namespace_id: "1001", simple: { limit: 20, period: 10 } },
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // vitest's default on a 2-core machine is one worker; two overlap workerd's start-up and I/O waits.
    maxWorkers: 2,
  },
});
