import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@privacy-analytics/core/privacy';
import type { SiteState } from '../src/storage/site-state';
import { BROWSER_UA, flush, post, readStoredRows } from './helpers';
import { catalogOf } from '../src/stubs';

const PII = {
  email: 'jane.doe@example.com',
  emailEncoded: 'jane.doe%40example.com',
  phoneIntl: '+44 20 7946 0958',
  phoneCn: '13812345678',
  phoneCnSpaced: '138 1234 5678',
  cnId: '11010519491231002X',
  card: '4111 1111 1111 1111',
  cardPlain: '5500005555555559',
  ipv4: '203.0.113.9',
  ipv6: '2001:db8::1',
  // Forms the scrubber used to miss (issue 19):
  phoneFullWidth: '１３９８７６５４３２１',
  emailFullWidth: 'ｍａｒｉｅ＠ｅｘａｍｐｌｅ．ｏｒｇ',
  emailCjk: '用户@例子.公司',
  emailAccented: 'josé@exämple.de',
  /** Only its key (`teléfono`, `telefon`) tells these are phones: no country prefix. */
  phoneEs: '612 345 678',
  phoneDe: '030 901820',
  idUnderKey: 'G28233515',
  personName: 'Jane Q. Doe',
  nameCn: '张三丰',
  username: 'janedoe84',
  birthday: '1984-03-14',
  addressFr: '12 rue de la Paix',
  addressCn: '北京市朝阳区建国路88号',
  pathToken: 'k3J9x0Q2m8Z7w5V1pL4tR6yN',
  pathLongId: '98765432109876543210',
  jwt: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIiwiZW1haWwiOiJqYW5lQGV4YW1wbGUuY29tIn0.c2lnbmF0dXJlLWJ5dGVz',
  emailBase64: btoa('jane.doe@example.com'),
};
const NUMBERS = { phoneCn: Number(PII.phoneCn), card: 4111111111111111 };

/** Each needle in the forms it could take once stored: as sent, folded to ASCII (NFKC), and as bare digits. */
const NEEDLES = [
  ...new Set(
    Object.values(PII).flatMap((v) => {
      const folded = v.normalize('NFKC');
      const digits = /^[\d\s+().-]+[Xx]?$/.test(folded) ? folded.replace(/[^\dXx]/g, '') : folded;
      return [v, folded, digits.length >= 9 ? digits : folded];
    }),
  ),
];

