/**
 * Marketing channel of a visit, after GA4's default channel grouping (simplified to our eight channels).
 * Rules are evaluated top to bottom; the first match wins. All comparisons are case-insensitive.
 *
 *   source = utm_source if present, else the referrer host. A referrer equal to the site host, or a
 *            subdomain/parent of it, is a self-referral and counts as no referrer.
 *   paid medium    = /^(.*cp.*|ppc|retargeting|paid.*)$/
 *   display medium = display | banner | expandable | interstitial | cpm
 *   social medium  = social | social-network | social-media | sm
 *   email          = email | e-mail | e_mail | newsletter(s)   (as medium, or as source / source word)
 *   Click ids count only when no utm_medium is present (explicit tagging wins over auto-tagging).
 *
 *   #  | channel        | rule
 *   ---+----------------+---------------------------------------------------------------------------
 *   1  | direct         | no utm_source/utm_medium, no click id, no external referrer; or utm_source "(direct)"
 *   2  | paid_search    | search source + paid medium; or gclid / gbraid / wbraid / msclkid
 *   3  | social         | social source + paid medium; or fbclid / ttclid / twclid / li_fat_id (paid social)
 *   4  | display        | display medium (incl. cpm from a non-search, non-social source); or dclid
 *   5  | other          | any other paid medium (GA4 "Paid Other")
 *   6  | email          | email medium or email source, or a webmail referrer (mail.google.com, mail.qq.com…)
 *   7  | social         | social medium, or social source/referrer
 *   8  | organic_search | search source/referrer, or medium "organic"
 *   9  | referral       | medium referral / affiliate(s); or no utm tags and an external referrer
 *   10 | other          | anything else carrying utm tags
 *
 * Deviation from GA4: email (6) is checked before organic social/search (7, 8), so an explicit
 * `utm_medium=email` is never overridden by a search or social `utm_source`.
 *
 * Search engines: google.*, bing, baidu, yahoo, duckduckgo, yandex / ya.ru, sogou, so.com / 360.cn,
 * naver, ecosia, sm.cn (Shenma). Social: facebook / fb, instagram, twitter / x.com / t.co, linkedin,
 * tiktok, weibo, wechat / weixin, douyin, xiaohongshu, reddit, pinterest, youtube, snapchat, bilibili,
 * zhihu, threads. Hosts match with any subdomain and any country TLD (`www.google.co.uk`, `m.baidu.com`,
 * `lm.facebook.com`); Android app referrers (`android-app://com.google.android.gm`) match by package.
 */

export const CHANNELS = [
  'direct',
  'organic_search',
  'paid_search',
  'social',
  'email',
  'referral',
  'display',
  'other',
] as const;

export type Channel = (typeof CHANNELS)[number];

export interface ChannelInput {
  utmSource: string | null;
  utmMedium: string | null;
  referrerHost: string | null;
  clickIds: readonly string[];
  siteHost: string | null;
}

type SourceKind = 'search' | 'social' | 'email';

const PAID_MEDIUM = /^(?:.*cp.*|ppc|retargeting|paid.*)$/;
const DISPLAY_MEDIUM = /^(?:display|banner|expandable|interstitial|cpm)$/;
const SOCIAL_MEDIUM = /^(?:social|social[-_ ]?network|social[-_ ]?media|sm)$/;
const EMAIL_WORD = /^(?:e[-_ ]?mail|newsletters?)$/;
const ORGANIC_MEDIUM = /^organic$/;
const REFERRAL_MEDIUM = /^(?:referral|affiliates?)$/;
const NO_MEDIUM = /^(?:\(none\)|none|\(not set\))$/;

const SEARCH_CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'msclkid'];
const SOCIAL_CLICK_IDS = ['fbclid', 'ttclid', 'twclid', 'li_fat_id'];
const DISPLAY_CLICK_IDS = ['dclid'];

// Brand labels matched under any country TLD: google.com, google.co.uk, google.com.hk, yandex.ru...
const SEARCH_BRANDS = ['google', 'bing', 'baidu', 'yahoo', 'duckduckgo', 'yandex', 'sogou', 'naver', 'ecosia'];
const SEARCH_DOMAINS = ['so.com', '360.cn', 'sm.cn', 'ya.ru'];
const SOCIAL_BRANDS = [
  'facebook', 'instagram', 'twitter', 'linkedin', 'tiktok', 'weibo', 'wechat', 'douyin', 'xiaohongshu', 'reddit',
  'pinterest', 'youtube', 'snapchat', 'bilibili', 'zhihu',
];
const SOCIAL_DOMAINS = [
  'x.com', 't.co', 'fb.com', 'fb.me', 'm.me', 'messenger.com', 'lnkd.in', 'weixin.qq.com', 't.cn', 'xhslink.com',
  'youtu.be', 'pin.it', 'b23.tv', 'threads.net', 'threads.com',
];
// Checked before search: mail.google.com is Gmail, not Google Search.
const WEBMAIL_DOMAINS = [
  'mail.google.com', 'mail.yahoo.com', 'outlook.live.com', 'outlook.office.com', 'outlook.office365.com',
  'mail.qq.com', 'exmail.qq.com', 'mail.163.com', 'mail.126.com', 'mail.aol.com', 'mail.proton.me',
  'mail.yandex.ru',
];
const ANDROID_APPS: ReadonlyMap<string, SourceKind> = new Map([
  ['com.google.android.gm', 'email'],
  ['com.google.android.googlequicksearchbox', 'search'],
  ['com.facebook.katana', 'social'],
  ['com.facebook.orca', 'social'],
  ['com.instagram.android', 'social'],
  ['com.twitter.android', 'social'],
  ['com.linkedin.android', 'social'],
  ['com.zhiliaoapp.musically', 'social'],
  ['com.ss.android.ugc.aweme', 'social'],
  ['com.tencent.mm', 'social'],
  ['com.sina.weibo', 'social'],
  ['com.xingin.xhs', 'social'],
  ['com.reddit.frontpage', 'social'],
  ['com.pinterest', 'social'],
  ['com.google.android.youtube', 'social'],
  ['tv.danmaku.bili', 'social'],
  ['com.zhihu.android', 'social'],
]);

