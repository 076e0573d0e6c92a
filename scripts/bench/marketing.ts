/**
 * Marketing analytics benchmark: multi-touch attribution (all seven models, Markov order 1) on N demo
 * events, and market-basket rules on about 100k orders, DuckDB-Wasm (Node, blocking bindings: the
 * browser's engine build) beside native DuckDB single-threaded, running the identical SQL. Data is
 * made the product's way: demo messages (generateDemoEvents) through the edge's normaliser and
 * Parquet writer (writeEventsAsParquet), then loaded the way the CLI loads Parquet.
 *
 * The demo shop places about one order per 250 messages, so 100k orders would need 25M messages:
 * the orders are the demo's own `Order Completed` messages (products arrays from the catalogue's
 * complement rules), cloned with new message and order ids up to `orders`. Basket mining itself is
 * TypeScript and identical on both engines; the rows separate the SQL fetch from the whole run.
 *
 *   const rows = await benchMarketing({ events: 1_000_000, orders: 100_000 });
 *   console.log(marketingMarkdown(rows));
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attributionPathsSql, buildPersonMap, fetchBaskets, parseAttributionSpec, parseBasketSpec, runAttribution, runBasket } from '@privacy-analytics/core/analytics';
import { writeEventsAsParquet } from '../collector/write-parquet';
import { generateDemoEvents, type SegmentMessage, type TrackMessage } from '@privacy-analytics/core/demo-data';
import { openNativeStore, openWasmStore, type EventStore } from '@privacy-analytics/core/connectors/node';

export interface MarketingBenchOptions {
  /** Demo events for attribution. */
  events: number;
  /** Orders for basket rules (default 100,000). */
  orders?: number;
  seed?: number;
  /** Days the demo data spans (default 90). */
  days?: number;
  start?: Date;
  /** Timed runs per query after one warm-up run; the median is reported (default 1). */
  repeats?: number;
  log?: (line: string) => void;
}

export interface MarketingBenchRow {
  query: string;
  /** Event rows the query ran over. */
  rows: number;
  wasmMs: number;
  nativeMs: number;
  /** wasmMs / nativeMs. */
  ratio: number;
}

export const ATTRIBUTION_BENCH_SPEC = {
  conversion: { event: 'Order Completed' },
  touch: { event: 'page', property: 'channel' },
  lookback: { value: 30, unit: 'day' },
  models: ['first', 'last', 'last_non_direct', 'linear', 'time_decay', 'position', 'markov'],
} as const;

export const BASKET_BENCH_SPEC = { basket: 'order_id', item: 'product_id', minSupport: 0.006, minConfidence: 0.25, maxLength: 4 } as const;

function* teeOrders(messages: Iterable<SegmentMessage>, orders: TrackMessage[]): Generator<SegmentMessage> {
  for (const message of messages) {
    if (message.type === 'track' && message.event === 'Order Completed') orders.push(structuredClone(message));
    yield message;
  }
}

function* clonedOrders(orders: readonly TrackMessage[], count: number): Generator<TrackMessage> {
  for (let i = 0; i < count; i++) {
    const original = orders[i % orders.length]!;
    const round = Math.floor(i / orders.length);
    if (round === 0) {
      yield original;
      continue;
    }
    const orderId = `${String(original.properties.order_id)}-c${round}`;
    yield { ...original, messageId: `${original.messageId}-c${round}`, properties: { ...original.properties, order_id: orderId } };
  }
}

