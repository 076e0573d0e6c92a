import { describe, expect, it } from 'vitest';
import { classifyKey, keyWords, normaliseEmail, normalisePhone, REDACTED, scrubJson, TRUNCATED } from '@privacy-analytics/core/privacy';

const hashed: string[] = [];
const hashIdentifier = async (value: string): Promise<string> => {
  hashed.push(value);
  return `h(${value})`;
};
const scrub = (value: unknown, extra: { maxDepth?: number; maxStringLength?: number } = {}) => {
  hashed.length = 0;
  return scrubJson(value, { hashIdentifier, ...extra });
};

describe('classifyKey', () => {
  it.each([
    ['email', 'hash'],
    ['e_mail', 'hash'],
    ['E-Mail', 'hash'],
    ['eMail', 'hash'],
    ['customerEmail', 'hash'],
    ['email_address', 'hash'],
    ['phone', 'hash'],
    ['phone_number', 'hash'],
    ['phoneNumber', 'hash'],
    ['mobile', 'hash'],
    ['tel', 'hash'],
    ['telephone', 'hash'],
    ['cellphone', 'hash'],
    ['member_id', 'hash'],
    ['memberId', 'hash'],
    ['device_id', 'hash'],
    ['deviceID', 'hash'],
    ['IDFA', 'hash'],
    ['gaid', 'hash'],
    ['advertising_id', 'hash'],
    ['ip', 'redact'],
    ['ip_address', 'redact'],
    ['IPAddress', 'redact'],
    ['clientIp', 'redact'],
    ['x_forwarded_for', 'redact'],
    ['card_number', 'redact'],
    ['creditCardNumber', 'redact'],
    ['id_card', 'redact'],
    ['idcard', 'redact'],
    ['id_number', 'redact'],
    ['national_id', 'redact'],
    ['ssn', 'redact'],
    ['passport', 'redact'],
    ['address', 'redact'],
    ['shipping_street_address', 'redact'],
    ['addressLine1', 'redact'],
    ['mac_address', 'redact'],
    ['street', 'redact'],
    ['full_name', 'redact'],
    ['firstName', 'redact'],
    ['last_name', 'redact'],
    ['customer_name', 'redact'],
  ])('%s -> %s', (key, action) => {
    expect(classifyKey(key)?.action).toBe(action);
  });

  it.each([
    'name',
    'product_name',
    'event_name',
    'email_verified',
    'emailOptIn',
    'phone_model',
    'microphone',
    'hotel',
    'zip',
    'tip',
    'user_id',
    'id',
    'order_id',
    'card_type',
    'address_verified',
    'ad_id',
  ])('%s is not a personal-identifier key', (key) => {
    expect(classifyKey(key)).toBeNull();
  });

  it('splits keys into words', () => {
    expect(keyWords('billing_phoneNumber-2')).toEqual(['billing', 'phone', 'number', '2']);
    expect(keyWords('IPAddress')).toEqual(['ip', 'address']);
  });
});

describe('identifier normalisation', () => {
  it('e-mails are trimmed, lower-cased and decoded from %40', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(normaliseEmail('jane%40example.com')).toBe('jane@example.com');
    expect(normaliseEmail('not an email')).toBeNull();
  });

  it('phones become digits with a leading + kept', () => {
    expect(normalisePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalisePhone('138-1234-5678')).toBe('13812345678');
    expect(normalisePhone('0086 138 1234 5678')).toBe('008613812345678');
    expect(normalisePhone('12345')).toBeNull();
  });
});

