import { describe, expect, it } from 'vitest';
import {
  decodeBase64Text,
  foldText,
  isIpHost,
  isIpv4Literal,
  isIpv6Literal,
  looksLikeCnResidentId,
  passesLuhn,
  passesMod11_2,
  PII_KINDS,
  scrubText,
  sortKinds,
} from '@privacy-analytics/core/privacy';

const scrubbed = (text: string): string => scrubText(text).text;

describe('scrubText: e-mail', () => {
  it.each([
    ['contact jane.doe@example.com today', 'contact [email] today'],
    ['JANE+promo@Sub.Example.co.uk', '[email]'],
    ['<a.b_c-d@mail-server.example.org>', '<[email]>'],
    ['mailto:jane@example.com', 'mailto:[email]'],
    ['联系我jane@example.com谢谢', '联系我[email]谢谢'],
    ['written at the end: jane@example.com.', 'written at the end: [email].'],
  ])('%s', (input, expected) => {
    expect(scrubText(input)).toEqual({ text: expected, found: ['email'] });
  });

  it('catches URL-encoded addresses as they appear in query strings', () => {
    expect(scrubbed('email=a.b%40example.com&next=%2Fcart')).toBe('email=[email]&next=%2Fcart');
    expect(scrubbed('u=jane%2Bnews%40example.com')).toBe('u=[email]');
    expect(scrubbed('u=jane%2540example.com')).toBe('u=[email]');
    expect(scrubbed('q=hello%20jane@example.com')).toBe('q=hello%[email]');
  });

  it('leaves things that only look a bit like e-mails', () => {
    for (const text of ['@handle', 'user@localhost', 'a @ b.com', 'price@ 10', 'foo@bar']) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });
});

describe('scrubText: internationalised e-mail addresses', () => {
  it.each([
    ['用户@例子.公司', '[email]'],
    ['josé@exämple.de', '[email]'],
    ['写信给 josé@exämple.de 吧', '写信给 [email] 吧'],
    ['иван@пример.рф', '[email]'],
    ['Ärger.Müller@straße.de!', '[email]!'],
    // e + combining acute accent (not precomposed)
    ['jose\u0301@example.de', '[email]'],
    ['contact: 用户@例子.公司。', 'contact: [email]。'],
    ['abc用户@例子.公司', 'abc[email]'],
  ])('%s', (input, expected) => {
    expect(scrubText(input)).toEqual({ text: expected, found: ['email'] });
  });

  it('keeps other-script text before a Latin address and after the domain', () => {
    expect(scrubbed('联系我jane@example.com谢谢')).toBe('联系我[email]谢谢');
    expect(scrubbed('邮箱：josé@exämple.de，谢谢')).toBe('邮箱：[email]，谢谢');
  });

  it('leaves @ in other scripts that is no address', () => {
    for (const text of ['用户@例子', '@用户', '价格@ 10元']) expect(scrubText(text)).toEqual({ text, found: [] });
  });
});

describe('scrubText: full-width and other compatibility forms (NFKC)', () => {
  it.each([
    ['电话：１３８１２３４５６７８。', '电话：[phone]。', 'phone'],
    ['call ＋４４ ２０ ７９４６ ０９５８ now', 'call [phone] now', 'phone'],
    ['ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ', '[email]', 'email'],
    ['mail jane＠example.com', 'mail [email]', 'email'],
    ['jane﹫example.com', '[email]', 'email'],
    ['卡号４１１１ １１１１ １１１１ １１１１', '卡号[card]', 'card'],
    ['身份证１１０１０５１９４９１２３１００２Ｘ', '身份证[cn_id]', 'cn_id'],
    ['ｉｐ ２０３．０．１１３．９', 'ｉｐ [ip]', 'ip'],
  ])('%s', (input, expected, kind) => {
    expect(scrubText(input)).toEqual({ text: expected, found: [kind] });
  });

  it('returns clean text exactly as given, not normalised', () => {
    for (const text of ['ｆｕｌｌ ｗｉｄｔｈ ｔｅｘｔ', 'ﬁne ligature', '①②③', 'Ｒｏｏｍ １２']) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
    expect(scrubbed('ｆｕｌｌ １３８１２３４５６７８ ﬁne')).toBe('ｆｕｌｌ [phone] ﬁne');
  });

  it('maps folded positions back to whole original code points', () => {
    const folded = foldText('a１😀㈱b');
    expect(folded.text).toBe('a1😀(株)b');
    expect([0, 1, 2, 4, 5, 6, 7, 8].map((i) => folded.originalStart(i))).toEqual([0, 1, 2, 4, 4, 4, 5, 6]);
    expect(folded.originalEnd(2)).toBe(2);
    expect(folded.originalEnd(5)).toBe(5);
    expect(folded.originalEnd(8)).toBe(6);
  });
});

