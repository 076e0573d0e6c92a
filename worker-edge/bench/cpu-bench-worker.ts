/**
 * Benchmark only, never deployed: the edge worker (every route and Durable Object, unchanged) plus `/bench/*` routes
 * that run one stage of the ingest path many times over the same messages, so that `npm run bench -- edge-cpu` can read
 * workerd's CPU time per stage from /proc (workerd freezes its timers during synchronous work, so timing from inside
 * says little). Served by `wrangler dev worker-edge/bench/cpu-bench-worker.ts` with the edge's wrangler.toml.
 *
 *   POST /bench/normalise?repeat=R   body {"messages": [...]}: messageToRow on each message R times, as a request
 *                                    does (HMAC hasher, scrub on); the rows of the last pass are kept
 *   POST /bench/append?rounds=N      the kept rows appended to the buffer shards N times, 20 per call of
 *                                    appendToBuffers (one append per shard, as a 20-event request makes), fresh ids
 *                                    each round
 *   POST /bench/flush                every shard's flush: rows read back, Parquet + rollup written to R2, catalog
 *   POST /bench/parquet?repeat=R     encodeEventsParquet of the kept rows R times (the flush's writer, nothing else)
 *   POST /bench/request              a request's plumbing alone: the body read and parsed as JSON, a small JSON answer
 */
import { z } from 'zod';
import { messageToRow } from '@privacy-analytics/core/ingest';
import { encodeEventsParquet } from '@privacy-analytics/core/parquet';
import type { EventRow } from '@privacy-analytics/core/schema';
import { loadSitesConfig } from '../src/config/sites';
import type { Env } from '../src/env';
import { errorResponse, HttpError, jsonResponse } from '../src/http/http-error';
import edge from '../src/index';
import { appendToBuffers, hasherFor, ingestMessageOptions, requestFacts } from '../src/ingest/ingest-route';
import { parquetForWorkers } from '../src/storage/parquet-wasm-workers';
import { everyBufferOf } from '../src/stubs';

export { IngestBuffer, SiteAlerts, SiteLifecycle, SiteState } from '../src/index';

const SITE = 'demo';
const REQUEST_EVENTS = 20;
const messagesBody = z.object({ messages: z.array(z.record(z.string(), z.unknown())).min(1).max(20_000) });

let keptRows: EventRow[] = [];

function param(url: URL, name: string, max: number): number {
  const parsed = z.coerce.number().int().min(1).max(max).default(1).safeParse(url.searchParams.get(name) ?? undefined);
  if (!parsed.success) throw new HttpError(400, 'invalid_parameter', `${name} must be an integer from 1 to ${max}, got "${url.searchParams.get(name)}"`);
  return parsed.data;
}

async function normalise(request: Request, env: Env, url: URL): Promise<Response> {
  const repeat = param(url, 'repeat', 1000);
  // not readJsonBody: its 512 KB cap is for the public routes, and a 10,000-message body is about 9 MB
  const body = messagesBody.safeParse(await request.json().catch(() => null));
  if (!body.success) throw new HttpError(400, 'invalid_body', 'body must be {"messages": [1 to 20,000 message objects]}');
  const site = loadSitesConfig(env).sites.get(SITE);
  if (!site) throw new HttpError(400, 'unknown_site', `site "${SITE}" is not configured`);
  const facts = requestFacts(request, Date.now(), undefined);
  const options = ingestMessageOptions(site, await hasherFor(site, env, facts.receivedAt));
  const outcomes = { row: 0, bot: 0, rejected: 0 };
  let rows: EventRow[] = [];
  for (let pass = 0; pass < repeat; pass++) {
    rows = [];
    for (const message of body.data.messages) {
      const outcome = await messageToRow(message, facts, options);
      outcomes[outcome.kind]++;
      if (outcome.kind === 'row') rows.push(outcome.row);
    }
  }
  keptRows = rows;
  return jsonResponse({ events: body.data.messages.length * repeat, ...outcomes, kept: rows.length });
}

async function append(env: Env, url: URL): Promise<Response> {
  const rounds = param(url, 'rounds', 1000);
  const site = loadSitesConfig(env).sites.get(SITE);
  if (!site) throw new HttpError(400, 'unknown_site', `site "${SITE}" is not configured`);
  if (keptRows.length === 0) throw new HttpError(409, 'no_rows', 'POST /bench/normalise first: it keeps the rows to append');
  let accepted = 0;
  let duplicates = 0;
  for (let round = 0; round < rounds; round++) {
    // a fresh id per round: same shard (the first 8 hex digits), new tail
    const tag = `${Date.now().toString(16)}${round.toString(16).padStart(4, '0')}`.slice(-12);
    for (let from = 0; from < keptRows.length; from += REQUEST_EVENTS) {
      const rows = keptRows.slice(from, from + REQUEST_EVENTS).map((row) => ({ ...row, event_id: row.event_id.slice(0, row.event_id.length - tag.length) + tag }));
      const stored = await appendToBuffers(env, site, rows, {});
      accepted += stored.accepted;
      duplicates += stored.duplicates;
    }
  }
  return jsonResponse({ events: keptRows.length * rounds, accepted, duplicates });
}

async function flush(env: Env): Promise<Response> {
  const results = await Promise.all((await everyBufferOf(env, SITE)).map((buffer) => buffer.flush()));
  return jsonResponse({ rows: results.reduce((n, r) => n + r.rows, 0), files: results.reduce((n, r) => n + r.files.length, 0), remaining: results.reduce((n, r) => n + r.remaining, 0) });
}

function parquet(url: URL): Response {
  const repeat = param(url, 'repeat', 1000);
  if (keptRows.length === 0) throw new HttpError(409, 'no_rows', 'POST /bench/normalise first: it keeps the rows to encode');
  const writer = parquetForWorkers();
  let bytes = 0;
  for (let pass = 0; pass < repeat; pass++) bytes = encodeEventsParquet(keptRows, writer).byteLength;
  return jsonResponse({ rows: keptRows.length * repeat, bytesPerFile: bytes, rowsPerFile: keptRows.length });
}

async function requestOnly(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => null)) as { batch?: unknown[] } | null;
  if (!Array.isArray(body?.batch)) throw new HttpError(400, 'invalid_body', 'body must be {"batch": [...]}');
  return jsonResponse({ success: true, accepted: 0, duplicates: 0, bots: 0, rejected: [], messages: body.batch.length });
}

const BENCH_ROUTES: Record<string, (request: Request, env: Env, url: URL) => Promise<Response> | Response> = {
  '/bench/normalise': normalise,
  '/bench/append': (_request, env, url) => append(env, url),
  '/bench/flush': (_request, env) => flush(env),
  '/bench/parquet': (_request, _env, url) => parquet(url),
  '/bench/request': (request) => requestOnly(request),
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/bench/')) return edge.fetch(request, env);
    const route = BENCH_ROUTES[url.pathname];
    try {
      if (!route) throw new HttpError(404, 'not_found', `no bench route ${url.pathname}; see worker-edge/bench/cpu-bench-worker.ts`);
      if (request.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `${url.pathname} takes POST`);
      return await route(request, env, url);
    } catch (error) {
      return errorResponse(error);
    }
  },

  scheduled(controller, env, ctx) {
    return edge.scheduled(controller, env, ctx);
  },
} satisfies ExportedHandler<Env>;
