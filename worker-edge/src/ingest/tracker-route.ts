import trackerSource from '../../generated/tracker.min.js.txt';

/** GET /t.js: the first-party browser tracker. */
export function handleTrackerScript(request: Request): Response {
  const etag = `"t-${trackerSource.length}-${hashCode(trackerSource)}"`;
  const headers = {
    'content-type': 'application/javascript; charset=utf-8',
    'cache-control': 'public, max-age=3600',
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
    etag,
  };
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  return new Response(trackerSource, { headers });
}

function hashCode(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}