describe('scrubText: JWTs and base64 payloads', () => {
  const jwt =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

  it('replaces a JWT whole, whatever its payload', () => {
    expect(scrubText(`Authorization: Bearer ${jwt}`)).toEqual({ text: 'Authorization: Bearer [token]', found: ['token'] });
    expect(scrubbed(`/reset?t=${jwt}&x=1`)).toBe('/reset?t=[token]&x=1');
    expect(scrubbed('unsigned eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0. token')).toBe('unsigned [token] token');
  });

  it('replaces base64 and base64url blobs that decode to personal data', () => {
    expect(scrubText(`ref ${btoa('jane.doe@example.com')} end`)).toEqual({ text: 'ref [token] end', found: ['token'] });
    expect(scrubbed(`state=${btoa('{"phone":"13812345678"}')}`)).toBe('state=[token]');
    // base64url of {"u":"jane@example.com","q":">>>???"}, with '-' and '_' and no padding
    expect(scrubbed('s=eyJ1IjoiamFuZUBleGFtcGxlLmNvbSIsInEiOiI-Pj4_Pz8ifQ')).toBe('s=[token]');
    expect(scrubbed(`/u/${btoa('jane@example.com').replace(/=+$/, '')}/orders`)).toBe('/u/[token]/orders');
  });

  it('keeps base64 without personal data, binary blobs and ordinary long words', () => {
    for (const text of [
      `greeting ${btoa('Hello world from the web')}`,
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      'internationalization and localization',
      'Sw9mQ3kTz7LpXcVbNa4e', // random, not base64 of text
    ]) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });

  it('decodes only printable UTF-8', () => {
    expect(decodeBase64Text(btoa('jane@example.com'))).toBe('jane@example.com');
    expect(decodeBase64Text('AAECAwQFBgcICQoL')).toBeNull();
    expect(decodeBase64Text('not base64!')).toBeNull();
  });
});

describe('scrubText: phone numbers', () => {
  it.each([
    '+44 20 7946 0958',
    '+1 (415) 555-2671',
    '+8613812345678',
    '+86 138 1234 5678',
    '0086 138-1234-5678',
    '8613812345678',
    '0044 20 7946 0958',
    '+49 30 901820',
    '+33 1 42 68 53 00',
    '+44 (0)20 7946 0958',
    '+81-3-1234-5678',
    '%2B442079460958',
    '13812345678',
    '138 1234 5678',
    '138-1234-5678',
    '19912345678',
    '(415) 555-2671',
    '415-555-2671',
    '415.555.2671',
  ])('%s', (phone) => {
    expect(scrubText(`call ${phone} now`)).toEqual({ text: 'call [phone] now', found: ['phone'] });
  });

  it('keeps trailing punctuation and surrounding text', () => {
    expect(scrubbed('tel:+14155552671;ext=2')).toBe('tel:[phone];ext=2');
    expect(scrubbed('手机13812345678，请联系')).toBe('手机[phone]，请联系');
    expect(scrubbed('mobile=13812345678&x=1')).toBe('mobile=[phone]&x=1');
    expect(scrubbed('call +1 (415) 555-2671.')).toBe('call [phone].');
  });

  it('never treats short digit runs as phones', () => {
    for (const text of ['+123456', '123456', '+1 234 56', 'room 12 34 56', '0012345678', '12345678901']) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });

  it('does not read signed decimals, 12-digit numbers or mid-number digits as phones', () => {
    for (const text of ['+12345.67', 'delta +1234.5678', '138123456789', '113812345678', 'x=0.13812345678']) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });
});

