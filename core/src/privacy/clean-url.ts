import { isIpHost } from './ip-address';
import { isOpaqueSegment } from './opaque-tokens';
import { placeholder, sortKinds, type PiiKind } from './pii-patterns';
import { scrubText } from './scrub-text';

/**
 * Reduces a page URL to what analytics needs:
 * - only http(s) URLs and site-relative paths (`/p?x=1`) are accepted; anything else (mailto:, data:,
 *   javascript:, unparseable text) yields nulls rather than an error;
 * - userinfo (`user:pass@`) and the fragment are dropped; the host is lower-cased and an IP-literal host
 *   becomes `[ip]`;
 * - each path segment is percent-decoded and scrubbed (so `/u/jane%40x.com` is caught) and re-encoded
 *   only if something was replaced, so clean paths keep their exact original encoding; a segment holding
 *   a token or long id (`isOpaqueSegment`: JWTs, UUIDs, hashes, session ids) becomes `[token]` whole;
 * - query parameters survive only if allow-listed or `utm_*` (values scrubbed). Click ids are recorded
 *   by name and their values dropped: they identify one ad click. Name matching is case-insensitive.
 * `found` lists the personal data replaced in what is kept; dropped parts are not inspected.
 */

export const UTM_PARAMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'] as const;

export const CLICK_ID_PARAMS = [
  'gclid', 'gbraid', 'wbraid', 'msclkid', 'fbclid', 'ttclid', 'li_fat_id', 'twclid', 'dclid',
] as const;

export interface UtmFields {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

export interface CleanUrlResult {
  url: string | null;
  host: string | null;
  path: string | null;
  query: string;
  utm: UtmFields;
  clickIds: string[];
  droppedParams: boolean;
  found: PiiKind[];
}

type UtmParam = (typeof UTM_PARAMS)[number];

const UTM_FIELD: Readonly<Record<UtmParam, keyof UtmFields>> = {
  utm_source: 'source',
  utm_medium: 'medium',
  utm_campaign: 'campaign',
  utm_term: 'term',
  utm_content: 'content',
};

// A reserved TLD (RFC 2606), so a site-relative path can never resolve to a real host.
const RELATIVE_BASE = 'https://relative.invalid';
const URL_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function cleanUrl(raw: string, allowedQueryParams: readonly string[]): CleanUrlResult {
  try {
    return cleanParsedUrl(raw, allowedQueryParams);
  } catch {
    return emptyResult();
  }
}

function cleanParsedUrl(raw: string, allowedQueryParams: readonly string[]): CleanUrlResult {
  const parsed = parseWebUrl(raw);
  if (parsed === null) return emptyResult();
  const { url, relative } = parsed;
  const found = new Set<PiiKind>();

  let host: string | null = null;
  let origin = '';
  if (!relative) {
    host = url.hostname.replace(/\.$/, '');
    if (isIpHost(host)) {
      host = placeholder('ip');
      found.add('ip');
    }
    origin = `${url.protocol}//${host}${url.port === '' ? '' : `:${url.port}`}`;
  }

  const path = url.pathname
    .split('/')
    .map((segment) => scrubPathSegment(segment, found))
    .join('/');

  const allowed = new Set(allowedQueryParams.map((name) => name.toLowerCase()));
  const kept = new URLSearchParams();
  const utm = emptyUtm();
  const clickIds: string[] = [];
  let droppedParams = false;
  for (const [name, value] of url.searchParams) {
    const lower = name.toLowerCase();
    if (isClickIdParam(lower)) {
      if (!clickIds.includes(lower)) clickIds.push(lower);
      droppedParams = true;
      continue;
    }
    const utmField = isUtmParam(lower) ? UTM_FIELD[lower] : null;
    if (utmField === null && !allowed.has(lower)) {
      droppedParams = true;
      continue;
    }
    const scrubbed = scrubText(value);
    for (const kind of scrubbed.found) found.add(kind);
    kept.append(name, scrubbed.text);
    const trimmed = scrubbed.text.trim();
    if (utmField !== null && utm[utmField] === null && trimmed !== '') utm[utmField] = trimmed;
  }

  const query = kept.toString();
  return {
    url: `${origin}${path}${query === '' ? '' : `?${query}`}`,
    host,
    path,
    query,
    utm,
    clickIds,
    droppedParams,
    found: sortKinds(found),
  };
}

/** Host of a referrer URL, lower-cased, without port and `www.`; `[ip]` for IP literals. */
export function referrerHost(raw: string): string | null {
  try {
    const text = raw.trim();
    if (!URL_SCHEME.test(text)) return null;
    const url = new URL(text);
    // android-app://<package>/ is how Android apps (Gmail, Google app) identify themselves as referrers.
    if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'android-app:') return null;
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    if (host === '') return null;
    if (isIpHost(host)) return placeholder('ip');
    return host.replace(/^www\./, '');
  } catch {
    return null;
  }
}

function parseWebUrl(raw: string): { url: URL; relative: boolean } | null {
  const text = raw.trim();
  if (text.startsWith('/') && !text.startsWith('//')) {
    const url = new URL(text, RELATIVE_BASE);
    // "/\evil.com" resolves to another host under WHATWG rules: it was never a path.
    return url.origin === RELATIVE_BASE ? { url, relative: true } : null;
  }
  const absolute = text.startsWith('//') ? `https:${text}` : text;
  if (!URL_SCHEME.test(absolute)) return null;
  const url = new URL(absolute);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '') return null;
  return { url, relative: false };
}

function scrubPathSegment(segment: string, found: Set<PiiKind>): string {
  if (segment === '') return segment;
  const scrubbed = scrubText(safeDecode(segment));
  for (const kind of scrubbed.found) found.add(kind);
  if (isOpaqueSegment(scrubbed.text)) {
    found.add('token');
    return placeholder('token');
  }
  if (scrubbed.found.length === 0) return segment;
  // Brackets are legal in paths; keeping them leaves placeholders readable.
  return encodeURIComponent(scrubbed.text).replace(/%5B/g, '[').replace(/%5D/g, ']');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isClickIdParam(name: string): boolean {
  return (CLICK_ID_PARAMS as readonly string[]).includes(name);
}

function isUtmParam(name: string): name is UtmParam {
  return (UTM_PARAMS as readonly string[]).includes(name);
}

function emptyUtm(): UtmFields {
  return { source: null, medium: null, campaign: null, term: null, content: null };
}

function emptyResult(): CleanUrlResult {
  return {
    url: null,
    host: null,
    path: null,
    query: '',
    utm: emptyUtm(),
    clickIds: [],
    droppedParams: false,
    found: [],
  };
}
