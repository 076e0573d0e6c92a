import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { buildDashboard } from '@privacy-analytics/scripts/harness';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the production build of the dashboard, made once for every e2e file (each serves it on its own port) */
    dashboardDir: string;
  }
}

/** Builds the dashboard once (stages the wasm first); files that need another variant build their own. */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = await buildDashboard();
  project.provide('dashboardDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
