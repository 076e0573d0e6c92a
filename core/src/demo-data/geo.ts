/**
 * Geography and devices for the demo-data generator: countries (weights, time zones, locales,
 * regions, IP ranges, search engines, social sites, deal sites, names, phone formats) and
 * realistic user-agent strings per device type and browser.
 *
 * IP prefixes are taken from ranges allocated to ISPs in each country so GeoIP lookups look
 * plausible; the host parts are random. Names, e-mails (example.com/.net/.org) and phone numbers
 * (fictional ranges where a country reserves one, e.g. 555-01XX, 07700 900XXX) are fake.
 */
import { WeightedTable } from './random';

export type DeviceType = 'desktop' | 'mobile' | 'tablet';

export type UaFamily =
  | 'chromeWin' | 'chromeMac' | 'chromeLinux' | 'edgeWin' | 'firefoxWin' | 'firefoxMac' | 'firefoxLinux' | 'safariMac'
  | 'qqBrowserWin' | 'safariIphone' | 'chromeIphone' | 'chromeAndroid' | 'samsungAndroid' | 'firefoxAndroid'
  | 'wechatAndroid' | 'wechatIphone' | 'huaweiAndroid' | 'miuiAndroid' | 'safariIpad' | 'chromeAndroidTablet'
  | 'samsungTablet';

