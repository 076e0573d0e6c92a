import type { Action } from '../access/roles';
import type { AccessGrant } from '../access/site-access';
import type { Env } from '../env';
import { HttpError } from '../http/http-error';
import { parseEventFileKey } from '@privacy-analytics/core/parquet';
import { eventKeyOfRollup } from '@privacy-analytics/core/rollups';
import { parseAdSpendTableKey } from '@privacy-analytics/core/imports';
import { catalogOf, lifecycleOf } from '../stubs';
import type { FileDownload } from '../lifecycle/downloads-audit';

/**
 * A key never changes content, but erasure and retention delete files, so a cached copy must not outlive its file: it
 * is reused for at most 5 minutes, then only once the edge confirms it (If-None-Match: 304; a deleted file: 404).
 * `private`: never kept by a shared cache.
 */
export const FILE_CACHE_CONTROL = 'private, max-age=300, must-revalidate';

/**
 * A rollup (rollups/…) holds aggregates only, so a viewer may read it; an event file holds rows (hashed person ids),
 * which need the analyst role. Undecodable keys get the viewer's action: the handler then answers 400, not 403.
 */
export function fileReadAction(encodedKey: string): Action {
  let key = encodedKey;
  try {
    key = decodeURIComponent(encodedKey);
  } catch {
    return 'aggregates.read';
  }
  return eventKeyOfRollup(key) === null && key.startsWith('events/') ? 'data.read' : 'aggregates.read';
}

/**
 * GET|HEAD /v1/sites/<site>/files/<key>: streams one Parquet file, an event file (analyst) or its rollup (rollups/…,
 * viewer), with Range and ETag support. `encodedKey` is the path after files/, percent-encoded or not. GETs are
 * counted in the audit log per token, hour and kind of file (downloads-audit.ts), in the same call to the catalog
 * that checks the file is listed.
 *
 * Only what the manifest lists is served, and compaction inputs during their grace period (kept for readers holding
 * the manifest from before the compaction): any other object under the site's prefix (a copy an interrupted erasure
 * or flush left behind) answers 404 as if it were not there.
 */
export async function handleFile(request: Request, env: Env, grant: AccessGrant, encodedKey: string, headers: Record<string, string>): Promise<Response> {
  const siteId = grant.site.id;
  const key = decodeFileKey(encodedKey);
  const table = parseAdSpendTableKey(key);
  if (table) {
    // An imported ad-spend table (campaign figures, no persons): served while the import lists it.
    if (table.site !== siteId) throw new HttpError(403, 'forbidden', `key "${key}" belongs to another site`);
    if (!(await catalogOf(env, siteId).importTableListed(key))) throw new HttpError(404, 'not_found', `no file "${key}"`);
    return serveObject(request, env, key, headers);
  }
  const eventKey = eventKeyOfRollup(key) ?? key;
  const parsed = parseEventFileKey(eventKey);
  if (!parsed) throw new HttpError(400, 'invalid_key', `not an event, rollup or imported table key: "${key.slice(0, 200)}"`);
  if (parsed.site !== siteId) throw new HttpError(403, 'forbidden', `key "${key}" belongs to another site`);
  const download = request.method === 'GET' ? { actor: grant.tokenId, role: grant.role, date: parsed.date } : null;
  if (!(await isServable(env, siteId, key, eventKey, download))) throw new HttpError(404, 'not_found', `no file "${key}"`);
  return serveObject(request, env, key, headers);
}

async function serveObject(request: Request, env: Env, key: string, headers: Record<string, string>): Promise<Response> {
  const object =
    request.method === 'HEAD'
      ? await env.EVENTS.head(key)
      : await env.EVENTS.get(key, { range: request.headers, onlyIf: request.headers });
  if (!object) throw new HttpError(404, 'not_found', `no file "${key}"`);
  const out = new Headers(headers);
  object.writeHttpMetadata(out);
  out.set('etag', object.httpEtag);
  out.set('accept-ranges', 'bytes');
  out.set('cache-control', FILE_CACHE_CONTROL);
  if (request.method === 'HEAD') {
    out.set('content-length', String(object.size));
    return new Response(null, { status: 200, headers: out });
  }
  const body = 'body' in object ? (object as R2ObjectBody).body : null;
  if (!body) {
    // onlyIf failed: either If-None-Match matched (304) or If-Match / If-Unmodified-Since failed (412).
    const status = request.headers.has('if-none-match') || request.headers.has('if-modified-since') ? 304 : 412;
    return new Response(null, { status, headers: out });
  }
  const range = object.range as { offset?: number; length?: number; suffix?: number } | undefined;
  if (range && request.headers.has('range')) {
    const offset = range.suffix !== undefined ? object.size - range.suffix : (range.offset ?? 0);
    const length = range.suffix !== undefined ? range.suffix : (range.length ?? object.size - offset);
    out.set('content-range', `bytes ${offset}-${offset + length - 1}/${object.size}`);
    out.set('content-length', String(length));
    return new Response(body, { status: 206, headers: out });
  }
  out.set('content-length', String(object.size));
  return new Response(body, { status: 200, headers: out });
}

function decodeFileKey(encodedKey: string): string {
  try {
    return decodeURIComponent(encodedKey);
  } catch {
    throw new HttpError(400, 'invalid_key', `malformed percent-encoding in the file key: "${encodedKey.slice(0, 200)}"`);
  }
}

async function isServable(env: Env, siteId: string, key: string, eventKey: string, download: FileDownload | null): Promise<boolean> {
  const listed = download ? await catalogOf(env, siteId).fileForDownload(key, eventKey, download) : await catalogOf(env, siteId).fileByKey(eventKey);
  if (listed) return key === eventKey || listed.rollup?.key === key;
  const kept = await lifecycleOf(env, siteId).isKeptForReaders(key);
  if (kept && download) await catalogOf(env, siteId).recordDownload(key, download);
  return kept;
}