describe('scrubText: Chinese resident ID', () => {
  it('scrubs checksum-valid IDs, including the X check character', () => {
    expect(scrubText('身份证 11010519491231002X 已验证')).toEqual({ text: '身份证 [cn_id] 已验证', found: ['cn_id'] });
    expect(scrubText('id=11010519491231002x')).toEqual({ text: 'id=[cn_id]', found: ['cn_id'] });
    expect(scrubbed('440304198510101232')).toBe('[cn_id]');
    expect(scrubbed('110101 19900307 4514')).toBe('[cn_id]');
  });

  it('scrubs a checksum-invalid ID when region and birth date are plausible (a mistyped ID is still personal)', () => {
    expect(passesMod11_2('110101199003074519')).toBe(false);
    expect(scrubText('110101199003074519')).toEqual({ text: '[cn_id]', found: ['cn_id'] });
  });

  it('keeps 18-digit numbers that fail the checksum and have no plausible region/date', () => {
    for (const text of ['123456789012345678', '990101199013454321', '110101199002304519']) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });

  it('validates the pieces', () => {
    expect(looksLikeCnResidentId('11010519491231002X')).toBe(true);
    expect(looksLikeCnResidentId('110101200002294512')).toBe(true); // 2000-02-29 exists
    expect(looksLikeCnResidentId('110101190002294512')).toBe(false); // 1900-02-29 does not
    expect(looksLikeCnResidentId('1101011990030745')).toBe(false);
  });
});

describe('scrubText: payment cards', () => {
  it.each([
    '4111111111111111',
    '4111 1111 1111 1111',
    '4111-1111-1111-1111',
    '5555555555554444',
    '2223003122003222',
    '378282246310005',
    '3782 822463 10005',
    '6011111111111117',
    '6200000000000005',
    '3530111333300000',
  ])('%s', (card) => {
    expect(scrubText(`paid with ${card} ok`)).toEqual({ text: 'paid with [card] ok', found: ['card'] });
  });

  it('finds the card inside a longer run of digit groups', () => {
    expect(scrubbed('4111 1111 1111 1111 2026')).toBe('[card] 2026');
    expect(scrubbed('ref 99 4111 1111 1111 1111')).toBe('ref 99 [card]');
  });

  it('keeps numbers that fail Luhn or cannot be cards', () => {
    for (const text of [
      '4111111111111112',
      '4111 1111 1111 1112',
      '1732381200000', // epoch millis
      '1234567890123456789', // snowflake-like id starting with 1
      '41111111111', // too short
      '4111  1111  1111  1111', // double spaces are not card formatting
      '0.4111111111111111',
    ]) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });
});

