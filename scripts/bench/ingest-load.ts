/**
 * Ingest throughput against the real worker under wrangler dev on loopback: batches of 20 events,
 * a fixed number of requests in flight, for a bounded time. The load generator shares the
 * machine's cores with workerd, so the figure is a floor for a dedicated host.
 */
import { startLocalEdge } from '../harness';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { percentile } from './results-file';

export interface IngestLoadResult {
  concurrency: number;
  seconds: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const BATCH = 20;

export async function benchIngestLoad(options: { seconds: number; concurrency: number[] }): Promise<IngestLoadResult[]> {
  const edge = await startLocalEdge({ vars: { FLUSH_INTERVAL_SECONDS: '10', BUFFER_SHARDS: '4' } });
  try {
    const bodies = prepareBodies(4000);
    const auth = `Basic ${Buffer.from('demo-write-key:').toString('base64')}`;
    let next = 0;
    const results: IngestLoadResult[] = [];
    for (const concurrency of options.concurrency) {
      const latencies: number[] = [];
      let errors = 0;
      const deadline = performance.now() + options.seconds * 1000;
      const began = performance.now();
      // One client address per request in flight, as separate clients have: the edge limits each address to 1,000
      // requests per 10 s (wrangler dev keeps a CF-Connecting-IP the request brings).
      let clients = 0;
      const worker = async () => {
        const address = `10.0.${Math.floor(clients / 250)}.${(clients++ % 250) + 1}`;
        while (performance.now() < deadline) {
          const round = Math.floor(next / bodies.length);
          const template = bodies[next++ % bodies.length]!;
          const body = round === 0 ? template : template.replaceAll('"messageId":"', `"messageId":"r${round}-`);
          const t0 = performance.now();
          try {
            const res = await fetch(`${edge.url}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json', 'user-agent': 'bench', 'cf-connecting-ip': address }, body });
            await res.arrayBuffer();
            if (res.status !== 200) errors++;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - t0);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      const seconds = (performance.now() - began) / 1000;
      latencies.sort((a, b) => a - b);
      results.push({
        concurrency,
        seconds,
        requests: latencies.length,
        events: (latencies.length - errors) * BATCH,
        eventsPerSecond: ((latencies.length - errors) * BATCH) / seconds,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
        errors,
      });
    }
    return results;
  } finally {
    await edge.stop();
  }
}

/**
 * Demo messages re-timed to now, as live traffic is (the demo data spans weeks, which would make
 * every flush write hundreds of hour partitions). Distinct messageIds on every request: a body
 * sent more than once gets a per-round prefix on its ids.
 */
function prepareBodies(count: number): string[] {
  const messages = generateDemoEvents({ seed: 11, events: count * BATCH, start: new Date(Date.now() - 7 * 86_400_000), days: 7 });
  const bodies: string[] = [];
  let batch: object[] = [];
  const now = new Date().toISOString();
  for (const message of messages) {
    batch.push({ ...message, timestamp: now });
    if (batch.length === BATCH) {
      bodies.push(JSON.stringify({ batch }));
      batch = [];
      if (bodies.length >= count) break;
    }
  }
  return bodies;
}
