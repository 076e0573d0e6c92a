import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dashboardBuildStaleness } from './dashboard-build';

const dir = mkdtempSync(join(tmpdir(), 'pa-demo-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dashboardBuildStaleness (npm run demo rebuilds the dashboard only when needed)', () => {
  it('is "missing" without a build', () => {
    expect(dashboardBuildStaleness(dir)).toBe('missing');
  });

  it('names a source newer than the build', () => {
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    utimesSync(join(dir, 'index.html'), new Date('2000-01-01'), new Date('2000-01-01'));
    expect(dashboardBuildStaleness(dir)).toMatch(/^(web|core|models|wasm|vite\.config\.ts|package-lock\.json)/);
  });

  it('is null when the build is newer than every source', () => {
    const future = new Date(Date.now() + 365 * 86_400_000);
    utimesSync(join(dir, 'index.html'), future, future);
    expect(dashboardBuildStaleness(dir)).toBeNull();
  });
});
