/**
 * Sustained ingest against the real worker under wrangler dev, with the dedup horizon shortened so that it passes
 * within the run: each buffer shard's SQLite size (and the event ids it remembers) is sampled from /metrics, and
 * should stop growing once the horizon is behind, the oldest bucket table dropped as a new one fills.
 */
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { DEMO, startLocalEdge } from '../harness';
import { wranglerLog, workerdCpuMs } from './workerd-cpu';

export interface SustainedOptions {
  minutes: number;
  /** events per second offered (requests of 20) */
  eventsPerSecond: number;
  horizonSeconds: number;
  shards: number;
  flushIntervalSeconds: number;
  sampleSeconds: number;
  log: (line: string) => void;
}

export interface ShardSample {
  shard: number;
  storageBytes: number;
  dedupIds: number;
  dedupTables: number;
  bufferedRows: number;
}

export interface Sample {
  /** seconds since the load started */
  at: number;
  accepted: number;
  shards: ShardSample[];
}

export interface ShardSummary {
  shard: number;
  startBytes: number;
  horizonBytes: number;
  endBytes: number;
  maxBytes: number;
  /** bytes per minute, least squares over the samples before the horizon */
  slopeBeforeBytesPerMinute: number;
  /** bytes per minute, least squares over the samples once the first bucket could be dropped */
  slopeAfterBytesPerMinute: number;
  /** the dedup ids' least-squares slope over the same samples, ids per minute */
  idSlopeAfterPerMinute: number;
  endIds: number;
  /** storage growth before the horizon ÷ ids added then */
  bytesPerId: number;
}

export interface SustainedResult {
  options: Omit<SustainedOptions, 'log'>;
  bucketSeconds: number;
  /** from this time on (s) every bucket older than the horizon has had a flush to drop it */
  steadyFrom: number;
  horizonSampleAt: number;
  accepted: number;
  requests: number;
  errors: number;
  /** requests not sent on time because 16 were already in flight */
  skipped: number;
  workerdCpuShare: number;
  samples: Sample[];
  shards: ShardSummary[];
}

