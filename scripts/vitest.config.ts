import { fileURLToPath } from 'node:url';
import { TEST_WORKERS } from './test-workers.mjs';
import { defineConfig } from 'vitest/config';

// Tests of the Node-side scripts (CLIs, benchmarks' helpers, the architecture check): plain Node, no workerd.
// npm run test:scripts  (or: npx vitest run --config scripts/vitest.config.ts analyze)
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    environment: 'node',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: TEST_WORKERS,
    // Files share their worker's modules, so DuckDB-Wasm is compiled once per worker, not once per file (see
    // core/src/connectors/node/duckdb-wasm-store.ts): the suite takes half the time. Tests keep no state in shared modules.
    isolate: false,
  },
});
