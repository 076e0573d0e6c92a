import { join } from 'node:path';
import { writeEventsAsParquet } from '../collector/write-parquet';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';

export interface DemoParquetOptions {
  events: number;
  seed?: number;
  /** YYYY-MM-DD, default the generator CLI's 2026-10-24 */
  start?: string;
  days?: number;
  /** Store orders as imports store them (properties.source "import" and a store) by this many identified demo users. */
  storeOrders?: number;
}

const STORES = ['store-shanghai-01', 'store-london-01', 'store-berlin-01'];

/** One store order per identified user (the first `count`), on a day of the demo's range, at one of three stores. */
function storeOrderMessages(messages: readonly Record<string, unknown>[], count: number, start: Date, days: number): object[] {
  const users = new Map<string, Record<string, unknown>>();
  for (const m of messages) if (m.type === 'identify' && typeof m.userId === 'string' && !users.has(m.userId)) users.set(m.userId, m);
  return [...users.values()].slice(0, count).map((user, i) => {
    const context = user.context as Record<string, unknown>;
    return {
      type: 'track',
      event: 'Order Completed',
      messageId: `store-order-${i}`,
      anonymousId: user.anonymousId,
      userId: user.userId,
      timestamp: new Date(start.getTime() + ((i * 7) % days) * 86_400_000 + (9 + (i % 9)) * 3_600_000).toISOString(),
      context: { userAgent: context.userAgent, locale: context.locale, location: context.location, library: context.library },
      properties: { order_id: `S${1000 + i}`, revenue: 20 + ((i * 37) % 160), currency: 'USD', source: 'import', store: STORES[i % STORES.length] },
    };
  });
}

/**
 * Demo events normalised and written as the edge does it (same as `generate-events --parquet`), but into one file
 * `<dir>/demo.parquet`: the page opens one file far faster than hundreds of hourly ones. Returns the file's path.
 */
export async function writeDemoParquet(dir: string, options: DemoParquetOptions): Promise<string> {
  const start = new Date(`${options.start ?? '2026-10-24'}T00:00:00Z`);
  const days = options.days ?? 30;
  const messages = [...generateDemoEvents({ seed: options.seed ?? 42, events: options.events, start, days })];
  const store = options.storeOrders ? storeOrderMessages(messages as unknown as Record<string, unknown>[], options.storeOrders, start, days) : [];
  await writeEventsAsParquet([...messages, ...store], { dir, oneFile: 'demo.parquet' });
  return join(dir, 'demo.parquet');
}