function stuffedMessages(site: string, marker: string) {
  const everywhere = `${PII.email} ${PII.phoneIntl} ${PII.phoneCn} ${PII.cnId} ${PII.card} ${PII.ipv4} ${PII.ipv6}`;
  const disguised = `${PII.phoneFullWidth} ${PII.emailFullWidth} ${PII.emailCjk} ${PII.emailAccented} ${PII.jwt} ${PII.emailBase64}`;
  const context = {
    userAgent: BROWSER_UA,
    ip: PII.ipv4,
    page: {
      url: `https://shop.example/u/${PII.email}/orders/${PII.pathToken}?email=${PII.emailEncoded}&phone=${PII.phoneCn}&utm_campaign=${PII.phoneCn}&utm_content=${PII.jwt}&ref=${PII.card}`,
      path: `/u/${PII.email}/orders/${PII.pathToken}`,
      referrer: `https://mail.example/verify/${PII.jwt}/${PII.pathToken}?to=${PII.email}&ip=${PII.ipv4}`,
      title: `Orders of ${PII.email} ${PII.phoneCnSpaced} ${disguised}`,
    },
    campaign: { name: `promo ${PII.email}`, source: PII.phoneIntl },
    locale: 'en-GB',
    sessionId: PII.email,
  };
  const otherLanguages = {
    手机号: PII.phoneFullWidth,
    身份证号: PII.idUnderKey,
    姓名: PII.nameCn,
    邮箱: PII.emailCjk,
    地址: PII.addressCn,
    teléfono: PII.phoneEs,
    telefon: PII.phoneDe,
    correo: PII.emailAccented,
    adresse: PII.addressFr,
  };
  const pageUrl = `https://shop.example/blog/how-to-use-analytics-2024/product/123/reset/${PII.pathToken}/${PII.jwt}/${PII.pathLongId}`;
  return [
    {
      type: 'identify', messageId: `${marker}-1`, anonymousId: PII.email, userId: PII.phoneCn,
      traits: { email: PII.email, phone: PII.phoneIntl, id_card: PII.cnId, marker, note: everywhere, name: PII.personName, username: PII.username, birthday: PII.birthday, contact: NUMBERS.phoneCn, ...otherLanguages },
      context,
    },
    {
      type: 'track', messageId: `${marker}-2`, anonymousId: PII.ipv4, userId: PII.cardPlain, event: `Clicked ${PII.email}`,
      properties: { marker, note: everywhere, disguised, nested: { deeper: [everywhere, { card_number: PII.card, ip: PII.ipv6 }] }, phone: NUMBERS.phoneCn, contact: NUMBERS.phoneCn, ref: NUMBERS.card, ...otherLanguages },
      context,
    },
    { type: 'page', messageId: `${marker}-3`, anonymousId: PII.cnId, name: `Profile ${PII.phoneIntl}`, properties: { marker, search: `?q=${PII.email}`, url: pageUrl, referrer: `https://mail.example/t/${PII.pathToken}` }, context },
    { type: 'alias', messageId: `${marker}-4`, previousId: PII.email, userId: PII.phoneCn, context },
    { type: 'group', messageId: `${marker}-5`, anonymousId: PII.email, groupId: PII.email, traits: { marker, email: PII.email, address: '1 Main St', name: 'Acme Ltd' }, context },
  ];
}

/** The needles as they would appear in raw file bytes decoded one byte per character (UTF-8 for non-ASCII). */
const BYTE_NEEDLES = NEEDLES.map((needle) => new TextDecoder('latin1').decode(new TextEncoder().encode(needle)));

function findNeedles(haystack: string): string[] {
  return NEEDLES.filter((needle) => haystack.includes(needle));
}

function findByteNeedles(bytesAsLatin1: string): string[] {
  return NEEDLES.filter((_needle, i) => bytesAsLatin1.includes(BYTE_NEEDLES[i]!));
}

