/**
 * What `wrangler deploy` would upload, checked without an account: `wrangler deploy --dry-run --outdir` bundles the
 * Worker (and reads the assets directory as a deploy does, refusing files over 25 MiB), then the bundle, the assets,
 * the bindings and the Durable Object migrations are checked against Workers' limits and against each other.
 * Used by `npm run deploy` before it deploys and by scripts/deploy/check-bundle.test.ts (offline:
 * WRANGLER_SEND_METRICS=false).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { unstable_readConfig } from 'wrangler';
import { ASSET_FILE_LIMIT_BYTES, type SplitWasmIndex } from '../../vite.config';
import { REPO_ROOT } from '../harness/local-edge';

/** Workers' script size limits: 3 MB compressed on the Free plan (10 MB on Paid), 64 MB uncompressed. */
export const WORKER_GZIP_LIMIT_BYTES = 3_000_000;
export const WORKER_RAW_LIMIT_BYTES = 64 * 1024 * 1024;
/** Workers Static Assets: at most 20,000 files per version. */
export const ASSET_COUNT_LIMIT = 20_000;
/** The bindings the edge's code uses; a deploy without one of them would fail at its first request. */
export const REQUIRED_BINDINGS = { r2: ['EVENTS', 'BACKUPS'], durableObjects: ['INGEST_BUFFER', 'SITE_CATALOG', 'SITE_LIFECYCLE', 'SITE_ALERTS', 'SITE_AUDIENCES', 'SITE_BACKUP', 'SITE_HEALTH'], assets: 'ASSETS' } as const;
/** Paths that must reach the Worker before any asset: the API, the tracker and the health check. */
export const WORKER_FIRST_PATHS = ['/v1/*', '/t.js', '/healthz'] as const;
/** Settings that only the local demo may set (GET /v1/dashboard-config offers a token when DEMO_SITE is set). */
const DEMO_ONLY_VARS = ['DEMO_SITE'];
/** Vite's content-hashed file names under assets/, e.g. index-K3M9zNKN.js. */
const HASHED_ASSET = /^assets\/.+-[\w-]{8}\.(js|css)$/;

interface Migration {
  tag: string;
  new_classes?: string[];
  new_sqlite_classes?: string[];
  renamed_classes?: { from: string; to: string }[];
  deleted_classes?: string[];
}

/** The parts of wrangler's resolved configuration read here (its own types come from a package wrangler bundles). */
export interface EdgeDeployConfig {
  r2_buckets: { binding: string }[];
  durable_objects: { bindings: { name: string; class_name: string }[] };
  assets?: { directory?: string; binding?: string; run_worker_first?: boolean | string[] };
  migrations: Migration[];
  vars: Record<string, unknown>;
}