async function timed(run: () => Promise<unknown>, repeats: number): Promise<number> {
  const once = async () => {
    const began = performance.now();
    await run();
    return performance.now() - began;
  };
  if (repeats === 0) return once();
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function load(store: EventStore, files: readonly string[]): Promise<number> {
  const began = performance.now();
  await store.resetEvents();
  await store.loadParquetFiles(files);
  return performance.now() - began;
}

export async function benchMarketing(options: MarketingBenchOptions): Promise<MarketingBenchRow[]> {
  const log = options.log ?? (() => {});
  const repeats = options.repeats ?? 1;
  const orderCount = options.orders ?? 100_000;
  const dir = await mkdtemp(join(tmpdir(), 'pa-bench-marketing-'));
  let wasm: EventStore | undefined;
  let native: EventStore | undefined;
  const rows: MarketingBenchRow[] = [];
  const row = (query: string, n: number, wasmMs: number, nativeMs: number) => {
    rows.push({ query, rows: n, wasmMs, nativeMs, ratio: nativeMs === 0 ? Number.NaN : wasmMs / nativeMs });
    log(`[bench] ${query}: wasm ${wasmMs.toFixed(0)} ms, native ${nativeMs.toFixed(0)} ms`);
  };
  try {
    let began = performance.now();
    const demoOrders: TrackMessage[] = [];
    const messages = generateDemoEvents({ seed: options.seed ?? 7, events: options.events, start: options.start ?? new Date('2026-08-01T00:00:00Z'), days: options.days ?? 90 });
    const eventsDir = join(dir, 'events');
    const events = await writeEventsAsParquet(teeOrders(messages, demoOrders), { dir: eventsDir });
    log(`[bench] ${events.rows.toLocaleString('en-US')} demo events as ${events.files.length} Parquet files in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    if (demoOrders.length === 0) throw new Error(`the demo data of ${options.events} events has no orders to build baskets from`);
    began = performance.now();
    const ordersDir = join(dir, 'orders');
    const orders = await writeEventsAsParquet(clonedOrders(demoOrders, orderCount), { dir: ordersDir });
    log(`[bench] ${orders.rows.toLocaleString('en-US')} orders (from ${demoOrders.length} demo orders) as ${orders.files.length} Parquet files in ${((performance.now() - began) / 1000).toFixed(1)} s`);

    wasm = await openWasmStore();
    native = await openNativeStore({ threads: 1 });
    const stores = [wasm, native] as const;
    const both = async (run: (store: EventStore) => Promise<unknown>, n = repeats) => [await timed(() => run(wasm!), n), await timed(() => run(native!), n)] as const;

    const eventFiles = events.files.map((f) => join(eventsDir, f));
    const loads = [await load(wasm, eventFiles), await load(native, eventFiles)];
    row('load demo events', events.rows, loads[0]!, loads[1]!);
    row('identity map', events.rows, ...(await both((s) => buildPersonMap(s), 0)));
    const attribution = parseAttributionSpec(ATTRIBUTION_BENCH_SPEC);
    const paths = attributionPathsSql(attribution);
    row('attribution: journeys SQL (sessions, lookback, paths)', events.rows, ...(await both((s) => s.query(paths.text, paths.params))));
    row('attribution: 7 models incl. Markov, end to end', events.rows, ...(await both((s) => runAttribution(s, attribution))));

    const orderFiles = orders.files.map((f) => join(ordersDir, f));
    const orderLoads = [await load(wasm, orderFiles), await load(native, orderFiles)];
    row('load orders', orders.rows, orderLoads[0]!, orderLoads[1]!);
    const basket = parseBasketSpec(BASKET_BENCH_SPEC);
    row('basket: fetch baskets (SQL + products JSON)', orders.rows, ...(await both((s) => fetchBaskets(s, basket))));
    row('basket: FP-growth rules, end to end', orders.rows, ...(await both((s) => runBasket(s, basket))));
    const check = await Promise.all(stores.map((s) => runBasket(s, basket)));
    if (JSON.stringify(check[0]) !== JSON.stringify(check[1])) throw new Error('DuckDB-Wasm and native DuckDB gave different basket rules');
    log(`[bench] ${check[0]!.baskets.toLocaleString('en-US')} baskets, ${check[0]!.totalRules} rules`);
    return rows;
  } finally {
    await wasm?.close();
    await native?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The rows as a markdown table. */
export function marketingMarkdown(rows: readonly MarketingBenchRow[]): string {
  return [
    '| query | rows | DuckDB-Wasm (Node) | native DuckDB, 1 thread | ratio |',
    '|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.query} | ${r.rows.toLocaleString('en-US')} | ${r.wasmMs.toFixed(0)} ms | ${r.nativeMs.toFixed(0)} ms | ${r.ratio.toFixed(2)}x |`),
  ].join('\n');
}
