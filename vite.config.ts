import { closeSync, createReadStream, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin, type UserConfig } from 'vite';

const REPO_ROOT = dirname(fileURLToPath(import.meta.url));
const WASM_DIR = join(REPO_ROOT, 'wasm');
const MODELS_DIR = join(REPO_ROOT, 'models');

/** COOP + COEP make the page cross-origin isolated, which unlocks SharedArrayBuffer and DuckDB's threaded build. */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The dashboard's Content-Security-Policy: scripts, workers, wasm, styles and images from our own origin only;
 * network requests to our origin and the listed edge origins only. 'wasm-unsafe-eval' lets WebAssembly compile
 * (it does not allow JavaScript eval); inline style attributes are allowed because Svelte and ECharts set them.
 */
export function contentSecurityPolicy(connectOrigins: readonly string[] = []): string {
  const connect = ["'self'", ...connectOrigins.map((url) => new URL(url).origin)];
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    `connect-src ${[...new Set(connect)].join(' ')}`,
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Edge origins the built dashboard may contact: DASHBOARD_EDGE_ORIGINS (comma-separated) and VITE_DEFAULT_EDGE_URL. */
export function edgeOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.DASHBOARD_EDGE_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const fallback = env.VITE_DEFAULT_EDGE_URL ? [env.VITE_DEFAULT_EDGE_URL] : [];
  return [...listed, ...fallback];
}

/** Vite names what it emits under assets/ by content hash: a changed file is a new URL, so browsers may keep them. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

/**
 * The headers of the built dashboard by path, as a `_headers` file states them (Cloudflare Workers Static Assets,
 * Pages, Netlify): the isolation headers and the CSP on every path; index.html is revalidated on every visit (it names
 * the current hashed bundles); the hashed bundles are kept a year. Other files (wasm/, models/) keep the host's
 * default, which for Workers Static Assets is `public, max-age=0, must-revalidate` (revalidated by ETag); the
 * dashboard asks for the wasm by content hash anyway (?v=, web/src/lib/engine/wasm-assets.ts).
 */
export function deployedHeaderRules(connectOrigins: readonly string[] = edgeOriginsFromEnv()): Array<[path: string, headers: Record<string, string>]> {
  return [
    ['/*', { ...CROSS_ORIGIN_ISOLATION_HEADERS, 'Content-Security-Policy': contentSecurityPolicy(connectOrigins), 'Referrer-Policy': 'no-referrer', 'X-Content-Type-Options': 'nosniff' }],
    ['/', { 'Cache-Control': 'no-cache' }],
    ['/index.html', { 'Cache-Control': 'no-cache' }],
    ['/assets/*', { 'Cache-Control': IMMUTABLE_CACHE }],
  ];
}

/** A `_headers` file; no header is set by two rules that match one path (a second rule would append to the first). */
function headersFile(rules: Array<[string, Record<string, string>]>): string {
  return rules.map(([path, headers]) => `${path}\n${Object.entries(headers).map(([name, value]) => `  ${name}: ${value}`).join('\n')}\n`).join('');
}

/** Workers Static Assets refuses files over 25 MiB (wrangler checks it in dev and on deploy). */
export const ASSET_FILE_LIMIT_BYTES = 25 * 1024 * 1024;
const ASSET_PART_BYTES = 24 * 1024 * 1024;

/** wasm/parts.json in the build: files over the asset limit, stored as parts that the edge joins when asked for them. */
export interface SplitWasmIndex {
  files: Record<string, { bytes: number; sha256: string; parts: string[] }>;
}

/**
 * Writes each staged file larger than the Workers asset limit (the DuckDB wasm builds, 34-39 MB) beside itself as
 * parts of 24 MiB, lists them in wasm/parts.json, and names the whole files in `.assetsignore`: wrangler then uploads
 * the parts and the edge joins them for /wasm/<file> (worker-edge/src/dashboard/split-asset.ts). The whole files stay,
 * so any other static host (vite preview, nginx) serves the same directory as it is.
 */
function splitLargeFiles(outDir: string, files: readonly { file: string; sha256: string }[]): void {
  const index: SplitWasmIndex = { files: {} };
  for (const { file, sha256 } of files) {
    const path = join(outDir, 'wasm', file);
    const bytes = statSync(path).size;
    if (bytes <= ASSET_FILE_LIMIT_BYTES) continue;
    const parts: string[] = [];
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(ASSET_PART_BYTES);
      for (let offset = 0; offset < bytes; offset += ASSET_PART_BYTES) {
        const length = readSync(fd, buffer, 0, Math.min(ASSET_PART_BYTES, bytes - offset), offset);
        const part = `${file}.part${parts.length}`;
        writeFileSync(join(outDir, 'wasm', part), buffer.subarray(0, length));
        parts.push(part);
      }
    } finally {
      closeSync(fd);
    }
    index.files[file] = { bytes, sha256, parts };
  }
  writeFileSync(join(outDir, 'wasm', 'parts.json'), `${JSON.stringify(index, null, 2)}\n`);
  const ignored = Object.keys(index.files).map((file) => `/wasm/${file}`);
  writeFileSync(join(outDir, '.assetsignore'), `# Over the Workers asset limit: uploaded as parts (wasm/parts.json)\n${ignored.join('\n')}\n`);
}

const CONTENT_TYPES: Record<string, string> = {
  '.wasm': 'application/wasm',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.onnx': 'application/octet-stream',
};

/**
 * Files under models/ the browser may load: the ONNX graphs and their JSON side files, nothing else (not the models
 * workspace's package.json, tsconfig.json or node_modules/).
 */
