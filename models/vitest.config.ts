import { fileURLToPath } from 'node:url';
import { TEST_WORKERS } from '@privacy-analytics/scripts/test-workers';
import { defineConfig } from 'vitest/config';

// The models workspace's tests: plain Node (DuckDB-Wasm and native DuckDB through core's Node connectors).
// npm run test:models   (or: npx vitest run --config models/vitest.config.ts <file>)
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
    // core/src/connectors/node/duckdb-wasm-store.ts). Tests keep no state in shared modules.
    isolate: false,
  },
});
