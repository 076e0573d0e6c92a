import type { SegmentMessage } from '@privacy-analytics/core/demo-data';

/** Messages for a sink: the generator itself (fast path) or any async iterable. */
export type MessageSource = Iterable<SegmentMessage> | AsyncIterable<SegmentMessage>;

/** Consumes a message stream (NDJSON file, HTTP batches to the edge, Parquet, ...). */
export type MessageSink = (messages: MessageSource) => Promise<void>;

/** Iterates a sync or async source; `visit` may return a promise (e.g. backpressure), awaited only then. */
export async function forEachMessage(source: MessageSource, visit: (m: SegmentMessage) => void | Promise<void>): Promise<void> {
  if (Symbol.iterator in source) {
    for (const m of source) {
      const pending = visit(m);
      if (pending) await pending;
    }
  } else {
    for await (const m of source) {
      const pending = visit(m);
      if (pending) await pending;
    }
  }
}
