/**
 * Generated ingest input for the fuzz test: valid Segment messages and hostile ones, written as JSON *text* so that
 * what JSON.stringify cannot produce is reachable too (duplicate keys, 1e400, raw `__proto__` keys, bytes that are not
 * UTF-8). Seeded, so a failing run is repeated by its seed.
 */

/** Mulberry32: small, seedable, good enough to pick test cases. */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

/** JSON as text: an object keeps its entries in order, duplicates included; anything else is raw text. */
export type JsonText = { kind: 'object'; entries: [key: string, value: JsonText][] } | { kind: 'raw'; text: string };

const raw = (text: string): JsonText => ({ kind: 'raw', text });
const str = (value: string): JsonText => raw(JSON.stringify(value));
const obj = (entries: Record<string, JsonText>): JsonText => ({ kind: 'object', entries: Object.entries(entries) });

export function jsonTextOf(value: JsonText): string {
  if (value.kind === 'raw') return value.text;
  return `{${value.entries.map(([key, child]) => `${JSON.stringify(key)}:${jsonTextOf(child)}`).join(',')}}`;
}

/**
 * Stands for a run of bytes that are not UTF-8, inside a JSON string only. U+10FFFF is a noncharacter no generated
 * text holds otherwise; `bodyBytes` swaps each one for an invalid sequence.
 */
export const INVALID_UTF8 = '\u{10FFFF}';
const INVALID_SEQUENCES = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80, 0x80, 0x80]];

/** The UTF-8 bytes of `text`, each INVALID_UTF8 replaced by a byte sequence no UTF-8 decoder accepts. */
export function bodyBytes(text: string, random: SeededRandom): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  const out: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === 0xf4 && encoded[i + 1] === 0x8f && encoded[i + 2] === 0xbf && encoded[i + 3] === 0xbf) {
      out.push(...random.pick(INVALID_SEQUENCES));
      i += 3;
    } else out.push(encoded[i]!);
  }
  return Uint8Array.from(out);
}

const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];
const MESSAGE_TYPES = ['track', 'page', 'screen', 'identify', 'alias', 'group'];

/** Strings a well-behaved client may still send: every one of them must be stored, not rejected. */
const ODD_BUT_VALID_TEXT = [
  'plain',
  'emoji 😀👩‍👩‍👧 and flags 🇩🇪',
  'lone high \\ud800 surrogate',
  'lone low \\udc00 surrogate',
  'nul \\u0000 and controls \\u0001\\u001f',
  'noncharacters \\ufffe\\uffff',
  'right-to-left \u202e override',
  'combining e\u0301\u0301\u0301',
  'zero\u200bwidth',
  `invalid bytes ${INVALID_UTF8} here`,
  '__proto__',
  'constructor',
  'x'.repeat(1500),
];

/** A JSON string literal of odd text (the escapes above are JSON escapes, so they reach the edge as such). */
function oddString(random: SeededRandom, maxLength = Infinity): JsonText {
  const text = random.pick(ODD_BUT_VALID_TEXT.filter((t) => t.length <= maxLength));
  return raw(`"${text}"`);
}

