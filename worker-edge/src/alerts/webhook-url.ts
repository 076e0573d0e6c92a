import type { SiteConfig } from '../config/sites';
import type { Env } from '../env';

/** Where a site's webhooks may point: https always, http only to this machine and only when the operator allows it. */
export interface WebhookPolicy {
  allowLoopback: boolean;
  /** Exact URLs allowed; empty means any URL passing the scheme check, unless `listRequired`. */
  allowList: readonly string[];
  listRequired: boolean;
  /** Name of the setting holding the allow-list, for error messages. */
  listName: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function alertWebhookPolicy(env: Env, site: SiteConfig): WebhookPolicy {
  return { allowLoopback: env.ALLOW_LOOPBACK_WEBHOOKS === 'true', allowList: site.alertWebhookUrls, listRequired: false, listName: 'alertWebhookUrls' };
}

export function audienceWebhookPolicy(env: Env, site: SiteConfig): WebhookPolicy {
  return { allowLoopback: env.ALLOW_LOOPBACK_WEBHOOKS === 'true', allowList: site.audienceWebhookUrls, listRequired: true, listName: 'audienceWebhookUrls' };
}

/** Why this URL may not be used, or null when it may. */
export function webhookUrlProblem(text: string, policy: WebhookPolicy): string | null {
  const url = parseUrl(text);
  if (!url) return `"${text.slice(0, 100)}" is not an absolute URL`;
  if (url.protocol === 'http:') {
    if (!LOOPBACK_HOSTS.has(url.hostname)) return `must use https, got ${url.protocol}//${url.host}`;
    if (!policy.allowLoopback) return `http://${url.host} is allowed only when ALLOW_LOOPBACK_WEBHOOKS is "true" (local development); use https`;
  } else if (url.protocol !== 'https:') {
    return `must use https, got ${url.protocol}`;
  }
  const listed = policy.allowList.some((allowed) => sameUrl(allowed, url));
  if (url.protocol === 'https:' && !listed) {
    const internal = internalDestination(url.hostname);
    if (internal) return `${describeDestination(url.href)} points at ${internal}: allowed only when the exact URL is in this site's ${policy.listName} (configured in SITES)`;
  }
  if (policy.listRequired && policy.allowList.length === 0) return `this site has no ${policy.listName} configured in SITES`;
  if (policy.allowList.length > 0 && !policy.allowList.some((allowed) => sameUrl(allowed, url))) {
    return `${describeDestination(url.href)} is not one of this site's ${policy.listName} (configured in SITES)`;
  }
  return null;
}

/**
 * Why a host is not a public web destination (an IP literal, or a name for this machine or a private network), or
 * null. An edge posting to whatever URL a rule names could otherwise be pointed at internal services (server-side
 * request forgery); such a URL must be allow-listed by the operator, exactly.
 */
export function internalDestination(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[')) return 'an IP address (IPv6 literal)';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    const kind =
      a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ? 'a private network address'
      : a === 127 ? 'this machine'
      : a === 169 && b === 254 ? 'a link-local address (cloud metadata services live there)'
      : a === 100 && b >= 64 && b <= 127 ? 'a carrier-grade NAT address'
      : a === 0 || a >= 224 ? 'a reserved address'
      : 'an IP address';
    return `${kind} (IP literal)`;
  }
  if (/^\d+$/.test(host) || /^0x[0-9a-f]+$/.test(host)) return 'an IP address written as a number';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'this machine';
  if (!host.includes('.')) return 'a name without a domain (an intranet host)';
  if (/\.(local|internal|intranet|lan|home|corp|private|home\.arpa)$/.test(host)) return 'a private network name';
  return null;
}

/**
 * A webhook URL as logs and listings show it. Webhook URLs often carry their secret (Slack's
 * /services/T…/B…/<token>, Discord's /webhooks/<id>/<token>, ?key=…): the query string is dropped
 * and path segments that look like tokens are masked.
 */
export function describeDestination(text: string): string {
  const url = parseUrl(text);
  if (!url) return '(invalid URL)';
  const path = url.pathname
    .split('/')
    .map((segment) => (looksLikeToken(segment) ? '…' : segment))
    .join('/');
  return `${url.origin}${path}`;
}

/** 16+ token characters with a digit among them, or 32+ of them: ids and secrets, not words like "audience-exports". */
function looksLikeToken(segment: string): boolean {
  return /^[A-Za-z0-9_~.%-]{16,}$/.test(segment) && (/\d/.test(segment) || segment.length >= 32);
}

function sameUrl(allowed: string, url: URL): boolean {
  return parseUrl(allowed)?.href === url.href;
}

export function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}
