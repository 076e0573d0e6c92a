/** Where a session comes from: its channel, referrer, UTM campaign and landing page. */
import type { Category, Product } from '../catalog';
import type { Channel } from '../ground-truth';
import type { CampaignInfo } from '../messages';
import { WeightedTable } from '../random';
import type { PersonSimulation } from './person-simulation';
import { otherCategory, pickProduct, searchQuery } from './shopping';

const DISPLAY_SOURCES = new WeightedTable(['criteo', 'google_display', 'taboola', 'outbrain'], [0.4, 0.35, 0.15, 0.1]);
const DISPLAY_REFERRERS = ['', '', 'https://www.cnn.com/', 'https://www.theguardian.com/', 'https://www.accuweather.com/', 'https://www.msn.com/'];
const CN_DISPLAY_REFERRERS = ['', '', 'https://www.163.com/', 'https://www.sohu.com/', 'https://news.qq.com/'];
const EMAIL_REFERRERS = ['', '', '', 'https://mail.google.com/', 'https://outlook.live.com/'];

export interface Landing {
  channel: Channel;
  referrer: string;
  query: string;
  campaign: CampaignInfo | undefined;
  kind: 'home' | 'category' | 'product' | 'sale';
  category: Category;
  product: Product | undefined;
}

export function pickSessionChannel(sim: PersonSimulation, first: boolean): Channel {
  if (first) return sim.truth.acquisitionChannel;
  const rng = sim.rng;
  const profile = sim.profiles[sim.dayIndex(sim.t)]!;
  const emailW = sim.userId ? 0.1 * profile.emailBoost : 0.01;
  const acq = sim.truth.acquisitionChannel;
  const w = (c: Channel, base: number) => base + (c === acq ? 0.15 : 0);
  const weights = [
    w('direct', 0.38), w('organic_search', 0.2), w('paid_search', 0.07), w('social', 0.08), emailW + (acq === 'email' ? 0.1 : 0),
    w('referral', 0.03), w('display', 0.05),
  ];
  return rng.weighted<Channel>(['direct', 'organic_search', 'paid_search', 'social', 'email', 'referral', 'display'], weights);
}

export function pickLanding(sim: PersonSimulation, channel: Channel): Landing {
  const rng = sim.rng;
  const spec = sim.country.spec;
  const profile = sim.profiles[sim.dayIndex(sim.t)]!;
  const category = rng.chance(0.7) ? sim.truth.preferredCategory : otherCategory(rng);
  const product = pickProduct(rng, category);
  const festival = !profile.campaign.startsWith('weekly_digest');
  const l: Landing = { channel, referrer: '', query: '', campaign: undefined, kind: 'home', category, product: undefined };
  const landOn = (pProduct: number, pCategory: number) => {
    const x = rng.next();
    l.kind = x < pProduct ? 'product' : x < pProduct + pCategory ? 'category' : 'home';
    if (l.kind === 'product') l.product = product;
  };
  const utm = (source: string, medium: string, name: string, extra = '', term?: string) => {
    l.campaign = term ? { source, medium, name, term } : { source, medium, name };
    l.query = `?utm_source=${source}&utm_medium=${medium}&utm_campaign=${encodeURIComponent(name)}${term ? `&utm_term=${encodeURIComponent(term)}` : ''}${extra}`;
  };
  switch (channel) {
    case 'direct':
      landOn(0.22, 0.12);
      break;
    case 'organic_search':
      l.referrer = sim.country.search.pick(rng);
      landOn(0.5, 0.38);
      break;
    case 'paid_search': {
      l.referrer = spec.paidSource === 'baidu' ? 'https://www.baidu.com/' : spec.paidSource === 'naver' ? 'https://search.naver.com/' : sim.country.search.items[0]!;
      landOn(0.6, 0.4);
      const name = festival && rng.chance(0.4) ? profile.campaign : rng.chance(0.3) ? 'brand_search' : `generic_${category}`;
      const clickId = spec.paidSource === 'google' ? `&gclid=Cj0KCQ${rng.hex(24)}` : spec.paidSource === 'baidu' ? `&bd_vid=${rng.hex(16)}` : '';
      utm(spec.paidSource, 'cpc', name, clickId, searchQuery(sim, category));
      break;
    }
    case 'social': {
      l.referrer = sim.country.social.pick(rng);
      landOn(0.55, 0.3);
      if (l.referrer === '' || rng.chance(0.45)) {
        // Paid social / share links carry UTM parameters (WeChat shares have no referrer).
        const source = l.referrer === '' ? 'wechat' : (new URL(l.referrer).hostname.replace(/^(www|l|m)\./, '').split('.')[0] ?? 'social');
        const name = festival && rng.chance(0.5) ? profile.campaign : `social_${category}`;
        utm(source, 'social', name, source === 'facebook' || source === 'instagram' ? `&fbclid=IwAR${rng.hex(24)}` : '');
      }
      break;
    }
    case 'email': {
      l.referrer = rng.pick(EMAIL_REFERRERS);
      const x = rng.next();
      if (festival && x < 0.55) l.kind = 'sale';
      else landOn(0.45, 0.35);
      utm('newsletter', 'email', profile.campaign, `&utm_content=${rng.pick(['hero', 'product_grid', 'footer'])}`);
      break;
    }
    case 'referral':
      l.referrer = rng.pick(spec.deals) + (spec.code === 'CN' ? String(rng.int(10_000_000, 99_999_999)) : `best-${category}-${new Date(sim.run.startMs).getUTCFullYear()}/`);
      landOn(0.75, 0.2);
      break;
    case 'display': {
      l.referrer = rng.pick(spec.code === 'CN' ? CN_DISPLAY_REFERRERS : DISPLAY_REFERRERS);
      landOn(0.7, 0.25);
      const source = spec.code === 'CN' ? 'tencent_ads' : DISPLAY_SOURCES.pick(rng);
      utm(source, 'display', rng.chance(0.5) ? 'retargeting' : festival ? profile.campaign : `prospecting_${category}`);
      break;
    }
  }
  return l;
}
