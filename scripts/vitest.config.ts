import { fileURLToPath } from 'node:url';
import { nodeTestSettings } from './test-workers.mjs';
import { defineConfig } from 'vitest/config';

// Tests of the Node-side scripts (CLIs, harness helpers, the architecture check), in plain Node:
// npm run test:scripts   (or: npx vitest run --config scripts/vitest.config.ts analyze)
export default defineConfig(nodeTestSettings(fileURLToPath(new URL('.', import.meta.url))));
