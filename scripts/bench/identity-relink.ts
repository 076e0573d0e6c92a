/**
 * Identity re-link at scale: the time to rebuild the person map (core `buildPersonMap`: contact keys, links,
 * label propagation, person keys) over the events of `persons` people with online and offline data, DuckDB-Wasm
 * (Node, blocking bindings: the browser's engine build) beside native DuckDB single-threaded, the identical SQL.
 *
 * The events are synthetic but shaped like the product's (what the normaliser and the imports write), one
 * deterministic table built by the same SQL in both engines:
 *   - every person p browses anonymously: 2 page views under `a<p>`; every third person also on a second device
 *     `b<p>` (1 page view);
 *   - half of them log in: an identify of `a<p>` (and `b<p>`) with user id `u<p>`, carrying hashed e-mail and phone
 *     keys (`"$ids":"email:e<p> phone:p<p>"`, the last key of `properties`, as contact-keys.ts writes it);
 *   - 40% have an imported offline order (`"source":"import"`) under member id `m<p>` with the phone key: it
 *     meets the online account through the phone when that person logged in;
 *   - one offline order in 50 (of persons who also logged in) carries one of 8 shops' counter phones instead of the
 *     member's own: a shared key, which links nobody.
 * Both engines must return the same identity statistics; the expected person count is also derived from the
 * construction and checked, so a fast but wrong map fails the benchmark.
 */
