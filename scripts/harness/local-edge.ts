/**
 * Local edge harness for Node-side end-to-end tests: runs the real worker under `wrangler dev` (workerd, local
 * R2 + Durable Objects persisted to a directory) on a free port and waits until it answers 200 on /healthz.
 *
 *   const edge = await startLocalEdge();            // fresh temp persistDir, default demo site secrets
 *   await fetch(`${edge.url}/v1/batch`, ...);
 *   await edge.kill();                               // SIGKILL: simulate a crash
 *   const again = await startLocalEdge({ persistDir: edge.persistDir }); // same state on disk
 *   await again.stop();                              // SIGTERM (then SIGKILL after 10 s) to the process group
 *
 * wrangler is spawned detached (its own process group) and the whole group is signalled, so no workerd is left
 * behind; anything still running when the Node process exits is SIGKILLed. persistDir is never deleted here.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LocalEdgeOptions {
  /** Directory for wrangler's --persist-to (default: a new temp dir). Reuse it to restart on the same state. */
  persistDir?: string;
  /** Extra/overriding worker vars, passed as `--var KEY:VALUE` (merged over DEFAULT_EDGE_VARS). */
  vars?: Record<string, string>;
  /** Port to listen on (default: a free port). */
  port?: number;
  /** Serve `/__scheduled?cron=…`, which runs the cron triggers at once (wrangler's --test-scheduled); see runLifecycleCron. */
  testScheduled?: boolean;
  /** Entry point instead of wrangler.toml's `main`, same bindings (e.g. the CPU benchmark's worker-edge/bench/cpu-bench-worker.ts). */
  script?: string;
  /** Every line wrangler and workerd print (benchmarks keep them, e.g. to notice a reload mid-run). */
  onOutput?: (line: string) => void;
  /**
   * The built dashboard to serve as static assets (`--assets`, e.g. from buildDashboard()). Default: an empty
   * directory, not wrangler.toml's dist/web: wrangler dev reloads when its assets change, and a rebuild of dist/web
   * (npm run demo, build:web) must not restart a test's edge mid-request.
   */
  assetsDir?: string;
}

export interface LocalEdge {
  /** e.g. http://127.0.0.1:43121 (no trailing slash) */
  url: string;
  persistDir: string;
  /** wrangler's pid, which is also the process group of its workerd (see liveGroupMembers). */
  pid: number;
  /** Graceful stop: SIGTERM to the process group, SIGKILL after 10 s; resolves when wrangler has exited. */
  stop(): Promise<void>;
  /** SIGKILL to the process group (simulates a crash); resolves when wrangler has exited. */
  kill(): Promise<void>;
}

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const DEMO = {
  site: 'demo',
  writeKey: 'demo-write-key',
  readToken: 'demo-read-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G',
  adminToken: 'demo-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G',
} as const;

export const DEFAULT_EDGE_VARS: Readonly<Record<string, string>> = {
  SITE_SECRETS: JSON.stringify({
    demo: {
      writeKeys: [DEMO.writeKey],
      readTokens: [DEMO.readToken],
      adminTokens: [DEMO.adminToken],
      hashKey: 'e2e-hash-key-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G',
    },
  }),
};

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_LINES = 40;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) signalGroup(child, 'SIGKILL');
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already gone
  }
}

/**
 * Linux: pids of the live (non-zombie) processes in process group `pgid`, read from /proc. Elsewhere: [] (the
 * callers then rely on the port being free).
 */
export function liveGroupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') return [];
  const pids: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') pids.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** A port that was free a moment ago (listen on port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port'))));
    });
  });
}

/** True if something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let emptyAssetsDir: string | null = null;
function noAssets(): string {
  emptyAssetsDir ??= mkdtempSync(join(tmpdir(), 'pa-e2e-no-assets-'));
  return emptyAssetsDir;
}

/** The worker imports the built tracker; build it once per process (wrangler.toml has no [build] step). */
let trackerBuilt = false;
function buildTrackerOnce(): void {
  if (trackerBuilt) return;
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build-tracker.mjs')], { cwd: REPO_ROOT, stdio: 'ignore' });
  trackerBuilt = true;
}

export async function startLocalEdge(opts: LocalEdgeOptions = {}): Promise<LocalEdge> {
  buildTrackerOnce();
  const port = opts.port ?? (await freePort());
  const inspectorPort = await freePort();
  const persistDir = opts.persistDir ?? mkdtempSync(join(tmpdir(), 'pa-e2e-edge-'));
  const vars = { ...DEFAULT_EDGE_VARS, ...opts.vars };
  const url = `http://127.0.0.1:${port}`;

  const args = [
    'dev',
    ...(opts.script ? [opts.script] : []),
    '--config', 'wrangler.toml',
    '--ip', '127.0.0.1',
    '--port', String(port),
    // explicit so that several edges (or a restart while the old inspector is closing) never collide on 9229
    '--inspector-port', String(inspectorPort),
    '--persist-to', persistDir,
    '--assets', opts.assetsDir ?? noAssets(),
    ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
    '--show-interactive-dev-session=false',
    ...(opts.testScheduled ? ['--test-scheduled'] : []),
  ];
  const child = spawn(join(REPO_ROOT, 'node_modules/.bin/wrangler'), args, {
    cwd: REPO_ROOT,
    detached: true, // own process group: stop()/kill() signal wrangler *and* workerd
    stdio: ['ignore', 'pipe', 'pipe'],
    // CLOUDFLARE_CF_FETCH_ENABLED=false: Miniflare would fetch the `Request.cf` placeholder from workers.cloudflare.com
    // (a third-party request, and a stack trace on every start offline); it uses its built-in placeholder instead.
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  running.add(child);
  installExitHook();

  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      opts.onOutput?.(line);
      lines.push(line);
      if (lines.length > OUTPUT_LINES) lines.shift();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let exited = false;
  let exitInfo = '';
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      exitInfo = `code ${code}, signal ${signal}`;
      running.delete(child);
      resolve();
    });
  });
  child.once('error', (err) => {
    lines.push(`spawn error: ${err.message}`);
  });

  const waitExit = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (exited) return;
    signalGroup(child, signal);
    const timedOut = await Promise.race([exitPromise.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      signalGroup(child, 'SIGKILL');
      await exitPromise;
    }
    // wrangler has exited; make sure stragglers in the group (workerd) are gone too, and that the port is free
    // (a SIGKILLed workerd can take a few milliseconds to die and release the listening socket)
    const deadline = Date.now() + 5_000;
    do {
      signalGroup(child, 'SIGKILL');
      if (liveGroupMembers(child.pid!).length === 0 && !(await portInUse(port))) break;
      await sleep(50);
    } while (Date.now() < deadline);
  };
  const stop = () => waitExit('SIGTERM', STOP_GRACE_MS);
  const kill = () => waitExit('SIGKILL', STOP_GRACE_MS);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer yet';
  while (true) {
    if (exited) {
      throw new Error(`wrangler dev exited before /healthz answered (${exitInfo}). Last output:\n${lines.join('\n')}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 200) break;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      await kill();
      throw new Error(
        `wrangler dev did not answer 200 on ${url}/healthz within ${READY_TIMEOUT_MS / 1000} s (last: ${last}). ` +
          `Last output:\n${lines.join('\n')}`,
      );
    }
    await sleep(250);
  }

  return { url, persistDir, pid: child.pid!, stop, kill };
}
