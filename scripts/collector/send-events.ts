import { withRetries } from '@privacy-analytics/core/edge-api';

/** Posts Segment messages to a collector's /v1/batch, in batches, a few requests in flight. */
export interface SendOptions {
  url: string;
  writeKey: string;
  batchSize?: number;
  concurrency?: number;
  onProgress?: (sent: number) => void;
  /**
   * How long one request may go unanswered before it is sent again (default 60 s). A collector that never answers
   * (seen with wrangler dev under load) must not stall the sender forever; a repeated batch is safe, since the edge
   * drops repeated messageIds.
   */
  requestTimeoutMs?: number;
}

export interface SendSummary {
  sent: number;
  accepted: number;
  duplicates: number;
  bots: number;
  rejected: number;
  rejectionSamples: string[];
}

interface BatchAnswer {
  accepted?: number;
  duplicates?: number;
  bots?: number;
  rejected?: { index: number; reason: string }[];
}

export async function sendEvents(messages: Iterable<object> | AsyncIterable<object>, options: SendOptions): Promise<SendSummary> {
  const batchSize = options.batchSize ?? 200;
  const concurrency = options.concurrency ?? 4;
  const summary: SendSummary = { sent: 0, accepted: 0, duplicates: 0, bots: 0, rejected: 0, rejectionSamples: [] };
  const inFlight = new Set<Promise<void>>();
  let batch: object[] = [];

  const dispatch = async (messagesOfBatch: object[]) => {
    const answer = await postBatch(options, messagesOfBatch);
    summary.sent += messagesOfBatch.length;
    summary.accepted += answer.accepted ?? 0;
    summary.duplicates += answer.duplicates ?? 0;
    summary.bots += answer.bots ?? 0;
    summary.rejected += answer.rejected?.length ?? 0;
    for (const r of answer.rejected ?? []) if (summary.rejectionSamples.length < 5) summary.rejectionSamples.push(r.reason);
    options.onProgress?.(summary.sent);
  };
  const launch = async (messagesOfBatch: object[]) => {
    const task = dispatch(messagesOfBatch).finally(() => inFlight.delete(task));
    inFlight.add(task);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  };

  for await (const message of messages as AsyncIterable<object>) {
    batch.push(message);
    if (batch.length >= batchSize) {
      await launch(batch);
      batch = [];
    }
  }
  if (batch.length) await launch(batch);
  await Promise.all(inFlight);
  return summary;
}

/** An answer worth sending the batch again for: none at all (network, cut off), 429 or 5xx. */
class RetriableAnswer extends Error {}

async function postBatch(options: SendOptions, batch: object[]): Promise<BatchAnswer> {
  const body = JSON.stringify({ batch, sentAt: new Date().toISOString() });
  const url = `${options.url}/v1/batch`;
  return withRetries(
    `POST ${url}`,
    { attempts: 7, baseDelayMs: 250 },
    async () => {
      let res: Response;
      let text: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'user-agent': 'privacy-analytics-demo/1' },
          body,
          signal: AbortSignal.timeout(options.requestTimeoutMs ?? 60_000),
        });
        text = await res.text();
      } catch (error) {
        // No answer (or none in time), or an answer cut off (a 200 whose body ends in "terminated" when the connection drops): the batch
        // may or may not be stored, and sending it again is safe because the edge drops repeated messageIds.
        throw new RetriableAnswer(`no complete answer (${error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error)})`);
      }
      if (res.status === 200 || res.status === 400) return JSON.parse(text) as BatchAnswer;
      const problem = `${res.status} ${text.slice(0, 300)}`;
      throw res.status === 429 || res.status >= 500 ? new RetriableAnswer(problem) : new Error(`POST ${url}: ${problem}`);
    },
    (error) => error instanceof RetriableAnswer,
  );
}
