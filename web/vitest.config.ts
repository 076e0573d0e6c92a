import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { TEST_WORKERS } from '@privacy-analytics/scripts/test-workers';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The overview file is the longest (it fills a real edge and reloads the page several times): start it first. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => f.moduleId.endsWith('overview.test.ts')), ...sorted.filter((f) => !f.moduleId.endsWith('overview.test.ts'))];
  }
}

// The dashboard's tests, one project per kind of test, all driven from Node (from the repo root):
//  - engine: the data engine's test page in Debian Chromium (playwright-core), built with the project's Vite config,
//    and a real edge under wrangler dev where needed; plus the data worker's modules in Node;
//      npm run test:web        (vitest run --config web/vitest.config.ts --project engine web/test/engine/cache.test.ts)
//  - dashboard: the runes state classes and components against a fake engine (compiled by the Svelte plugin), and
//    headless Chromium against the built dashboard (vite preview) and a local edge (web/e2e/);
//      npm run test:dashboard  (vitest run --config web/vitest.config.ts --project dashboard)
// Two files at a time (TEST_WORKERS): each browser file launches its own Chromium (fresh profile), serves the one build
// on its own port and starts its own edge; much of a file's time is spent waiting, so two overlap well on 2 cores.
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..'),
  test: {
    maxWorkers: TEST_WORKERS,
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'engine',
          environment: 'node',
          include: ['web/test/**/*.test.ts', 'web/src/lib/workers/data/**/*.test.ts'],
          globalSetup: ['web/test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
      {
        plugins: [svelte()],
        test: {
          name: 'dashboard',
          environment: 'node',
          include: ['web/src/lib/state/**/*.test.ts', 'web/src/lib/components/**/*.test.ts', 'web/src/lib/reports/**/*.test.ts', 'web/e2e/**/*.test.ts'],
          globalSetup: ['web/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
