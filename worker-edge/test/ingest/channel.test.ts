import { describe, expect, it } from 'vitest';
import { CHANNELS, deriveChannel, type ChannelInput } from '@privacy-analytics/core/ingest';

const SITE = 'shop.example.com';
const visit = (overrides: Partial<ChannelInput>): ChannelInput => ({
  utmSource: null,
  utmMedium: null,
  referrerHost: null,
  clickIds: [],
  siteHost: SITE,
  ...overrides,
});
const channel = (overrides: Partial<ChannelInput>) => deriveChannel(visit(overrides));

describe('deriveChannel', () => {
  it('exports every channel once', () => {
    expect(CHANNELS).toEqual(['direct', 'organic_search', 'paid_search', 'social', 'email', 'referral', 'display', 'other']);
  });

  describe('direct', () => {
    it.each([
      ['nothing at all', {}],
      ['self-referral', { referrerHost: 'shop.example.com' }],
      ['self-referral with www', { referrerHost: 'www.shop.example.com' }],
      ['self-referral from a subdomain', { referrerHost: 'checkout.shop.example.com' }],
      ['self-referral from the parent domain', { referrerHost: 'example.com', siteHost: 'www.shop.example.com' }],
      ['utm_source (direct)', { utmSource: '(direct)', utmMedium: '(none)' }],
      ['blank utm values', { utmSource: '  ', utmMedium: '' }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('direct');
    });
  });

  describe('paid_search', () => {
    it.each([
      ['google / cpc', { utmSource: 'google', utmMedium: 'cpc' }],
      ['Google / CPC (case)', { utmSource: 'Google', utmMedium: 'CPC' }],
      ['bing / ppc', { utmSource: 'bing', utmMedium: 'ppc' }],
      ['baidu / paidsearch', { utmSource: 'baidu', utmMedium: 'paidsearch' }],
      ['google_ads / retargeting', { utmSource: 'google_ads', utmMedium: 'retargeting' }],
      ['google / cpm (GA4: paid search wins)', { utmSource: 'google', utmMedium: 'cpm' }],
      ['host source', { utmSource: 'www.google.com', utmMedium: 'cpc' }],
      ['referrer as source when utm_source is missing', { utmMedium: 'cpc', referrerHost: 'www.google.de' }],
      ['gclid', { clickIds: ['gclid'] }],
      ['gclid with a google referrer', { clickIds: ['gclid'], referrerHost: 'www.google.com' }],
      ['gbraid', { clickIds: ['gbraid'] }],
      ['wbraid', { clickIds: ['wbraid'] }],
      ['msclkid', { clickIds: ['msclkid'], referrerHost: 'bing.com' }],
      ['gclid on a self-referral reload', { clickIds: ['GCLID'], referrerHost: SITE }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('paid_search');
    });
  });

  describe('social', () => {
    it.each([
      ['facebook referrer', { referrerHost: 'l.facebook.com' }],
      ['facebook lite referrer', { referrerHost: 'lm.facebook.com' }],
      ['instagram', { referrerHost: 'instagram.com' }],
      ['t.co', { referrerHost: 't.co' }],
      ['x.com', { referrerHost: 'x.com' }],
      ['linkedin', { referrerHost: 'www.linkedin.com' }],
      ['tiktok', { referrerHost: 'www.tiktok.com' }],
      ['weibo', { referrerHost: 'weibo.cn' }],
      ['wechat article', { referrerHost: 'mp.weixin.qq.com' }],
      ['douyin', { referrerHost: 'www.douyin.com' }],
      ['xiaohongshu', { referrerHost: 'www.xiaohongshu.com' }],
      ['reddit', { referrerHost: 'old.reddit.com' }],
      ['pinterest country TLD', { referrerHost: 'pinterest.co.uk' }],
      ['youtube', { referrerHost: 'm.youtube.com' }],
      ['youtu.be', { referrerHost: 'youtu.be' }],
      ['snapchat', { referrerHost: 'snapchat.com' }],
      ['bilibili', { referrerHost: 'www.bilibili.com' }],
      ['zhihu', { referrerHost: 'zhuanlan.zhihu.com' }],
      ['WeChat Android app', { referrerHost: 'com.tencent.mm' }],
      ['utm medium social', { utmSource: 'partner', utmMedium: 'social' }],
      ['utm medium social-network', { utmSource: 'partner', utmMedium: 'social-network' }],
      ['utm medium sm', { utmSource: 'partner', utmMedium: 'sm' }],
      ['utm source fb', { utmSource: 'fb', utmMedium: 'post' }],
      ['utm source wechat', { utmSource: 'wechat' }],
      ['utm source x', { utmSource: 'x' }],
      ['paid social', { utmSource: 'facebook', utmMedium: 'paid_social' }],
      ['paid social cpc', { utmSource: 'tiktok', utmMedium: 'cpc' }],
      ['fbclid', { clickIds: ['fbclid'] }],
      ['ttclid', { clickIds: ['ttclid'] }],
      ['twclid', { clickIds: ['twclid'] }],
      ['li_fat_id', { clickIds: ['li_fat_id'] }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('social');
    });
  });

  describe('organic_search', () => {
    it.each([
      ['google.com', 'www.google.com'],
      ['google.co.uk', 'www.google.co.uk'],
      ['google.com.hk', 'google.com.hk'],
      ['google.de', 'google.de'],
      ['bing', 'www.bing.com'],
      ['cn.bing', 'cn.bing.com'],
      ['baidu mobile', 'm.baidu.com'],
      ['yahoo japan', 'search.yahoo.co.jp'],
      ['duckduckgo', 'duckduckgo.com'],
      ['yandex', 'yandex.ru'],
      ['ya.ru', 'ya.ru'],
      ['sogou', 'www.sogou.com'],
      ['so.com (360)', 'www.so.com'],
      ['naver', 'search.naver.com'],
      ['ecosia', 'www.ecosia.org'],
      ['shenma', 'm.sm.cn'],
      ['Google app on Android', 'com.google.android.googlequicksearchbox'],
    ])('%s', (_name, referrerHost) => {
      expect(channel({ referrerHost })).toBe('organic_search');
    });

    it('from utm tags', () => {
      expect(channel({ utmSource: 'google' })).toBe('organic_search');
      expect(channel({ utmSource: 'partner', utmMedium: 'organic' })).toBe('organic_search');
      expect(channel({ utmSource: 'baidu', utmMedium: 'seo' })).toBe('organic_search');
    });
  });

  describe('email', () => {
    it.each([
      ['medium email', { utmSource: 'mailchimp', utmMedium: 'email' }],
      ['medium e-mail', { utmSource: 'crm', utmMedium: 'E-Mail' }],
      ['medium e_mail', { utmSource: 'crm', utmMedium: 'e_mail' }],
      ['medium newsletter', { utmSource: 'weekly', utmMedium: 'newsletter' }],
      ['source newsletter', { utmSource: 'newsletter' }],
      ['source word email', { utmSource: 'email_blast', utmMedium: 'link' }],
      ['explicit email beats a search source', { utmSource: 'google', utmMedium: 'email' }],
      ['Gmail web referrer', { referrerHost: 'mail.google.com' }],
      ['QQ mail referrer', { referrerHost: 'mail.qq.com' }],
      ['Outlook referrer', { referrerHost: 'outlook.live.com' }],
      ['Gmail Android app', { referrerHost: 'com.google.android.gm' }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('email');
    });
  });

  describe('display', () => {
    it.each([
      ['display', { utmSource: 'dv360', utmMedium: 'display' }],
      ['banner', { utmSource: 'partner', utmMedium: 'banner' }],
      ['expandable', { utmSource: 'partner', utmMedium: 'expandable' }],
      ['interstitial', { utmSource: 'partner', utmMedium: 'interstitial' }],
      ['cpm from a non-search source', { utmSource: 'adnetwork', utmMedium: 'cpm' }],
      ['dclid', { clickIds: ['dclid'] }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('display');
    });
  });

  describe('referral', () => {
    it.each([
      ['external referrer', { referrerHost: 'news.ycombinator.com' }],
      ['sibling subdomain is another site', { referrerHost: 'blog.example.org' }],
      ['look-alike of google', { referrerHost: 'google.evil.com' }],
      ['google docs is still google', { referrerHost: 'docs.example.com' }],
      ['medium referral', { utmSource: 'partner', utmMedium: 'referral' }],
      ['medium affiliate', { utmSource: 'partner', utmMedium: 'affiliate' }],
      ['IP-literal referrer', { referrerHost: '[ip]' }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('referral');
    });
  });

  describe('other', () => {
    it.each([
      ['unknown utm source', { utmSource: 'partner-site' }],
      ['unknown source and medium', { utmSource: 'partner', utmMedium: 'qr' }],
      ['paid medium from an unknown source (GA4 paid other)', { utmSource: 'partner', utmMedium: 'paid' }],
      ['utm tags win over the referrer', { utmSource: 'flyer', referrerHost: 'news.ycombinator.com' }],
      ['"x" inside a longer source is not X', { utmSource: 'partner_x' }],
    ] as const)('%s', (_name, input) => {
      expect(channel(input)).toBe('other');
    });
  });

  it('lets explicit utm_medium win over click ids', () => {
    expect(channel({ utmSource: 'newsletter', utmMedium: 'email', clickIds: ['gclid'] })).toBe('email');
    expect(channel({ utmSource: 'partner', utmMedium: 'banner', clickIds: ['fbclid'] })).toBe('display');
  });

  it('works without a site host', () => {
    expect(channel({ siteHost: null })).toBe('direct');
    expect(channel({ siteHost: null, referrerHost: 'example.com' })).toBe('referral');
  });
});