const SEARCH_SOURCE_WORDS = new Set([...SEARCH_BRANDS, '360', 'shenma']);
const SOCIAL_SOURCE_WORDS = new Set([
  ...SOCIAL_BRANDS, 'fb', 'ig', 'weixin', 'xhs', 'meta', 'threads',
]);

export function deriveChannel(input: ChannelInput): Channel {
  const utmSource = clean(input.utmSource);
  const medium = cleanMedium(input.utmMedium);
  const site = cleanHost(input.siteHost);
  let referrer = cleanHost(input.referrerHost);
  if (referrer !== null && site !== null && isSameSite(referrer, site)) referrer = null;
  const hasUtm = utmSource !== null || medium !== null;
  const clickIds = medium === null ? new Set(input.clickIds.map((id) => id.toLowerCase())) : new Set<string>();

  if (utmSource === '(direct)' && medium === null) return 'direct';
  if (!hasUtm && clickIds.size === 0 && referrer === null) return 'direct';

  const source = utmSource ?? referrer;
  const sourceKind = source === null ? null : classifySource(source);
  const clickedAny = (ids: readonly string[]): boolean => ids.some((id) => clickIds.has(id));
  const paid = medium !== null && PAID_MEDIUM.test(medium);

  if ((paid && sourceKind === 'search') || clickedAny(SEARCH_CLICK_IDS)) return 'paid_search';
  if ((paid && sourceKind === 'social') || clickedAny(SOCIAL_CLICK_IDS)) return 'social';
  if ((medium !== null && DISPLAY_MEDIUM.test(medium)) || clickedAny(DISPLAY_CLICK_IDS)) return 'display';
  if (paid) return 'other';
  if ((medium !== null && EMAIL_WORD.test(medium)) || sourceKind === 'email') return 'email';
  if ((medium !== null && SOCIAL_MEDIUM.test(medium)) || sourceKind === 'social') return 'social';
  if ((medium !== null && ORGANIC_MEDIUM.test(medium)) || sourceKind === 'search') return 'organic_search';
  if (medium !== null && REFERRAL_MEDIUM.test(medium)) return 'referral';
  if (!hasUtm && referrer !== null) return 'referral';
  return 'other';
}

function clean(value: string | null): string | null {
  const text = value?.trim().toLowerCase() ?? '';
  return text === '' ? null : text;
}

function cleanMedium(value: string | null): string | null {
  const medium = clean(value);
  return medium === null || NO_MEDIUM.test(medium) ? null : medium;
}

function cleanHost(value: string | null): string | null {
  const host = clean(value)?.replace(/\.$/, '').replace(/^www\./, '') ?? null;
  return host === '' ? null : host;
}

function isSameSite(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** Classifies a source that is either a host (`l.facebook.com`) or a tag word (`facebook_ads`, `newsletter`). */
function classifySource(source: string): SourceKind | null {
  if (EMAIL_WORD.test(source)) return 'email';
  if (source.includes('.')) return classifyHost(source.replace(/^www\./, ''));
  const words = source.split(/[^a-z0-9]+/).filter((word) => word !== '');
  if (words.some((word) => word === 'email' || EMAIL_WORD.test(word))) return 'email';
  if (words.some((word) => SEARCH_SOURCE_WORDS.has(word))) return 'search';
  // "x" alone is X (Twitter); as one word among others ("partner_x") it is too ambiguous.
  if (source === 'x' || words.some((word) => SOCIAL_SOURCE_WORDS.has(word))) return 'social';
  return null;
}

function classifyHost(host: string): SourceKind | null {
  const app = ANDROID_APPS.get(host);
  if (app !== undefined) return app;
  if (WEBMAIL_DOMAINS.some((domain) => hostIsUnder(host, domain))) return 'email';
  if (SEARCH_DOMAINS.some((domain) => hostIsUnder(host, domain))) return 'search';
  if (SEARCH_BRANDS.some((brand) => hostIsBrand(host, brand))) return 'search';
  if (SOCIAL_DOMAINS.some((domain) => hostIsUnder(host, domain))) return 'social';
  if (SOCIAL_BRANDS.some((brand) => hostIsBrand(host, brand))) return 'social';
  return null;
}

function hostIsUnder(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

// The brand must be the registrable label: google.de, news.google.co.uk, google.com.hk — not google.evil.com.
const COUNTRY_SECOND_LEVEL = /^(?:[a-z]{2,3}|(?:co|com|net|org|ac|gov|edu|or|ne)\.[a-z]{2})$/;

function hostIsBrand(host: string, brand: string): boolean {
  const labels = host.split('.');
  const at = labels.lastIndexOf(brand);
  return at >= 0 && at < labels.length - 1 && COUNTRY_SECOND_LEVEL.test(labels.slice(at + 1).join('.'));
}
