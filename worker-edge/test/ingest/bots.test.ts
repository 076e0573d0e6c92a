import { describe, expect, it } from 'vitest';
import { detectBot } from '@privacy-analytics/core/ingest';

const BROWSERS = {
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  wechat:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
};

const CRAWLERS = {
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  googlebotSmartphone:
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  bingbot:
    'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
  baiduspider: 'Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)',
  yandexbot: 'Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)',
  ahrefsbot: 'Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)',
  gptbot: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)',
  curl: 'curl/8.4.0',
  wget: 'Wget/1.21.4',
  pythonRequests: 'python-requests/2.32.3',
};

const HEADLESS = {
  headlessChrome:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  phantomjs:
    'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1',
  lighthouse:
    'Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse',
  lighthouseDesktop:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36 Lighthouse',
  puppeteer: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Puppeteer/23.10.0',
  playwright: 'Mozilla/5.0 (X11; Linux x86_64) Playwright/1.49.0 Chrome/131.0.0.0',
};

const SERVER_SDKS = [
  'analytics-node-next/latest',
  '@segment/analytics-node/3.1.0',
  'axios/1.7.9',
  'RudderLabs JavaScript SDK',
  'Go-http-client/2.0',
  'python-requests/2.32.3',
  'okhttp/4.12.0',
  'node',
  'curl/8.4.0',
];

describe('detectBot with a device agent from context.userAgent', () => {
  it.each(Object.entries(BROWSERS))('%s is not a bot', (_name, ua) => {
    expect(detectBot({ contextUserAgent: ua, requestUserAgent: 'analytics-node-next/latest' })).toEqual({ bot: false });
  });

  it.each(Object.entries(CRAWLERS))('%s is a crawler', (_name, ua) => {
    expect(detectBot({ contextUserAgent: ua, requestUserAgent: null })).toEqual({ bot: true, reason: 'crawler' });
  });

  it.each(Object.entries(HEADLESS))('%s is headless', (_name, ua) => {
    expect(detectBot({ contextUserAgent: ua, requestUserAgent: BROWSERS.chrome })).toEqual({
      bot: true,
      reason: 'headless',
    });
  });

  it('prefers context.userAgent over a browser-looking request agent', () => {
    expect(detectBot({ contextUserAgent: CRAWLERS.googlebot, requestUserAgent: BROWSERS.chrome })).toEqual({
      bot: true,
      reason: 'crawler',
    });
    expect(detectBot({ contextUserAgent: BROWSERS.chrome, requestUserAgent: CRAWLERS.googlebot })).toEqual({
      bot: false,
    });
  });
});

describe('detectBot falling back to the request agent', () => {
  it('uses a browser-looking request agent as the device agent', () => {
    expect(detectBot({ contextUserAgent: null, requestUserAgent: BROWSERS.safariIphone })).toEqual({ bot: false });
    expect(detectBot({ contextUserAgent: '', requestUserAgent: CRAWLERS.bingbot })).toEqual({
      bot: true,
      reason: 'crawler',
    });
    expect(detectBot({ contextUserAgent: '  ', requestUserAgent: HEADLESS.headlessChrome })).toEqual({
      bot: true,
      reason: 'headless',
    });
  });

  it.each([
    [null, null],
    ['', ''],
    [null, '   '],
    ['', null],
  ])('flags a missing agent (context %j, request %j)', (contextUserAgent, requestUserAgent) => {
    expect(detectBot({ contextUserAgent, requestUserAgent })).toEqual({ bot: true, reason: 'empty_user_agent' });
  });

  it.each(SERVER_SDKS)('trusts server-side SDK agent %j (server-to-server with a write key)', (ua) => {
    expect(detectBot({ contextUserAgent: null, requestUserAgent: ua })).toEqual({ bot: false });
  });
});