const BATCH = 20;
const MAX_IN_FLIGHT = 16;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function benchEdgeSustained(options: SustainedOptions): Promise<SustainedResult> {
  const { minutes, eventsPerSecond, horizonSeconds, shards, flushIntervalSeconds, sampleSeconds, log } = options;
  const bucketSeconds = Math.ceil(horizonSeconds / 7);
  const edge = await startLocalEdge({
    vars: {
      DEDUP_HORIZON_SECONDS: String(horizonSeconds),
      FLUSH_INTERVAL_SECONDS: String(flushIntervalSeconds),
      BUFFER_SHARDS: String(shards),
    },
    onOutput: wranglerLog(log),
  });
  try {
    const auth = `Basic ${Buffer.from(`${DEMO.writeKey}:`).toString('base64')}`;
    /** the shards' storage right after a flush, so that the rows waiting for one (up to FLUSH_INTERVAL_SECONDS of events) do not blur it */
    const sample = async (at: number, accepted: number): Promise<Sample> => {
      const flushed = await fetch(`${edge.url}/v1/sites/${DEMO.site}/flush`, { method: 'POST', headers: { authorization: `Bearer ${DEMO.adminToken}` } });
      await flushed.arrayBuffer();
      const res = await fetch(`${edge.url}/v1/sites/${DEMO.site}/metrics?minutes=1`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
      if (res.status !== 200) throw new Error(`metrics: HTTP ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { shards: ShardSample[] };
      return { at, accepted, shards: body.shards.map(({ shard, storageBytes, dedupIds, dedupTables, bufferedRows }) => ({ shard, storageBytes, dedupIds, dedupTables, bufferedRows })) };
    };
    const totalEvents = Math.ceil(eventsPerSecond * minutes * 60) + BATCH;
    const messages = generateDemoEvents({ seed: 31, events: totalEvents, start: new Date(Date.now() - 7 * 86_400_000), days: 7 });
    const nextBody = (): string | null => {
      const now = new Date().toISOString();
      const batch: object[] = [];
      while (batch.length < BATCH) {
        const next = messages.next();
        if (next.done) break;
        batch.push({ ...next.value, timestamp: now });
      }
      return batch.length === 0 ? null : JSON.stringify({ batch });
    };

    let accepted = 0;
    let requests = 0;
    let errors = 0;
    let skipped = 0;
    let inFlight = 0;
    const send = async (body: string) => {
      inFlight++;
      try {
        // wrangler dev's proxy now and then answers a POST with 503 "restarted mid-request"; deduplication makes a resend safe
        for (let attempt = 1; attempt <= 3; attempt++) {
          const res = await fetch(`${edge.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'user-agent': 'bench' }, body });
          const text = await res.text();
          if (res.status === 200) {
            accepted += (JSON.parse(text) as { accepted: number }).accepted;
            return;
          }
          if (!(res.status === 503 && text.includes('restarted mid-request'))) {
            if (errors < 5) log(`/v1/batch: HTTP ${res.status} ${text.slice(0, 200)}`);
            break;
          }
        }
        errors++;
      } catch (error) {
        if (errors < 5) log(`/v1/batch: ${(error as Error).message}`);
        errors++;
      } finally {
        inFlight--;
      }
    };

    const samples: Sample[] = [await sample(0, 0)];
    const cpuFrom = workerdCpuMs(edge.pid).runtimeMs;
    const began = performance.now();
    const endAt = began + minutes * 60_000;
    const interval = (BATCH / eventsPerSecond) * 1000;
    let nextSampleAt = began + sampleSeconds * 1000;
    const pending = new Set<Promise<void>>();
    for (let k = 0; ; k++) {
      const due = began + k * interval;
      if (due >= endAt) break;
      while (performance.now() >= nextSampleAt) {
        samples.push(await sample(Math.round((nextSampleAt - began) / 1000), accepted));
        const last = samples[samples.length - 1]!;
        log(`t=${last.at}s accepted ${accepted}: ${last.shards.map((s) => `shard ${s.shard} ${(s.storageBytes / 1024).toFixed(0)} KiB, ${s.dedupIds} ids in ${s.dedupTables} tables`).join('; ')}`);
        nextSampleAt += sampleSeconds * 1000;
      }
      await sleep(Math.max(0, due - performance.now()));
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      const body = nextBody();
      if (body === null) break;
      requests++;
      const request = send(body);
      pending.add(request);
      void request.finally(() => pending.delete(request));
    }
    await Promise.all(pending);
    const seconds = (performance.now() - began) / 1000;
    const workerdCpuShare = (workerdCpuMs(edge.pid).runtimeMs - cpuFrom) / (seconds * 1000);
    samples.push(await sample(Math.round(seconds), accepted));
    return summarise({ minutes, eventsPerSecond, horizonSeconds, shards, flushIntervalSeconds, sampleSeconds }, bucketSeconds, samples, { accepted, requests, errors, skipped, workerdCpuShare });
  } finally {
    await edge.stop();
  }
}

function slopePerMinute(points: readonly { at: number; value: number }[]): number {
  if (points.length < 2) return Number.NaN;
  const meanT = points.reduce((s, p) => s + p.at, 0) / points.length;
  const meanV = points.reduce((s, p) => s + p.value, 0) / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.at - meanT) * (p.value - meanV);
    den += (p.at - meanT) ** 2;
  }
  return (num / den) * 60;
}

