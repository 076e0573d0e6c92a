import { manifestEntrySchema, RetriesExhaustedError, withRetries, type ManifestEntry, type RetryPolicy } from '@privacy-analytics/core/edge-api';
import { z } from 'zod';
import type { DateRange, EdgeConnection } from '../engine/data-engine';
import { validEdgeUrl } from './edge-url';
import { EdgeRequestError, errorMessage } from '../engine/errors';

/** More files than this in one range is more than a browser can load; the dashboard asks for a shorter range. */
const MAX_MANIFEST_FILES = 200_000;
/** A listing that changed while it was paged (409) is read again from its first page, this many times at most. */
const MANIFEST_TRIES = 3;

/**
 * One page of the manifest as the edge serves it, validated at the boundary: each file by core's wire schema (the
 * edge's answer satisfies the same type); of the envelope only what the loader reads, so that stand-in edges
 * (benchmarks) may omit the rest.
 */
const manifestPageSchema = z.object({
  schemaVersion: z.number().int(),
  files: z.array(manifestEntrySchema).max(MAX_MANIFEST_FILES),
  /** absent (stand-in edges, edges from before paging) or null: the last page */
  nextCursor: z.string().max(2048).nullish(),
});
const liveSchema = z.object({
  minutes: z.array(z.object({ minute: z.string(), accepted: z.number().optional() }).passthrough()).max(48 * 60),
});

export type ManifestFile = ManifestEntry;
/** Every file of a range: the edge's pages joined. */
export interface Manifest {
  schemaVersion: number;
  files: ManifestFile[];
}

/** Three tries, waiting about 0.25 s and then 1 s (jittered) between them. */
export const FILE_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, factor: 4 };
const MANIFEST_TIMEOUT_MS = 30_000;
/**
 * A file request with no response after this long is abandoned and tried again: while a compaction step runs, the
 * local edge (wrangler dev) answers every request late and some never (seen with 1 of 60 downloads; the others took
 * up to 9 s on 2 busy cores), which would leave the load waiting for ever.
 */
const FILE_ANSWER_TIMEOUT_MS = 30_000;

/** The edge's read API: manifest, files, live counters. Bearer token in a header, never in the URL. */
export class EdgeClient {
  readonly #conn: EdgeConnection;
  readonly #base: string;

  constructor(conn: EdgeConnection) {
    this.#conn = conn;
    this.#base = `${validEdgeUrl(conn.url)}/v1/sites/${encodeURIComponent(conn.site)}`;
  }

