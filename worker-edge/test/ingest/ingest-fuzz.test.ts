import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '@privacy-analytics/core/privacy';
import { MAX_REQUEST_BYTES } from '@privacy-analytics/core/schema';
import type { IngestAnswer } from '../../src/ingest/ingest-route';
import { basicAuth, BROWSER_UA, EDGE, flush, nextIp, readStoredRows } from '../helpers';
import { bodyBytes, INVALID_UTF8, jsonTextOf, MessageGenerator, SeededRandom, type GeneratedMessage } from './hostile-input';

// Change the seed to explore other inputs; a failure names the seed, the request and the message.
const SEED = 0x19_ed6e;
const SITE = 'fuzz';
const HOSTILE_MESSAGES = 10_000;
const BODY_BUDGET_BYTES = 420 * 1024;

interface Sent {
  status: number;
  answer: Partial<IngestAnswer> & { error?: string; message?: string };
}

const encoder = new TextEncoder();

async function send(body: Uint8Array | string, headers: Record<string, string> = {}): Promise<Sent> {
  const res = await SELF.fetch(`${EDGE}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuth(`${SITE}-write-key`), 'cf-connecting-ip': nextIp(), 'user-agent': BROWSER_UA, ...headers },
    body,
  });
  const text = await res.text();
  let answer: Sent['answer'] = {};
  try {
    answer = JSON.parse(text) as Sent['answer'];
  } catch {
    answer = { message: text.slice(0, 200) };
  }
  return { status: res.status, answer };
}

/** Why a rejection of `message` is acceptable: it names a changed field (or the message is not an object, or too large). */
function rejectionNamesField(message: GeneratedMessage, reason: string): boolean {
  if (message.fields.includes('')) return /not a JSON object/.test(reason);
  if (message.big && /^event_too_large/.test(reason)) return true;
  return message.fields.some((field) => reason.includes(field));
}

describe('ingest fuzz: hostile messages never cost their batch-mates', () => {
  it(`${HOSTILE_MESSAGES}+ generated hostile messages and bodies: no 5xx, every valid message stored exactly once, rejections name the field (seed ${SEED})`, { timeout: 180_000 }, async () => {
    const random = new SeededRandom(SEED);
    const now = Date.now();
    const messages = new MessageGenerator(random, `fz${SEED}`, now);
    const expectedIds = new Set<string>();
    const failures: string[] = [];
    let hostileSent = 0;
    let requests = 0;
    const sentValid: GeneratedMessage[] = [];

    /** A batch of valid and hostile messages in a well-formed envelope: 200, valid ones never rejected. */
    const sendBatch = async (batch: GeneratedMessage[], envelope: { before?: string; after?: string } = {}, label = `batch ${requests}`) => {
      const text = `{${envelope.before ?? ''}"batch":[${batch.map((m) => m.text).join(',')}]${envelope.after ?? ''}}`;
      const { status, answer } = await send(bodyBytes(text, random));
      requests++;
      if (status !== 200) {
        failures.push(`${label}: HTTP ${status} ${JSON.stringify(answer).slice(0, 300)}`);
        return;
      }
      const rejected = new Map((answer.rejected ?? []).map((r) => [r.index, r.reason]));
      const counted = (answer.accepted ?? 0) + (answer.duplicates ?? 0) + (answer.bots ?? 0) + rejected.size;
      if (counted !== batch.length) failures.push(`${label}: ${counted} outcomes for ${batch.length} messages`);
      batch.forEach((message, index) => {
        const reason = rejected.get(index);
        if (message.validId !== null) {
          expectedIds.add(message.validId);
          if (reason !== undefined) failures.push(`${label}[${index}] valid message rejected: ${reason}\n  ${message.text.slice(0, 300)}`);
        } else if (reason !== undefined && !rejectionNamesField(message, reason)) {
          failures.push(`${label}[${index}] rejection does not name ${JSON.stringify(message.fields)}: ${reason}\n  ${message.text.slice(0, 300)}`);
        }
      });
    };

    // 1. Batches of hostile messages mixed with valid ones (and with resent valid ones: duplicates, not second rows).
    while (hostileSent < HOSTILE_MESSAGES) {
      const batch: GeneratedMessage[] = [];
      let bytes = 0;
      while (bytes < BODY_BUDGET_BYTES && batch.length < 600) {
        const roll = random.next();
        const message = roll < 0.2 ? messages.valid() : roll < 0.23 && sentValid.length > 0 ? random.pick(sentValid) : messages.hostile();
        const size = encoder.encode(message.text).byteLength + 1;
        if (bytes + size > BODY_BUDGET_BYTES) break;
        batch.push(message);
        bytes += size;
      }
      if (!batch.some((m) => m.validId !== null)) batch.push(messages.valid());
      random.shuffle(batch);
      const envelope = random.chance(0.3)
        ? { after: `,"sentAt":${JSON.stringify(new Date().toISOString())},"context":{"library":{"name":"fuzz-batch"},"locale":"fr-FR"}` }
        : {};
      await sendBatch(batch, envelope);
      hostileSent += batch.filter((m) => m.validId === null).length;
      sentValid.push(...batch.filter((m) => m.validId !== null));
    }

    // 2. Whole bodies that are hostile around well-formed messages: accepted, their valid messages stored.
    const acceptedBodies: [string, { before?: string; after?: string }][] = [
      ['duplicate "batch" keys, the last one valid', { before: '"batch":5,"batch":{"0":{}},' }],
      ['prototype keys in the envelope', { before: '"__proto__":{"batch":[]},"constructor":{"prototype":{"x":1}},"toString":5,' }],
      ['an unused envelope key nested 100,000 levels deep', { before: `"junk":${'['.repeat(100_000)}${']'.repeat(100_000)},` }],
      ['invalid UTF-8 in an unused envelope string', { before: `"junk":"${INVALID_UTF8}${INVALID_UTF8}",` }],
      ['huge numbers in unused envelope keys', { after: ',"n":1e400,"m":-1e400,"o":123456789012345678901234567890' }],
    ];
    for (const [label, envelope] of acceptedBodies) {
      const batch = [messages.valid(), messages.hostile(), messages.valid()];
      await sendBatch(batch, envelope, label);
      hostileSent += 1;
    }

    // 3. Bodies the edge must refuse as a whole: a 4xx naming the problem, never a 5xx.
    const valid = () => messages.valid().text;
    const refusedBodies: [label: string, body: string | Uint8Array, status: number, error: RegExp, headers?: Record<string, string>][] = [
      ['truncated JSON', `{"batch":[${valid()}`, 400, /malformed_json/],
      ['invalid UTF-8 outside strings', bodyBytes(`{"batch":[${valid()}]${INVALID_UTF8}}`, random), 400, /malformed_json/],
      ['NaN literal', `{"batch":[${valid()}],"sentAt":NaN}`, 400, /malformed_json/],
      ['a bare array', `[${valid()}]`, 400, /invalid_body/],
      ['a bare string', '"batch"', 400, /invalid_body/],
      ['null', 'null', 400, /invalid_body/],
      ['batch is an object', `{"batch":{"0":${valid()}}}`, 400, /invalid_batch/],
      ['batch is a string', '{"batch":"[]"}', 400, /invalid_batch/],
      ['batch missing', `{"messages":[${valid()}]}`, 400, /invalid_batch/],
      ['envelope sentAt in nanoseconds', `{"sentAt":1733400000000000000,"batch":[${valid()}]}`, 400, /sentAt/],
      ['envelope sentAt 1e400', `{"sentAt":1e400,"batch":[${valid()}]}`, 400, /sentAt/],
      ['envelope sentAt beyond Date', `{"sentAt":"+275760-09-13T00:00:00.001Z","batch":[${valid()}]}`, 400, /sentAt/],
      ['envelope context is an array', `{"context":[1],"batch":[${valid()}]}`, 400, /context/],
      ['envelope writeKey of the wrong type beside Basic auth', `{"writeKey":{"__proto__":1},"batch":[${valid()}]}`, 400, /writeKey/],
      ['more than 2,500 messages', `{"batch":[${Array(2501).fill('{}').join(',')}]}`, 400, /invalid_batch/],
      ['only hostile messages', `{"batch":[5,{"type":"track"},{"type":"track","event":"x","anonymousId":"a","timestamp":1733400000000000000}]}`, 400, /invalid_batch/],
      ['over 500 KB', `{"batch":[],"pad":"${'x'.repeat(MAX_REQUEST_BYTES)}"}`, 413, /request_too_large/],
      ['gzip header over plain bytes', `{"batch":[${valid()}]}`, 400, /malformed_body/, { 'content-encoding': 'gzip' }],
      ['unknown content-encoding', `{"batch":[${valid()}]}`, 415, /unsupported_encoding/, { 'content-encoding': 'br' }],
    ];
    for (const [label, body, status, error, headers] of refusedBodies) {
      const sent = await send(body, headers);
      requests++;
      if (sent.status !== status || !error.test(JSON.stringify(sent.answer))) {
        failures.push(`${label}: expected ${status} ${error}, got ${sent.status} ${JSON.stringify(sent.answer).slice(0, 300)}`);
      }
    }

    expect(failures.slice(0, 20)).toEqual([]);
    expect(hostileSent).toBeGreaterThanOrEqual(HOSTILE_MESSAGES);

    await flush(SITE, `${SITE}-admin-token-Jx7Qm2Vb9Lr4Tz8Nc3Hw6Pd1Ks5Fy0G`);
    const stored = await readStoredRows(SITE);
    const timesStored = new Map<string, number>();
    for (const row of stored) timesStored.set(row.event_id, (timesStored.get(row.event_id) ?? 0) + 1);
    const storedWrong: string[] = [];
    for (const id of expectedIds) {
      const times = timesStored.get(await sha256Hex(`${SITE}\n${id}`)) ?? 0;
      if (times !== 1) storedWrong.push(`${id} stored ${times} times`);
    }
    expect(storedWrong.slice(0, 20)).toEqual([]);
    expect([...timesStored.values()].filter((times) => times !== 1)).toEqual([]);
    expect(expectedIds.size).toBeGreaterThan(1000);
  });
});
