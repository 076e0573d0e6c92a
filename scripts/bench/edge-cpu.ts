/**
 * CPU time per event of the edge's ingest path, measured in workerd (wrangler dev running the real worker plus the
 * bench-only stage routes of worker-edge/bench/cpu-bench-worker.ts; workerd's CPU time read from /proc around each
 * stage) and, for the stages that run in Node too, the same code in Node as a reference. The messages are the demo
 * generator's (page views, product views, searches, carts, orders, identifies; about 930 bytes of JSON each),
 * re-timed to now as live traffic is.
 */
import { messageToRow, type MessageOptions, type RequestFacts } from '@privacy-analytics/core/ingest';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { encodeEventsParquet, type ParquetWasm } from '@privacy-analytics/core/parquet';
import { HmacIdHasher } from '@privacy-analytics/core/privacy';
import { MAX_EVENT_BYTES, type EventRow } from '@privacy-analytics/core/schema';
import * as parquetWasm from 'parquet-wasm/node';
import { DEFAULT_EDGE_VARS, DEMO, startLocalEdge, type LocalEdge } from '../harness';
import { wranglerLog, workerdCpuMs } from './workerd-cpu';

export interface EdgeCpuStage {
  stage: string;
  /** what the CPU time covers */
  includes: string;
  unit: 'event' | '10k rows';
  /** how many events (or rows) the measurement ran over */
  count: number;
  workerdCpuMs: number;
  /** the same code in Node (null: the stage needs workerd, e.g. Durable Object storage) */
  nodeCpuMs: number | null;
}

export interface EdgeCpuResult {
  stages: EdgeCpuStage[];
  /** workerd's CPU while idle, subtracted from each stage (ms per wall second) */
  idleCpuMsPerSecond: number;
  /** end to end: POST /v1/batch requests and their flush, workerd CPU per event */
  endToEndCpuMsPerEvent: number;
  endToEndEvents: number;
  /** 1 / end-to-end CPU per event: what one core of workerd sustains */
  eventsPerSecondPerCore: number;
  /** the same requests to a route that only parses the body and answers, per event (wrangler dev's request path included) */
  requestOnlyCpuMsPerEvent: number;
  /** the sum of the stages (normalise + append + flush per event) */
  stagesCpuMsPerEvent: number;
  /** wrangler dev's proxy in front of the runtime, per end-to-end event (not in production; not in the figures above) */
  devProxyCpuMsPerEvent: number;
}

const BATCH = 20;
/** passes over one request's 2,000 messages (more per request, and a request ran long enough for wrangler dev's proxy to cut it off now and then) */
const NORMALISE_PASSES = 5;
/** The demo site as wrangler.toml configures it (query parameters kept) and the harness's hash key. */
const DEMO_QUERY_PARAMS = ['ref', 'q'];
const HASH_KEY = (JSON.parse(DEFAULT_EDGE_VARS.SITE_SECRETS!) as Record<string, { hashKey: string }>)[DEMO.site]!.hashKey;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * wrangler dev's proxy now and then answers a POST with 503 "Your worker restarted mid-request" although nothing
 * reloaded (same workerd, same isolate); it does not retry POSTs. The caller decides what to do.
 */
const RESTARTED = Symbol('restarted mid-request');

class StageInterrupted extends Error {
  constructor(path: string) {
    super(`${path} was cut off by wrangler dev's proxy (503 restarted mid-request)`);
  }
}

