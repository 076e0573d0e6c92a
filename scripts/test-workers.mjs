// Plain JavaScript: every workspace's vitest config imports it, and Node loads those imports untransformed.
import { availableParallelism } from 'node:os';

/**
 * Test files each suite runs at once: vitest's default on a 2-core machine is one, which leaves the second core idle
 * while a file waits (engine start, an edge, a child process). Two on 2 cores; one per core on larger machines, up to
 * four (each browser file runs its own Chromium and edge).
 */
export const TEST_WORKERS = Math.min(4, Math.max(2, availableParallelism()));

/**
 * The vitest settings of a workspace whose tests run in plain Node (core, models, scripts): every `*.test.ts` below
 * `root`, two files at a time on 2 cores, and files sharing their worker's modules, so that DuckDB-Wasm is compiled
 * once per worker rather than once per file (see core/src/connectors/node/duckdb-wasm-store.ts). Tests keep no state
 * in shared modules.
 */
export function nodeTestSettings(root) {
  return {
    root,
    test: {
      environment: 'node',
      include: ['**/*.test.ts'],
      exclude: ['**/node_modules/**'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      maxWorkers: TEST_WORKERS,
      isolate: false,
    },
  };
}
