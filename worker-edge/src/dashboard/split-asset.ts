import { z } from 'zod';

/** The build's wasm/parts.json (vite.config.ts splitLargeFiles): files over the 25 MiB asset limit, stored in parts. */
const partsIndexSchema = z.object({
  files: z.record(
    z.string(),
    z.object({
      bytes: z.number().int().positive(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      parts: z.array(z.string().regex(/^[\w.-]+$/)).min(1).max(16),
    }),
  ),
});

const SPLIT_FILE_PATH = /^\/wasm\/([\w.-]+\.wasm)$/;

/**
 * Serves a dashboard wasm file that the build stored as parts (Workers Static Assets refuses files over 25 MiB; the
 * DuckDB builds are 34-39 MB): the parts are piped one after another into one response of the whole file's length.
 * Headers are the first part's (the `_headers` rules: COOP/COEP, CSP) with the whole file's type, length and ETag.
 * null: not such a file (the caller answers as for any other unknown path).
 */
export async function serveSplitAsset(request: Request, assets: Fetcher | undefined, ctx: ExecutionContext): Promise<Response | null> {
  const name = SPLIT_FILE_PATH.exec(new URL(request.url).pathname)?.[1];
  if (!name || !assets || (request.method !== 'GET' && request.method !== 'HEAD')) return null;
  const indexResponse = await assets.fetch(new URL('/wasm/parts.json', request.url));
  if (!indexResponse.ok) {
    await indexResponse.body?.cancel();
    return null;
  }
  const index = partsIndexSchema.safeParse(await indexResponse.json().catch(() => null));
  const entry = index.success ? index.data.files[name] : undefined;
  if (!entry) return null;

  const parts = await Promise.all(entry.parts.map((part) => assets.fetch(new URL(`/wasm/${part}`, request.url))));
  // Asset responses may carry no content-length; FixedLengthStream below fails the response if the parts do not add up.
  if (parts.some((part) => !part.ok || !part.body)) {
    await Promise.all(parts.map((part) => part.body?.cancel()));
    console.error(`dashboard asset ${name}: a part listed in wasm/parts.json is missing (${parts.map((part) => part.status).join(', ')}); rebuild and deploy the dashboard`);
    return new Response('dashboard asset incomplete; see the worker logs', { status: 503 });
  }

  const etag = `"${entry.sha256}"`;
  const headers = new Headers(parts[0]!.headers);
  headers.set('content-type', 'application/wasm');
  headers.set('etag', etag);
  headers.delete('content-length');
  const notModified = (request.headers.get('if-none-match') ?? '').split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
  if (notModified || request.method === 'HEAD') {
    await Promise.all(parts.map((part) => part.body?.cancel()));
    if (notModified) return new Response(null, { status: 304, headers });
    headers.set('content-length', String(entry.bytes));
    return new Response(null, { headers });
  }
  const { readable, writable } = new FixedLengthStream(entry.bytes);
  ctx.waitUntil(
    (async () => {
      for (const part of parts) await part.body!.pipeTo(writable, { preventClose: true });
      await writable.close();
    })().catch(async (error: unknown) => {
      console.error(`dashboard asset ${name}: joining its parts failed`, error);
      await writable.abort(error).catch(() => undefined);
    }),
  );
  return new Response(readable, { headers });
}
