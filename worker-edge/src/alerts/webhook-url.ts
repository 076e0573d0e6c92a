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
  if (policy.listRequired && policy.allowList.length === 0) return `this site has no ${policy.listName} configured in SITES`;
  if (policy.allowList.length > 0 && !policy.allowList.some((allowed) => sameUrl(allowed, url))) {
    return `${describeDestination(url.href)} is not one of this site's ${policy.listName} (configured in SITES)`;
  }
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