describe('scrubText: IP addresses', () => {
  it.each([
    ['client 203.0.113.7 connected', 'client [ip] connected'],
    ['ip=10.0.0.1&x=1', 'ip=[ip]&x=1'],
    ['from 192.168.1.1.', 'from [ip].'],
    ['2001:db8::1', '[ip]'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '[ip]'],
    ['::ffff:192.0.2.1', '[ip]'],
    ['loopback ::1 here', 'loopback [ip] here'],
    ['http://[2001:db8::1]:8080/', 'http://[[ip]]:8080/'],
    ['fe80::1ff:fe23:4567:890a%eth0', '[ip]%eth0'],
  ])('%s', (input, expected) => {
    expect(scrubText(input)).toEqual({ text: expected, found: ['ip'] });
  });

  it('scrubs 4-part dotted versions with parts <= 255: indistinguishable from IPv4, privacy wins', () => {
    expect(scrubbed('version 1.2.3.4')).toBe('version [ip]');
    expect(scrubbed('Chrome/120.0.0.0')).toBe('Chrome/[ip]');
  });

  it('keeps versions, times and other colon/dot numbers that are not addresses', () => {
    for (const text of [
      '1.2.3',
      '1.2.3.4.5',
      'Chrome/120.0.6099.129',
      '256.1.1.1',
      '12:30:45',
      'MAC 00:1a:2b:3c:4d:5e',
      'std::vector and a::b',
      'ratio 3:2',
      '::',
    ]) {
      expect(scrubText(text)).toEqual({ text, found: [] });
    }
  });

  it('validates literals', () => {
    expect(isIpv4Literal('255.255.255.255')).toBe(true);
    expect(isIpv4Literal('1.2.3')).toBe(false);
    expect(isIpv6Literal('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIpv6Literal('1:2:3:4:5:6:7:8:9')).toBe(false);
    expect(isIpv6Literal('1::2::3')).toBe(false);
    expect(isIpv6Literal('12345::1')).toBe(false);
    expect(isIpv6Literal('::ffff:1.2.3.256')).toBe(false);
    expect(isIpv6Literal('0:0:0:0:0:ffff:192.0.2.1')).toBe(true);
    expect(isIpHost('[::1]')).toBe(true);
    expect(isIpHost('example.com')).toBe(false);
  });
});

describe('scrubText: ordinary data survives', () => {
  it.each([
    'price 129.99 EUR',
    'total: 1,299.00',
    '2026-11-23T17:00:00Z',
    '2026-11-23T17:00:00.123+08:00',
    '2026-11-23 17:00',
    'order ORD-000123',
    'ORD-20261123-000123',
    '123e4567-e89b-12d3-a456-426614174000',
    '550e8400-e29b-41d4-a716-446655440000',
    'd41d8cd98f00b204e9800998ecf8427e',
    'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    'v1.2.3',
    'qty 3, sku 10023, page 2 of 17',
    'epoch 1732381200',
    'zip 94103',
    'color #ff0000',
    '',
    'no digits here at all',
  ])('%s', (text) => {
    expect(scrubText(text)).toEqual({ text, found: [] });
  });

  it('keeps the digits of a UUID whose last group looks like a card', () => {
    const uuid = '12345678-1234-1234-1234-411111111111';
    expect(scrubText(uuid)).toEqual({ text: uuid, found: [] });
  });
});

describe('scrubText: mixed text', () => {
  it('replaces every kind and reports each once, in canonical order', () => {
    const input =
      'ip 203.0.113.7 user jane@example.com / bob@example.com phone +44 20 7946 0958 card 4111 1111 1111 1111 id 11010519491231002X';
    expect(scrubText(input)).toEqual({
      text: 'ip [ip] user [email] / [email] phone [phone] card [card] id [cn_id]',
      found: ['email', 'phone', 'cn_id', 'card', 'ip'],
    });
  });

  it('separates a phone from the numbers that follow it', () => {
    expect(scrubbed('+44 20 7946 0958 13812345678 11010519491231002X')).toBe('[phone] [phone] [cn_id]');
    expect(scrubbed('+44 20 7946 0958 2026 and more')).toBe('[phone] 2026 and more');
    expect(scrubbed('+44 20 7946 0958 4111 1111 1111 1111')).toBe('[phone] [card]');
  });

  it('is idempotent', () => {
    const once = scrubbed('jane@example.com +8613812345678 10.1.2.3');
    expect(scrubbed(once)).toBe(once);
  });

  it('stays fast on long hostile input', () => {
    const hostile = [
      'a'.repeat(50_000),
      '%41'.repeat(20_000),
      '1'.repeat(50_000),
      '1 '.repeat(25_000),
      ':'.repeat(50_000),
      '1.'.repeat(25_000),
      '+1'.repeat(25_000),
      'a.'.repeat(25_000) + '@',
    ];
    const started = Date.now();
    for (const text of hostile) scrubText(text);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('checksum helpers', () => {
  it('Luhn', () => {
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('79927398710')).toBe(false);
    expect(passesLuhn('')).toBe(false);
    expect(passesLuhn('4111-1111')).toBe(false);
  });

  it('sortKinds dedupes into canonical order', () => {
    expect(sortKinds(['ip', 'email', 'ip'])).toEqual(['email', 'ip']);
    expect(PII_KINDS).toEqual(['email', 'phone', 'cn_id', 'card', 'ip', 'token']);
  });
});
