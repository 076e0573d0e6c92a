import { dirname, join } from 'node:path';
import { TEST_WORKERS } from '@privacy-analytics/scripts/test-workers';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Node-side end-to-end tests against a real `wrangler dev` (see local-edge.ts). Run from the repo root:
//   npx vitest run --config worker-edge/e2e/vitest.config.ts
// Two files at a time (TEST_WORKERS): each starts its own wrangler/workerd on a free port, and most of the time is spent waiting on it.
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  test: {
    environment: 'node',
    include: ['worker-edge/e2e/**/*.test.ts'],
    // Generous: an export test spawns several CLI runs against wrangler dev, slow on a busy 2-core machine.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    maxWorkers: TEST_WORKERS,
  },
});