export interface BundleModule {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface DeployCheck {
  /** Everything that would make the deploy fail or serve a broken dashboard; empty when it may be deployed. */
  problems: string[];
  modules: BundleModule[];
  bundleBytes: number;
  bundleGzipBytes: number;
  assets: { files: number; bytes: number; hashed: string[]; splitFiles: string[] };
  bindings: { r2: string[]; durableObjects: string[]; assets: string | null };
  migrations: string[];
  /** Durable Object classes that exist after every migration has run, in the order they were created. */
  durableObjectClasses: string[];
  wranglerOutput: string;
}

export interface DeployCheckOptions {
  /** The built dashboard (default: wrangler.toml's assets directory). */
  assetsDir?: string;
  configPath?: string;
  /** Where wrangler writes the bundle (default: a new temp directory). */
  outDir?: string;
}

export async function checkDeployBundle(options: DeployCheckOptions = {}): Promise<DeployCheck> {
  const configPath = resolve(REPO_ROOT, options.configPath ?? 'wrangler.toml');
  const config = readDeployConfig(configPath);
  const assetsDir = resolve(REPO_ROOT, options.assetsDir ?? config.assets?.directory ?? 'dist/web');
  const outDir = options.outDir ?? mkdtempSync(join(tmpdir(), 'pa-deploy-dry-run-'));
  const problems: string[] = [];

  const wranglerOutput = await dryRun(configPath, assetsDir, outDir).catch((error: unknown) => {
    problems.push(`wrangler deploy --dry-run failed: ${error instanceof Error ? error.message : String(error)}`);
    return '';
  });

  const modules = existsSync(outDir)
    ? readdirSync(outDir)
        .filter((name) => !name.endsWith('.map') && name !== 'README.md')
        .map((name) => {
          const bytes = readFileSync(join(outDir, name));
          return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
        })
    : [];
  const bundleBytes = modules.reduce((sum, m) => sum + m.bytes, 0);
  const bundleGzipBytes = modules.reduce((sum, m) => sum + m.gzipBytes, 0);
  if (wranglerOutput && !modules.some((m) => m.name === 'index.js')) problems.push(`no index.js in the bundle at ${outDir}`);
  if (bundleGzipBytes > WORKER_GZIP_LIMIT_BYTES) problems.push(`the Worker is ${bundleGzipBytes} bytes gzipped, over the ${WORKER_GZIP_LIMIT_BYTES} bytes of the Free plan`);
  if (bundleBytes > WORKER_RAW_LIMIT_BYTES) problems.push(`the Worker is ${bundleBytes} bytes uncompressed, over ${WORKER_RAW_LIMIT_BYTES}`);

  const assets = checkAssets(assetsDir, problems);

  const exported = modules.some((m) => m.name === 'index.js') ? exportedNames(readFileSync(join(outDir, 'index.js'), 'utf8')) : null;
  const { bindings, migrations, durableObjectClasses } = checkConfig(config, exported, problems);

  return { problems, modules, bundleBytes, bundleGzipBytes, assets, bindings, migrations, durableObjectClasses, wranglerOutput };
}

export function readDeployConfig(configPath = join(REPO_ROOT, 'wrangler.toml')): EdgeDeployConfig {
  return unstable_readConfig({ config: configPath }) as unknown as EdgeDeployConfig;
}

/**
 * The configuration's bindings, assets routing and migrations, checked against each other and against the classes
 * the bundle exports (`exported`; null: not checked).
 */
export function checkConfig(config: EdgeDeployConfig, exported: ReadonlySet<string> | null, problems: string[]): Pick<DeployCheck, 'bindings' | 'migrations' | 'durableObjectClasses'> {
  const bindings = {
    r2: config.r2_buckets.map((b) => b.binding),
    durableObjects: config.durable_objects.bindings.map((b) => b.name),
    assets: config.assets?.binding ?? null,
  };
  for (const name of REQUIRED_BINDINGS.r2) if (!bindings.r2.includes(name)) problems.push(`R2 binding ${name} is missing`);
  for (const name of REQUIRED_BINDINGS.durableObjects) if (!bindings.durableObjects.includes(name)) problems.push(`Durable Object binding ${name} is missing`);
  if (bindings.assets !== REQUIRED_BINDINGS.assets) problems.push(`the assets binding is ${bindings.assets ?? 'missing'}, expected ${REQUIRED_BINDINGS.assets}`);
  const workerFirst = Array.isArray(config.assets?.run_worker_first) ? config.assets.run_worker_first : [];
  for (const path of WORKER_FIRST_PATHS) if (!workerFirst.includes(path)) problems.push(`assets.run_worker_first lacks ${path}: an asset could shadow the edge there`);
  for (const name of DEMO_ONLY_VARS) if (name in config.vars) problems.push(`${name} is set in wrangler.toml's [vars]: it belongs to the local demo only`);

  const migrations = config.migrations.map((m) => m.tag);
  const durableObjectClasses = replayMigrations(config.migrations, problems);
  for (const binding of config.durable_objects.bindings) {
    if (!durableObjectClasses.includes(binding.class_name)) problems.push(`Durable Object class ${binding.class_name} (binding ${binding.name}) is created by no migration`);
    if (exported && !exported.has(binding.class_name)) problems.push(`the bundle does not export ${binding.class_name} (binding ${binding.name})`);
  }
  for (const name of durableObjectClasses) {
    if (!config.durable_objects.bindings.some((b) => b.class_name === name)) problems.push(`Durable Object class ${name} exists after the migrations but no binding uses it`);
  }
  return { bindings, migrations, durableObjectClasses };
}

async function dryRun(configPath: string, assetsDir: string, outDir: string): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(
    join(REPO_ROOT, 'node_modules/.bin/wrangler'),
    ['deploy', '--dry-run', '--config', configPath, '--assets', assetsDir, '--outdir', outDir],
    { cwd: REPO_ROOT, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' }, maxBuffer: 16 * 1024 * 1024 },
  );
  return `${stdout}${stderr}`;
}

function checkAssets(dir: string, problems: string[]): DeployCheck['assets'] {
  const empty = { files: 0, bytes: 0, hashed: [], splitFiles: [] };
  if (!existsSync(join(dir, 'index.html'))) {
    problems.push(`no index.html in the assets directory ${dir}: build the dashboard first (npm run build:web)`);
    return empty;
  }
  const ignored = new Set(readLines(join(dir, '.assetsignore')).map((line) => line.replace(/^\//, '')));
  const files = listFiles(dir).map((file) => relative(dir, file).split('\\').join('/')).filter((file) => !ignored.has(file) && !['_headers', '_redirects', '.assetsignore'].includes(file));
  const bytes = files.reduce((sum, file) => sum + statSync(join(dir, file)).size, 0);
  const hashed = files.filter((file) => HASHED_ASSET.test(file));
  if (hashed.length === 0) problems.push(`no content-hashed files under ${dir}/assets/`);
  if (files.length > ASSET_COUNT_LIMIT) problems.push(`${files.length} asset files, over the ${ASSET_COUNT_LIMIT} Workers allows`);
  for (const file of files) {
    const size = statSync(join(dir, file)).size;
    if (size > ASSET_FILE_LIMIT_BYTES) problems.push(`asset ${file} is ${size} bytes, over the ${ASSET_FILE_LIMIT_BYTES} a Workers asset may have`);
  }
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  for (const [, path] of index.matchAll(/(?:src|href)="\/([^"?#]+)"/g)) {
    if (path && !files.includes(path)) problems.push(`index.html refers to /${path}, which is not among the assets`);
  }
  if (!existsSync(join(dir, '_headers'))) problems.push(`no _headers in ${dir}: the dashboard would be served without COOP/COEP and its CSP`);

  const splitFiles: string[] = [];
  const partsPath = join(dir, 'wasm', 'parts.json');
  const split = existsSync(partsPath) ? (JSON.parse(readFileSync(partsPath, 'utf8')) as SplitWasmIndex) : { files: {} };
  for (const [name, entry] of Object.entries(split.files)) {
    splitFiles.push(name);
    const partBytes = entry.parts.reduce((sum, part) => sum + (files.includes(`wasm/${part}`) ? statSync(join(dir, 'wasm', part)).size : Number.NaN), 0);
    if (partBytes !== entry.bytes) problems.push(`wasm/${name}: its parts (${entry.parts.join(', ')}) hold ${partBytes} bytes, expected ${entry.bytes}`);
  }
  return { files: files.length, bytes, hashed, splitFiles };
}

/** Runs the migrations in order (tags must be unique); the classes that exist afterwards, in creation order. */
function replayMigrations(migrations: readonly Migration[], problems: string[]): string[] {
  const classes: string[] = [];
  const tags = new Set<string>();
  for (const migration of migrations) {
    if (tags.has(migration.tag)) problems.push(`migration tag ${migration.tag} appears twice`);
    tags.add(migration.tag);
    for (const name of [...(migration.new_classes ?? []), ...(migration.new_sqlite_classes ?? [])]) {
      if (classes.includes(name)) problems.push(`migration ${migration.tag} creates ${name}, which already exists`);
      else classes.push(name);
    }
    for (const { from, to } of migration.renamed_classes ?? []) {
      const at = classes.indexOf(from);
      if (at < 0) problems.push(`migration ${migration.tag} renames ${from}, which does not exist`);
      else classes[at] = to;
    }
    for (const name of migration.deleted_classes ?? []) {
      const at = classes.indexOf(name);
      if (at < 0) problems.push(`migration ${migration.tag} deletes ${name}, which does not exist`);
      else classes.splice(at, 1);
    }
  }
  return classes;
}

/** Names in the bundle's final `export { a, b as c }` statements. */
function exportedNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const [, list] of code.matchAll(/export\s*\{([^}]*)\}/g)) {
    for (const item of (list ?? '').split(',')) {
      const name = item.trim().split(/\s+as\s+/).pop()?.trim();
      if (name) names.add(name);
    }
  }
  return names;
}

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#')) : [];
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** A few lines for the terminal. */
export function describeDeployCheck(check: DeployCheck): string {
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  return [
    `Worker bundle: ${kib(check.bundleBytes)}, ${kib(check.bundleGzipBytes)} gzipped (limit ${kib(WORKER_GZIP_LIMIT_BYTES)} on the Free plan): ${check.modules.map((m) => `${m.name} ${kib(m.gzipBytes)}`).join(', ')}`,
    `Dashboard assets: ${check.assets.files} files, ${(check.assets.bytes / 1e6).toFixed(1)} MB (${check.assets.hashed.length} content-hashed; stored in parts: ${check.assets.splitFiles.join(', ') || 'none'})`,
    `Bindings: R2 ${check.bindings.r2.join(', ')}; Durable Objects ${check.bindings.durableObjects.join(', ')}; assets ${check.bindings.assets ?? '-'}`,
    `Migrations: ${check.migrations.join(' → ')} (classes ${check.durableObjectClasses.join(', ')})`,
    ...(check.problems.length ? ['Problems:', ...check.problems.map((p) => `  - ${p}`)] : ['No problems found.']),
  ].join('\n');
}
