/**
 * The deploy, dry: `wrangler deploy --dry-run` over the real wrangler.toml and a fresh dashboard build, offline
 * (WRANGLER_SEND_METRICS=false), as `npm run deploy` checks it before deploying.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../harness/dashboard';
import { checkConfig, checkDeployBundle, describeDeployCheck, readDeployConfig, REQUIRED_BINDINGS, WORKER_GZIP_LIMIT_BYTES, type DeployCheck } from './check-bundle';

let dashboardDir: string;
let emptyDir: string;
let check: DeployCheck;

beforeAll(async () => {
  dashboardDir = await buildDashboard();
  emptyDir = mkdtempSync(join(tmpdir(), 'pa-deploy-empty-'));
  check = await checkDeployBundle({ assetsDir: dashboardDir });
  console.log(describeDeployCheck(check));
}, 240_000);

afterAll(() => {
  for (const dir of [dashboardDir, emptyDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('wrangler deploy --dry-run', () => {
  it('bundles the edge and the dashboard with no problem', () => {
    expect(check.problems).toEqual([]);
    expect(check.wranglerOutput).toContain('--dry-run: exiting now.');
  });

  it('keeps the Worker under the Free plan size limit', () => {
    expect(check.modules.map((m) => m.name)).toContain('index.js');
    expect(check.bundleGzipBytes).toBeGreaterThan(0);
    expect(check.bundleGzipBytes).toBeLessThan(WORKER_GZIP_LIMIT_BYTES);
  });

  it('uploads the dashboard: index.html, content-hashed bundles, the DuckDB wasm in parts', () => {
    expect(check.assets.files).toBeGreaterThan(10);
    expect(check.assets.hashed.some((file) => /^assets\/index-.+\.js$/.test(file))).toBe(true);
    expect(check.assets.splitFiles.sort()).toEqual(['duckdb-coi.wasm', 'duckdb-eh.wasm', 'duckdb-mvp.wasm']);
    expect(check.wranglerOutput).toMatch(/Read \d+ files from the assets directory/);
  });

  it('binds R2, every Durable Object and the assets', () => {
    expect(check.bindings.r2).toEqual([...REQUIRED_BINDINGS.r2]);
    expect(check.bindings.durableObjects.sort()).toEqual([...REQUIRED_BINDINGS.durableObjects].sort());
    expect(check.bindings.assets).toBe('ASSETS');
    for (const name of [...REQUIRED_BINDINGS.r2, ...REQUIRED_BINDINGS.durableObjects, 'ASSETS']) expect(check.wranglerOutput).toContain(`env.${name}`);
  });

  it('lists the migrations in order, creating exactly the bound classes', () => {
    expect(check.migrations).toEqual(check.migrations.map((_, i) => `v${i + 1}`));
    expect(check.durableObjectClasses.sort()).toEqual(readDeployConfig().durable_objects.bindings.map((b) => b.class_name).sort());
  });

  it('refuses an assets directory with no dashboard in it', async () => {
    const empty = await checkDeployBundle({ assetsDir: emptyDir });
    expect(empty.problems.join('\n')).toContain('no index.html in the assets directory');
  });

  it('refuses a configuration with the demo setting, a migration out of step or the API not routed to the Worker first', () => {
    const config = readDeployConfig();
    const problems: string[] = [];
    checkConfig(
      {
        ...config,
        vars: { ...config.vars, DEMO_SITE: 'demo' },
        assets: { ...config.assets, run_worker_first: ['/t.js', '/healthz'] },
        migrations: [...config.migrations, { tag: 'v99', renamed_classes: [{ from: 'SiteCatalog', to: 'SiteStateAgain' }] }],
      },
      new Set(['IngestBuffer']),
      problems,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        "DEMO_SITE is set in wrangler.toml's [vars]: it belongs to the local demo only",
        'assets.run_worker_first lacks /v1/*: an asset could shadow the edge there',
        'migration v99 renames SiteCatalog, which does not exist',
        'the bundle does not export SiteState (binding SITE_CATALOG)',
      ]),
    );
  });
});
