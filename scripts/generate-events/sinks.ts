/** The outputs the options ask for: NDJSON (the default), batches sent to a collector, Parquet. */
import { sendEvents } from '../collector/send-events';
import { writeEventsAsParquet } from '../collector/write-parquet';
import type { CliOptions } from './args';
import type { MessageSink } from './message-sink';
import { ndjsonSink } from './ndjson-sink';

/** Posts the messages to a collector's /v1/batch and reports its answers on stderr. */
export function collectorSink(url: string, writeKey: string): MessageSink {
  return async (messages) => {
    const result = await sendEvents(messages, { url, writeKey });
    process.stderr.write(`sent ${result.sent} to ${url}: accepted ${result.accepted}, duplicates ${result.duplicates}, bots ${result.bots}, rejected ${result.rejected}\n`);
  };
}

/** Writes the messages as the edge stores them (its normaliser and Parquet writer) under `dir`. */
export function parquetSink(dir: string): MessageSink {
  return async (messages) => {
    const result = await writeEventsAsParquet(messages, { dir });
    process.stderr.write(`wrote ${result.rows} rows in ${result.files.length} Parquet files under ${dir} (${result.rejected} rejected)\n`);
  };
}

export function buildSinks(opts: CliOptions): MessageSink[] {
  const sinks: MessageSink[] = [];
  if (opts.send !== undefined) sinks.push(collectorSink(opts.send, opts.writeKey));
  if (opts.parquet !== undefined) sinks.push(parquetSink(opts.parquet));
  if (opts.out !== undefined || sinks.length === 0) sinks.unshift(ndjsonSink(opts.out ?? '-'));
  return sinks;
}
