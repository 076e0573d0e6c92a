/**
 * Sample files of each import kind for the demo (docs/imports.md), made from the demo's own online events so that the
 * offline data meets the online data as a real shop's would:
 *   - orders.csv: store purchases (POS) over the demo's days; about 40% by members who are also online users (member id
 *     = their user id), 30% by store-card holders whose phone number is an online user's (linked on the hashed phone),
 *     30% by offline-only customers;
 *   - customers.csv: the member register (member id, phone, e-mail, registration time and store, consent, gender,
 *     birth year, city, tier) of the online users and the offline-only customers;
 *   - ad_spend.csv: per day, platform and campaign of the paid traffic the demo sent, spend, impressions, clicks and the
 *     platform's own conversion count.
 * Deterministic for a seed and a start date, so `npm run demo` run again the same day imports nothing twice.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { generateDemoEvents, PRODUCTS, type GenerateOptions } from '@privacy-analytics/core/demo-data';
import { ImportRefused, sendImport } from '../import/send-import';

export interface ImportSamples {
  orders: string;
  customers: string;
  ad_spend: string;
}

interface OnlineUser {
  id: string;
  phone: string | null;
  email: string | null;
  gender: string | null;
  city: string | null;
  registeredAt: string;
}

const STORES = ['store-shanghai-01', 'store-shanghai-02', 'store-beijing-01', 'store-london-01', 'store-berlin-01', 'store-sf-01'];
const TIERS = ['basic', 'silver', 'gold', 'platinum'];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const csvField = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (rows: (string | number | null)[][]) => `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;

export function demoImportSamples(options: Pick<GenerateOptions, 'seed' | 'events' | 'start' | 'days'>, orderCount = 3000): ImportSamples {
  const users = new Map<string, OnlineUser>();
  /** date → platform|campaign → paid landings */
  const paid = new Map<string, Map<string, number>>();
  for (const m of generateDemoEvents(options)) {
    if (m.type === 'identify') {
      const traits = m.traits as Record<string, unknown>;
      const address = (traits.address ?? {}) as Record<string, unknown>;
      users.set(m.userId, {
        id: m.userId,
        phone: typeof traits.phone === 'string' ? traits.phone : null,
        email: typeof traits.email === 'string' ? traits.email : null,
        gender: typeof traits.gender === 'string' ? traits.gender : null,
        city: typeof address.city === 'string' ? address.city : null,
        registeredAt: typeof traits.createdAt === 'string' ? traits.createdAt : m.timestamp,
      });
    }
    const campaign = m.context.campaign;
    if (m.type === 'page' && campaign && /cpc|paid|ppc|display|social_paid/.test(campaign.medium ?? '')) {
      const date = m.timestamp.slice(0, 10);
      const byCampaign = paid.get(date) ?? new Map<string, number>();
      const key = `${campaign.source}|${campaign.name}`;
      byCampaign.set(key, (byCampaign.get(key) ?? 0) + 1);
      paid.set(date, byCampaign);
    }
  }
  const random = mulberry32(options.seed * 7919 + Math.floor(options.start.getTime() / 86_400_000));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const online = [...users.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const stamp = options.start.toISOString().slice(0, 10).replace(/-/g, '');
  const offline: OnlineUser[] = Array.from({ length: Math.max(50, Math.round(online.length * 0.5)) }, (_, i) => ({
    id: `m-${stamp}-${String(i).padStart(5, '0')}`,
    phone: `+86 139 ${String(1000 + Math.floor(random() * 9000))} ${String(1000 + Math.floor(random() * 9000))}`,
    email: random() < 0.5 ? `store.customer${i}@example.net` : null,
    gender: pick(['female', 'male', null]),
    city: pick(['Shanghai', 'Beijing', 'London', 'Berlin', 'San Francisco']),
    registeredAt: new Date(options.start.getTime() - random() * 700 * 86_400_000).toISOString(),
  }));

  const orderRows: (string | number | null)[][] = [['order_id', 'member_id', 'phone', 'order_time', 'store', 'sku', 'category', 'quantity', 'unit_price', 'currency']];
  const cards = new Map<string, string>();
  for (let n = 0; n < orderCount && online.length > 0; n++) {
    const roll = random();
    let member: string;
    let phone: string | null;
    if (roll < 0.4) {
      const user = pick(online);
      member = user.id;
      phone = random() < 0.5 ? user.phone : null;
    } else if (roll < 0.7) {
      // A store card, not the online account: the phone number (without spaces, as the till keeps it) is the link.
      const user = pick(online.filter((u) => u.phone !== null));
      member = cards.get(user.id) ?? `card-${stamp}-${String(cards.size).padStart(5, '0')}`;
      cards.set(user.id, member);
      phone = user.phone!.replace(/\s+/g, '');
    } else {
      const customer = pick(offline);
      member = customer.id;
      phone = customer.phone;
    }
    const time = new Date(options.start.getTime() + random() * options.days * 86_400_000);
    time.setUTCHours(2 + Math.floor(random() * 12), Math.floor(random() * 60), 0, 0);
    if (time.getTime() > Date.now() - 2 * 3_600_000) time.setTime(time.getTime() - 86_400_000);
    const store = pick(STORES);
    const lines = 1 + Math.floor(random() * random() * 4);
    for (let l = 0; l < lines; l++) {
      const product = pick(PRODUCTS);
      orderRows.push([`POS-${stamp}-${String(n).padStart(6, '0')}`, member, phone, time.toISOString().slice(0, 19).replace('T', ' '), store, product.id, product.category, 1 + Math.floor(random() * random() * 3), product.price, 'USD']);
    }
  }

  const customerRows: (string | number | null)[][] = [['member_id', 'phone', 'email', 'registered_at', 'registration_store', 'consent_email', 'consent_sms', 'gender', 'birth_year', 'city', 'tier']];
  for (const person of [...online, ...offline]) {
    const registered = person.registeredAt < options.start.toISOString() || random() < 0.5 ? person.registeredAt : options.start.toISOString();
    customerRows.push([
      person.id, person.phone, person.email, registered.slice(0, 10), pick(STORES), random() < 0.6 ? 'yes' : 'no', random() < 0.4 ? 'yes' : 'no',
      person.gender, 1950 + Math.floor(random() * 55), person.city, pick(TIERS),
    ]);
  }

  const spendRows: (string | number | null)[][] = [['date', 'platform', 'campaign', 'ad_group', 'impressions', 'clicks', 'spend', 'currency', 'conversions']];
  for (const [date, byCampaign] of [...paid].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [key, landings] of [...byCampaign].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [platform, campaign] = key.split('|');
      // Platforms count more clicks than the site sees landings (bounces before the page loads, blocked trackers).
      const clicks = Math.round(landings * (1.1 + random() * 0.3));
      const impressions = Math.round(clicks * (25 + random() * 60));
      const spend = Math.round(clicks * (0.25 + random() * 1.25) * 100) / 100;
      spendRows.push([date, platform!, campaign!, 'all', impressions, clicks, spend, 'USD', Math.round(clicks * (0.02 + random() * 0.04))]);
    }
  }
  return { orders: csv(orderRows), customers: csv(customerRows), ad_spend: csv(spendRows) };
}

