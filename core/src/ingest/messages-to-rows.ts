/**
 * The one normaliser loop: raw Segment messages -> stored event rows, message by message. The edge runs it on each
 * request's batch; the command line, the benchmarks and the tests run it on files and generated data, so that every
 * row anywhere is made exactly as the edge makes it.
 */
import type { EventRow } from '../schema/event-columns';
import { describeIssues, MAX_DATE_MS, MAX_NESTING_DEPTH, segmentMessageSchema, type SegmentMessage } from '../schema/segment-message';
import { detectBot } from './bots';
import { tooDeepPath } from './nesting-depth';
import { normaliseMessage, type NormaliseOptions, type RequestFacts } from './normalise-message';

export type MessageOutcome = { kind: 'row'; row: EventRow } | { kind: 'bot'; reason: string } | { kind: 'rejected'; reason: string };

export interface MessageOptions extends NormaliseOptions {
  /** The batch envelope's `context`, merged under each message's own (as Segment's batch API does). */
  batchContext?: Record<string, unknown> | undefined;
  /** Reject a message whose JSON is larger (bytes); the edge's limit. */
  maxEventBytes?: number;
  /** Drop messages from known bots (the edge does; files of past data usually do not need it). */
  dropBots?: boolean;
}

const encoder = new TextEncoder();

/**
 * One message to one outcome. Never throws: whatever a message holds becomes a rejection whose reason names the field
 * (a time out of Date's range, nesting too deep to serialise), so one bad message never costs the messages beside it.
 */
export async function messageToRow(raw: unknown, facts: RequestFacts, options: MessageOptions): Promise<MessageOutcome> {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { kind: 'rejected', reason: 'invalid_message: not a JSON object' };
    const tooDeep = tooDeepPath(raw, MAX_NESTING_DEPTH);
    if (tooDeep !== null) return { kind: 'rejected', reason: `invalid_message: ${tooDeep}: nested deeper than ${MAX_NESTING_DEPTH} levels` };
    if (options.maxEventBytes !== undefined) {
      const size = encoder.encode(JSON.stringify(raw)).byteLength;
      if (size > options.maxEventBytes) return { kind: 'rejected', reason: `event_too_large: ${size} bytes exceeds ${options.maxEventBytes}` };
    }
    const parsed = segmentMessageSchema.safeParse(withBatchContext(raw as Record<string, unknown>, options.batchContext));
    if (!parsed.success) return { kind: 'rejected', reason: `invalid_message: ${describeIssues(parsed.error)}` };
    const message: SegmentMessage = parsed.data;
    if (options.dropBots) {
      const bot = detectBot({ contextUserAgent: message.context?.userAgent ?? null, requestUserAgent: facts.requestUserAgent });
      if (bot.bot) return { kind: 'bot', reason: bot.reason };
    }
    const result = await normaliseMessage(message, facts, options);
    return result.ok ? { kind: 'row', row: result.row } : { kind: 'rejected', reason: result.reason };
  } catch (error) {
    // Every input the checks above know of is rejected by name before this; reaching here is a gap in them. It still
    // costs only this message, under a reason of its own (the live counter rejected:unprocessable_message shows it).
    return { kind: 'rejected', reason: `unprocessable_message: could not be processed (${error instanceof Error ? error.name : 'error'})` };
  }
}

/**
 * The batch's `context` under the message's own (Segment's batch API). A message `context` that is not an object is
 * left as it is, for the schema to reject by name: spread, a string would become an object of its characters.
 */
function withBatchContext(raw: Record<string, unknown>, batchContext: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!batchContext) return raw;
  const own = raw.context;
  if (own !== undefined && (typeof own !== 'object' || own === null || Array.isArray(own))) return raw;
  return { ...raw, context: { ...batchContext, ...own } };
}

/** What the loop knows of where a message came from; a string rejects the message with that reason. */
export type FactsOf = (raw: Record<string, unknown>) => RequestFacts | string;

/**
 * Every message of `messages` through messageToRow, in order. `factsOf` gives each message its request facts (a file
 * has no request: the time, country and agent come from the message itself).
 */
export async function* messagesToRows(
  messages: Iterable<unknown> | AsyncIterable<unknown>,
  factsOf: FactsOf,
  options: MessageOptions,
): AsyncGenerator<MessageOutcome & { index: number }> {
  let index = 0;
  for await (const raw of messages) {
    const facts = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? factsOf(raw as Record<string, unknown>) : 'invalid_message: not a JSON object';
    const outcome: MessageOutcome = typeof facts === 'string' ? { kind: 'rejected', reason: facts } : await messageToRow(raw, facts, options);
    yield { ...outcome, index: index++ };
  }
}

/** The rows of `messages`, rejections and bots left out (tests, benchmarks, demo data). */
export async function rowsOf(messages: Iterable<unknown> | AsyncIterable<unknown>, factsOf: FactsOf, options: MessageOptions): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for await (const outcome of messagesToRows(messages, factsOf, options)) if (outcome.kind === 'row') rows.push(outcome.row);
  return rows;
}

/**
 * Facts for a message read from a file: received at its `receivedAt`, else when it says it was sent (its own clock
 * taken as right, so the skew correction is a no-op), from no known request.
 */
export function factsFromMessageTime(raw: Record<string, unknown>, extra: Partial<RequestFacts> = {}): RequestFacts | string {
  for (const key of ['receivedAt', 'sentAt', 'timestamp', 'originalTimestamp']) {
    const value = raw[key];
    const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : NaN;
    if (!Number.isFinite(ms)) continue;
    if (Math.abs(ms) > MAX_DATE_MS) return `invalid_timestamp: ${key} ${String(value).slice(0, 40)} is not a time in milliseconds or ISO 8601`;
    return { receivedAt: ms, country: null, region: null, requestUserAgent: null, ...extra };
  }
  return 'no time: the message has none of timestamp, originalTimestamp, sentAt, receivedAt';
}