describe('scrubJson', () => {
  it('hashes stable identifiers after normalising them, so they link across events', async () => {
    const result = await scrub({
      email: ' Jane.Doe@Example.com ',
      contact: { phone: '+44 20 7946 0958', mobile: 13812345678 },
      member_id: ' M-001 ',
      idfa: 'AB3F6E1A-2B2C-4C2D-9E5F-1234567890AB',
    });
    expect(result).toEqual({
      value: {
        email: 'h(jane.doe@example.com)',
        contact: { phone: 'h(+442079460958)', mobile: 'h(13812345678)' },
        member_id: 'h(M-001)',
        idfa: 'h(ab3f6e1a-2b2c-4c2d-9e5f-1234567890ab)',
      },
      found: ['email', 'phone'],
      truncated: false,
    });
  });

  it('redacts values that must not be kept even as pseudonyms', async () => {
    const result = await scrub({
      ip: '203.0.113.7',
      card_number: 4111111111111111,
      id_card: '11010519491231002X',
      address: { street: '1 Main St', city: 'Springfield' },
      first_name: 'Jane',
      last_name: 'Doe',
      emails: ['a@example.com', 'B@example.com'],
    });
    expect(result.value).toEqual({
      ip: REDACTED,
      card_number: REDACTED,
      id_card: REDACTED,
      address: REDACTED,
      first_name: REDACTED,
      last_name: REDACTED,
      emails: ['h(a@example.com)', 'h(b@example.com)'],
    });
    expect(result.found).toEqual(['email', 'cn_id', 'card', 'ip']);
  });

  it('keeps null, booleans and empty strings under identifier keys', async () => {
    const result = await scrub({ ip: null, phone: true, email: '', address: false });
    expect(result.value).toEqual({ ip: null, phone: true, email: '', address: false });
    expect(hashed).toEqual([]);
  });

  it('does not hash values that are not identifiers of the key kind', async () => {
    const result = await scrub({ is_mobile: 'yes', phone: 123, email: 'none given', mobile: 'iPhone 15' });
    expect(result.value).toEqual({ is_mobile: 'yes', phone: 123, email: 'none given', mobile: 'iPhone 15' });
    expect(hashed).toEqual([]);
  });

  it('scrubs free text everywhere and keeps ordinary values', async () => {
    const result = await scrub({
      name: 'Blue shirt',
      note: 'call me on 13812345678 or jane@example.com',
      price: 129.99,
      order_id: 'ORD-000123',
      count: 13812345678,
      at: '2026-11-23T17:00:00Z',
      tags: ['sale', 'mail 203.0.113.9'],
      nested: [{ deep: { text: 'ssn-free', n: null } }],
    });
    expect(result).toEqual({
      value: {
        name: 'Blue shirt',
        note: 'call me on [phone] or [email]',
        price: 129.99,
        order_id: 'ORD-000123',
        count: 13812345678,
        at: '2026-11-23T17:00:00Z',
        tags: ['sale', 'mail [ip]'],
        nested: [{ deep: { text: 'ssn-free', n: null } }],
      },
      found: ['email', 'phone', 'ip'],
      truncated: false,
    });
  });

  it('scrubs scalars at the root and object keys', async () => {
    expect((await scrub('jane@example.com')).value).toBe('[email]');
    expect((await scrub(42)).value).toBe(42);
    expect((await scrub(null)).value).toBeNull();
    expect((await scrub({ 'jane@example.com': 1 })).value).toEqual({ '[email]': 1 });
  });

  it('caps depth: containers deeper than maxDepth become a marker', async () => {
    const result = await scrub({ a: { b: { c: 1 } }, list: [[1]] }, { maxDepth: 2 });
    expect(result.value).toEqual({ a: { b: TRUNCATED }, list: [TRUNCATED] });
    expect(result.truncated).toBe(true);

    let deep: unknown = 'leaf';
    for (let i = 0; i < 20; i++) deep = { d: deep };
    const defaulted = await scrub(deep);
    expect(JSON.stringify(defaulted.value).split('{').length - 1).toBe(8);
    expect(defaulted.truncated).toBe(true);
  });

  it('caps string length after scrubbing, so a cut cannot expose half an e-mail', async () => {
    const result = await scrub({ s: `${'x'.repeat(10)} jane.doe@example.com tail` }, { maxStringLength: 22 });
    expect(result.value).toEqual({ s: 'xxxxxxxxxx [email] tai' });
    expect(result.truncated).toBe(true);
    expect(result.found).toEqual(['email']);

    const defaulted = await scrub('y'.repeat(5000));
    expect(defaulted.value).toBe('y'.repeat(1024));
  });

  it('never cuts a surrogate pair in half', async () => {
    const result = await scrub('ab😀', { maxStringLength: 3 });
    expect(result.value).toBe('ab');
  });

  it('does not let a __proto__ key touch the prototype', async () => {
    const input: unknown = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const result = await scrub(input);
    const value = result.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(value, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('turns values JSON cannot carry into null', async () => {
    const result = await scrub({ when: new Date(0), f: () => 1, n: 10n, u: undefined });
    expect(result.value).toEqual({ when: null, f: null, n: null, u: null });
  });

  it('rejects nonsensical limits with the offending value', async () => {
    await expect(scrub({}, { maxDepth: -1 })).rejects.toThrow('maxDepth must be an integer >= 0, got -1');
    await expect(scrub({}, { maxStringLength: 0.5 })).rejects.toThrow('got 0.5');
  });

  it('does not mutate its input', async () => {
    const input = { email: 'jane@example.com', note: '10.0.0.1' };
    await scrub(input);
    expect(input).toEqual({ email: 'jane@example.com', note: '10.0.0.1' });
  });
});
