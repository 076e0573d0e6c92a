import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { TEST_WORKERS } from '@privacy-analytics/scripts/test-workers';
import { defineConfig } from 'vitest/config';
import { ALERT_TEST_SITE_SECRETS, ALERT_TEST_SITES } from './test/alerts/alert-fixtures.ts';
import { webhookSink } from './test/alerts/webhook-sink.ts';
import { TEST_SITE_SECRETS, TEST_SITES } from './test/fixtures/sites.ts';

// The edge's tests, one project per kind of runner (from the repo root):
//  - edge, lifecycle: inside workerd with local R2 and Durable Objects (Miniflare), using the real wrangler.toml;
//      npm run test:edge   (vitest run --config worker-edge/vitest.config.ts --project edge --project lifecycle)
//  - e2e: in Node, against a real `wrangler dev` per file (scripts/harness/local-edge.ts);
//      npm run test:e2e    (vitest run --config worker-edge/vitest.config.ts --project e2e)
// The workerd pool (the plugin below) reaches only the projects that extend this config; e2e does not.
// Two files at a time (TEST_WORKERS).
export default defineConfig({
  root: dirname(fileURLToPath(import.meta.url)),
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
    testTimeout: 30_000,
    maxWorkers: TEST_WORKERS,
    projects: [
      {
        extends: true,
        // Most files share their worker's module graph instead of importing the whole worker again each (that import
        // took 7 s per file, 3 of the suite's 4 minutes). Storage (R2, Durable Objects) is still isolated per file.
        test: { name: 'edge', include: ['test/**/*.test.ts'], exclude: ['test/lifecycle/**'], isolate: false },
      },
      {
        extends: true,
        // The lifecycle files (erasure, retention, compaction) keep fresh modules: sharing them, the erasure test failed
        // about one run in three (the hourly files it rewrites were still listed beside the compacted ones).
        test: { name: 'lifecycle', include: ['test/lifecycle/**/*.test.ts'], isolate: true },
      },
      {
        // Plain Node, no workerd: each file starts its own wrangler/workerd on a free port and mostly waits on it. Rooted
        // at the repo, as its own config was: rooted at worker-edge/, the export test's erasure part took 55 s instead
        // of 11 s (reason not found) and timed out on a busy machine.
        root: '..',
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['worker-edge/e2e/**/*.test.ts'],
          // Generous: an export test spawns several CLI runs against wrangler dev, slow on a busy 2-core machine.
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