function isModelFile(path: string): boolean {
  const inModels = relative(MODELS_DIR, path).split(sep);
  if (inModels.some((segment) => segment === 'node_modules' || segment.startsWith('.'))) return false;
  return /\.(onnx|json)$/.test(path) && !/^(package|tsconfig)\.json$/.test(inModels.join('/'));
}

/** Packages whose glue code points at a .wasm beside itself with `new URL('x.wasm', import.meta.url)`. */
const WASM_GLUE = /node_modules\/(parquet-wasm|onnxruntime-web)\//;
const WASM_BESIDE_GLUE = /new URL\((["'])([\w.-]+\.wasm)\1,\s*import\.meta\.url\)/g;

/**
 * Points the glue code's default wasm locations at /wasm/: otherwise Vite would emit second copies of those
 * files into assets/ (we always pass explicit /wasm/ URLs, so the copies would never be used). Needed in the
 * worker bundles, where these packages are imported.
 */
function wasmGlueToStagedCopies(): Plugin {
  return {
    name: 'pa:wasm-glue-to-staged-copies',
    enforce: 'pre',
    transform(code, id) {
      if (!WASM_GLUE.test(id)) return null;
      const rewritten = code.replace(WASM_BESIDE_GLUE, (_m, _q, file: string) => `new URL(${JSON.stringify(`/wasm/${file}`)}, self.location.href)`);
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

/**
 * Serves the staged wasm (wasm/, see scripts/stage-wasm.mjs) at /wasm/ and the ONNX models (models/) at
 * /models/ in dev, and copies both into the build output, so every wasm and model byte comes from our origin.
 */
function selfHostedAssets(headers: Record<string, string>, deployedHeaders: Array<[string, Record<string, string>]>): Plugin {
  let outDir = '';
  return {
    name: 'pa:self-hosted-assets',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        if (!serveStatic(req, res, '/wasm/', WASM_DIR, (file) => extname(file) in CONTENT_TYPES) && !serveStatic(req, res, '/models/', MODELS_DIR, isModelFile)) next();
      });
    },
    buildStart() {
      if (!existsSync(join(WASM_DIR, 'manifest.json'))) {
        this.error('wasm/ is not staged: run `node scripts/stage-wasm.mjs` (npm run build:web does it for you)');
      }
    },
    writeBundle() {
      const manifest = JSON.parse(readFileSync(join(WASM_DIR, 'manifest.json'), 'utf8')) as { files: { file: string; sha256: string }[] };
      mkdirSync(join(outDir, 'wasm'), { recursive: true });
      for (const { file } of manifest.files) {
        const source = join(WASM_DIR, file);
        if (!existsSync(source)) this.error(`wasm/${file} is listed in wasm/manifest.json but missing: run node scripts/stage-wasm.mjs`);
        cpSync(source, join(outDir, 'wasm', file));
      }
      cpSync(join(WASM_DIR, 'manifest.json'), join(outDir, 'wasm', 'manifest.json'));
      splitLargeFiles(outDir, manifest.files);
      writeFileSync(join(outDir, '_headers'), headersFile(deployedHeaders));
      for (const file of listFiles(MODELS_DIR).filter(isModelFile)) {
        const target = join(outDir, 'models', relative(MODELS_DIR, file));
        mkdirSync(dirname(target), { recursive: true });
        cpSync(file, target);
      }
    },
  };
}

function serveStatic(req: IncomingMessage, res: ServerResponse, prefix: string, dir: string, allowed: (name: string) => boolean): boolean {
  const pathname = decodeURIComponent((req.url ?? '').split('?')[0] ?? '');
  if (!pathname.startsWith(prefix) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const file = normalize(join(dir, pathname.slice(prefix.length)));
  if (!file.startsWith(dir + sep) || !allowed(file) || !existsSync(file) || !statSync(file).isFile()) return false;
  res.setHeader('content-type', CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('content-length', String(statSync(file).size));
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
  return true;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

export interface DashboardConfigOptions {
  /** Send COOP/COEP (default true). Tests turn it off to exercise the single-threaded fallback. */
  crossOriginIsolation?: boolean;
  /**
   * Serve the preview with the Content-Security-Policy, allowing these edge origins (tests check the app under it).
   * The build always writes it into `_headers` with the origins from edgeOriginsFromEnv().
   */
  cspConnectOrigins?: readonly string[];
}

/** The dashboard's Vite config; exported as a function so tests can build and serve variants of it. */
export function dashboardConfig({ crossOriginIsolation = true, cspConnectOrigins }: DashboardConfigOptions = {}): UserConfig {
  const headers: Record<string, string> = crossOriginIsolation ? { ...CROSS_ORIGIN_ISOLATION_HEADERS } : {};
  const deployedHeaders = deployedHeaderRules();
  const previewHeaders = cspConnectOrigins ? { ...headers, 'Content-Security-Policy': contentSecurityPolicy(cspConnectOrigins) } : headers;
  return {
    root: join(REPO_ROOT, 'web'),
    publicDir: join(REPO_ROOT, 'web', 'public'),
    plugins: [svelte(), selfHostedAssets(headers, deployedHeaders), wasmGlueToStagedCopies()],
    build: {
      outDir: join(REPO_ROOT, 'dist', 'web'),
      emptyOutDir: true,
      target: 'es2022',
    },
    worker: { format: 'es', plugins: () => [wasmGlueToStagedCopies()] },
    // These packages locate their .wasm relative to import.meta.url; pre-bundling would break that. We pass
    // explicit /wasm/ URLs anyway, but keep them out of the optimizer so dev matches the build.
    optimizeDeps: { exclude: ['@duckdb/duckdb-wasm', 'parquet-wasm', 'onnxruntime-web'] },
    server: { port: 5173, headers },
    preview: { port: 4173, headers: previewHeaders },
  };
}

export default defineConfig(dashboardConfig());
