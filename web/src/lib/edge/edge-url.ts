import { EdgeRequestError } from '../engine/errors';

/** http(s) URL without a trailing slash; anything else is refused before a request is made. */
export function validEdgeUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EdgeRequestError(`edge URL "${raw.slice(0, 200)}" is not a URL`, null);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EdgeRequestError(`edge URL must be http(s), got "${url.protocol}"`, null);
  if (url.username || url.password || url.search || url.hash) throw new EdgeRequestError('edge URL must not carry credentials, a query or a fragment', null);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}