const CHROME = [138, 139, 140, 141, 142, 143];
const FIREFOX = [140, 141, 142, 143, 144];
export const UA_POOLS: Record<UaFamily, readonly string[]> = {
  chromeWin: CHROME.map((v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  chromeMac: CHROME.map((v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  chromeLinux: CHROME.map((v) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  edgeWin: CHROME.map((v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36 Edg/${v}.0.${3300 + (v - 138) * 47}.${60 + v}`),
  firefoxWin: FIREFOX.map((v) => `Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`),
  firefoxMac: FIREFOX.map((v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`),
  firefoxLinux: FIREFOX.map((v) => `Mozilla/5.0 (X11; Linux x86_64; rv:${v}.0) Gecko/20100101 Firefox/${v}.0`),
  safariMac: ['18.6', '26.0', '26.1'].map((v) => `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Safari/605.1.15`),
  qqBrowserWin: ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Safari/537.36 QQBrowser/13.5.6196.400'],
  safariIphone: [
    ['18_5', '18.5'], ['18_6', '18.6'], ['18_6', '26.0'], ['18_6', '26.1'],
  ].map(([os, v]) => `Mozilla/5.0 (iPhone; CPU iPhone OS ${os} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${v} Mobile/15E148 Safari/604.1`),
  chromeIphone: CHROME.slice(-3).map((v) => `Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/${v}.0.7499.92 Mobile/15E148 Safari/604.1`),
  chromeAndroid: CHROME.map((v) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Mobile Safari/537.36`),
  samsungAndroid: [
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/29.0 Chrome/136.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36',
  ],
  firefoxAndroid: FIREFOX.map((v) => `Mozilla/5.0 (Android 15; Mobile; rv:${v}.0) Gecko/${v}.0 Firefox/${v}.0`),
  wechatAndroid: [
    'Mozilla/5.0 (Linux; Android 14; V2309A Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.103 Mobile Safari/537.36 XWEB/1300333 MMWEBSDK/20241103 MMWEBID/1234 MicroMessenger/8.0.55.2780(0x28003737) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64',
    'Mozilla/5.0 (Linux; Android 13; 22081212C Build/TKQ1.220829.002; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220133 MMWEBSDK/20240802 MMWEBID/5521 MicroMessenger/8.0.51.2720(0x28003351) WeChat/arm64 Weixin NetType/5G Language/zh_CN ABI/arm64',
  ],
  wechatIphone: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.61(0x1800392b) NetType/WIFI Language/zh_CN',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.58(0x18003a2f) NetType/4G Language/zh_CN',
  ],
  huaweiAndroid: ['Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.14.0.302) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.5735.196 HuaweiBrowser/15.0.4.312 Mobile Safari/537.36'],
  miuiAndroid: ['Mozilla/5.0 (Linux; U; Android 14; zh-cn; 23127PN0CC Build/UKQ1.230804.001) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/118.0.5993.80 Mobile Safari/537.36 XiaoMi/MiuiBrowser/18.4.30507'],
  safariIpad: [
    'Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.6 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/26.0 Mobile/15E148 Safari/604.1',
  ],
  chromeAndroidTablet: CHROME.slice(-3).map((v) => `Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${v}.0.0.0 Safari/537.36`),
  samsungTablet: ['Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Safari/537.36'],
};

/** Families whose browser enforces Safari's Intelligent Tracking Prevention 7-day cookie cap. */
export const ITP_FAMILIES: ReadonlySet<UaFamily> = new Set<UaFamily>(['safariMac', 'safariIphone', 'safariIpad']);

export type BrowserMix = Readonly<Record<DeviceType, WeightedTable<UaFamily>>>;

function mix(pairs: ReadonlyArray<readonly [UaFamily, number]>): WeightedTable<UaFamily> {
  return WeightedTable.of(pairs);
}

const DESKTOP_DEFAULT = mix([
  ['chromeWin', 0.42], ['chromeMac', 0.12], ['safariMac', 0.13], ['edgeWin', 0.15], ['firefoxWin', 0.06],
  ['firefoxMac', 0.02], ['firefoxLinux', 0.02], ['chromeLinux', 0.03],
]);
const TABLET_DEFAULT = mix([['safariIpad', 0.6], ['chromeAndroidTablet', 0.2], ['samsungTablet', 0.2]]);
export const BROWSER_MIXES = {
  cn: {
    desktop: mix([['chromeWin', 0.42], ['edgeWin', 0.28], ['safariMac', 0.12], ['qqBrowserWin', 0.12], ['firefoxWin', 0.03], ['chromeMac', 0.03]]),
    mobile: mix([
      ['wechatAndroid', 0.24], ['wechatIphone', 0.2], ['safariIphone', 0.22], ['huaweiAndroid', 0.14], ['miuiAndroid', 0.14],
      ['chromeAndroid', 0.03], ['chromeIphone', 0.03],
    ]),
    tablet: mix([['safariIpad', 0.55], ['chromeAndroidTablet', 0.45]]),
  },
  ios: {
    desktop: DESKTOP_DEFAULT,
    mobile: mix([['safariIphone', 0.55], ['chromeAndroid', 0.25], ['samsungAndroid', 0.08], ['chromeIphone', 0.1], ['firefoxAndroid', 0.02]]),
    tablet: TABLET_DEFAULT,
  },
  android: {
    desktop: DESKTOP_DEFAULT,
    mobile: mix([['chromeAndroid', 0.62], ['samsungAndroid', 0.16], ['safariIphone', 0.16], ['chromeIphone', 0.03], ['firefoxAndroid', 0.03]]),
    tablet: mix([['safariIpad', 0.35], ['chromeAndroidTablet', 0.35], ['samsungTablet', 0.3]]),
  },
  samsung: {
    desktop: DESKTOP_DEFAULT,
    mobile: mix([['samsungAndroid', 0.4], ['chromeAndroid', 0.28], ['safariIphone', 0.28], ['chromeIphone', 0.04]]),
    tablet: TABLET_DEFAULT,
  },
} satisfies Record<string, BrowserMix>;

export type FestivalGroup = 'cn' | 'west' | 'asia';

export interface CountrySpec {
  readonly code: string;
  readonly weight: number;
  /** UTC offset in hours (standard time; DST ignored). */
  readonly tz: number;
  readonly group: FestivalGroup;
  readonly locales: ReadonlyArray<readonly [string, number]>;
  readonly regions: readonly string[];
  readonly ipv4: ReadonlyArray<readonly [number, number]>;
  readonly ipv6: readonly string[];
  readonly ipv6Share: number;
  /** desktop, mobile, tablet */
  readonly devices: readonly [number, number, number];
  readonly browsers: BrowserMix;
  readonly search: ReadonlyArray<readonly [string, number]>;
  readonly paidSource: string;
  readonly social: ReadonlyArray<readonly [string, number]>;
  readonly deals: readonly string[];
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
  /** 'X' is replaced by a random digit. */
  readonly phone: readonly string[];
}

const EN_FIRST = ['jane', 'john', 'emily', 'michael', 'sarah', 'david', 'olivia', 'james', 'sophia', 'daniel', 'grace', 'liam', 'chloe', 'noah'];
const EN_LAST = ['doe', 'smith', 'johnson', 'brown', 'taylor', 'miller', 'wilson', 'davis', 'clark', 'lewis', 'walker', 'young'];
const GOOGLE = (domain: string): ReadonlyArray<readonly [string, number]> => [
  [`https://www.${domain}/`, 0.86], ['https://www.bing.com/', 0.08], ['https://duckduckgo.com/', 0.04], ['https://search.yahoo.com/', 0.02],
];
const WEST_SOCIAL: ReadonlyArray<readonly [string, number]> = [
  ['https://l.facebook.com/', 0.3], ['https://l.instagram.com/', 0.24], ['https://t.co/', 0.1], ['https://www.reddit.com/', 0.1],
  ['https://www.pinterest.com/', 0.1], ['https://www.tiktok.com/', 0.12], ['https://www.youtube.com/', 0.04],
];

export const COUNTRIES: readonly CountrySpec[] = [
  {
    code: 'CN', weight: 0.35, tz: 8, group: 'cn',
    locales: [['zh-CN', 0.93], ['en-US', 0.05], ['zh-HK', 0.02]],
    regions: ['Guangdong', 'Guangdong', 'Zhejiang', 'Jiangsu', 'Shanghai', 'Beijing', 'Shandong', 'Sichuan', 'Fujian', 'Hubei', 'Henan', 'Hunan'],
    ipv4: [[36, 110], [39, 144], [58, 246], [111, 192], [117, 136], [183, 6], [223, 104], [114, 88], [120, 229], [124, 64]],
    ipv6: ['240e:3b7', '2408:8207', '2409:8a28', '240e:47e'], ipv6Share: 0.35,
    devices: [0.2, 0.75, 0.05], browsers: BROWSER_MIXES.cn,
    search: [['https://www.baidu.com/', 0.62], ['https://cn.bing.com/', 0.18], ['https://www.sogou.com/', 0.1], ['https://m.so.com/', 0.1]],
    paidSource: 'baidu',
    social: [['https://weibo.com/', 0.3], ['https://www.xiaohongshu.com/', 0.3], ['', 0.3], ['https://www.douyin.com/', 0.1]],
    deals: ['https://www.smzdm.com/p/', 'https://www.zhihu.com/question/', 'https://post.smzdm.com/p/'],
    firstNames: ['wei', 'fang', 'na', 'min', 'jing', 'lei', 'yang', 'jie', 'tao', 'xiu', 'hui', 'qiang', 'li', 'yan'],
    lastNames: ['zhang', 'wang', 'li', 'liu', 'chen', 'yang', 'huang', 'zhao', 'wu', 'zhou', 'xu', 'sun'],
    phone: ['+86 138 XXXX XXXX', '+86 139 XXXX XXXX', '+86 186 XXXX XXXX', '+86 150 XXXX XXXX', '+86 177 XXXX XXXX'],
  },
  {
    code: 'US', weight: 0.18, tz: -6, group: 'west',
    locales: [['en-US', 0.9], ['es-US', 0.07], ['zh-CN', 0.03]],
    regions: ['CA', 'CA', 'TX', 'NY', 'FL', 'WA', 'IL', 'PA', 'GA', 'MA', 'NC', 'CO'],
    ipv4: [[23, 112], [24, 5], [50, 35], [68, 80], [73, 15], [98, 207], [104, 28], [108, 27], [172, 58], [174, 62]],
    ipv6: ['2600:1700', '2601:646', '2603:8000', '2607:fb90'], ipv6Share: 0.4,
    devices: [0.4, 0.52, 0.08], browsers: BROWSER_MIXES.ios,
    search: GOOGLE('google.com'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://slickdeals.net/f/', 'https://www.nytimes.com/wirecutter/reviews/', 'https://www.theverge.com/reviews/'],
    firstNames: EN_FIRST, lastNames: EN_LAST,
    phone: ['+1 415 555 01XX', '+1 212 555 01XX', '+1 312 555 01XX', '+1 737 555 01XX'],
  },
  {
    code: 'GB', weight: 0.06, tz: 0, group: 'west',
    locales: [['en-GB', 0.96], ['pl-PL', 0.04]],
    regions: ['England', 'England', 'England', 'England', 'Scotland', 'Wales', 'Northern Ireland'],
    ipv4: [[2, 24], [5, 64], [31, 48], [51, 9], [81, 2], [86, 128], [90, 196], [109, 144]],
    ipv6: ['2a00:23c7', '2a02:c7c', '2a01:4b00'], ipv6Share: 0.25,
    devices: [0.38, 0.52, 0.1], browsers: BROWSER_MIXES.ios,
    search: GOOGLE('google.co.uk'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.hotukdeals.com/deals/', 'https://www.which.co.uk/reviews/'],
    firstNames: EN_FIRST, lastNames: EN_LAST,
    phone: ['+44 7700 900XXX'],
  },
  {
    code: 'DE', weight: 0.05, tz: 1, group: 'west',
    locales: [['de-DE', 0.92], ['en-US', 0.05], ['tr-TR', 0.03]],
    regions: ['Bayern', 'Nordrhein-Westfalen', 'Baden-Wuerttemberg', 'Berlin', 'Hamburg', 'Hessen', 'Niedersachsen', 'Sachsen'],
    ipv4: [[2, 200], [37, 4], [46, 114], [79, 192], [84, 128], [91, 64], [93, 192]],
    ipv6: ['2003:e8', '2a02:8108', '2a02:810d'], ipv6Share: 0.3,
    devices: [0.45, 0.47, 0.08], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.de'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.mydealz.de/deals/', 'https://www.chip.de/test/'],
    firstNames: ['lukas', 'anna', 'leon', 'marie', 'felix', 'lena', 'jonas', 'lea', 'paul', 'hannah'],
    lastNames: ['mueller', 'schmidt', 'schneider', 'fischer', 'weber', 'meyer', 'wagner', 'becker'],
    phone: ['+49 151 XXXXXXXX', '+49 160 XXXXXXXX', '+49 176 XXXXXXXX'],
  },
  {
    code: 'FR', weight: 0.04, tz: 1, group: 'west',
    locales: [['fr-FR', 0.95], ['en-US', 0.05]],
    regions: ['Ile-de-France', 'Ile-de-France', 'Auvergne-Rhone-Alpes', "Provence-Alpes-Cote d'Azur", 'Occitanie', 'Nouvelle-Aquitaine', 'Hauts-de-France'],
    ipv4: [[2, 1], [5, 48], [78, 192], [82, 64], [86, 192], [90, 0], [109, 8]],
    ipv6: ['2a01:cb00', '2a01:e0a', '2001:861'], ipv6Share: 0.35,
    devices: [0.4, 0.52, 0.08], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.fr'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.dealabs.com/bons-plans/', 'https://www.lesnumeriques.com/'],
    firstNames: ['lucas', 'chloe', 'hugo', 'lea', 'louis', 'manon', 'jules', 'camille'],
    lastNames: ['martin', 'bernard', 'dubois', 'thomas', 'robert', 'richard', 'petit', 'durand'],
    phone: ['+33 6 XX XX XX XX', '+33 7 XX XX XX XX'],
  },
  {
    code: 'JP', weight: 0.05, tz: 9, group: 'asia',
    locales: [['ja-JP', 0.97], ['en-US', 0.03]],
    regions: ['Tokyo', 'Tokyo', 'Kanagawa', 'Osaka', 'Aichi', 'Saitama', 'Chiba', 'Hyogo', 'Fukuoka', 'Hokkaido'],
    ipv4: [[1, 72], [14, 8], [27, 80], [49, 96], [60, 32], [106, 128], [126, 0], [153, 240]],
    ipv6: ['2400:4050', '240b:10', '2409:10'], ipv6Share: 0.3,
    devices: [0.3, 0.65, 0.05], browsers: BROWSER_MIXES.ios,
    search: [['https://www.google.co.jp/', 0.75], ['https://search.yahoo.co.jp/', 0.2], ['https://www.bing.com/', 0.05]],
    paidSource: 'google', social: [['https://t.co/', 0.35], ['https://l.instagram.com/', 0.25], ['https://line.me/', 0.25], ['https://www.youtube.com/', 0.15]],
    deals: ['https://kakaku.com/item/', 'https://note.com/'],
    firstNames: ['haruto', 'yui', 'sota', 'hina', 'ren', 'aoi', 'yuto', 'mei'],
    lastNames: ['sato', 'suzuki', 'takahashi', 'tanaka', 'watanabe', 'ito', 'yamamoto', 'nakamura'],
    phone: ['+81 90 XXXX XXXX', '+81 80 XXXX XXXX', '+81 70 XXXX XXXX'],
  },
  {
    code: 'IN', weight: 0.05, tz: 5.5, group: 'asia',
    locales: [['en-IN', 0.8], ['hi-IN', 0.2]],
    regions: ['Maharashtra', 'Karnataka', 'Delhi', 'Tamil Nadu', 'Telangana', 'Uttar Pradesh', 'Gujarat', 'West Bengal'],
    ipv4: [[1, 38], [27, 56], [49, 32], [59, 88], [103, 21], [106, 192], [117, 192], [157, 32]],
    ipv6: ['2401:4900', '2409:4042', '2405:201'], ipv6Share: 0.45,
    devices: [0.15, 0.82, 0.03], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.co.in'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.desidime.com/deals/', 'https://www.91mobiles.com/'],
    firstNames: ['aarav', 'priya', 'vivaan', 'ananya', 'arjun', 'diya', 'rohan', 'isha'],
    lastNames: ['sharma', 'patel', 'singh', 'kumar', 'gupta', 'reddy', 'iyer', 'das'],
    phone: ['+91 98XXX XXXXX', '+91 97XXX XXXXX', '+91 70XXX XXXXX'],
  },
  {
    code: 'BR', weight: 0.04, tz: -3, group: 'west',
    locales: [['pt-BR', 0.97], ['en-US', 0.03]],
    regions: ['Sao Paulo', 'Sao Paulo', 'Rio de Janeiro', 'Minas Gerais', 'Parana', 'Rio Grande do Sul', 'Bahia'],
    ipv4: [[177, 32], [179, 96], [187, 0], [189, 4], [191, 32], [200, 148], [201, 17]],
    ipv6: ['2804:14c', '2804:d59', '2804:7f0'], ipv6Share: 0.3,
    devices: [0.25, 0.7, 0.05], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.com.br'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.pelando.com.br/d/', 'https://www.tecmundo.com.br/'],
    firstNames: ['joao', 'maria', 'pedro', 'ana', 'lucas', 'julia', 'gabriel', 'beatriz'],
    lastNames: ['silva', 'santos', 'oliveira', 'souza', 'lima', 'pereira', 'costa', 'ferreira'],
    phone: ['+55 11 9XXXX XXXX', '+55 21 9XXXX XXXX'],
  },
  {
    code: 'SG', weight: 0.02, tz: 8, group: 'asia',
    locales: [['en-SG', 0.7], ['zh-SG', 0.3]],
    regions: ['Central', 'East', 'North', 'North-East', 'West'],
    ipv4: [[42, 60], [101, 127], [116, 14], [119, 56], [175, 156], [203, 116]],
    ipv6: ['2406:3003', '2401:7400'], ipv6Share: 0.25,
    devices: [0.35, 0.58, 0.07], browsers: BROWSER_MIXES.ios,
    search: GOOGLE('google.com.sg'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.hardwarezone.com.sg/', 'https://sethlui.com/'],
    firstNames: [...EN_FIRST.slice(0, 6), 'wei', 'jia', 'hui'], lastNames: ['tan', 'lim', 'lee', 'ng', 'ong', 'wong'],
    phone: ['+65 9XXX XXXX', '+65 8XXX XXXX'],
  },
  {
    code: 'AU', weight: 0.03, tz: 10, group: 'west',
    locales: [['en-AU', 0.97], ['zh-CN', 0.03]],
    regions: ['New South Wales', 'Victoria', 'Queensland', 'Western Australia', 'South Australia'],
    ipv4: [[1, 120], [49, 176], [58, 104], [101, 160], [110, 20], [120, 144], [124, 168]],
    ipv6: ['2001:8003', '2403:5800'], ipv6Share: 0.25,
    devices: [0.38, 0.52, 0.1], browsers: BROWSER_MIXES.ios,
    search: GOOGLE('google.com.au'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.ozbargain.com.au/node/', 'https://www.choice.com.au/'],
    firstNames: EN_FIRST, lastNames: EN_LAST,
    phone: ['+61 412 XXX XXX', '+61 423 XXX XXX'],
  },
  {
    code: 'CA', weight: 0.03, tz: -5, group: 'west',
    locales: [['en-CA', 0.75], ['fr-CA', 0.25]],
    regions: ['Ontario', 'Ontario', 'Quebec', 'British Columbia', 'Alberta', 'Manitoba'],
    ipv4: [[24, 36], [64, 180], [70, 48], [99, 224], [142, 112], [174, 88]],
    ipv6: ['2607:fea8', '2001:56a'], ipv6Share: 0.3,
    devices: [0.42, 0.5, 0.08], browsers: BROWSER_MIXES.ios,
    search: GOOGLE('google.ca'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://forums.redflagdeals.com/', 'https://www.narcity.com/'],
    firstNames: EN_FIRST, lastNames: [...EN_LAST, 'tremblay', 'gagnon'],
    phone: ['+1 416 555 01XX', '+1 604 555 01XX', '+1 514 555 01XX'],
  },
  {
    code: 'KR', weight: 0.03, tz: 9, group: 'asia',
    locales: [['ko-KR', 0.98], ['en-US', 0.02]],
    regions: ['Seoul', 'Seoul', 'Gyeonggi-do', 'Busan', 'Incheon', 'Daegu'],
    ipv4: [[1, 224], [14, 32], [39, 112], [58, 120], [112, 144], [121, 128], [211, 36]],
    ipv6: ['2001:2d8', '2001:e60'], ipv6Share: 0.2,
    devices: [0.35, 0.6, 0.05], browsers: BROWSER_MIXES.samsung,
    search: [['https://search.naver.com/', 0.55], ['https://www.google.co.kr/', 0.4], ['https://search.daum.net/', 0.05]],
    paidSource: 'naver', social: [['https://l.instagram.com/', 0.4], ['https://www.youtube.com/', 0.3], ['https://l.facebook.com/', 0.3]],
    deals: ['https://blog.naver.com/', 'https://www.ppomppu.co.kr/'],
    firstNames: ['minjun', 'seoyeon', 'jiho', 'hayun', 'doyun', 'jiwoo'], lastNames: ['kim', 'lee', 'park', 'choi', 'jung', 'kang'],
    phone: ['+82 10 XXXX XXXX'],
  },
  {
    code: 'NL', weight: 0.02, tz: 1, group: 'west',
    locales: [['nl-NL', 0.9], ['en-GB', 0.1]],
    regions: ['Noord-Holland', 'Zuid-Holland', 'Utrecht', 'Noord-Brabant', 'Gelderland'],
    ipv4: [[31, 20], [77, 160], [84, 104], [145, 128], [213, 124]],
    ipv6: ['2a02:a46', '2001:1c00'], ipv6Share: 0.3,
    devices: [0.42, 0.5, 0.08], browsers: BROWSER_MIXES.ios,
    search: GOOGLE('google.nl'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.pepper.com/nl/', 'https://tweakers.net/reviews/'],
    firstNames: ['daan', 'emma', 'sem', 'julia', 'lucas', 'tess'], lastNames: ['jansen', 'devries', 'bakker', 'visser', 'smit', 'meijer'],
    phone: ['+31 6 XXXX XXXX'],
  },
  {
    code: 'ES', weight: 0.02, tz: 1, group: 'west',
    locales: [['es-ES', 0.9], ['ca-ES', 0.1]],
    regions: ['Madrid', 'Cataluna', 'Andalucia', 'Comunidad Valenciana', 'Pais Vasco'],
    ipv4: [[2, 136], [79, 144], [83, 32], [88, 0], [90, 160]],
    ipv6: ['2a0c:5a80', '2a01:c50f'], ipv6Share: 0.2,
    devices: [0.35, 0.58, 0.07], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.es'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.chollometro.com/ofertas/', 'https://www.xataka.com/analisis/'],
    firstNames: ['hugo', 'lucia', 'martin', 'sofia', 'mateo', 'paula'], lastNames: ['garcia', 'rodriguez', 'lopez', 'martinez', 'sanchez', 'perez'],
    phone: ['+34 6XX XXX XXX'],
  },
  {
    code: 'IT', weight: 0.02, tz: 1, group: 'west',
    locales: [['it-IT', 0.97], ['en-US', 0.03]],
    regions: ['Lombardia', 'Lazio', 'Campania', 'Veneto', 'Piemonte', 'Emilia-Romagna'],
    ipv4: [[2, 32], [5, 88], [79, 0], [87, 0], [93, 32]],
    ipv6: ['2a01:e11', '2001:b07'], ipv6Share: 0.15,
    devices: [0.35, 0.58, 0.07], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.it'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.hwupgrade.it/', 'https://www.telefonino.net/'],
    firstNames: ['leonardo', 'sofia', 'francesco', 'aurora', 'alessandro', 'giulia'], lastNames: ['rossi', 'russo', 'ferrari', 'esposito', 'bianchi', 'romano'],
    phone: ['+39 3XX XXX XXXX'],
  },
  {
    code: 'MX', weight: 0.01, tz: -6, group: 'west',
    locales: [['es-MX', 0.97], ['en-US', 0.03]],
    regions: ['Ciudad de Mexico', 'Jalisco', 'Nuevo Leon', 'Estado de Mexico', 'Puebla'],
    ipv4: [[187, 128], [189, 128], [201, 128], [177, 224]],
    ipv6: ['2806:10a6', '2806:2f0'], ipv6Share: 0.25,
    devices: [0.28, 0.68, 0.04], browsers: BROWSER_MIXES.android,
    search: GOOGLE('google.com.mx'), paidSource: 'google', social: WEST_SOCIAL,
    deals: ['https://www.promodescuentos.com/ofertas/', 'https://www.xataka.com.mx/'],
    firstNames: ['santiago', 'ximena', 'mateo', 'valentina', 'diego', 'camila'], lastNames: ['hernandez', 'garcia', 'martinez', 'lopez', 'gonzalez', 'perez'],
    phone: ['+52 55 XXXX XXXX', '+52 33 XXXX XXXX'],
  },
];
