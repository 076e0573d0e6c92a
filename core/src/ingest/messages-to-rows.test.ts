import { describe, expect, it } from 'vitest';
import { identityHasher } from '../privacy/keyed-hash';
import { factsFromMessageTime, messagesToRows, messageToRow } from './messages-to-rows';

const options = { site: 'demo', hasher: identityHasher, queryParams: [], scrub: true };
const facts = { receivedAt: Date.parse('2026-11-01T12:00:00Z'), country: null, region: null, requestUserAgent: null };
const valid = (n: number) => ({ type: 'track', event: 'Signed Up', userId: `u-${n}`, messageId: `m-${n}`, timestamp: '2026-11-01T11:59:00Z' });

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('messageToRow', () => {
  it('turns a valid message into a row', async () => {
    const outcome = await messageToRow(valid(1), facts, options);
    expect(outcome.kind).toBe('row');
  });

  it('a nanosecond epoch timestamp is rejected naming timestamp, not thrown', async () => {
    const outcome = await messageToRow({ ...valid(2), timestamp: 1733400000000000000 }, facts, options);
    expect(outcome).toEqual({ kind: 'rejected', reason: expect.stringMatching(/^invalid_message: timestamp: 1733400000000000000 is out of range/) as unknown as string });
  });

  it('a sentAt beyond 8.64e15 ms is rejected naming sentAt, not thrown', async () => {
    const outcome = await messageToRow({ ...valid(3), sentAt: 9e15 }, { ...facts, batchSentAt: undefined }, options);
    expect(outcome).toEqual({ kind: 'rejected', reason: expect.stringMatching(/^invalid_message: sentAt: 9000000000000000 is out of range/) as unknown as string });
  });

  it('a sentAt correction beyond the range of Date is rejected naming both fields, not thrown', async () => {
    const outcome = await messageToRow({ ...valid(3), timestamp: -8.6e15, sentAt: 8.6e15 }, facts, options);
    expect(outcome).toEqual({ kind: 'rejected', reason: expect.stringMatching(/^timestamp_too_old: timestamp corrected by sentAt \(-1\d{16} ms since 1970\)/) as unknown as string });
    const byBatch = await messageToRow({ ...valid(3), timestamp: 8.6e15 }, { ...facts, batchSentAt: -8.6e15 }, options);
    expect(byBatch).toEqual({ kind: 'rejected', reason: expect.stringMatching(/^timestamp_in_future: timestamp corrected by the batch's sentAt/) as unknown as string });
  });

  it('a message older than the oldest accepted time is rejected as timestamp_too_old with the reason given', async () => {
    const oldestAccepted = { ms: facts.receivedAt - 30 * 86_400_000, why: 'the oldest day this site accepts (30-day horizon)' };
    const old = await messageToRow({ ...valid(7), timestamp: new Date(oldestAccepted.ms - 1).toISOString() }, { ...facts, batchSentAt: undefined }, { ...options, oldestAccepted });
    expect(old).toEqual({ kind: 'rejected', reason: `timestamp_too_old: timestamp (${new Date(oldestAccepted.ms - 1).toISOString()}) is before ${new Date(oldestAccepted.ms).toISOString()}, ${oldestAccepted.why}` });
    const atTheEdge = await messageToRow({ ...valid(7), timestamp: new Date(oldestAccepted.ms).toISOString() }, { ...facts, batchSentAt: undefined }, { ...options, oldestAccepted });
    expect(atTheEdge.kind).toBe('row');
  });

  it('properties nested tens of thousands of levels deep are rejected naming the path, not thrown', async () => {
    const outcome = await messageToRow({ ...valid(4), properties: { deep: nested(50_000) } }, facts, { ...options, maxEventBytes: 32 * 1024 });
    expect(outcome).toEqual({ kind: 'rejected', reason: 'invalid_message: properties.deep.0.0.0.0…: nested deeper than 64 levels' });
  });

  it('a context that is not an object is rejected naming context, also under a batch context', async () => {
    for (const batchContext of [undefined, { locale: 'de-DE' }]) {
      const outcome = await messageToRow({ ...valid(6), context: 'abc' }, facts, { ...options, batchContext });
      expect(outcome).toEqual({ kind: 'rejected', reason: expect.stringMatching(/^invalid_message: context: .*expected object/) as unknown as string });
    }
  });

  it('drops bots only when asked', async () => {
    const bot = { ...valid(5), context: { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' } };
    expect((await messageToRow(bot, facts, { ...options, dropBots: true })).kind).toBe('bot');
    expect((await messageToRow(bot, facts, options)).kind).toBe('row');
  });
});

describe('messagesToRows', () => {
  it('one bad message never costs the valid ones beside it', async () => {
    const messages = [valid(1), { ...valid(2), timestamp: 1733400000000000000 }, 'not an object', { ...valid(3), properties: { deep: nested(50_000) } }, valid(4)];
    const outcomes = [];
    for await (const outcome of messagesToRows(messages, () => facts, { ...options, maxEventBytes: 32 * 1024 })) outcomes.push(outcome);
    expect(outcomes.map((o) => `${o.index}:${o.kind}`)).toEqual(['0:row', '1:rejected', '2:rejected', '3:rejected', '4:row']);
  });

  it('a message read from a file takes its own time; none, or one out of range, is a reason', () => {
    const { timestamp: _, ...noTime } = valid(9);
    expect(factsFromMessageTime(noTime)).toMatch(/^no time/);
    expect(factsFromMessageTime({ ...valid(9), timestamp: 1733400000000000000 })).toMatch(/^invalid_timestamp: timestamp 1733400000000000000/);
    expect(factsFromMessageTime(valid(9))).toMatchObject({ receivedAt: Date.parse('2026-11-01T11:59:00Z') });
  });
});