import { buildPersonMap, identityCoverage, type IdentityCoverage, type IdentityStats } from '@privacy-analytics/core/analytics';
import { openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';

export interface RelinkBenchResult {
  persons: number;
  rows: number;
  wasmMs: number;
  nativeMs: number;
  ratio: number;
  stats: IdentityStats;
  expectedPersons: number;
  coverage: IdentityCoverage;
}

/** The INSERT that fills `events` with the synthetic data of `persons` people (same text for both engines). */
export function relinkDataSql(persons: number): string {
  const base = `SELECT i AS p FROM range(${Math.floor(persons)}) t(i)`;
  const row = (fields: {
    id: string;
    ts: string;
    type: string;
    event: string;
    anonymous: string;
    user: string;
    properties: string;
    revenue?: string;
    order?: string;
  }) =>
    `SELECT md5(${fields.id}) AS event_id, ${fields.ts} AS "timestamp", ${fields.ts} AS received_at, '${fields.type}' AS type, '${fields.event}' AS event, 'bench' AS site,
      ${fields.anonymous} AS anonymous_id, ${fields.user} AS user_id, 'direct' AS channel, ${fields.revenue ?? 'NULL'}::DOUBLE AS revenue,
      ${fields.order ?? 'NULL'} AS order_id, ${fields.properties} AS properties, '' AS quality_flags, 1 AS schema_version`;
  const ts = (offsetSeconds: string) => `TIMESTAMP '2026-01-01' + to_seconds((p % 2592000) + ${offsetSeconds})`;
  const ids = `'"$ids":"email:e' || p || ' phone:p' || p || '"}'`;
  // one offline order in 50 uses a shop's counter phone (8 shops), shared by many members
  const offlinePhone = `CASE WHEN p % 50 = 10 THEN 'phone:c' || (p % 400) ELSE 'phone:p' || p END`;
  const parts = [
    `SELECT * FROM (${row({ id: `'pv1-' || p`, ts: ts('0'), type: 'page', event: 'page', anonymous: `'a' || p`, user: 'NULL', properties: `'{}'` })} FROM (${base}))`,
    `SELECT * FROM (${row({ id: `'pv2-' || p`, ts: ts('600'), type: 'page', event: 'page', anonymous: `'a' || p`, user: 'NULL', properties: `'{}'` })} FROM (${base}))`,
    `SELECT * FROM (${row({ id: `'pvb-' || p`, ts: ts('7200'), type: 'page', event: 'page', anonymous: `'b' || p`, user: 'NULL', properties: `'{}'` })} FROM (${base}) WHERE p % 3 = 0)`,
    `SELECT * FROM (${row({ id: `'ida-' || p`, ts: ts('900'), type: 'identify', event: 'identify', anonymous: `'a' || p`, user: `'u' || p`, properties: `'{"plan":"free",' || ${ids}` })} FROM (${base}) WHERE p % 2 = 0)`,
    `SELECT * FROM (${row({ id: `'idb-' || p`, ts: ts('7300'), type: 'identify', event: 'identify', anonymous: `'b' || p`, user: `'u' || p`, properties: `'{"plan":"free",' || ${ids}` })} FROM (${base}) WHERE p % 2 = 0 AND p % 3 = 0)`,
    `SELECT * FROM (${row({
      id: `'ord-' || p`,
      ts: ts('86400'),
      type: 'track',
      event: 'Order Completed',
      anonymous: 'NULL',
      user: `'m' || p`,
      properties: `'{"source":"import","store":"s' || (p % 40000) || '","$ids":"' || ${offlinePhone} || '"}'`,
      revenue: `(p % 97) + 3`,
      order: `'B' || p`,
    })} FROM (${base}) WHERE p % 5 IN (0, 1))`,
  ];
  return `INSERT INTO events BY NAME ${parts.join(' UNION ALL ')}`;
}

/**
 * Persons the construction implies: everyone is one person (a<p>, b<p>, u<p>, m<p> joined) when they logged in and
 * their offline order carries their own phone; an offline buyer who never logged in, or whose order carries the
 * shared counter phone, stays two persons (online anonymous, offline member).
 */
export function expectedRelinkPersons(persons: number): number {
  let count = 0;
  for (let p = 0; p < persons; p++) {
    const offline = p % 5 === 0 || p % 5 === 1;
    const loggedIn = p % 2 === 0;
    const ownPhone = p % 50 !== 10;
    // b<p> without login is its own person
    const secondDevice = p % 3 === 0;
    let people = 1 + (secondDevice && !loggedIn ? 1 : 0);
    if (offline && !(loggedIn && ownPhone)) people += 1;
    count += people;
  }
  return count;
}

async function fill(store: EventStore, persons: number): Promise<number> {
  await store.resetEvents();
  await store.query(relinkDataSql(persons));
  const [row] = await store.query<{ n: number }>('SELECT count(*)::BIGINT AS n FROM events');
  return Number(row?.n ?? 0);
}

export async function benchIdentityRelink(options: { persons: number; log?: (line: string) => void }): Promise<RelinkBenchResult> {
  const log = options.log ?? (() => {});
  const wasm = await openWasmStore();
  const native = await openNativeStore({ threads: 1 });
  try {
    const rows = await fill(wasm, options.persons);
    const nativeRows = await fill(native, options.persons);
    if (rows !== nativeRows) throw new Error(`the engines built different tables: ${rows} rows in DuckDB-Wasm, ${nativeRows} in native DuckDB`);
    log(`identity re-link: ${options.persons.toLocaleString('en-US')} persons, ${rows.toLocaleString('en-US')} events`);
    let began = performance.now();
    const stats = await buildPersonMap(wasm);
    const wasmMs = performance.now() - began;
    began = performance.now();
    const nativeStats = await buildPersonMap(native);
    const nativeMs = performance.now() - began;
    if (JSON.stringify(stats) !== JSON.stringify(nativeStats)) {
      throw new Error(`the engines disagree: DuckDB-Wasm ${JSON.stringify(stats)}, native ${JSON.stringify(nativeStats)}`);
    }
    const expectedPersons = expectedRelinkPersons(options.persons);
    if (stats.persons !== expectedPersons) throw new Error(`identity map found ${stats.persons} persons, the construction implies ${expectedPersons}`);
    const coverage = await identityCoverage(native);
    log(`identity re-link: DuckDB-Wasm ${(wasmMs / 1000).toFixed(2)} s, native ${(nativeMs / 1000).toFixed(2)} s, ${stats.iterations} rounds`);
    return { persons: options.persons, rows, wasmMs, nativeMs, ratio: wasmMs / nativeMs, stats, expectedPersons, coverage };
  } finally {
    await wasm.close();
    await native.close();
  }
}

export function identityRelinkMarkdown(r: RelinkBenchResult): string {
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
  return [
    '| measure | DuckDB-Wasm (Node) | native DuckDB, 1 thread | ratio |',
    '|---|---:|---:|---:|',
    `| re-link ${r.persons.toLocaleString('en-US')} persons (${r.rows.toLocaleString('en-US')} events) | ${(r.wasmMs / 1000).toFixed(2)} s | ${(r.nativeMs / 1000).toFixed(2)} s | ${r.ratio.toFixed(2)}x |`,
    '',
    `Result (equal in both engines, and equal to the ${r.expectedPersons.toLocaleString('en-US')} persons the construction implies): ${r.stats.persons.toLocaleString('en-US')} persons, ${r.stats.iterations} label-propagation rounds, ${(r.stats.contactKeys ?? 0).toLocaleString('en-US')} contact keys linking, ${(r.stats.sharedContactKeys ?? 0).toLocaleString('en-US')} shared keys left out; online/offline link rate ${pct(r.coverage.onlineOfflineLinkRate)} (by construction: offline buyers who logged in online with their own phone), identified persons ${pct(r.coverage.identifiedPersonShare)}.`,
    '',
    'How it is measured (`scripts/bench/identity-relink.ts`): one synthetic table built by the same SQL in both engines — every person browses anonymously (a third on two devices), half log in with hashed e-mail and phone keys, 40 % have an imported offline order under a member id carrying their phone key, one offline order in 50 carries one of 8 shop counter phones (a shared key, no link) — then `buildPersonMap` timed once in each engine.',
  ].join('\n');
}
