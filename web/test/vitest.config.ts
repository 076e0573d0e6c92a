import { fileURLToPath } from 'node:url';
import { TEST_WORKERS } from '@privacy-analytics/scripts/test-workers';
import { defineConfig } from 'vitest/config';

// Browser tests of the dashboard: Node drives Debian Chromium (playwright-core) against the app built and served
// with the project's Vite config, and a real edge under wrangler dev where needed.
//   npm run test:web   (or: npx vitest run --config web/test/vitest.config.ts web/test/engine/cache.test.ts)
// Two files at a time (TEST_WORKERS): each launches its own Chromium (fresh profile) and edge on free ports; much of a file's time is
// spent waiting (engine start, heartbeats, the edge), so two overlap well on 2 cores.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    environment: 'node',
    include: ['web/test/**/*.test.ts', 'web/src/lib/workers/data/**/*.test.ts'],
    globalSetup: ['web/test/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 240_000,
    maxWorkers: TEST_WORKERS,
  },
});
