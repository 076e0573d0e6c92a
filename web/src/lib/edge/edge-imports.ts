/**
 * The edge's import endpoints (docs/imports.md): check a file (dryRun), import it, list imports, withdraw one (admin).
 * The file goes as the request body, as it is; answers are validated here, refusals become EdgeRequestError with the
 * edge's code and body (its validation report rides on 422 answers).
 */
import { z } from 'zod';
import { importAnswerSchema, importDryRunSchema, importRecordSchema, type ImportAnswer, type ImportDryRun, type ImportRecord } from '@privacy-analytics/core/edge-api';
import type { ColumnMapping, ImportKind } from '@privacy-analytics/core/imports';
import type { EdgeConnection } from '../engine/data-engine';
import { EdgeRequestError, errorMessage } from '../engine/errors';
import { validEdgeUrl } from './edge-url';

const REQUEST_TIMEOUT_MS = 120_000;
const listSchema = z.object({ imports: z.array(importRecordSchema).max(1000) });
const withdrawSchema = z.object({ import: importRecordSchema, filesDeleted: z.number() });

export interface ImportRequest {
  kind: ImportKind;
  file: Blob;
  /** field → column; '' leaves a field unmapped */
  mapping: ColumnMapping;
  importId?: string;
  maxRejectedShare?: number;
}

export class EdgeImports {
  readonly #conn: EdgeConnection;
  readonly #base: string;

  constructor(conn: EdgeConnection) {
    this.#conn = conn;
    this.#base = `${validEdgeUrl(conn.url)}/v1/sites/${encodeURIComponent(conn.site)}/imports`;
  }

  /** Validates the file as the import would and reports, writing nothing. */
  async check(request: ImportRequest, signal?: AbortSignal): Promise<ImportDryRun> {
    return parse(importDryRunSchema, await this.#request('POST', `?${query(request, true)}`, 'import check', request.file, signal), 'import check');
  }

  async commit(request: ImportRequest, signal?: AbortSignal): Promise<ImportAnswer> {
    return parse(importAnswerSchema, await this.#request('POST', `?${query(request, false)}`, 'import', request.file, signal), 'import');
  }

  async list(signal?: AbortSignal): Promise<ImportRecord[]> {
    return parse(listSchema, await this.#request('GET', '?limit=200', 'import list', undefined, signal), 'import list').imports;
  }

  async withdraw(id: string, signal?: AbortSignal): Promise<{ import: ImportRecord; filesDeleted: number }> {
    return parse(withdrawSchema, await this.#request('DELETE', `/${encodeURIComponent(id)}`, 'withdrawal', undefined, signal), 'withdrawal');
  }

  /** The rejected rows of an import as CSV text (line, field, reason). */
  async report(id: string, signal?: AbortSignal): Promise<string> {
    return (await this.#request('GET', `/${encodeURIComponent(id)}/report`, 'import report', undefined, signal, 'text')) as string;
  }

  async #request(method: 'GET' | 'POST' | 'DELETE', path: string, what: string, body: Blob | undefined, signal: AbortSignal | undefined, as: 'json' | 'text' = 'json'): Promise<unknown> {
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const headers: Record<string, string> = { authorization: `Bearer ${this.#conn.token}` };
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, { method, headers, cache: 'no-store', signal: signal ? AbortSignal.any([signal, timeout]) : timeout, ...(body ? { body } : {}) });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new EdgeRequestError(`could not reach the edge at ${this.#conn.url} for the ${what}: ${errorMessage(error)}`, null, { cause: error });
    }
    const text = await res.text();
    if (res.ok && as === 'text') return text;
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      if (res.ok) throw new EdgeRequestError(`the edge's ${what} is not JSON: ${text.slice(0, 200)}`, res.status);
    }
    if (!res.ok) {
      const answer = json !== null && typeof json === 'object' ? (json as Record<string, unknown>) : null;
      const code = typeof answer?.error === 'string' ? answer.error : null;
      const message = typeof answer?.message === 'string' ? `: ${answer.message.slice(0, 500)}` : '';
      throw new EdgeRequestError(`the edge refused the ${what}: HTTP ${res.status}${message}`, res.status, { code, body: answer });
    }
    return json;
  }
}

function query(request: ImportRequest, dryRun: boolean): string {
  const params = new URLSearchParams({ kind: request.kind, mapping: JSON.stringify(request.mapping) });
  if (request.importId) params.set('importId', request.importId);
  if (request.maxRejectedShare !== undefined) params.set('maxRejectedShare', String(request.maxRejectedShare));
  if (dryRun) params.set('dryRun', 'true');
  return params.toString();
}

function parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new EdgeRequestError(`the edge's ${what} is not in the expected shape: ${parsed.error.message.slice(0, 500)}`, 200);
  return parsed.data;
}