function nestedArray(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

function nestedObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export interface HostileValue {
  text: string;
  /** Large enough that `event_too_large` may be the reason instead of the field's name. */
  big: boolean;
}

const LONG_PATTERNS = ['a', '1', '@', 'a@b.', ' ', '\\u0000', '\\ud800', '😀', 'é', '\\\\', '%', '+49 ', 'https://'];

/** A value of the wrong type, size or range for whatever field receives it. */
export function hostileValue(random: SeededRandom): HostileValue {
  const small = (text: string): HostileValue => ({ text, big: false });
  switch (random.int(10)) {
    case 0:
      return small(random.pick(['null', 'true', 'false', '0', '-0', '-1', '0.5', '1e400', '-1e400', '1e-400', '1.7976931348623157e308', '-9007199254740993', '123456789012345678901234567890']));
    case 1:
      return small(random.pick(['1733400000000000000', '1733400000000000', '9e15', '-9e15', '8.64e15', '-8.64e15', '8640000000000001', '-1', '253402300800000']));
    case 2:
      return small(random.pick(['"2026-13-45T99:99:99Z"', '"+275760-09-13T00:00:00.001Z"', '"-271821-04-20T00:00:00.000Z"', '"yesterday"', '""', '"0"', '"1e400"', '"NaN"', '"Infinity"', '"1733400000000000000"']));
    case 3: {
      const length = random.pick([300, 300, 1000, 2000, 5000, 40_000]);
      const pattern = random.pick(LONG_PATTERNS);
      const repeated = pattern.repeat(Math.ceil(length / Math.max(1, pattern.length)));
      return { text: `"${repeated}"`, big: length > 10_000 };
    }
    case 4:
      return small(`"${random.pick(['\\ud800', '\\udc00x', '\\udbff\\udbff', INVALID_UTF8, `a${INVALID_UTF8}${INVALID_UTF8}b`, '\\u0000', '\\uffff', '\u202e', '\\ud83d'])}"`);
    case 5: {
      const depth = random.pick([65, 200, 1000, 15_000]);
      return { text: random.chance(0.7) ? nestedArray(depth) : nestedObject(Math.min(depth, 5000)), big: depth >= 5000 };
    }
    case 6:
      return small(random.pick(['{}', '[]', '[1,2,3]', '[{}]', '{"a":1,"a":{"b":2},"a":[3]}', '[null]', nestedArray(40), nestedObject(40)]));
    case 7:
      return small(
        random.pick([
          '{"__proto__":{"isAdmin":true,"price":5,"userAgent":"Googlebot"}}',
          '{"constructor":{"prototype":{"isAdmin":true}}}',
          '{"__proto__":null}',
          '{"toString":1,"valueOf":2,"hasOwnProperty":3}',
          '{"__proto__":[]}',
          '"__proto__"',
          '"constructor"',
          '"toString"',
        ]),
      );
    case 8: {
      const items = random.pick([100, 1000, 5000]);
      return { text: `[${Array.from({ length: items }, (_, i) => i).join(',')}]`, big: items >= 5000 };
    }
    default:
      return small(random.pick(['"track"', '"page"', '{"type":"track"}', '"Googlebot/2.1 (+http://www.google.com/bot.html)"', '"javascript:alert(1)"', '"/\\\\evil.com"', '"https://user:pass@[::1]:99999/%E0%A4%A?utm_source=%zz#x"']));
  }
}

export interface GeneratedMessage {
  /** The message's JSON text. */
  text: string;
  /** Valid messages: the messageId they were sent with (their row must be stored exactly once). */
  validId: string | null;
  /** Hostile messages: the fields changed; a rejection must name one of them ('' = the message itself is not an object). */
  fields: string[];
  big: boolean;
}

/** Every field the Segment schema reads, by path; hostile values go into any of them. */
const FIELD_PATHS = [
  'type', 'event', 'name', 'messageId', 'anonymousId', 'userId', 'previousId', 'groupId',
  'timestamp', 'originalTimestamp', 'sentAt', 'context', 'properties', 'traits', 'integrations',
  'context.userAgent', 'context.ip', 'context.locale', 'context.sessionId', 'context.page', 'context.page.url',
  'context.page.path', 'context.page.referrer', 'context.page.title', 'context.page.search', 'context.campaign',
  'context.campaign.source', 'context.campaign.medium', 'context.campaign.name', 'context.library',
  'context.library.name', 'context.library.version', 'context.location', 'context.location.country',
  'context.location.region', 'properties.price', 'properties.revenue', 'properties.quantity', 'properties.currency',
  'properties.product_id', 'properties.url', 'properties.order_id', 'properties.variant', 'traits.email', 'traits.phone',
].map((path) => path.split('.'));

export class MessageGenerator {
  readonly #random: SeededRandom;
  readonly #prefix: string;
  readonly #now: number;
  #count = 0;

  constructor(random: SeededRandom, prefix: string, now: number) {
    this.#random = random;
    this.#prefix = prefix;
    this.#now = now;
  }

  /** A message the edge must store: valid in every field, though odd in places (unicode, prototype keys inside properties, duplicate keys whose last value is valid). */
  valid(): GeneratedMessage {
    const id = `${this.#prefix}-valid-${this.#count++}`;
    const message = this.#baseMessage(id, true);
    return { text: jsonTextOf(message), validId: id, fields: [], big: false };
  }

  /** A message with one or two hostile changes, or one that is not an object at all. */
  hostile(): GeneratedMessage {
    const random = this.#random;
    if (random.chance(0.03)) {
      return { text: random.pick(['5', '"track"', 'null', '[]', '[{"type":"track"}]', 'true', nestedArray(100)]), validId: null, fields: [''], big: false };
    }
    const message = this.#baseMessage(`${this.#prefix}-hostile-${this.#count++}`, false);
    const changes = random.chance(0.15) ? 2 : 1;
    const fields: string[] = [];
    let big = false;
    for (let i = 0; i < changes; i++) {
      const kind = random.int(10);
      if (kind === 0) {
        const key = random.pick(['type', 'event', 'anonymousId', 'previousId', 'groupId', 'context', 'timestamp']);
        if (key === 'anonymousId') removeEntry(message, 'userId');
        removeEntry(message, key);
        fields.push(key);
      } else if (kind === 1) {
        const parent = random.pick([[], ['context'], ['properties'], ['traits'], ['context', 'page']]);
        const key = random.pick(PROTOTYPE_KEYS);
        const value = hostileValue(random);
        objectAt(message, parent).entries.push([key, raw(value.text)]);
        fields.push([...parent, key].join('.'));
        big ||= value.big;
      } else {
        const path = random.pick(FIELD_PATHS);
        let value = hostileValue(random);
        // A valid type name is no wrong type: the message would fail on the other type's fields instead.
        while (path.join('.') === 'type' && MESSAGE_TYPES.some((type) => value.text === `"${type}"`)) value = hostileValue(random);
        const parent = objectAt(message, path.slice(0, -1));
        const key = path.at(-1)!;
        // A duplicate key: the hostile value comes last, so it is the one JSON.parse keeps.
        if (kind === 2) parent.entries.push([key, raw(value.text)]);
        else setEntry(parent, key, raw(value.text));
        fields.push(path.join('.'));
        big ||= value.big;
      }
    }
    return { text: jsonTextOf(message), validId: null, fields, big };
  }

  /** A message of a random type, valid in every field; `odd` adds what is unusual but still valid. */
  #baseMessage(messageId: string, odd: boolean): JsonText & { kind: 'object' } {
    const random = this.#random;
    const type = random.pick(['track', 'track', 'track', 'page', 'screen', 'identify', 'alias', 'group']);
    const time = this.#now - random.int(2 * 86_400_000);
    const entries: Record<string, JsonText> = {
      type: str(type),
      messageId: str(messageId),
      anonymousId: str(`anon-${random.int(500)}`),
    };
    if (random.chance(0.4) || type === 'alias') entries.userId = str(`user-${random.int(200)}`);
    if (random.chance(0.9)) entries.timestamp = random.chance(0.5) ? str(new Date(time).toISOString()) : raw(String(time));
    if (random.chance(0.3)) entries.sentAt = str(new Date(time + random.int(86_400_000)).toISOString());
    entries.context = obj({
      userAgent: str(BROWSER_UA),
      locale: str(random.pick(['de-DE', 'en-US', 'ja-JP'])),
      page: obj({ url: str(`https://shop.example/p/${random.int(50)}?utm_source=news&q=${random.int(9)}`), referrer: str('https://www.google.com/') }),
      library: obj({ name: str('fuzz'), version: str('1.0.0') }),
    });
    const properties = () => {
      const props: Record<string, JsonText> = { product_id: str(`p-${random.int(40)}`), price: raw(String(random.int(10_000) / 100)) };
      if (odd) {
        if (random.chance(0.4)) props.note = oddString(random);
        if (random.chance(0.2)) props.big_number = raw(random.pick(['1e400', '-1e400', '1.7976931348623157e308', '123456789012345678901234567890']));
        if (random.chance(0.2)) props.nested = raw(random.chance(0.5) ? nestedArray(40) : nestedObject(30));
        if (random.chance(0.2)) props.inner = raw(random.pick(['{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{"x":1}}}', '{"toString":"x","valueOf":1}']));
      }
      return obj(props);
    };
    if (type === 'track') {
      entries.event = random.chance(0.2) && odd ? oddString(random, 256) : str(random.pick(['Product Viewed', 'Order Completed', 'Signed Up']));
      entries.properties = properties();
    }
    if (type === 'page' || type === 'screen') {
      entries.name = str('Home');
      entries.properties = properties();
    }
    if (type === 'identify' || type === 'group') entries.traits = obj({ plan: str('pro'), email: str('jane@example.com') });
    if (type === 'alias') entries.previousId = str(`anon-${random.int(500)}`);
    if (type === 'group') entries.groupId = str(`org-${random.int(20)}`);
    const message = obj(entries) as JsonText & { kind: 'object' };
    if (odd) {
      // Prototype keys at the top level are ignored by the schema; they must not cost the message.
      if (random.chance(0.1)) message.entries.unshift([random.pick(PROTOTYPE_KEYS), raw(random.pick(['{"type":"alias"}', '5', '"x"', 'null']))]);
      // Duplicate keys: an earlier wrong value, then the valid one, which JSON.parse keeps.
      if (random.chance(0.15)) {
        const key = random.pick(['anonymousId', 'timestamp', 'context', type === 'track' ? 'event' : 'type']);
        const last = message.entries.find(([k]) => k === key);
        if (last) message.entries.unshift([key, raw(random.pick(['5', 'null', '{}', '"1733400000000000000"', nestedArray(100)]))]);
      }
    }
    return message;
  }
}

/** The object at `path` inside `root`, made (or made an object) on the way when it is not one. */
function objectAt(root: JsonText & { kind: 'object' }, path: readonly string[]): JsonText & { kind: 'object' } {
  let at = root;
  for (const key of path) {
    const entry = at.entries.findLast(([k]) => k === key);
    if (entry && entry[1].kind === 'object') {
      at = entry[1];
      continue;
    }
    const child: JsonText & { kind: 'object' } = { kind: 'object', entries: [] };
    setEntry(at, key, child);
    at = child;
  }
  return at;
}

function setEntry(object: JsonText & { kind: 'object' }, key: string, value: JsonText): void {
  removeEntry(object, key);
  object.entries.push([key, value]);
}

function removeEntry(object: JsonText & { kind: 'object' }, key: string): void {
  object.entries = object.entries.filter(([k]) => k !== key);
}
