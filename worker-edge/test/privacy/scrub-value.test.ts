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
    ['username', 'redact'],
    ['user_name', 'redact'],
    ['nickname', 'redact'],
    ['birthday', 'redact'],
    ['date_of_birth', 'redact'],
    ['dob', 'redact'],
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

  it.each([
    ['手机号', 'hash'],
    ['手机号码', 'hash'],
    ['用户手机号', 'hash'],
    ['联系电话', 'hash'],
    ['邮箱', 'hash'],
    ['电子邮件地址', 'hash'],
    ['身份证号', 'redact'],
    ['身份证号码', 'redact'],
    ['姓名', 'redact'],
    ['真实姓名', 'redact'],
    ['地址', 'redact'],
    ['收货地址', 'redact'],
    ['用户名', 'redact'],
    ['生日', 'redact'],
    ['telefono', 'hash'],
    ['teléfono', 'hash'],
    ['Teléfono', 'hash'],
    ['numero_de_telefono', 'hash'],
    ['telefon', 'hash'],
    ['Telefonnummer', 'hash'],
    ['correo', 'hash'],
    ['correo_electronico', 'hash'],
    ['courriel', 'hash'],
    ['adresse', 'redact'],
    ['dirección', 'redact'],
    ['Straße', 'redact'],
    ['fecha_de_nacimiento', 'redact'],
    ['電話番号', 'hash'],
    ['メールアドレス', 'hash'],
    ['住所', 'redact'],
    ['전화번호', 'hash'],
    ['телефон', 'hash'],
    ['ｅｍａｉｌ', 'hash'],
  ])('other languages and forms: %s -> %s', (key, action) => {
    expect(classifyKey(key)?.action).toBe(action);
  });

  it.each(['手机型号', '商品名称', '订单号', 'telefono_modelo', 'direction', 'nombre', '名前'])('%s is not a personal-identifier key', (key) => {
    expect(classifyKey(key)).toBeNull();
  });

  it('knows the IP kind of an IP key in Chinese', () => {
    expect(classifyKey('IP地址')).toEqual({ action: 'redact', kind: 'ip' });
  });

  it('treats a bare name as personal only among the top-level traits of a person', () => {
    for (const key of ['name', 'Name', 'display_name', 'displayName', 'nombre', 'nom', '名前', '名字']) {
      expect(classifyKey(key)).toBeNull();
      expect(classifyKey(key, { personTrait: true })?.action).toBe('redact');
    }
    for (const key of ['company_name', 'plan_name', 'product_name']) expect(classifyKey(key, { personTrait: true })).toBeNull();
  });

  it('splits keys into words', () => {
    expect(keyWords('billing_phoneNumber-2')).toEqual(['billing', 'phone', 'number', '2']);
    expect(keyWords('IPAddress')).toEqual(['ip', 'address']);
    expect(keyWords('númeroDeTeléfono')).toEqual(['numero', 'de', 'telefono']);
    expect(keyWords('用户_手机号')).toEqual(['用户', '手机号']);
    expect(keyWords('ＰｈｏｎｅＮｕｍｂｅｒ')).toEqual(['phone', 'number']);
    expect(keyWords('メールアドレス')).toEqual(['メールアドレス']);
  });
});

describe('identifier normalisation', () => {
  it('e-mails are trimmed, lower-cased and decoded from %40', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(normaliseEmail('jane%40example.com')).toBe('jane@example.com');
    expect(normaliseEmail('not an email')).toBeNull();
    expect(normaliseEmail('ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ')).toBe('jane@example.com');
    expect(normaliseEmail('JOSÉ@Exämple.de')).toBe('josé@exämple.de');
  });

  it('phones become digits with a leading + kept', () => {
    expect(normalisePhone('+1 (415) 555-2671')).toBe('+14155552671');
    expect(normalisePhone('138-1234-5678')).toBe('13812345678');
    expect(normalisePhone('0086 138 1234 5678')).toBe('008613812345678');
    expect(normalisePhone('12345')).toBeNull();
    expect(normalisePhone('＋８６ １３８ １２３４ ５６７８')).toBe('+8613812345678');
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
      count: 1732381200000,
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
        count: 1732381200000,
        at: '2026-11-23T17:00:00Z',
        tags: ['sale', 'mail [ip]'],
        nested: [{ deep: { text: 'ssn-free', n: null } }],
      },
      found: ['email', 'phone', 'ip'],
      truncated: false,
    });
  });

  it('scrubs numbers under keys it does not recognise as it scrubs strings', async () => {
    const result = await scrub({
      contact: 13812345678,
      ref: 4111111111111111,
      negative: -13812345678,
      list: [5500005555555559, 7],
      nested: { deep: 8613812345678 },
      price: 129.99,
      epoch_ms: 1732381200000,
      small: 123,
      fails_luhn: 4111111111111112,
    });
    expect(result).toEqual({
      value: {
        contact: '[phone]',
        ref: '[card]',
        negative: '-[phone]',
        list: ['[card]', 7],
        nested: { deep: '[phone]' },
        price: 129.99,
        epoch_ms: 1732381200000,
        small: 123,
        fails_luhn: 4111111111111112,
      },
      found: ['phone', 'card'],
      truncated: false,
    });
  });

  it('reads integers beyond 2^53 as JSON parsing left them: a rounded resident id is still one', async () => {
    const parsed: unknown = JSON.parse('{"ref": 440304198510101232}');
    expect((await scrub(parsed)).value).toEqual({ ref: '[cn_id]' });
  });

  it('hashes identifiers under keys in other languages and full-width values', async () => {
    const result = await scrub({ 手机号: '１３８１２３４５６７８', teléfono: '612 345 678', 邮箱: '用户@例子.公司', correo: 'Jane@Example.com' });
    expect(result.value).toEqual({
      手机号: 'h(13812345678)',
      teléfono: 'h(612345678)',
      邮箱: 'h(用户@例子.公司)',
      correo: 'h(jane@example.com)',
    });
  });

  it('redacts the name of a person in identify traits, not in event properties or nested traits', async () => {
    const traits = { name: 'Jane Doe', username: 'janedoe84', birthday: '1984-03-14', company: { name: 'Acme' }, plan_name: 'Pro' };
    expect((await scrubJson(traits, { hashIdentifier, personTraits: true })).value).toEqual({
      name: REDACTED,
      username: REDACTED,
      birthday: REDACTED,
      company: { name: 'Acme' },
      plan_name: 'Pro',
    });
    expect((await scrub(traits)).value).toEqual({ ...traits, username: REDACTED, birthday: REDACTED });
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
