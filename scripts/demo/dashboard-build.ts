/**
 * The demo serves the production build of the dashboard from the edge (wrangler.toml [assets], dist/web), so it
 * rebuilds it first when it is missing or older than any of its sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDashboard } from '../harness/dashboard';
import { REPO_ROOT } from '../harness/local-edge';
// @ts-expect-error plain .mjs script without types
import { stageWasm } from '../stage-wasm.mjs';

export const DASHBOARD_BUILD_DIR = join(REPO_ROOT, 'dist', 'web');

/** What the build reads: the dashboard, the workspaces it imports, the staged wasm, the models and the build config. */
const SOURCES = ['web/src', 'web/index.html', 'web/public', 'core/src', 'models', 'wasm/manifest.json', 'vite.config.ts', 'package-lock.json'];

/** The newest source file newer than the build, or null when the build is current; 'missing' when there is none. */
export function dashboardBuildStaleness(buildDir = DASHBOARD_BUILD_DIR): string | null {
  const index = join(buildDir, 'index.html');
  if (!existsSync(index)) return 'missing';
  const builtAt = statSync(index).mtimeMs;
  for (const source of SOURCES) {
    const newer = newestFile(join(REPO_ROOT, source), builtAt);
    if (newer) return newer.slice(REPO_ROOT.length + 1);
  }
  return null;
}

/** Builds dist/web when needed; returns what it did, for the terminal. */
export async function ensureDashboardBuilt(buildDir = DASHBOARD_BUILD_DIR): Promise<string> {
  (stageWasm as () => unknown)();
  const stale = dashboardBuildStaleness(buildDir);
  if (!stale) return `dashboard build in ${buildDir} is up to date`;
  const began = performance.now();
  await buildDashboard(buildDir);
  const why = stale === 'missing' ? 'there was none' : `${stale} changed`;
  return `built the dashboard into ${buildDir} in ${((performance.now() - began) / 1000).toFixed(1)} s (${why})`;
}

function newestFile(path: string, than: number): string | null {
  if (!existsSync(path)) return null;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs > than ? path : null;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const found = newestFile(join(path, entry.name), than);
    if (found) return found;
  }
  return null;
}
