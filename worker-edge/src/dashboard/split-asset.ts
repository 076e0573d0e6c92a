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
export async function serveSplitAsset(request: Request, assets: Fetcher | undefined): Promise<Response | null> {
  const name = SPLIT_FILE_PATH.exec(new URL(request.url).pathname)?.[1];
  if (!name || !assets || (request.method !== 'GET' && request.method !== 'HEAD')) return null;
  const indexResponse = await assets.fetch(new URL('/wasm/parts.json', request.url));
  const index = partsIndexSchema.safeParse(indexResponse.ok ? await indexResponse.json().catch(() => null) : await indexResponse.arrayBuffer().then(() => null));
  const entry = index.success ? index.data.files[name] : undefined;
  if (!entry) return null;
  const partUrl = (part: string) => new URL(`/wasm/${part}`, request.url);

  // HEAD first: no part body is opened until it is piped (a body left unread or cancelled could stall local assets).
  const heads = await Promise.all(entry.parts.map((part) => assets.fetch(partUrl(part), { method: 'HEAD' })));
  if (heads.some((head) => !head.ok)) {
    console.error(`dashboard asset ${name}: a part listed in wasm/parts.json is missing (${heads.map((head) => head.status).join(', ')}); rebuild and deploy the dashboard`);
    return new Response('dashboard asset incomplete; see the worker logs', { status: 503 });
  }
  const etag = `"${entry.sha256}"`;
  const headers = new Headers(heads[0]!.headers);
  headers.set('content-type', 'application/wasm');
  headers.set('etag', etag);
  headers.delete('content-length');
  if ((request.headers.get('if-none-match') ?? '').split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers });
  }
  headers.set('content-length', String(entry.bytes));
  if (request.method === 'HEAD') return new Response(null, { headers });

  // Not awaited: the response streams while the parts are piped in, one after another (the request lives until its
  // body is written); FixedLengthStream fails the response if they do not add up to the whole file.
  const { readable, writable } = new FixedLengthStream(entry.bytes);
  void (async () => {
    for (const part of entry.parts) {
      const response = await assets.fetch(partUrl(part));
      if (!response.ok || !response.body) throw new Error(`part ${part} answered ${response.status}`);
      await response.body.pipeTo(writable, { preventClose: true });
    }
    await writable.close();
  })().catch(async (error: unknown) => {
    console.error(`dashboard asset ${name}: joining its parts failed`, error);
    await writable.abort(error).catch(() => undefined);
  });
  return new Response(readable, { headers });
}
