import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../privacy/pii-keys';
import { HmacIdHasher } from '../privacy/keyed-hash';
import { factsFromMessageTime, messagesToRows } from './messages-to-rows';

describe('phone numbers without a country code', () => {
  it('hash as written when the site has no country code, and as +<code><national number> when it has one', () => {
    expect(normalisePhone('138 0013 8000')).toBe('13800138000');
    expect(normalisePhone('+86 138-0013-8000')).toBe('+8613800138000');
    expect(normalisePhone('138 0013 8000', { phoneCountryCode: '86' })).toBe('+8613800138000');
    // a written + wins over the site's code
    expect(normalisePhone('+44 7700 900123', { phoneCountryCode: '86' })).toBe('+447700900123');
    // the trunk 0 of a national number goes, 00 is the international prefix
    expect(normalisePhone('07700 900123', { phoneCountryCode: '44' })).toBe('+447700900123');
    expect(normalisePhone('0044 7700 900123', { phoneCountryCode: '86' })).toBe('+447700900123');
    // not a phone number, with or without a code
    expect(normalisePhone('12-34', { phoneCountryCode: '86' })).toBeNull();
    expect(normalisePhone('00 12 34', { phoneCountryCode: '86' })).toBeNull();
  });

  it('let a till that drops the code meet the web through the normaliser (scrubbed value and contact key alike)', async () => {
    const messages = [
      { type: 'identify', userId: 'web-7', traits: { phone: '+86 138 0013 8000' }, timestamp: '2026-01-01T00:00:00Z', messageId: 'a' },
      { type: 'track', event: 'Order Completed', userId: 'member-7', properties: { phone: '138-0013-8000', revenue: 3 }, timestamp: '2026-01-02T00:00:00Z', messageId: 'b' },
    ];
    const keysWith = async (phoneCountryCode: string | undefined) => {
      const rows = [];
      const options = { site: 's', hasher: new HmacIdHasher('k'.repeat(43)), queryParams: [], scrub: true, phoneCountryCode };
      for await (const outcome of messagesToRows(messages, (raw) => factsFromMessageTime(raw), options)) if (outcome.kind === 'row') rows.push(outcome.row);
      return rows.map((r) => JSON.parse(r.properties) as { $ids: string; phone: string });
    };
    const [web, till] = await keysWith('86');
    expect(web!.$ids).toMatch(/^phone:[0-9a-f]{32}$/);
    expect(till!.$ids).toBe(web!.$ids);
    expect(till!.phone).toBe(web!.phone);
    const [webAsWritten, tillAsWritten] = await keysWith(undefined);
    expect(tillAsWritten!.$ids).not.toBe(webAsWritten!.$ids);
    expect(webAsWritten!.$ids).toBe(web!.$ids);
  });
});
