/** A real edge under wrangler dev filled with demo events through /v1/batch and flushed, and reads of what it stored. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY_MS } from '@privacy-analytics/core/analytics';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';
import { manifestResponseSchema, withRetries, type ManifestEntry } from '@privacy-analytics/core/edge-api';
import { sendEvents } from '../collector/send-events';
import { DEFAULT_EDGE_VARS, DEMO, startLocalEdge, type LocalEdge } from './local-edge';

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A real edge under wrangler dev whose read API accepts the given dashboard origins. */
export function startEdgeFor(appOrigins: readonly string[], options: { persistDir?: string; port?: number; testScheduled?: boolean } = {}): Promise<LocalEdge> {
  const sites = JSON.stringify({ [DEMO.site]: { mode: 'pseudonymous', queryParams: ['ref', 'q'], dashboardOrigins: appOrigins } });
  return startLocalEdge({ vars: { SITES: sites, FLUSH_MAX_ROWS: '200000' }, ...options });
}

/** Sends demo events spread over `days` days ending yesterday (UTC) and flushes them to Parquet. */
export async function fillEdge(edgeUrl: string, options: { events: number; days: number; seed: number; endDay?: number }): Promise<{ accepted: number; from: string; to: string }> {
  const today = Date.parse(`${isoDay(Date.now())}T00:00:00Z`);
  const end = options.endDay ?? today;
  const start = new Date(end - options.days * DAY_MS);
  const summary = await sendEvents(generateDemoEvents({ seed: options.seed, events: options.events, start, days: options.days }), {
    url: edgeUrl,
    writeKey: DEMO.writeKey,
    batchSize: 500,
    concurrency: 2,
  });
  await flushEdge(edgeUrl);
  return { accepted: summary.accepted, from: isoDay(start.getTime()), to: isoDay(end - DAY_MS) };
}

/**
 * Flushes the buffered events to Parquet. Asked again when wrangler dev gives no answer within 120 s or a 503 ("worker
 * restarted mid-request"), as `npm run demo` does: the flush's plan is durable and a repeat rewrites the same files.
 */
export async function flushEdge(edgeUrl: string): Promise<void> {
  await withRetries(
    'POST flush',
    { attempts: 4, baseDelayMs: 500 },
    async () => {
      const res = await fetch(`${edgeUrl}/v1/sites/${DEMO.site}/flush`, { method: 'POST', headers: { authorization: `Bearer ${DEMO.adminToken}` }, signal: AbortSignal.timeout(120_000) });
      const text = await res.text();
      if (res.status === 503) throw new EdgeBusy(`flush: 503 ${text.slice(0, 200)}`);
      if (!res.ok) throw new Error(`flush: ${res.status} ${text}`);
    },
    (error) => error instanceof EdgeBusy || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'TypeError')),
  );
}

class EdgeBusy extends Error {}

/**
 * Runs the edge's 5-minute cron once, as `npm run demo` does: every site's lifecycle then checks retention and
 * merges past hours and days into larger files, in the background. The edge must run with `testScheduled`.
 */
export async function runLifecycleCron(edgeUrl: string): Promise<void> {
  const res = await fetch(`${edgeUrl}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`);
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`the edge did not run its cron: HTTP ${res.status} (started without testScheduled?)`);
}

/**
 * Waits until the manifest of `range` stops changing (the same files in three reads a second apart) after it has
 * changed from `before`: the lifecycle has finished with those days. While a compaction step runs, wrangler dev
 * answers nothing until the step ends (the alarm gives other requests a turn between steps), so each read gives up
 * after 10 s.
 */
export async function manifestSettled(edgeUrl: string, range: { from: string; to: string }, before: readonly ManifestEntry[], timeoutMs = 120_000): Promise<ManifestEntry[]> {
  const keys = (files: readonly ManifestEntry[]) => files.map((f) => f.key).sort().join('\n');
  const deadline = Date.now() + timeoutMs;
  let last = keys(before);
  let same = 0;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let files: ManifestEntry[];
    try {
      files = await edgeManifest(edgeUrl, range, AbortSignal.timeout(10_000));
    } catch (error) {
      lastError = error;
      same = 0;
      continue;
    }
    const now = keys(files);
    same = now === last && now !== keys(before) ? same + 1 : 0;
    last = now;
    if (same >= 2) return files;
  }
  throw new Error(`the manifest of ${range.from}..${range.to} did not settle within ${timeoutMs / 1000} s`, { cause: lastError });
}

