/**
 * npm run demo: builds the dashboard when its build is missing or stale, starts the edge collector locally (wrangler
 * dev: workerd with local R2 and Durable Objects in .wrangler/state) serving that dashboard on its own origin as a
 * deploy does, sends demo e-commerce events through the real collector, flushes them to Parquet and prints where
 * everything is. Leaves the collector running until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { withRetries } from '@privacy-analytics/core/edge-api';
import { sendEvents } from './collector/send-events';
import { ensureDashboardBuilt } from './demo/dashboard-build';
import { watchEdge, type EdgeWatch } from './demo/edge-watch';
import { importDemoSamples } from './demo/sample-imports';
import { DEMO_ADMIN_TOKEN, DEMO_READ_TOKEN, DEMO_SITE, DEMO_WRITE_KEY, ensureDevVars } from './dev-vars';

const PORT = Number(process.env.DEMO_PORT ?? 8787);
const EDGE = `http://127.0.0.1:${PORT}`;
const EVENTS = Number(process.env.DEMO_EVENTS ?? 50_000);
const DAYS = 30;

async function main(): Promise<void> {
  ensureDevVars();
  console.log(`[demo] ${await ensureDashboardBuilt()}`);
  if (await isUp()) {
    console.log(`[demo] a collector already answers on ${EDGE}; using it (it serves the dashboard only if it was started by npm run demo)`);
  } else {
    startCollector();
    await waitUntilUp(90_000);
  }
  console.log(`[demo] collector up on ${EDGE}`);

  const start = new Date(Date.now() - DAYS * 86_400_000);
  start.setUTCHours(0, 0, 0, 0);
  console.log(`[demo] sending ${EVENTS.toLocaleString()} demo events (${DAYS} days from ${start.toISOString().slice(0, 10)}, seed 42) through POST /v1/batch`);
  const began = performance.now();
  const summary = await sendEvents(generateDemoEvents({ seed: 42, events: EVENTS, start, days: DAYS }), {
    url: EDGE,
    writeKey: DEMO_WRITE_KEY,
    batchSize: 200,
    concurrency: 4,
    onProgress: (sent) => {
      if (sent % 10_000 < 200) process.stdout.write(`\r[demo] sent ${sent.toLocaleString()}`);
    },
  });
  const seconds = (performance.now() - began) / 1000;
  console.log(
    `\n[demo] sent ${summary.sent} in ${seconds.toFixed(1)} s: accepted ${summary.accepted}, duplicates ${summary.duplicates}, bots ${summary.bots}, rejected ${summary.rejected}`,
  );
  if (summary.rejectionSamples.length) console.log(`[demo] sample rejections: ${summary.rejectionSamples.join(' | ')}`);

  const flushed = await api('POST', `/v1/sites/${DEMO_SITE}/flush`, DEMO_ADMIN_TOKEN);
  console.log(`[demo] flushed ${flushed.rows} buffered rows to R2 (${flushed.files.length} new files)`);
  // Offline data beside the online events: store orders, the member register and ad spend (docs/imports.md).
  for (const line of await importDemoSamples({ edge: EDGE, site: DEMO_SITE, token: DEMO_READ_TOKEN, dir: '.wrangler/demo-imports', demo: { seed: 42, events: EVENTS, start, days: DAYS } })) console.log(`[demo] import ${line}`);
  const manifest = await api('GET', `/v1/sites/${DEMO_SITE}/manifest`, DEMO_READ_TOKEN);
  console.log(`[demo] manifest: ${manifest.totals.files} Parquet files, ${manifest.totals.rows.toLocaleString()} rows, ${(manifest.totals.bytes / 1e6).toFixed(1)} MB`);
  console.log(`
  Dashboard        ${EDGE}/           (served by the edge itself; the Connect page offers "Use the demo token")
  Collector        ${EDGE}            (Segment-compatible: POST /v1/batch, /v1/track, ...)
  Tracker script   ${EDGE}/t.js       <script defer src="${EDGE}/t.js" data-write-key="${DEMO_WRITE_KEY}"></script>
  Site             ${DEMO_SITE}
  Write key        ${DEMO_WRITE_KEY}
  Read token       ${DEMO_READ_TOKEN}   curl -H 'Authorization: Bearer ${DEMO_READ_TOKEN}' ${EDGE}/v1/sites/${DEMO_SITE}/manifest
  Admin token      ${DEMO_ADMIN_TOKEN}  curl -X POST -H 'Authorization: Bearer ${DEMO_ADMIN_TOKEN}' ${EDGE}/v1/sites/${DEMO_SITE}/flush
  Live counters    curl -H 'Authorization: Bearer ${DEMO_READ_TOKEN}' '${EDGE}/v1/sites/${DEMO_SITE}/live?minutes=30'
  Local R2 / DOs   .wrangler/state
  Send one event   curl -u ${DEMO_WRITE_KEY}: -H 'content-type: application/json' -d '{"type":"track","event":"Signed Up","userId":"u-1"}' ${EDGE}/v1/track

  The collector keeps running; press Ctrl-C to stop. To work on the dashboard with hot reload: npm run dev:web (port 5173).`);
  // The dashboard reads the hourly files at once; merging the past days into daily files runs meanwhile.
  compactDemoDays().then(
    (compacted) => compacted && console.log(`[demo] ${compacted}`),
    (error: unknown) => console.log(`[demo] compaction: ${error instanceof Error ? error.message : String(error)}`),
  );
}

/**
 * Merges the many small hourly files of the demo's past days: runs the lifecycle cron once
 * (wrangler dev --test-scheduled) and waits while the compaction alarm works through the days.
 */
