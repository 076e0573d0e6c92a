import { join } from 'node:path';
import { writeEventsAsParquet } from '../collector/write-parquet';
import { generateDemoEvents } from '@privacy-analytics/core/demo-data';

export interface DemoParquetOptions {
  events: number;
  seed?: number;
  /** YYYY-MM-DD, default the generator CLI's 2026-10-24 */
  start?: string;
  days?: number;
}

/**
 * Demo events normalised and written as the edge does it (same as `generate-events --parquet`), but into one file
 * `<dir>/demo.parquet`: the page opens one file far faster than hundreds of hourly ones. Returns the file's path.
 */
export async function writeDemoParquet(dir: string, options: DemoParquetOptions): Promise<string> {
  const messages = generateDemoEvents({
    seed: options.seed ?? 42,
    events: options.events,
    start: new Date(`${options.start ?? '2026-10-24'}T00:00:00Z`),
    days: options.days ?? 30,
  });
  await writeEventsAsParquet(messages, { dir, oneFile: 'demo.parquet' });
  return join(dir, 'demo.parquet');
}
