/** A known failure that becomes a structured 4xx answer; anything else is a generic 500. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function jsonResponse(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const response = new Response(JSON.stringify(body), { status, headers });
  response.headers.set('content-type', 'application/json; charset=utf-8');
  return response;
}

export function errorResponse(error: unknown, headers: HeadersInit = {}): Response {
  if (error instanceof HttpError) {
    return jsonResponse({ success: false, error: error.code, message: error.message, ...error.details }, error.status, {
      ...Object.fromEntries(new Headers(headers)),
      ...error.headers,
    });
  }
  if (error instanceof Error && error.name === 'ConfigError') {
    // The operator's configuration, not the request, is at fault: say so without echoing it to the caller.
    console.error('configuration error', error.message);
    return jsonResponse({ success: false, error: 'edge_misconfigured', message: "the collector's configuration is invalid; its operator finds why in the worker logs" }, 503, headers);
  }
  console.error('unhandled error', error instanceof Error ? (error.stack ?? error.message) : error);
  return jsonResponse({ success: false, error: 'internal_error', message: 'internal error; see the worker logs' }, 500, headers);
}