describe.each(['demo', 'anon'])('no personal data is stored (site %s)', (site) => {
  it('scrubs every field in the buffer and in the Parquet files', async () => {
    const marker = crypto.randomUUID();
    const writeKey = `${site}-write-key`;
    const res = await post('/v1/batch', { batch: stuffedMessages(site, marker) }, { writeKey, ip: PII.ipv4 });
    expect(await res.json()).toMatchObject({ accepted: 5, rejected: [] });

    for (const shard of [0, 1]) {
      const buffered = await runInDurableObject(env.INGEST_BUFFER.get(env.INGEST_BUFFER.idFromName(`${site}/${shard}`)), (_i, state) =>
        state.storage.sql.exec<{ row: string }>('SELECT row FROM buffer').toArray().map((r) => r.row).join('\n'),
      );
      expect(findNeedles(buffered)).toEqual([]);
    }

    await flush(site, `${site}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`);
    const listed = await env.EVENTS.list({ prefix: `events/site=${site}/` });
    for (const object of listed.objects) {
      const raw = new Uint8Array(await (await env.EVENTS.get(object.key))!.arrayBuffer());
      expect(findByteNeedles(new TextDecoder('latin1').decode(raw))).toEqual([]);
    }
    const eventIds = await Promise.all([1, 2, 3, 4, 5].map((n) => sha256Hex(`${site}\n${marker}-${n}`)));
    const rows = (await readStoredRows(site)).filter((r) => eventIds.includes(r.event_id));
    expect(rows).toHaveLength(5);
    expect(findNeedles(JSON.stringify(rows))).toEqual([]);
    const identify = rows.find((r) => r.type === 'identify')!;
    const traits = JSON.parse(identify.properties) as Record<string, string>;
    expect(traits.email).toMatch(/^[0-9a-f]{32}$/);
    expect(identify.quality_flags).toContain('pii_scrubbed');
    expect(identify.user_id).toMatch(/^[0-9a-f]{32}$/);
    expect(traits).toMatchObject({ name: '[redacted]', username: '[redacted]', birthday: '[redacted]', contact: '[phone]', 姓名: '[redacted]', 地址: '[redacted]', 身份证号: '[redacted]', adresse: '[redacted]' });
    for (const key of ['手机号', '邮箱', 'teléfono', 'telefon', 'correo']) expect(traits[key], key).toMatch(/^[0-9a-f]{32}$/);

    const track = JSON.parse(rows.find((r) => r.type === 'track')!.properties) as Record<string, unknown>;
    expect(track).toMatchObject({ contact: '[phone]', ref: '[card]', disguised: '[phone] [email] [email] [email] [token] [token]' });
    const group = JSON.parse(rows.find((r) => r.type === 'group')!.properties) as Record<string, unknown>;
    expect(group.name).toBe('Acme Ltd');

    // Slugs and short ids stay readable; tokens and long ids do not.
    const page = rows.find((r) => r.type === 'page')!;
    expect(page.page_path).toBe('/blog/how-to-use-analytics-2024/product/123/reset/[token]/[token]/[token]');
    expect(page.referrer_host).toBe('mail.example');
    expect(rows.find((r) => r.type === 'track')!.page_path).toBe('/u/[email]/orders/[token]');
  });
});

describe('pseudonymisation modes', () => {
  it('pseudonymous: the same id hashes the same way in separate requests', async () => {
    const marker = crypto.randomUUID();
    const msg = (n: number) => ({ type: 'track', event: 'x', messageId: `${marker}-${n}`, userId: 'user-42', properties: { marker }, context: { userAgent: BROWSER_UA } });
    await post('/v1/track', msg(1));
    await post('/v1/track', msg(2));
    await flush();
    const rows = (await readStoredRows()).filter((r) => r.properties.includes(marker));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.user_id).toBe(rows[1]!.user_id);
    expect(rows[0]!.user_id).not.toContain('user-42');
  });

  it('cookieless: a visitor without identifiers is a daily-salted hash of address and agent', async () => {
    const marker = crypto.randomUUID();
    const visit = (n: number, ip: string) =>
      post('/v1/track', { event: 'x', messageId: `${marker}-${n}`, properties: { marker }, context: { userAgent: BROWSER_UA } }, { writeKey: 'anon-write-key', ip });
    expect((await visit(1, '192.0.2.10')).status).toBe(200);
    expect((await visit(2, '192.0.2.10')).status).toBe(200);
    expect((await visit(3, '192.0.2.11')).status).toBe(200);
    await flush('anon', 'anon-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G');
    const rows = (await readStoredRows('anon')).filter((r) => r.properties.includes(marker)).sort((a, b) => a.event_id.localeCompare(b.event_id));
    const ids = new Set(rows.map((r) => r.anonymous_id));
    expect(rows).toHaveLength(3);
    expect(ids.size).toBe(2);
  });

  it('cookieless: salts are deleted 48 h after creation', async () => {
    const catalog = catalogOf(env, 'anon');
    await runInDurableObject(catalog, async (instance: SiteState, state) => {
      state.storage.sql.exec(`INSERT OR REPLACE INTO salts (date, salt, created_at) VALUES ('2020-01-01', 'old', ?)`, Date.now() - 49 * 3600_000);
      await instance.alarm();
      expect(instance.saltDates()).not.toContain('2020-01-01');
      expect(instance.saltDates()).toContain(new Date().toISOString().slice(0, 10));
    });
  });
});
