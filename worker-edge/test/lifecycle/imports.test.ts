import { createExecutionContext, createScheduledController, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import worker from '../../src/index';
import { describe, expect, it } from 'vitest';
import { manifestResponseSchema, importAnswerSchema, importDryRunSchema, type ImportAnswer } from '@privacy-analytics/core/edge-api';
import type { EventRow } from '@privacy-analytics/core/schema';
import { columnFromArray, float64, int32, tableFromColumns, tableToIPC, timestamp, TimeUnit, utf8 } from '@uwdata/flechette';
import { parquetForWorkers } from '../../src/storage/parquet-wasm-workers';
import { decodeParquet, EDGE } from '../helpers';
import { adminCall, at, DAY_MS, drain, flushSite, hashedId, ingest, manifestOf, rowsInManifest, siteTokens } from './lifecycle-helpers';

const SITE = 'imports';
const TOKENS = { analyst: siteTokens(SITE).read, admin: siteTokens(SITE).admin, viewer: `${SITE}-viewer-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G` };
const PHONE = '+8613800000001';
const EMAIL = 'Alice.Wang@Example.com';

async function upload(query: string, body: BodyInit, init: { role?: keyof typeof TOKENS; headers?: Record<string, string>; site?: string } = {}) {
  const site = init.site ?? SITE;
  const token = init.site ? `${site}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G` : TOKENS[init.role ?? 'analyst'];
  const res = await SELF.fetch(`${EDGE}/v1/sites/${site}/imports?${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...init.headers }, body });
  return { status: res.status, body: (await res.json()) as ImportAnswer & { error?: string; message?: string; rejected: ImportAnswer['rejected'] } };
}

async function get(path: string, role: keyof typeof TOKENS = 'analyst') {
  return SELF.fetch(`${EDGE}/v1/sites/${SITE}${path}`, { headers: { authorization: `Bearer ${TOKENS[role]}` } });
}

const day = (offset: number) => at(offset, 0).slice(0, 10);

const ORDERS = [
  'order_id,member_id,phone,order_date,sku,category,qty,unit_price,store',
  `S-1,M-1001,${PHONE},${day(-10)} 10:15,SKU-1,shoes,1,59.90,store-7`,
  `S-1,M-1001,${PHONE},${day(-10)} 10:15,SKU-2,socks,2,4.50,store-7`,
  `S-2,M-2002,,${day(-9)} 18:00,SKU-3,bags,1,120,store-3`,
  `S-3,M-3003,,not-a-date,SKU-1,shoes,1,59.90,store-7`,
  `S-4,M-3003,,${day(-8)} 11:00,SKU-1,shoes,-1,59.90,store-7`,
  `S-2,M-2002,,${day(-9)} 18:00,SKU-3,bags,1,120,store-3`,
  `S-5,M-3003,,${day(3)} 11:00,SKU-1,shoes,1,59.90,store-7`,
  `S-6,M-3003,,${day(-500)} 11:00,SKU-1,shoes,1,59.90,store-7`,
  `S-7,M-4004,13800000009,${day(-9)} 09:30,SKU-4,hats,1,25,store-3`,
].join('\n');

async function importFileRows(kind: 'orders' | 'customers', importId: string): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for (const file of await manifestOf(SITE)) {
    if (!file.key.includes(`/imp.${kind}.${importId}`)) continue;
    rows.push(...decodeParquet(new Uint8Array(await (await env.EVENTS.get(file.key))!.arrayBuffer())));
  }
  return rows;
}

const idsOf = (row: EventRow) => String((JSON.parse(row.properties) as Record<string, unknown>).$ids ?? '').split(' ');

describe('imports', { timeout: 120_000 }, () => {
  let orders: ImportAnswer;

  it('dry run: validates and reports like the import, writing nothing; a repeated file says so', async () => {
    const before = (await env.EVENTS.list({ prefix: `events/site=${SITE}/` })).objects.length;
    const res = await upload('kind=orders&importId=pos-2026&maxRejectedShare=0.6&dryRun=true', ORDERS, { headers: { 'content-type': 'text/csv' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const dry = importDryRunSchema.parse(res.body);
    expect(dry).toMatchObject({ dryRun: true, repeated: false, import: { id: 'pos-2026', kind: 'orders', rows: { total: 9, accepted: 4, rejected: 5 }, stored: 3, files: 2 } });
    expect(dry.columns).toEqual(['order_id', 'member_id', 'phone', 'order_date', 'sku', 'category', 'qty', 'unit_price', 'store']);
    expect(dry.import.mapping).toMatchObject({ user: 'member_id', time: 'order_date', quantity: 'qty' });
    expect(dry.rejected.map((r) => r.line).sort()).toEqual([5, 6, 7, 8, 9]);
    expect((await env.EVENTS.list({ prefix: `events/site=${SITE}/` })).objects.length).toBe(before);
    expect((await get('/imports/pos-2026')).status).toBe(404);
    expect((await manifestOf(SITE)).some((f) => f.key.includes('/imp.'))).toBe(false);

    const refused = await upload('kind=orders&dryRun=true', ORDERS, { headers: { 'content-type': 'text/csv' } });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ error: 'too_many_rejected', rows: { rejected: 5 } });
    expect((await upload('kind=orders&dryRun=maybe', ORDERS)).body).toMatchObject({ error: 'invalid_parameter' });
  });

  it('orders: accepted whole, each bad row reported by line, field and reason; rows stored as events with source=import', async () => {
    const res = await upload('kind=orders&importId=pos-2026&maxRejectedShare=0.6', ORDERS, { headers: { 'content-type': 'text/csv' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    orders = importAnswerSchema.parse(res.body);
    expect(orders.import).toMatchObject({ id: 'pos-2026', kind: 'orders', status: 'active', rows: { total: 9, accepted: 4, rejected: 5 }, stored: 3, files: 2 });
    const byLine = Object.fromEntries(orders.rejected.map((r) => [r.line, r]));
    expect(byLine[5]).toMatchObject({ field: 'time (order_date)' });
    expect(byLine[5]!.reason).toMatch(/not a date/);
    expect(byLine[6]).toMatchObject({ field: 'quantity (qty)' });
    expect(byLine[6]!.reason).toMatch(/negative/);
    expect(byLine[7]!.reason).toBe('duplicate: the same as line 4');
    expect(byLine[8]!.reason).toMatch(/^timestamp_in_future/);
    expect(byLine[9]!.reason).toMatch(/^older_than_retention/);

    const rows = await importFileRows('orders', 'pos-2026');
    expect(rows.map((r) => r.order_id).sort()).toEqual(['S-1', 'S-2', 'S-7']);
    const s1 = rows.find((r) => r.order_id === 'S-1')!;
    expect(s1).toMatchObject({ event: 'Order Completed', user_id: await hashedId(SITE, 'M-1001'), revenue: 68.9, timestamp: Date.parse(`${day(-10)}T10:15:00Z`) });
    expect(JSON.parse(s1.properties)).toMatchObject({ source: 'import', store: 'store-7' });
    expect(s1.quality_flags).not.toContain('timestamp_too_old');
  });

  it('lists import files in the manifest with their kind, readable by clients that know no kinds', async () => {
    const res = await get('/manifest');
    const body = manifestResponseSchema.parse(await res.json());
    const imported = body.files.filter((f) => f.key.includes('/imp.orders.pos-2026'));
    expect(imported).toHaveLength(2);
    expect(imported.every((f) => f.kind === 'import:orders' && f.hour === null && f.rollup !== undefined)).toBe(true);
    // The export listing has them too.
    const exported = (await (await get('/export')).json()) as { files: { key: string }[] };
    expect(exported.files.filter((f) => f.key.includes('/imp.orders.pos-2026'))).toHaveLength(2);
  });

  it('hashes phone numbers as live ingest does: an offline order and an online event with the same phone carry the same key', async () => {
    await ingest(SITE, [
      { type: 'track', event: 'Signed Up', anonymousId: 'web-visitor-1', messageId: 'online-1', timestamp: new Date().toISOString(), context: { traits: { phone: PHONE } } },
    ]);
    await flushSite(SITE);
    const online = (await rowsInManifest(SITE)).find((r) => r.event === 'Signed Up')!;
    const offline = (await importFileRows('orders', 'pos-2026')).find((r) => r.order_id === 'S-1')!;
    const phoneKey = idsOf(online).find((t) => t.startsWith('phone:'))!;
    expect(phoneKey).toMatch(/^phone:[0-9a-f]{16,}$/);
    expect(idsOf(offline)).toContain(phoneKey);
  });

  it("with the site's phoneCountryCode, a till's number without the code meets the web's number with it", async () => {
    const site = 'imports-cc';
    await ingest(site, [
      { type: 'identify', userId: 'web-account-9', messageId: 'cc-online-1', timestamp: new Date().toISOString(), traits: { phone: '+86 138 0000 0077' } },
    ]);
    await flushSite(site);
    const csv = ['order_id,member_id,phone,order_date,sku,category,qty,unit_price,store', `CC-1,M-9,138-0000-0077,${day(-3)} 10:00,SKU-1,shoes,1,10,store-1`].join('\n');
    const res = await upload('kind=orders&importId=cc-1', csv, { headers: { 'content-type': 'text/csv' }, site });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const online = (await rowsInManifest(site)).find((r) => r.type === 'identify')!;
    const offline = (await rowsInManifest(site)).find((r) => r.order_id === 'CC-1')!;
    const phoneKey = idsOf(online).find((t) => t.startsWith('phone:'))!;
    expect(phoneKey).toMatch(/^phone:[0-9a-f]{16,}$/);
    expect(idsOf(offline)).toContain(phoneKey);
  });

  it('Parquet: a till export as it is, columns by name, times from timestamp columns; a body that is not Parquet is a 400', async () => {
    const site = 'imports-cc';
    const time = Date.parse(`${day(-2)}T09:30:00Z`);
    const columns = {
      order_id: columnFromArray(['PQ-1', 'PQ-1', 'PQ-2'], utf8()),
      member_id: columnFromArray(['M-9', 'M-9', 'M-10'], utf8()),
      phone: columnFromArray(['138-0000-0077', '138-0000-0077', null], utf8()),
      order_time: columnFromArray([time, time, time + 3_600_000], timestamp(TimeUnit.MILLISECOND)),
      sku: columnFromArray(['SKU-1', 'SKU-2', 'SKU-3'], utf8()),
      qty: columnFromArray([1, 2, 1], int32()),
      unit_price: columnFromArray([10, 2.5, 99], float64()),
    };
    const parquet = parquetForWorkers();
    const bytes = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(tableFromColumns(columns), { format: 'stream' })!) as never);
    const dry = await upload('kind=orders&importId=pq-1&dryRun=true', bytes, { headers: { 'content-type': 'application/vnd.apache.parquet' }, site });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect((dry.body as unknown as { columns: string[] }).columns).toEqual(['order_id', 'member_id', 'phone', 'order_time', 'sku', 'qty', 'unit_price']);
    const res = await upload('kind=orders&importId=pq-1', bytes, { site });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.import).toMatchObject({ stored: 2, rows: { total: 3, accepted: 3, rejected: 0 } });
    const orders = (await rowsInManifest(site)).filter((r) => r.order_id?.startsWith('PQ-'));
    expect(orders.map((r) => [r.order_id, r.timestamp, r.revenue]).sort()).toEqual([
      ['PQ-1', time, 15],
      ['PQ-2', time + 3_600_000, 99],
    ]);
    // the same phone key as the CSV import of this site (country code added by the site's phoneCountryCode)
    const csvOrder = (await rowsInManifest(site)).find((r) => r.order_id === 'CC-1')!;
    expect(idsOf(orders.find((r) => r.order_id === 'PQ-1')!)).toContain(idsOf(csvOrder).find((t) => t.startsWith('phone:')));

    const notParquet = await upload('kind=orders&format=parquet', 'order_id,member_id\nX,Y\n', { site });
    expect(notParquet.status).toBe(400);
    expect(notParquet.body.error).toBe('malformed_parquet');
    const broken = new Uint8Array([...bytes.slice(0, 8), ...new Uint8Array(64), ...bytes.slice(-8)]);
    const unreadable = await upload('kind=orders', broken, { site });
    expect(unreadable.status).toBe(400);
    expect(unreadable.body.error).toBe('malformed_parquet');
  });

  it('customers: one identify per member, contact keys hashed into $ids, declared attributes kept', async () => {
    const csv = [
      'member_id;phone;email;registered_at;store;gender;birth_year;city;tier;consent_sms',
      `M-1001;${PHONE};${EMAIL};${day(-200)};store-7;F;1988;Shanghai;gold;yes`,
      `M-2002;;bob@example.org;${day(-100)};store-3;M;1975;Beijing;silver;no`,
      `M-1001;;;${day(-50)};store-7;F;1988;Shanghai;gold;yes`,
      `M-5005;;not-an-email;${day(-20)};store-3;;1890;;;maybe`,
    ].join('\n');
    const res = await upload('kind=customers', csv);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.import.id).toMatch(/^sha-[0-9a-f]{32}$/);
    expect(res.body.import.rows).toEqual({ total: 4, accepted: 2, rejected: 2 });
    expect(res.body.rejected.find((r) => r.line === 4)!.reason).toMatch(/duplicate: member M-1001 is on line 2/);
    const rows = await importFileRows('customers', res.body.import.id);
    expect(rows).toHaveLength(2);
    const aliceRow = rows.find((r) => r.timestamp === Date.parse(`${day(-200)}T00:00:00Z`))!;
    expect(aliceRow.user_id).toBe(await hashedId(SITE, 'M-1001'));
    expect(aliceRow.type).toBe('identify');
    const traits = JSON.parse(aliceRow.properties) as Record<string, unknown>;
    expect(traits).toMatchObject({ gender: 'f', birth_year: 1988, city: 'Shanghai', tier: 'gold', consent_sms: true, registration_store: 'store-7', source: 'import' });
    const offlineOrder = (await importFileRows('orders', 'pos-2026')).find((r) => r.order_id === 'S-1')!;
    expect(idsOf(aliceRow)).toContain(idsOf(offlineOrder).find((t) => t.startsWith('phone:')));
    expect(idsOf(aliceRow).some((t) => t.startsWith('email:'))).toBe(true);
    expect(idsOf(aliceRow).some((t) => t.startsWith('member:'))).toBe(true);
  });

  it('ad spend: its own table, listed in the manifest`s tables; impossible records rejected', async () => {
    const csv = [
      'date,platform,campaign,ad_group,impressions,clicks,spend,currency,conversions',
      `${day(-5)},google,spring_sale,brand,10000,320,150.5,CNY,12`,
      `${day(-5)},wechat,spring_sale,moments,5000,90,80,CNY,3`,
      `${day(-4)},google,spring_sale,brand,100,320,10,CNY,0`,
      `${day(-4)},wechat,spring_sale,moments,5000,90,-5,CNY,0`,
      `${day(-4)},google,spring_sale,generic,8000,200,"1,020.00",CNY,9`,
      `someday,google,spring_sale,brand,1,1,1,CNY,0`,
    ].join('\n');
    const res = await upload('kind=ad_spend&importId=ads-1', csv);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.import).toMatchObject({ stored: 3, files: 2, rows: { total: 6, accepted: 3, rejected: 3 } });
    const reasons = res.body.rejected.map((r) => `${r.line} ${r.field}: ${r.reason}`);
    expect(reasons).toEqual([expect.stringMatching(/^4 clicks \(clicks\): 320 clicks exceed 100 impressions/), expect.stringMatching(/^5 spend \(spend\): -5 is negative/), expect.stringMatching(/^7 date \(date\): "someday" is not a date/)]);
    const manifest = manifestResponseSchema.parse(await (await get('/manifest', 'viewer')).json());
    const tables = manifest.tables!.filter((t) => t.importId === 'ads-1');
    expect(tables.map((t) => t.date)).toEqual([day(-5), day(-4)]);
    expect(manifest.files.some((f) => f.key.includes('ads-1'))).toBe(false);
    const file = await get(`/files/${tables[1]!.key}`, 'viewer');
    expect(file.status).toBe(200);
    expect(new TextDecoder().decode(new Uint8Array(await file.arrayBuffer()).slice(0, 4))).toBe('PAR1');
  });

  it('stores no raw phone number, e-mail address or member id anywhere in R2', async () => {
    const needles = ['8613800000001', '13800000009', 'alice.wang', 'Alice.Wang', 'bob@example.org', 'M-1001', 'M-2002', 'M-4004'];
    const listed = await env.EVENTS.list({ prefix: '' });
    const keys = listed.objects.map((o) => o.key).filter((k) => k.includes(`site=${SITE}/`));
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) {
      const bytes = new Uint8Array(await (await env.EVENTS.get(key))!.arrayBuffer());
      const text = new TextDecoder('latin1').decode(bytes);
      for (const needle of needles) expect(text.includes(needle), `${needle} in ${key}`).toBe(false);
    }
  });

  it('the report is downloadable as CSV', async () => {
    const res = await get('/imports/pos-2026/report');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('line,field,reason');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([5, 6, 7, 8, 9]);
    const listed = (await (await get('/imports')).json()) as { imports: { id: string }[] };
    expect(listed.imports.map((i) => i.id)).toEqual(expect.arrayContaining(['pos-2026', 'ads-1']));
    expect((await (await get('/imports/pos-2026')).json()) as unknown).toMatchObject({ import: { id: 'pos-2026', stored: 3 } });
  });

  it('is idempotent: the same upload answers 200 with the earlier result and writes nothing', async () => {
    const before = await manifestOf(SITE);
    const again = await upload('kind=orders&importId=pos-2026&maxRejectedShare=0.6', ORDERS);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ repeated: true, import: { id: 'pos-2026', stored: 3 } });
    expect(again.body.rejected).toHaveLength(5);
    expect(await manifestOf(SITE)).toEqual(before);
    const dry = await upload('kind=orders&importId=pos-2026&maxRejectedShare=0.6&dryRun=true', ORDERS);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, repeated: true, import: { id: 'pos-2026', stored: 3 } });
    const other = await upload('kind=orders&importId=pos-2026', ORDERS.replace('59.90', '59.91'));
    expect(other.status).toBe(409);
    expect(other.body.error).toBe('import_id_taken');
  });

  it('rejects orders an earlier import brought', async () => {
    const csv = ['order_id,member_id,order_date,sku,qty,unit_price', `S-2,M-2002,${day(-9)},SKU-3,1,120`, `S-8,M-2002,${day(-6)},SKU-9,1,10`].join('\n');
    const res = await upload('kind=orders&importId=pos-late', csv);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.rejected).toEqual([{ line: 2, field: 'order (order_id)', reason: 'duplicate: order S-2 came in import pos-2026' }]);
    expect(res.body.import.stored).toBe(1);
  });

  it('refuses bad input with a 4xx and a code, writing nothing', async () => {
    const gz = new Blob([ORDERS.replace(/S-/g, 'G-')]).stream().pipeThrough(new CompressionStream('gzip'));
    const zipped = new Uint8Array(await new Response(gz).arrayBuffer());
    const cases: [string, BodyInit, number, string, string?][] = [
      ['kind=invoices', ORDERS, 400, 'invalid_parameter'],
      ['kind=orders&mapping=user=Nope', ORDERS, 400, 'invalid_mapping'],
      ['kind=orders&mapping={bad', ORDERS, 400, 'invalid_mapping'],
      ['kind=orders&importId=a/b', ORDERS, 400, 'invalid_parameter'],
      ['kind=orders', 'order_id,member_id\n"S-1,M-1', 400, 'malformed_csv'],
      ['kind=orders', '', 400, 'empty_body'],
      ['kind=orders', 'order_id,member_id,order_date\n', 422, 'no_rows'],
      ['kind=orders', 'order_id,member_id,order_date\nX,,2020-01-01\nY,,2020-01-02', 422, 'nothing_to_import'],
      ['kind=orders', `order_id,member_id,order_date\nX,M,${day(-1)}\nY,M,bad\nZ,M,bad`, 422, 'too_many_rejected'],
      ['kind=orders', new Uint8Array([0xff, 0xfe, 0x00, 0x41]), 400, 'invalid_encoding'],
      ['kind=orders&format=parquet', ORDERS, 400, 'malformed_parquet'],
      ['kind=orders&format=xlsx', ORDERS, 400, 'invalid_parameter'],
    ];
    const before = await manifestOf(SITE);
    for (const [query, body, status, code] of cases) {
      const res = await upload(query, body);
      expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error).toBe(code);
    }
    expect(await manifestOf(SITE)).toEqual(before);
    const cookieless = await upload('kind=orders', ORDERS, { site: 'anon' });
    expect(cookieless.status).toBe(409);
    expect(cookieless.body.error).toBe('imports_need_pseudonymous');
    // gzip by magic bytes, without a Content-Encoding header
    const gzipped = await upload('kind=orders&importId=gz-1&maxRejectedShare=0.6', zipped);
    expect(gzipped.status, JSON.stringify(gzipped.body)).toBe(201);
    expect(gzipped.body.import.stored).toBe(3);
  });

  it('withdraw (admin only) removes the files from the manifest and R2, audited', async () => {
    const analyst = await SELF.fetch(`${EDGE}/v1/sites/${SITE}/imports/gz-1`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKENS.analyst}` } });
    expect(analyst.status).toBe(403);
    const keys = (await manifestOf(SITE)).filter((f) => f.key.includes('/imp.orders.gz-1')).map((f) => f.key);
    expect(keys).toHaveLength(2);
    const res = await adminCall(SITE, 'DELETE', '/imports/gz-1');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ import: { status: 'withdrawn' }, filesDeleted: 2 });
    expect((await manifestOf(SITE)).filter((f) => f.key.includes('gz-1'))).toEqual([]);
    for (const key of keys) expect(await env.EVENTS.head(key)).toBeNull();
    expect((await adminCall(SITE, 'DELETE', '/imports/gz-1')).status).toBe(409);
    const audit = (await adminCall(SITE, 'GET', '/audit?limit=100')).body.entries as { action: string; details: Record<string, unknown> }[];
    expect(audit.find((e) => e.action === 'import.withdraw')!.details).toMatchObject({ importId: 'gz-1', files: 2 });
    expect(audit.filter((e) => e.action === 'import.create').map((e) => e.details.importId)).toEqual(expect.arrayContaining(['pos-2026', 'ads-1', 'gz-1']));
  });

  it('erasure removes a person`s offline rows (orders and the customer record)', async () => {
    const person = await hashedId(SITE, 'M-2002');
    const before = await rowsInManifest(SITE);
    expect(before.filter((r) => r.user_id === person).length).toBe(3);
    const requested = await adminCall(SITE, 'POST', '/erasure', { userId: 'M-2002' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    await drain(SITE);
    const after = await rowsInManifest(SITE);
    expect(after.filter((r) => r.user_id === person)).toEqual([]);
    expect(after.length).toBe(before.length - 3);
    // Rewritten import files keep their import's name, so the import can still be withdrawn.
    expect((await manifestOf(SITE)).some((f) => /\/imp\.orders\.pos-2026-e[0-9a-f]{8}\.parquet$/.test(f.key))).toBe(true);
  });

  it('retention deletes imported files and tables by date', async () => {
    const imported = (await manifestOf(SITE)).filter((f) => f.kind !== 'events');
    expect(imported.length).toBeGreaterThan(0);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/5 * * * *', scheduledTime: Date.now() }), env, ctx);
    await waitOnExecutionContext(ctx);
    // 400 days kept: 400 days on, everything dated before today is past it.
    await drain(SITE, { now: Date.now() + 400 * DAY_MS });
    const left = await manifestOf(SITE);
    expect(left.filter((f) => f.kind !== 'events').map((f) => f.key)).toEqual([]);
    expect(left.length).toBeGreaterThan(0);
    const manifest = manifestResponseSchema.parse(await (await get('/manifest')).json());
    expect(manifest.tables).toEqual([]);
  });
});
