import { fileURLToPath } from 'node:url';
import { nodeTestSettings } from '@privacy-analytics/scripts/test-workers';
import { defineConfig } from 'vitest/config';

// The models workspace's tests, in plain Node: npm run test:models   (or: npx vitest run --config models/vitest.config.ts <file>)
export default defineConfig(nodeTestSettings(fileURLToPath(new URL('.', import.meta.url))));
