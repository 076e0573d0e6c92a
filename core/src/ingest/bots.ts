import { isbot } from 'isbot';
import { memoize } from '../privacy/bounded-cache';

/**
 * Bot verdict for one ingest request.
 *
 * The device agent is the browser's own User-Agent: `context.userAgent` from the payload when present,
 * otherwise the request's User-Agent if it looks like a browser (`Mozilla/`). With a device agent,
 * headless automation is checked first (isbot also flags it, but it deserves its own reason), then
 * `isbot` decides. Without one, an empty request agent is a bot; any other agent is a server-side SDK
 * or HTTP client (`analytics-node-next/...`, `axios/1.7`, `Go-http-client/2.0`, even `curl/8.4.0`)
 * sending server-to-server events with a valid write key, which are trusted and never flagged.
 */

export type BotReason = 'crawler' | 'headless' | 'empty_user_agent';

export type BotVerdict = { bot: false } | { bot: true; reason: BotReason };

export interface BotInput {
  contextUserAgent: string | null;
  requestUserAgent: string | null;
}

const HEADLESS = /HeadlessChrome|PhantomJS|Puppeteer|Playwright|Lighthouse|SlimerJS|\bjsdom\//i;
const BROWSER_AGENT = /Mozilla\//;

const deviceVerdict = memoize((agent: string): BotVerdict => {
  if (HEADLESS.test(agent)) return { bot: true, reason: 'headless' };
  if (isbot(agent)) return { bot: true, reason: 'crawler' };
  return { bot: false };
});

export function detectBot(input: BotInput): BotVerdict {
  const contextAgent = input.contextUserAgent?.trim() ?? '';
  const requestAgent = input.requestUserAgent?.trim() ?? '';
  const deviceAgent = contextAgent !== '' ? contextAgent : BROWSER_AGENT.test(requestAgent) ? requestAgent : '';

  if (deviceAgent !== '') return deviceVerdict(deviceAgent);
  if (requestAgent === '') return { bot: true, reason: 'empty_user_agent' };
  return { bot: false };
}
