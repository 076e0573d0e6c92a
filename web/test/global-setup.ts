import type { TestProject } from 'vitest/node';
import { buildEngineHarness } from '@privacy-analytics/scripts/harness';

declare module 'vitest' {
  export interface ProvidedContext {
    harnessDir: string;
  }
}

/** Builds the engine harness page once for all browser test files (stages the wasm first). */
export default async function setup(project: TestProject): Promise<void> {
  project.provide('harnessDir', await buildEngineHarness());
}