  /**
   * Every file of `range`, following the edge's pages (`nextCursor`; `pageSize` files each, or the edge's default).
   * When the files of an earlier page were replaced meanwhile (compaction, erasure: 409), the listing starts again.
   */
  async manifest(range: DateRange, signal?: AbortSignal, pageSize?: number): Promise<Manifest> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#manifestPages(range, signal, pageSize);
      } catch (error) {
        if (!(error instanceof EdgeRequestError && error.status === 409) || attempt >= MANIFEST_TRIES || signal?.aborted) throw error;
      }
    }
  }

  async #manifestPages(range: DateRange, signal: AbortSignal | undefined, pageSize: number | undefined): Promise<Manifest> {
    const base = `${this.#base}/manifest?from=${range.from}&to=${range.to}${pageSize === undefined ? '' : `&limit=${pageSize}`}`;
    const first = await this.#manifestPage(base, signal);
    const files = [...first.files];
    for (let cursor = first.nextCursor ?? null; cursor !== null; ) {
      const page = await this.#manifestPage(`${base}&cursor=${encodeURIComponent(cursor)}`, signal);
      files.push(...page.files);
      if (files.length > MAX_MANIFEST_FILES) {
        throw new EdgeRequestError(`the edge lists more than ${MAX_MANIFEST_FILES.toLocaleString('en-US')} files for ${range.from}..${range.to}; choose a shorter range`, 200);
      }
      cursor = page.nextCursor ?? null;
    }
    return { schemaVersion: first.schemaVersion, files };
  }

  async #manifestPage(url: string, signal: AbortSignal | undefined): Promise<z.infer<typeof manifestPageSchema>> {
    const parsed = manifestPageSchema.safeParse(await this.#getJson(url, 'manifest', signal));
    if (!parsed.success) throw new EdgeRequestError(`the edge's manifest is not in the expected shape: ${parsed.error.message.slice(0, 500)}`, 200);
    return parsed.data;
  }

  /** GET …/<path> as JSON (the caller validates it). */
  json(path: string, what: string, signal?: AbortSignal): Promise<unknown> {
    return this.#getJson(`${this.#base}/${path}`, what, signal);
  }

  async live(minutes: number, signal?: AbortSignal): Promise<{ minute: string; accepted: number }[]> {
    const body = await this.#getJson(`${this.#base}/live?minutes=${minutes}`, 'live counts', signal);
    const parsed = liveSchema.safeParse(body);
    if (!parsed.success) throw new EdgeRequestError(`the edge's live counts are not in the expected shape: ${parsed.error.message.slice(0, 500)}`, 200);
    return parsed.data.minutes.map((m) => ({ minute: m.minute, accepted: m.accepted ?? 0 }));
  }

  /**
   * Downloads one file, retrying network errors, 408, 429 and 5xx with jittered backoff. `attempts` in the result
   * (or in the error's `attempts`) counts the tries made. `fetchOptions`: the request's priority (rollups go before
   * event files on the browser's few connections to the edge) and HTTP cache mode (event files `no-store`: the
   * warehouse or the IndexedDB cache keeps them; rollups may stay in the browser's HTTP cache: a key never changes
   * content, and the edge lets a copy be reused for 5 minutes, then revalidated by its ETag, so that an erased file
   * leaves the cache).
   */
  async file(
    key: string,
    signal: AbortSignal,
    policy: RetryPolicy = FILE_RETRY,
    fetchOptions: { priority?: RequestPriority; cache?: RequestCache } = {},
  ): Promise<{ bytes: Uint8Array; etag: string | null; attempts: number }> {
    const url = `${this.#base}/files/${key.split('/').map(encodeURIComponent).join('/')}`;
    let attempts = 0;
    try {
      return await withRetries(
        `download of ${key}`,
        policy,
        async (attempt) => {
          attempts = attempt;
          signal.throwIfAborted();
          return { ...(await this.#fileOnce(url, signal, fetchOptions)), attempts: attempt };
        },
        (error) => !signal.aborted && error instanceof EdgeRequestError && retryable(error.status),
        signal,
      );
    } catch (error) {
      // An abort ends the download as it is; any other failure is the last try's, with the tries it took.
      if (signal.aborted || !(error instanceof Error)) throw error;
      const last = error instanceof RetriesExhaustedError && error.cause instanceof Error ? error.cause : error;
      throw withAttempts(last, attempts);
    }
  }

  /** One try: the file, or an EdgeRequestError (`status` null when the edge could not be reached or did not answer). */
  async #fileOnce(url: string, signal: AbortSignal, options: { priority?: RequestPriority; cache?: RequestCache }): Promise<{ bytes: Uint8Array; etag: string | null }> {
    const answer = new AbortController();
    const timer = setTimeout(() => answer.abort(new DOMException(`no answer within ${FILE_ANSWER_TIMEOUT_MS / 1000} s`, 'TimeoutError')), FILE_ANSWER_TIMEOUT_MS);
    try {
      const res = await fetch(url, { headers: this.#headers(), signal: AbortSignal.any([signal, answer.signal]), cache: options.cache ?? 'no-store', priority: options.priority ?? 'auto' });
      // The limit is on the answer's start: a large body may take longer to arrive.
      clearTimeout(timer);
      if (res.ok) return { bytes: new Uint8Array(await res.arrayBuffer()), etag: res.headers.get('etag') };
      throw new EdgeRequestError(`HTTP ${res.status}${await errorDetail(res)}`, res.status);
    } catch (error) {
      if (signal.aborted || error instanceof EdgeRequestError) throw error;
      throw new EdgeRequestError(`network error: ${errorMessage(error)}`, null, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  #headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#conn.token}` };
  }

  async #getJson(url: string, what: string, signal?: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(MANIFEST_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(url, { headers: this.#headers(), signal: signal ? AbortSignal.any([signal, timeout]) : timeout, cache: 'no-store' });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new EdgeRequestError(`could not reach the edge at ${this.#conn.url} for the ${what}: ${errorMessage(error)}`, null, { cause: error });
    }
    if (!res.ok) {
      const hint = res.status === 401 ? ' (check the read token)' : res.status === 403 ? ` (the token may not read site "${this.#conn.site}")` : '';
      throw new EdgeRequestError(`the edge refused the ${what}: HTTP ${res.status}${await errorDetail(res)}${hint}`, res.status);
    }
    try {
      return await res.json();
    } catch (error) {
      throw new EdgeRequestError(`the edge's ${what} is not JSON: ${errorMessage(error)}`, res.status, { cause: error });
    }
  }
}

/** ETags compare without quotes and weakness marks (the manifest and the HTTP header may differ in form). */
export function sameEtag(a: string | null | undefined, b: string | null | undefined): boolean {
  const bare = (tag: string) => tag.replace(/^W\//, '').replace(/^"|"$/g, '');
  return a != null && b != null && bare(a) === bare(b);
}

function retryable(status: number | null): boolean {
  return status === null || status === 408 || status === 429 || status >= 500;
}

function withAttempts(error: Error, attempts: number): Error & { attempts: number } {
  return Object.assign(error, { attempts });
}

async function errorDetail(res: Response): Promise<string> {
  try {
    const text = (await res.text()).slice(0, 1000);
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    return typeof body.message === 'string' ? `: ${body.message}` : typeof body.error === 'string' ? `: ${body.error}` : '';
  } catch {
    return '';
  }
}
