/** Traffic and conversion by day: the weekday pattern, Singles' Day, Black Friday to Cyber Monday, Christmas, 618. */
import type { FestivalGroup } from '../geo';
import { DAY_MS } from '../../time/units';

export interface DayProfile {
  /** Multiplier on sessions per day. */
  traffic: number;
  /** Multiplier on cart probability. */
  conv: number;
  /** utm_campaign used by email (and some paid) traffic that day. */
  campaign: string;
  /** Landing path of the campaign's sale page. */
  salePath: string;
  /** Coupon pushed that day, or '' */
  coupon: string;
  /** Weight boost of email sessions that day. */
  emailBoost: number;
}

const WEEKDAY_TRAFFIC = [1.12, 1.06, 1.0, 0.98, 0.96, 0.9, 0.95]; // Sun..Sat

function isoWeek(date: Date): number {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const dayNum = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - dayNum);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7);
}

function blackFriday(year: number): number {
  // Fourth Thursday of November, plus one day.
  const nov1 = new Date(Date.UTC(year, 10, 1));
  const firstThursday = 1 + ((4 - nov1.getUTCDay() + 7) % 7);
  return Date.UTC(year, 10, firstThursday + 21 + 1);
}

export function dayProfile(dayStartUtc: number, group: FestivalGroup): DayProfile {
  const date = new Date(dayStartUtc);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  const dom = date.getUTCDate();
  let traffic = WEEKDAY_TRAFFIC[date.getUTCDay()]!;
  let conv = 1;
  let campaign = `weekly_digest_${year}_w${String(isoWeek(date)).padStart(2, '0')}`;
  let salePath = '/sale/new-arrivals';
  let coupon = '';
  let emailBoost = 1;
  const bf = blackFriday(year);
  const fromBf = Math.round((dayStartUtc - bf) / DAY_MS);
  const cnWeight = group === 'cn' ? 1 : group === 'asia' ? 0.25 : 0.05;
  const bfWeight = group === 'west' ? 1 : group === 'asia' ? 0.5 : 0.15;

  // Singles' Day (11.11): pre-sales from 11-01, peak on the day.
  if (month === 11 && dom <= 12) {
    const shape = dom === 11 ? [3.0, 1.8] : dom === 10 ? [1.6, 1.2] : dom === 12 ? [1.3, 1.1] : [1.15, 0.92];
    traffic *= 1 + (shape[0]! - 1) * cnWeight;
    conv *= 1 + (shape[1]! - 1) * cnWeight;
    if (group !== 'west') {
      campaign = `singles_day_${year}`;
      salePath = '/sale/singles-day';
      coupon = dom >= 10 && dom <= 11 ? 'DOUBLE11' : '';
      emailBoost = dom >= 9 && dom <= 11 ? 3 : 1.5;
    }
  }
  // Black Friday week through Cyber Monday.
  if (fromBf >= -7 && fromBf <= 3) {
    const shapes: Record<number, [number, number]> = { [-1]: [1.3, 1.1], 0: [2.4, 1.7], 1: [1.8, 1.4], 2: [1.5, 1.3], 3: [2.1, 1.6] };
    const shape = shapes[fromBf] ?? [1.1, 0.95];
    traffic *= 1 + (shape[0] - 1) * bfWeight;
    conv *= 1 + (shape[1] - 1) * bfWeight;
    if (group !== 'cn') {
      campaign = fromBf === 3 ? `cyber_monday_${year}` : `black_friday_${year}`;
      salePath = fromBf === 3 ? '/sale/cyber-monday' : '/sale/black-friday';
      coupon = fromBf >= 0 ? (fromBf === 3 ? 'CYBER25' : 'BF20') : '';
      emailBoost = fromBf >= 0 ? 3 : 1.5;
    }
  }
  // Christmas season.
  if (month === 12 && group !== 'cn') {
    if (dom <= 20) {
      traffic *= 1.2;
      conv *= 1.1;
      campaign = `holiday_gifts_${year}`;
      salePath = '/sale/holiday-gifts';
      emailBoost = 1.5;
    } else if (dom === 24 || dom === 25) {
      traffic *= dom === 24 ? 0.8 : 0.6;
    } else if (dom === 26) {
      traffic *= 1.6;
      conv *= 1.3;
      campaign = `boxing_day_${year}`;
      salePath = '/sale/boxing-day';
      coupon = 'BOXING15';
      emailBoost = 2;
    }
  }
  // 618 mid-year festival in China.
  if (month === 6 && dom >= 16 && dom <= 18) {
    traffic *= 1 + (dom === 18 ? 1.2 : 0.3) * cnWeight;
    conv *= 1 + (dom === 18 ? 0.5 : 0.1) * cnWeight;
    if (group === 'cn') {
      campaign = `618_festival_${year}`;
      salePath = '/sale/618';
      emailBoost = 2;
    }
  }
  return { traffic, conv, campaign, salePath, coupon, emailBoost };
}