function summarise(
  options: Omit<SustainedOptions, 'log'>,
  bucketSeconds: number,
  samples: Sample[],
  counts: Pick<SustainedResult, 'accepted' | 'requests' | 'errors' | 'skipped' | 'workerdCpuShare'>,
): SustainedResult {
  // The first bucket ends at most one bucket after the start and may go once it is a horizon old, at the next flush.
  const droppableFrom = options.horizonSeconds + bucketSeconds;
  const steadyFrom = droppableFrom + options.flushIntervalSeconds + bucketSeconds;
  const horizonSample = samples.find((s) => s.at >= droppableFrom) ?? samples[samples.length - 1]!;
  const shards = samples[0]!.shards.map(({ shard }): ShardSummary => {
    const series = samples.map((s) => ({ at: s.at, shard: s.shards.find((x) => x.shard === shard)! }));
    const before = series.filter((s) => s.at <= options.horizonSeconds);
    const after = series.filter((s) => s.at >= steadyFrom);
    const at = (s: Sample) => s.shards.find((x) => x.shard === shard)!;
    const first = before[0]!.shard;
    const lastBefore = before[before.length - 1]!.shard;
    return {
      shard,
      startBytes: at(samples[0]!).storageBytes,
      horizonBytes: at(horizonSample).storageBytes,
      endBytes: at(samples[samples.length - 1]!).storageBytes,
      maxBytes: Math.max(...series.map((s) => s.shard.storageBytes)),
      slopeBeforeBytesPerMinute: slopePerMinute(before.map((s) => ({ at: s.at, value: s.shard.storageBytes }))),
      slopeAfterBytesPerMinute: slopePerMinute(after.map((s) => ({ at: s.at, value: s.shard.storageBytes }))),
      idSlopeAfterPerMinute: slopePerMinute(after.map((s) => ({ at: s.at, value: s.shard.dedupIds }))),
      endIds: at(samples[samples.length - 1]!).dedupIds,
      bytesPerId: (lastBefore.storageBytes - first.storageBytes) / Math.max(1, lastBefore.dedupIds - first.dedupIds),
    };
  });
  return { options, bucketSeconds, steadyFrom, horizonSampleAt: horizonSample.at, samples, shards, ...counts };
}

const kib = (bytes: number) => `${(bytes / 1024).toLocaleString('en-US', { maximumFractionDigits: 0 })} KiB`;
const signedKib = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KiB`;

export function edgeSustainedMarkdown(result: SustainedResult): string {
  const { options: o } = result;
  const series = result.samples
    .map((s) => `| ${s.at} | ${s.accepted.toLocaleString('en-US')} | ${s.shards.map((x) => `${kib(x.storageBytes)} / ${x.dedupIds.toLocaleString('en-US')} / ${x.dedupTables}`).join(' | ')} |`)
    .join('\n');
  return `Setup: ${o.minutes} minutes of \`POST /v1/batch\` (20 demo events each, re-timed to now) offered at ${o.eventsPerSecond} events/s to
wrangler dev (local Durable Objects and R2), \`BUFFER_SHARDS=${o.shards}\`, \`DEDUP_HORIZON_SECONDS=${o.horizonSeconds}\` (buckets of
${result.bucketSeconds} s), \`FLUSH_INTERVAL_SECONDS=${o.flushIntervalSeconds}\`; \`/metrics\` sampled every ${o.sampleSeconds} s. Accepted ${result.accepted.toLocaleString('en-US')} events in
${result.requests.toLocaleString('en-US')} requests, ${result.errors} errors, ${result.skipped} requests skipped (16 in flight); the workerd runtime used
${(result.workerdCpuShare * 100).toFixed(0)}% of one core. Storage is each shard's SQLite database size (\`storageBytes\`,
\`ctx.storage.sql.databaseSize\`: what the 10 GB limit counts), read right after a flush (each sample flushes first, so the rows
waiting for the next flush, up to ${o.flushIntervalSeconds} s of events, do not blur it): the dedup tables, the counters and the bookkeeping.

| shard | at start | at the horizon (t = ${result.horizonSampleAt} s) | at the end | largest | slope before the horizon | slope from t = ${result.steadyFrom} s | dedup ids at the end (slope from t = ${result.steadyFrom} s) | bytes per id (growth before the horizon) |
|---:|---:|---:|---:|---:|---:|---:|---:|---:|
${result.shards
  .map(
    (s) =>
      `| ${s.shard} | ${kib(s.startBytes)} | ${kib(s.horizonBytes)} | ${kib(s.endBytes)} | ${kib(s.maxBytes)} | ${signedKib(s.slopeBeforeBytesPerMinute)}/min | ${signedKib(s.slopeAfterBytesPerMinute)}/min | ${s.endIds.toLocaleString('en-US')} (${s.idSlopeAfterPerMinute >= 0 ? '+' : '−'}${Math.abs(Math.round(s.idSlopeAfterPerMinute)).toLocaleString('en-US')}/min) | ${s.bytesPerId.toFixed(0)} |`,
  )
  .join('\n')}

Series (storage / dedup ids / dedup tables per shard):

| t (s) | accepted | ${result.samples[0]!.shards.map((s) => `shard ${s.shard}`).join(' | ')} |
|---:|---:|${result.samples[0]!.shards.map(() => '---:').join('|')}|
${series}`;
}
