import type { Env } from '../env';
import { jsonResponse } from '../http/http-error';
import { everyBufferOf } from '../stubs';

/** POST /v1/sites/<site>/flush (admin token): writes every shard's buffer to R2 now and lists the files. */
export async function handleFlush(env: Env, siteId: string, headers: Record<string, string>): Promise<Response> {
  const results = await Promise.all((await everyBufferOf(env, siteId)).map((buffer) => buffer.flush()));
  const files = results.flatMap((r) => r.files);
  return jsonResponse(
    { site: siteId, files, rows: results.reduce((n, r) => n + r.rows, 0), remaining: results.reduce((n, r) => n + r.remaining, 0) },
    200,
    headers,
  );
}