/** Every file of the manifest (of `range`), page after page; a listing that changed meanwhile (409) throws. */
export async function edgeManifest(edgeUrl: string, range?: { from: string; to: string }, signal?: AbortSignal): Promise<ManifestEntry[]> {
  const query = range ? `from=${range.from}&to=${range.to}` : '';
  const files: ManifestEntry[] = [];
  let cursor: string | null = null;
  do {
    const url = `${edgeUrl}/v1/sites/${DEMO.site}/manifest?${query}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${DEMO.readToken}` }, ...(signal ? { signal } : {}) });
    if (!res.ok) throw new Error(`manifest: ${res.status} ${await res.text()}`);
    const page = manifestResponseSchema.parse(await res.json());
    files.push(...page.files);
    cursor = page.nextCursor ?? null;
  } while (cursor !== null);
  return files;
}

/** Downloads the manifest's files for `range` (the same bytes the dashboard reads) into a temp directory. */
export async function downloadEdgeFiles(edgeUrl: string, range?: { from: string; to: string }): Promise<{ files: ManifestEntry[]; paths: string[] }> {
  const files = await edgeManifest(edgeUrl, range);
  const dir = mkdtempSync(join(tmpdir(), 'pa-edge-files-'));
  const paths: string[] = [];
  for (const [i, file] of files.entries()) {
    const res = await fetch(`${edgeUrl}/v1/sites/${DEMO.site}/files/${encodeURIComponent(file.key)}`, { headers: { authorization: `Bearer ${DEMO.readToken}` } });
    if (!res.ok) throw new Error(`file ${file.key}: ${res.status}`);
    const path = join(dir, `${String(i).padStart(5, '0')}.parquet`);
    writeFileSync(path, new Uint8Array(await res.arrayBuffer()));
    paths.push(path);
  }
  return { files, paths };
}

export interface FilledEdge extends LocalEdge {
  range: { from: string; to: string };
  accepted: number;
}

/**
 * The edge with `events` demo events over `days` days ending yesterday (UTC), flushed to Parquet; the dashboard at
 * `appOrigins` may read it (CORS).
 */
export async function startFilledEdge(options: {
  appOrigins: string[];
  events: number;
  days?: number;
  seed?: number;
  persistDir?: string;
  onProgress?: (sent: number) => void;
  /** Further settings of the demo site in SITES (e.g. audienceWebhookUrls). */
  site?: Record<string, unknown>;
  /** Further secrets of the demo site in SITE_SECRETS (e.g. webhookSecret), and further worker vars. */
  secrets?: Record<string, unknown>;
  vars?: Record<string, string>;
}): Promise<FilledEdge> {
  const days = options.days ?? 14;
  const today = Date.parse(`${isoDay(Date.now())}T00:00:00Z`);
  const start = new Date(today - days * 86_400_000);
  const sites = JSON.stringify({ [DEMO.site]: { mode: 'pseudonymous', queryParams: ['ref', 'q'], dashboardOrigins: options.appOrigins, ...options.site } });
  const secrets: Record<string, string> = options.secrets ? { SITE_SECRETS: JSON.stringify({ demo: { ...JSON.parse(DEFAULT_EDGE_VARS.SITE_SECRETS!).demo, ...options.secrets } }) } : {};
  const edge = await startLocalEdge({ vars: { SITES: sites, FLUSH_MAX_ROWS: '200000', ...secrets, ...options.vars }, ...(options.persistDir ? { persistDir: options.persistDir } : {}) });
  try {
    const summary = await sendEvents(generateDemoEvents({ seed: options.seed ?? 7, events: options.events, start, days }), {
      url: edge.url,
      writeKey: DEMO.writeKey,
      // 200 Segment messages stay under the edge's 512 KB body limit
      batchSize: 200,
      concurrency: 4,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    if (summary.rejected > summary.sent / 100) throw new Error(`edge rejected ${summary.rejected} of ${summary.sent} events: ${summary.rejectionSamples.join(' | ')}`);
    await flushEdge(edge.url);
    await manifestAnswers(edge.url);
    return { ...edge, range: { from: isoDay(start.getTime()), to: isoDay(today - 86_400_000) }, accepted: summary.accepted };
  } catch (error) {
    await edge.kill();
    throw error;
  }
}

/**
 * The first manifest request after a large flush sometimes gets no answer from wrangler dev (seen with the edge of
 * this branch); ask until it answers so that the tests start from an edge that serves reads.
 */
async function manifestAnswers(edgeUrl: string): Promise<void> {
  await withRetries(
    "the edge's manifest",
    { attempts: 5, baseDelayMs: 200 },
    async () => {
      const res = await fetch(`${edgeUrl}/v1/sites/${DEMO.site}/manifest`, { headers: { authorization: `Bearer ${DEMO.readToken}` }, signal: AbortSignal.timeout(15_000) });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
    () => true,
  );
}
