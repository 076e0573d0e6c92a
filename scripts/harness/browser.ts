/** Debian's Chromium driven by playwright-core, and a recorder of every request its pages and workers make. */
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

/**
 * Debian's Chromium, headless. Host names other than 127.0.0.1 do not resolve, so a request to any third party
 * fails even where Playwright cannot see it (nested workers' script loads).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export interface RecordedRequest {
  url: string;
  method: string;
}

export interface RequestLog {
  requests: RecordedRequest[];
  /** every URL requested, in order (data: and blob: left out) */
  urls: string[];
  /** requests to an origin not allowed; they were aborted */
  foreign: string[];
  /** GETs of edge files (`/v1/sites/<site>/files/...`) */
  fileFetches(): string[];
  reset(): void;
}

/**
 * Records every request the context's pages and workers make; anything to an origin other than `allowedOrigins`
 * is aborted and listed in `foreign`.
 */
export async function recordRequests(context: BrowserContext, allowedOrigins: readonly string[]): Promise<RequestLog> {
  const requests: RecordedRequest[] = [];
  const urls: string[] = [];
  const foreign: string[] = [];
  const isLocal = (url: string) => url.startsWith('data:') || url.startsWith('blob:');
  context.on('request', (request) => {
    if (isLocal(request.url())) return;
    requests.push({ url: request.url(), method: request.method() });
    urls.push(request.url());
  });
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocal(url) || allowedOrigins.includes(new URL(url).origin)) return route.continue();
    foreign.push(url);
    return route.abort('blockedbyclient');
  });
  return {
    requests,
    urls,
    foreign,
    fileFetches: () => requests.filter((r) => r.method === 'GET' && /\/v1\/sites\/[^/]+\/files\//.test(r.url)).map((r) => decodeURIComponent(new URL(r.url).pathname.replace(/^.*\/files\//, ''))),
    reset: () => {
      requests.length = 0;
      urls.length = 0;
      foreign.length = 0;
    },
  };
}