async function compactDemoDays(): Promise<string | null> {
  const before = (await api('GET', `/v1/sites/${DEMO_SITE}/manifest`, DEMO_READ_TOKEN)).totals.files as number;
  console.log(`[demo] merging the ${before} flush files of past days into daily files in the background (lifecycle cron)`);
  const res = await fetch(`${EDGE}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
  if (!res.ok) return null;
  let files = before;
  let stable = 0;
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline && stable < 3) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = (await api('GET', `/v1/sites/${DEMO_SITE}/manifest`, DEMO_READ_TOKEN)).totals.files as number;
    stable = now === files ? stable + 1 : 0;
    files = now;
  }
  return `compaction merged ${before} small files into ${files}`;
}

let child: ReturnType<typeof spawn> | null = null;
/** Set once the demo itself stops the edge (Ctrl-C or a failure), so that exit is not reported as a crash. */
let stopping = false;

function startCollector(): void {
  console.log('[demo] starting wrangler dev (workerd, local R2 and Durable Objects)');
  // The edge serves the dashboard on its own origin (no CORS); a dashboard from `npm run dev:web` (5173) or
  // `npm run preview:web` (4173) reads across origins, so those are allowed too.
  const sites = {
    [DEMO_SITE]: {
      mode: 'pseudonymous',
      queryParams: ['ref', 'q'],
      dashboardOrigins: [5173, 4173].flatMap((port) => [`http://127.0.0.1:${port}`, `http://localhost:${port}`]),
    },
  };
  // Wrangler writes every message, workerd's own log lines included, to this file whatever the console's level.
  const logDir = resolve('.wrangler', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `demo-${new Date().toISOString().replaceAll(':', '-')}.log`);
  const args = ['dev', '--ip', '127.0.0.1', '--port', String(PORT), '--show-interactive-dev-session=false', '--log-level', 'warn', '--test-scheduled', '--var', `SITES:${JSON.stringify(sites)}`,
    // Demo only: the dashboard on this loopback origin offers the demo site's read token (GET /v1/dashboard-config).
    '--var', `DEMO_SITE:${DEMO_SITE}`];
  child = spawn('node_modules/.bin/wrangler', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_LOG_PATH: logPath },
    detached: true,
  });
  const watch: EdgeWatch | null = child.pid ? watchEdge(child.pid, logPath) : null;
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[demo] the local edge stopped on its own. ${watch?.describeExit(code, signal) ?? `wrangler dev exited (${code ?? signal})`}`);
    console.error('[demo] events already acknowledged are kept in .wrangler/state; run `npm run demo` again to continue.');
    stopAll(1);
  });
  const stop = () => stopAll(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function stopAll(exitCode: number): never {
  stopping = true;
  try {
    if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  process.exit(exitCode);
}

async function isUp(): Promise<boolean> {
  try {
    return (await fetch(`${EDGE}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function waitUntilUp(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isUp()) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the collector did not answer on ${EDGE}/healthz within ${timeoutMs / 1000} s`);
}

/**
 * One call to the edge's API. A GET is asked again when it gets no answer within 15 s: right after a large flush,
 * wrangler dev sometimes leaves the first manifest request unanswered (the e2e harness does the same).
 */
async function api(method: string, path: string, token: string) {
  const request = async (attempt: number) => {
    if (attempt > 1) console.log(`[demo] ${method} ${path}: asking again (attempt ${attempt})`);
    const res = await fetch(`${EDGE}${path}`, { method, headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(method === 'GET' ? 15_000 : 120_000) });
    if (res.status === 503) throw new EdgeBusyError(`${method} ${path}: 503 ${(await res.text()).slice(0, 200)}`);
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  // Asked again: a request with no answer in time, or a 503 from wrangler dev ("Your worker restarted mid-request").
  // Every call here may be repeated: reads, and the flush, whose plan is durable and rewrites the same files.
  return withRetries(`${method} ${path}`, { attempts: 5, baseDelayMs: 500 }, request, (error) => error instanceof EdgeBusyError || (error instanceof Error && error.name === 'TimeoutError'));
}

class EdgeBusyError extends Error {}

main().catch((error: unknown) => {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  console.error('[demo] stopping the local edge because of the error above.');
  stopAll(1);
});
