/**
 * Fast JSON for generated messages: the same bytes as JSON.stringify(message), about twice as fast.
 *
 * generateDemoEvents shares one `context` object between all messages of a page view, and a page
 * message's `properties` is its `context.page`; their JSON is computed once and reused while the
 * same object comes back (by identity, so it assumes messages are not mutated in between, as
 * generate.ts documents). User-agent strings are escaped once.
 * The field order below is the order the simulation creates fields in (simulation/person-simulation.ts,
 * simulation/accounts.ts); any message whose shape differs is serialised with JSON.stringify, so the
 * result always equals JSON.stringify.
 */
import type { SegmentContext, SegmentMessage } from './messages';

// Single-slot caches: messages sharing a context or page object are consecutive in the stream
// (a WeakMap would make the garbage collector's life hard with millions of short-lived keys).
let lastContext: object | undefined;
let lastContextJson = '';
let lastPage: object | undefined;
let lastPageJson = '';
const stringJson = new Map<string, string>();

function pageJson(value: object): string {
  if (value !== lastPage) {
    lastPageJson = JSON.stringify(value);
    lastPage = value;
  }
  return lastPageJson;
}

/** JSON of a string that repeats a lot (user agents); bounded cache. */
function cachedString(value: string): string {
  let json = stringJson.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    if (stringJson.size < 10_000) stringJson.set(value, json);
  }
  return json;
}

const CONTEXT_KEYS = 'userAgent,ip,locale,page,library,sessionId';
const CONTEXT_KEYS_CAMPAIGN = 'userAgent,ip,locale,page,campaign,library,sessionId';

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contextJson(c: SegmentContext): string {
  if (c === lastContext) return lastContextJson;
  let json: string;
  const keys = Object.keys(c).join(',');
  if (
    (keys === CONTEXT_KEYS || keys === CONTEXT_KEYS_CAMPAIGN) &&
    typeof c.userAgent === 'string' &&
    typeof c.ip === 'string' &&
    typeof c.locale === 'string' &&
    typeof c.sessionId === 'string' &&
    isObject(c.page) &&
    isObject(c.library) &&
    (keys === CONTEXT_KEYS || isObject(c.campaign))
  ) {
    json =
      `{"userAgent":${cachedString(c.userAgent)},"ip":${JSON.stringify(c.ip)},"locale":${JSON.stringify(c.locale)}` +
      `,"page":${pageJson(c.page)}${c.campaign ? `,"campaign":${JSON.stringify(c.campaign)}` : ''}` +
      `,"library":${JSON.stringify(c.library)},"sessionId":${JSON.stringify(c.sessionId)}}`;
  } else {
    json = JSON.stringify(c);
  }
  lastContext = c;
  lastContextJson = json;
  return json;
}

const TRACK_KEYS = 'type,messageId,anonymousId,event,properties,timestamp,context';
const TRACK_KEYS_USER = 'type,messageId,anonymousId,userId,event,properties,timestamp,context';
const PAGE_KEYS = 'type,messageId,anonymousId,name,properties,timestamp,context';
const PAGE_KEYS_USER = 'type,messageId,anonymousId,userId,name,properties,timestamp,context';

/** JSON.stringify(message), faster for messages from generateDemoEvents. */
export function serializeMessage(m: SegmentMessage): string {
  if (m.type !== 'track' && m.type !== 'page') return JSON.stringify(m); // identify / alias: rare
  // Cheap shape check: key order and value types must be those written below.
  const keys = Object.keys(m).join(',');
  if (
    typeof m.messageId !== 'string' ||
    typeof m.anonymousId !== 'string' ||
    typeof m.timestamp !== 'string' ||
    (m.userId !== undefined && typeof m.userId !== 'string') ||
    !isObject(m.context) ||
    !isObject(m.properties)
  ) {
    return JSON.stringify(m);
  }
  const head = `{"type":"${m.type}","messageId":${JSON.stringify(m.messageId)},"anonymousId":${JSON.stringify(m.anonymousId)}${
    m.userId !== undefined ? `,"userId":${JSON.stringify(m.userId)}` : ''
  }`;
  const tail = `,"timestamp":${JSON.stringify(m.timestamp)},"context":${contextJson(m.context)}}`;
  if (m.type === 'track') {
    if ((keys !== TRACK_KEYS && keys !== TRACK_KEYS_USER) || typeof m.event !== 'string') return JSON.stringify(m);
    return `${head},"event":${JSON.stringify(m.event)},"properties":${JSON.stringify(m.properties)}${tail}`;
  }
  if ((keys !== PAGE_KEYS && keys !== PAGE_KEYS_USER) || typeof m.name !== 'string') return JSON.stringify(m);
  return `${head},"name":${JSON.stringify(m.name)},"properties":${pageJson(m.properties)}${tail}`;
}