/**
 * Writes the samples to `dir` and imports each through the edge as `npm run import` does; returns one summary line per
 * kind. Called by `npm run demo` after the live events.
 */
export async function importDemoSamples(options: { edge: string; site: string; token: string; dir: string; demo: Pick<GenerateOptions, 'seed' | 'events' | 'start' | 'days'> }): Promise<string[]> {
  const samples = demoImportSamples(options.demo);
  await mkdir(options.dir, { recursive: true });
  const lines: string[] = [];
  for (const kind of ['customers', 'orders', 'ad_spend'] as const) {
    const file = `${options.dir}/${kind}.csv`;
    await writeFile(file, samples[kind]);
    try {
      const [result] = await sendImport({ kind, file, mapping: null, importId: null, edge: options.edge, site: options.site, token: options.token, maxRejectedShare: null, json: false }, samples[kind]);
      const i = result!.answer.import;
      lines.push(`${kind} ${file}: ${result!.answer.repeated ? 'imported before' : 'imported'}, ${i.rows.accepted} of ${i.rows.total} rows, ${i.stored} stored (import ${i.id})`);
    } catch (error) {
      // The demo goes on without this kind; the message says why (npm run import -- <kind> --file <file> to retry).
      if (!(error instanceof ImportRefused)) throw error;
      lines.push(`${kind} ${file}: refused: ${error.message}`);
    }
  }
  return lines;
}
