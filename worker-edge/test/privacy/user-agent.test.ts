import { describe, expect, it } from 'vitest';
import { reduceUserAgent } from '@privacy-analytics/core/privacy';

const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  safariIpad:
    'Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1',
  safariMac:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  firefoxLinux: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  samsungAndroid:
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36',
  wechatIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN',
  wechatAndroid:
    'Mozilla/5.0 (Linux; Android 13; V2241A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86',
  chromeAndroidTablet:
    'Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  smartTv:
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 85.0.4183.93/6.0 TV Safari/537.36',
};

describe('reduceUserAgent', () => {
  it.each([
    ['chromeWindows', { browser: 'Chrome', browserVersion: '131', os: 'Windows', deviceType: 'desktop' }],
    ['safariIphone', { browser: 'Mobile Safari', browserVersion: '17', os: 'iOS', deviceType: 'mobile' }],
    ['safariIpad', { browser: 'Mobile Safari', browserVersion: '16', os: 'iOS', deviceType: 'tablet' }],
    ['safariMac', { browser: 'Safari', browserVersion: '17', os: 'Mac OS', deviceType: 'desktop' }],
    ['firefoxLinux', { browser: 'Firefox', browserVersion: '133', os: 'Linux', deviceType: 'desktop' }],
    ['samsungAndroid', { browser: 'Samsung Internet', browserVersion: '25', os: 'Android', deviceType: 'mobile' }],
    ['wechatIphone', { browser: 'WeChat', browserVersion: '8', os: 'iOS', deviceType: 'mobile' }],
    ['wechatAndroid', { browser: 'WeChat', browserVersion: '8', os: 'Android', deviceType: 'mobile' }],
    ['edgeWindows', { browser: 'Edge', browserVersion: '131', os: 'Windows', deviceType: 'desktop' }],
    ['chromeAndroidTablet', { browser: 'Chrome', browserVersion: '120', os: 'Android', deviceType: 'tablet' }],
  ] as const)('%s', (name, expected) => {
    expect(reduceUserAgent(UA[name])).toEqual(expected);
  });

  it('reports crawlers as bots', () => {
    expect(reduceUserAgent(UA.googlebot).deviceType).toBe('bot');
  });

  it('classes TVs, consoles and wearables as other', () => {
    expect(reduceUserAgent(UA.smartTv)).toMatchObject({ os: 'Tizen', deviceType: 'other' });
  });

  it('returns only the major version, never the full build', () => {
    const reduced = JSON.stringify(reduceUserAgent(UA.edgeWindows));
    expect(reduced).not.toContain('2903');
    expect(reduced).not.toContain('SM-S918B');
    expect(JSON.stringify(reduceUserAgent(UA.samsungAndroid))).not.toContain('SM-S918B');
  });

  it.each(['', '   '])('returns nulls for an empty agent %j', (ua) => {
    expect(reduceUserAgent(ua)).toEqual({ browser: null, browserVersion: null, os: null, deviceType: null });
  });
});