async function postJson(url: string, body: string | undefined, headers: Record<string, string>): Promise<Record<string, number> | typeof RESTARTED> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'bench', ...headers }, body });
  const text = await res.text();
  if (res.status === 503 && text.includes('restarted mid-request')) return RESTARTED;
  if (res.status !== 200) throw new Error(`${new URL(url).pathname}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, number>;
}

function demoMessages(count: number, seed: number): Record<string, unknown>[] {
  const now = new Date().toISOString();
  const messages: Record<string, unknown>[] = [];
  for (const message of generateDemoEvents({ seed, events: count, start: new Date(Date.now() - 7 * 86_400_000), days: 7 })) {
    messages.push({ ...message, timestamp: now });
    if (messages.length === count) break;
  }
  return messages;
}

export async function benchEdgeCpu(options: { log: (line: string) => void; endToEndRequests?: number }): Promise<EdgeCpuResult> {
  const { log } = options;
  const small = demoMessages(2_000, 21);
  const large = demoMessages(10_000, 22);
  const edge = await startLocalEdge({
    script: 'worker-edge/bench/cpu-bench-worker.ts',
    // no alarm flush inside a stage (each is shorter than a minute)
    // FLUSH_MAX_ROWS at its maximum: no early flush mid-stage (a plan is bounded by FLUSH_MAX_BYTES first in any case)
    vars: { FLUSH_INTERVAL_SECONDS: '60', FLUSH_MAX_ROWS: '200000', BUFFER_SHARDS: '2' },
    onOutput: wranglerLog(log),
  });
  try {
    const call = (path: string, body?: unknown) => postJson(`${edge.url}${path}`, body === undefined ? undefined : JSON.stringify(body), {});
    /** the stage's POSTs must all have been answered: a 503 "restarted mid-request" may have cost CPU for nothing, so the stage runs again */
    const answered = async (path: string, body?: unknown): Promise<Record<string, number>> => {
      const answer = await call(path, body);
      if (answer === RESTARTED) throw new StageInterrupted(path);
      return answer;
    };
    const bufferedRows = async () => {
      const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}/metrics?minutes=1`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
      if (res.status !== 200) throw new Error(`metrics: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { shards: { bufferedRows: number }[] }).shards.reduce((n, s) => n + s.bufferedRows, 0);
    };
    const flushAll = async () => {
      for (;;) {
        const result = await call('/bench/flush');
        if (result !== RESTARTED && result.remaining === 0) return;
      }
    };
    await sleep(3_000); // let start-up settle
    const idleFrom = workerdCpuMs(edge.pid).runtimeMs;
    const idleStart = performance.now();
    await sleep(5_000);
    const idleCpuMsPerSecond = (workerdCpuMs(edge.pid).runtimeMs - idleFrom) / ((performance.now() - idleStart) / 1000);
    log(`workerd idle: ${idleCpuMsPerSecond.toFixed(2)} ms CPU per second`);
    /**
     * The workerd runtime's CPU of `run`, less its idle CPU over the same time (wrangler's proxy apart, in
     * `proxyCpuMs`); run again (up to 3 times) if a request of it was cut off.
     */
    let proxyCpuMs = 0;
    const measure = async (stage: string, run: () => Promise<void>): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        const cpuFrom = workerdCpuMs(edge.pid);
        const wallFrom = performance.now();
        try {
          await run();
        } catch (error) {
          if (!(error instanceof StageInterrupted) || attempt === 3) throw error;
          log(`${stage}: ${error.message}; measuring the stage again`);
          continue;
        }
        const cpuTo = workerdCpuMs(edge.pid);
        proxyCpuMs = cpuTo.proxyMs - cpuFrom.proxyMs;
        return cpuTo.runtimeMs - cpuFrom.runtimeMs - (idleCpuMsPerSecond * (performance.now() - wallFrom)) / 1000;
      }
    };

    // Parquet: a 10k-row file of the edge's rows (kept by a normalise pass of 10k messages)
    const kept = (await answered('/bench/normalise?repeat=1', { messages: large })).kept!;
    await answered('/bench/parquet?repeat=1'); // warm-up
    const parquetRepeat = 5;
    const parquetWorkerd = await measure('Parquet', async () => void (await answered(`/bench/parquet?repeat=${parquetRepeat}`)));
    const parquetRows = kept * parquetRepeat;
    log(`workerd Parquet: ${parquetRows} rows`);

    // normalise + hash + scrub: 2,000 messages, NORMALISE_PASSES passes per request
    await answered('/bench/normalise?repeat=2', { messages: small }); // warm-up
    let normalised = 0;
    const normaliseWorkerd = await measure('normalise', async () => {
      normalised = 0;
      for (let request = 0; request < 6; request++) normalised += (await answered(`/bench/normalise?repeat=${NORMALISE_PASSES}`, { messages: small })).events!;
    });
    log(`workerd normalise: ${normalised} events`);

    // append: the kept rows (of the last 2,000 messages), 20 per appendToBuffers call, fresh ids each round; counted
    // in the buffer afterwards, so a request cut off after it appended still counts
    await answered('/bench/append?rounds=1'); // warm-up: the shards join the site
    await flushAll();
    const appendWorkerd = await measure('append', async () => {
      for (let request = 0; request < 12; request++) await call('/bench/append?rounds=2');
    });
    const appended = await bufferedRows();
    log(`workerd append: ${appended} events`);

    // flush: everything just appended, through IngestBuffer.flush
    const flushWorkerd = await measure('flush', flushAll);
    const flushed = appended - (await bufferedRows());
    log(`workerd flush: ${flushed} rows`);

    const endToEnd = await endToEndCpu(edge, measure, options.endToEndRequests ?? 1_500);
    const endToEndProxyCpuMs = proxyCpuMs;
    log(`workerd end to end: ${endToEnd.events} events, ${endToEnd.cpuMs.toFixed(0)} ms CPU (wrangler's proxy ${endToEndProxyCpuMs.toFixed(0)} ms more)`);

    const nodeResult = await nodeReference(small, large);
    const stages: EdgeCpuStage[] = [
      {
        stage: 'normalise + hash + scrub',
        includes: `core's messageToRow per message as a request runs it: size and nesting checks, Segment schema, bot check, normalise (URL, referrer, UTM, channel, user agent), HMAC-SHA256 of the ids, scrub of text and properties (2,000 messages per request, ${NORMALISE_PASSES} passes; the request's JSON parse included, once per ${NORMALISE_PASSES} passes)`,
        unit: 'event',
        count: normalised,
        workerdCpuMs: normaliseWorkerd / normalised,
        nodeCpuMs: nodeResult.normaliseMsPerEvent,
      },
      {
        stage: 'append',
        includes: "the edge's appendToBuffers per 20 rows, as after a 20-event request: one Durable Object RPC per shard touched (2 shards), dedup lookup and insert, the row's JSON into the buffer table, counters and person sketches, the commit",
        unit: 'event',
        count: appended,
        workerdCpuMs: appendWorkerd / appended,
        nodeCpuMs: null,
      },
      {
        stage: 'flush',
        includes: 'IngestBuffer.flush of those rows: plans (up to FLUSH_MAX_ROWS rows / FLUSH_MAX_BYTES of JSON), rows read back and parsed, events Parquet (ZSTD) and rollup Parquet per hour, R2 puts (local), catalog registration, buffer rows deleted',
        unit: '10k rows',
        count: flushed,
        workerdCpuMs: (flushWorkerd / flushed) * 10_000,
        nodeCpuMs: null,
      },
      {
        stage: 'Parquet encode only',
        includes: "core's encodeEventsParquet of one 10,000-row file (flechette Arrow IPC -> parquet-wasm, ZSTD), the writer the flush uses",
        unit: '10k rows',
        count: parquetRows,
        workerdCpuMs: (parquetWorkerd / parquetRows) * 10_000,
        nodeCpuMs: nodeResult.parquetMsPer10k,
      },
    ];
    const stagesCpuMsPerEvent = stages[0]!.workerdCpuMs + stages[1]!.workerdCpuMs + stages[2]!.workerdCpuMs / 10_000;
    const endToEndCpuMsPerEvent = endToEnd.cpuMs / endToEnd.events;
    return {
      stages,
      idleCpuMsPerSecond,
      endToEndCpuMsPerEvent,
      endToEndEvents: endToEnd.events,
      eventsPerSecondPerCore: 1000 / endToEndCpuMsPerEvent,
      stagesCpuMsPerEvent,
      devProxyCpuMsPerEvent: endToEndProxyCpuMs / endToEnd.events,
      requestOnlyCpuMsPerEvent: endToEnd.requestOnlyCpuMs / endToEnd.events,
    };
  } finally {
    await edge.stop();
  }
}

/** Real POST /v1/batch requests of 20 events (2 in flight: workerd, single-threaded, gets one core at most) and a flush of them. */
async function endToEndCpu(
  edge: LocalEdge,
  measure: (stage: string, run: () => Promise<void>) => Promise<number>,
  requests: number,
): Promise<{ events: number; cpuMs: number; requestOnlyCpuMs: number }> {
  const messages = demoMessages(requests * BATCH, 23);
  const bodies = Array.from({ length: requests }, (_, i) => JSON.stringify({ batch: messages.slice(i * BATCH, (i + 1) * BATCH) }));
  const auth = { authorization: `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}` };
  /** sent again after a 503 "restarted mid-request": deduplication makes that safe, and a copy already stored counts as a duplicate */
  const send = async (path: string, body: string): Promise<number> => {
    for (;;) {
      const answer = await postJson(`${edge.url}${path}`, body, auth);
      if (answer !== RESTARTED) return answer.accepted! + answer.duplicates!;
    }
  };
  /** every body once, two requests in flight (workerd runs JavaScript on one thread: it gets one core at most) */
  const sendAll = async (path: string) => {
    let stored = 0;
    let next = 0;
    const worker = async () => {
      while (next < bodies.length) {
        const n = await send(path, bodies[next++]!);
        stored += n;
      }
    };
    await Promise.all([worker(), worker()]);
    return stored;
  };
  const flushSite = async () => {
    for (;;) {
      const flushed = await postJson(`${edge.url}/v1/sites/${DEMO.site}/flush`, undefined, { authorization: `Bearer ${DEMO.adminToken}` });
      if (flushed !== RESTARTED && flushed.remaining === 0) return;
    }
  };
  for (const body of bodies.slice(0, 20)) await send('/v1/batch', body.replaceAll('"messageId":"', '"messageId":"warm-'));
  await flushSite();
  const requestOnlyCpuMs = await measure('request only', async () => void (await sendAll('/bench/request')));
  let events = 0;
  const cpuMs = await measure('end to end', async () => {
    events = await sendAll('/v1/batch');
    await flushSite();
  });
  return { events, cpuMs, requestOnlyCpuMs };
}

/** The same normalise and Parquet code in Node: CPU time of this process. */
async function nodeReference(small: Record<string, unknown>[], large: Record<string, unknown>[]): Promise<{ normaliseMsPerEvent: number; parquetMsPer10k: number }> {
  const options: MessageOptions = { site: DEMO.site, hasher: new HmacIdHasher(HASH_KEY), queryParams: DEMO_QUERY_PARAMS, scrub: true, maxEventBytes: MAX_EVENT_BYTES, dropBots: true };
  const facts = (): RequestFacts => ({ receivedAt: Date.now(), country: null, region: null, requestUserAgent: 'bench', visitorSeed: null });
  /** one request's worth: its body parsed once, then `passes` passes over its messages (as /bench/normalise does) */
  const normalise = async (messages: Record<string, unknown>[], passes: number) => {
    let rows: EventRow[] = [];
    const requestFacts = facts();
    const parsed = JSON.parse(JSON.stringify(messages)) as unknown[];
    for (let pass = 0; pass < passes; pass++) {
      rows = [];
      for (const message of parsed) {
        const outcome = await messageToRow(message, requestFacts, options);
        if (outcome.kind === 'row') rows.push(outcome.row);
      }
    }
    return rows;
  };
  await normalise(small, 2); // warm-up
  const requests = 6;
  const passes = NORMALISE_PASSES;
  let before = process.cpuUsage();
  for (let request = 0; request < requests; request++) await normalise(small, passes);
  let used = process.cpuUsage(before);
  const normaliseMsPerEvent = (used.user + used.system) / 1000 / (requests * passes * small.length);

  const rows = await normalise(large, 1);
  const pq = parquetWasm as unknown as ParquetWasm;
  encodeEventsParquet(rows, pq); // warm-up
  const repeats = 5;
  before = process.cpuUsage();
  for (let i = 0; i < repeats; i++) encodeEventsParquet(rows, pq);
  used = process.cpuUsage(before);
  const parquetMsPer10k = ((used.user + used.system) / 1000 / (repeats * rows.length)) * 10_000;
  return { normaliseMsPerEvent, parquetMsPer10k };
}

const µs = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const perUnit = (ms: number, unit: EdgeCpuStage['unit']) => (unit === 'event' ? µs(ms) : `${ms.toFixed(0)} ms`);

export function edgeCpuMarkdown(result: EdgeCpuResult): string {
  const rate = (ms: number) => Math.round(1000 / ms).toLocaleString('en-US');
  return `| stage | CPU in workerd | same code in Node | measured over | what it includes |
|---|---:|---:|---:|---|
${result.stages
  .map((s) => `| ${s.stage} | ${perUnit(s.workerdCpuMs, s.unit)} / ${s.unit} | ${s.nodeCpuMs === null ? 'n/a (needs a Durable Object)' : `${perUnit(s.nodeCpuMs, s.unit)} / ${s.unit}`} | ${s.count.toLocaleString('en-US')} ${s.unit === 'event' ? 'events' : 'rows'} | ${s.includes} |`)
  .join('\n')}
| request only | ${µs(result.requestOnlyCpuMsPerEvent)} / event | | ${result.endToEndEvents.toLocaleString('en-US')} events | the same 20-event requests to a bench route that only reads and parses the body as JSON and answers: HTTP, and miniflare's entry worker of wrangler dev |
| **end to end** | **${µs(result.endToEndCpuMsPerEvent)} / event** | | ${result.endToEndEvents.toLocaleString('en-US')} events | real \`POST /v1/batch\` requests of 20 demo events (2 in flight) and the flush of them: HTTP, body parse, write key and rate limiter, everything above, every Durable Object call |

**Events/s per core: ${rate(result.endToEndCpuMsPerEvent)}** (one core of workerd CPU ÷ the end-to-end CPU per event, flush included).
The stages add up to ${µs(result.stagesCpuMsPerEvent)} per event (normalise + append + a ten-thousandth of the flush per
10k rows), ${rate(result.stagesCpuMsPerEvent)} events/s per core; with the request alone (${µs(result.requestOnlyCpuMsPerEvent)}) ${µs(result.stagesCpuMsPerEvent + result.requestOnlyCpuMsPerEvent)}. The rest of the
end-to-end figure is work of the real route that the stage routes leave out (write-key lookup, the rate limiter binding,
the batch envelope check, the answer), not broken down further. CPU is the workerd runtime's user + system time from /proc (all its threads) around each stage,
less its idle CPU (${result.idleCpuMsPerSecond.toFixed(2)} ms per second, measured first). Not counted: the load generator (another
process) and wrangler dev's proxy, a second workerd in front of the runtime that production does not have (it took
${µs(result.devProxyCpuMsPerEvent)} more per end-to-end event).
Node: the same core code (\`messageToRow\` with the HMAC hasher and scrub on, \`encodeEventsParquet\` with parquet-wasm) in this
Node process, \`process.cpuUsage()\`. Durable Object storage has no Node equivalent, so append and flush are workerd only.`;
}
