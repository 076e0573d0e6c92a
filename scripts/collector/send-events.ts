/** Posts Segment messages to a collector's /v1/batch, in batches, a few requests in flight. */
export interface SendOptions {
  url: string;
  writeKey: string;
  batchSize?: number;
  concurrency?: number;
  onProgress?: (sent: number) => void;
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

async function postBatch(options: SendOptions, batch: object[]): Promise<BatchAnswer> {
  const body = JSON.stringify({ batch, sentAt: new Date().toISOString() });
  for (let attempt = 0; ; attempt++) {
    let status = 0;
    let text = '';
    try {
      const res = await fetch(`${options.url}/v1/batch`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'user-agent': 'privacy-analytics-demo/1' },
        body,
      });
      status = res.status;
      text = await res.text();
      if (status === 200 || status === 400) return JSON.parse(text) as BatchAnswer;
    } catch (error) {
      // No answer, or an answer cut off (a 200 whose body ends in "terminated" when the connection drops): the batch
      // may or may not be stored, and sending it again is safe because the edge drops repeated messageIds.
      status = 0;
      text = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    }
    const retriable = status === 0 || status === 429 || status >= 500;
    if (!retriable || attempt >= 6) throw new Error(`POST ${options.url}/v1/batch failed after ${attempt + 1} attempts: ${status} ${text.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt * (0.5 + Math.random())));
  }
}
