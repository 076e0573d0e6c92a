/**
 * npm run demo: starts the edge collector locally (wrangler dev: workerd with local R2 and Durable
 * Objects in .wrangler/state), sends demo e-commerce events through the real collector, flushes
 * them to Parquet and prints where everything is. Leaves the collector running until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { generateDemoEvents } from './demo-data/generate';
import { sendEvents } from './collector/send-events';
import { DEMO_ADMIN_TOKEN, DEMO_READ_TOKEN, DEMO_SITE, DEMO_WRITE_KEY, ensureDevVars } from './dev-vars';

const PORT = Number(process.env.DEMO_PORT ?? 8787);
const EDGE = `http://127.0.0.1:${PORT}`;
const EVENTS = Number(process.env.DEMO_EVENTS ?? 50_000);
const DAYS = 30;

async function main(): Promise<void> {
  ensureDevVars();
  if (await isUp()) {
    console.log(`[demo] a collector already answers on ${EDGE}; using it`);
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
  const manifest = await api('GET', `/v1/sites/${DEMO_SITE}/manifest`, DEMO_READ_TOKEN);
  console.log(`[demo] manifest: ${manifest.totals.files} Parquet files, ${manifest.totals.rows.toLocaleString()} rows, ${(manifest.totals.bytes / 1e6).toFixed(1)} MB`);
  console.log(`
  Collector        ${EDGE}            (Segment-compatible: POST /v1/batch, /v1/track, ...)
  Tracker script   ${EDGE}/t.js       <script defer src="${EDGE}/t.js" data-write-key="${DEMO_WRITE_KEY}"></script>
  Site             ${DEMO_SITE}
  Write key        ${DEMO_WRITE_KEY}
  Read token       ${DEMO_READ_TOKEN}   curl -H 'Authorization: Bearer ${DEMO_READ_TOKEN}' ${EDGE}/v1/sites/${DEMO_SITE}/manifest
  Admin token      ${DEMO_ADMIN_TOKEN}  curl -X POST -H 'Authorization: Bearer ${DEMO_ADMIN_TOKEN}' ${EDGE}/v1/sites/${DEMO_SITE}/flush
  Live counters    curl -H 'Authorization: Bearer ${DEMO_READ_TOKEN}' '${EDGE}/v1/sites/${DEMO_SITE}/live?minutes=30'
  Local R2 / DOs   .wrangler/state
  Send one event   curl -u ${DEMO_WRITE_KEY}: -H 'content-type: application/json' -d '{"type":"track","event":"Signed Up","userId":"u-1"}' ${EDGE}/v1/track

  The collector keeps running; press Ctrl-C to stop.`);
}

let child: ReturnType<typeof spawn> | null = null;

function startCollector(): void {
  console.log('[demo] starting wrangler dev (workerd, local R2 and Durable Objects)');
  child = spawn('node_modules/.bin/wrangler', ['dev', '--ip', '127.0.0.1', '--port', String(PORT), '--show-interactive-dev-session=false', '--log-level', 'warn'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
    detached: true,
  });
  child.on('exit', (code) => {
    console.log(`[demo] wrangler dev exited (${code})`);
    process.exit(code ?? 1);
  });
  const stop = () => {
    if (child?.pid) process.kill(-child.pid, 'SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
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

async function api(method: string, path: string, token: string) {
  const res = await fetch(`${EDGE}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

main().catch((error: unknown) => {
  console.error(`[demo] ${error instanceof Error ? error.message : String(error)}`);
  if (child?.pid) process.kill(-child.pid, 'SIGTERM');
  process.exit(1);
});
