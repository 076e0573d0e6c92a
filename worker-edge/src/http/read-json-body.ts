import { MAX_REQUEST_BYTES } from '@privacy-analytics/core/schema';
import { HttpError } from './http-error';
import { readCapped } from './read-capped';

/**
 * Reads a JSON body (application/json, or text/plain as sendBeacon sends it; gzip or deflate
 * encoded as RudderStack SDKs send it) with a hard cap on the decoded size.
 */
export async function readJsonBody(request: Request, maxBytes = MAX_REQUEST_BYTES): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw tooLarge(declared, maxBytes);
  if (!request.body) throw new HttpError(400, 'empty_body', 'request body is empty; send a JSON object');
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    throw new HttpError(415, 'unsupported_encoding', `content-encoding "${encoding}" is not supported; use gzip, deflate or none`);
  }
  const stream = encoding === 'identity' ? request.body : request.body.pipeThrough(new DecompressionStream(encoding));
  const bytes = await readCapped(stream, maxBytes, {
    unreadable: (message) => new HttpError(400, 'malformed_body', `could not decode the ${encoding} body: ${message}`),
    tooLarge: (bytes) => tooLarge(bytes, maxBytes),
  });
  if (bytes.byteLength === 0) throw new HttpError(400, 'empty_body', 'request body is empty; send a JSON object');
  const text = new TextDecoder().decode(bytes);
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new HttpError(400, 'malformed_json', `body is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

function tooLarge(bytes: number, maxBytes: number): HttpError {
  return new HttpError(413, 'request_too_large', `request body of ${bytes} bytes exceeds the limit of ${maxBytes} bytes`);
}
