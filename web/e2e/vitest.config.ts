import { dirname, join } from 'node:path';
import { TEST_WORKERS } from '@privacy-analytics/scripts/test-workers';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The overview file is the longest (it fills a real edge and reloads the page several times): start it first. */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    return [...sorted.filter((f) => f.moduleId.endsWith('overview.test.ts')), ...sorted.filter((f) => !f.moduleId.endsWith('overview.test.ts'))];
  }
}

// The dashboard's tests, from the repo root: npm run test:dashboard
//  - web/src/lib/state/*.test.ts: the runes state classes against a fake engine (compiled by the Svelte plugin);
//  - web/e2e/*.test.ts: headless Chromium against the local stack (wrangler dev + vite preview).
// Two files at a time (TEST_WORKERS): an e2e file serves the one build on its own port, with its own browser (and edge, if any).
export default defineConfig({
  root: join(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  plugins: [svelte()],
  test: {
    environment: 'node',
    include: ['web/src/lib/state/**/*.test.ts', 'web/src/lib/components/**/*.test.ts', 'web/src/lib/reports/**/*.test.ts', 'web/e2e/**/*.test.ts'],
    globalSetup: ['web/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    maxWorkers: TEST_WORKERS,
    sequence: { sequencer: LongestFirst },
  },
});
