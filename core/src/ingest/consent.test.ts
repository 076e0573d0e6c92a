import { describe, expect, it } from 'vitest';
import { consentPurpose, consentUpdatesOf, marketingPurposes } from './consent';

const row = (type: string, event: string) => ({ type, event, user_id: 'a'.repeat(32), anonymous_id: 'b'.repeat(32), timestamp: 1_900_000_000_000 });

describe('consent purposes', () => {
  it('short channel keys are marketing purposes; analytics and marketing are themselves; anything else is lower-cased or refused', () => {
    expect(consentPurpose('email')).toBe('marketing:email');
    expect(consentPurpose('SMS')).toBe('marketing:sms');
    expect(consentPurpose('marketing:push')).toBe('marketing:push');
    expect(consentPurpose('analytics')).toBe('analytics');
    expect(consentPurpose('Advertising')).toBe('advertising');
    expect(consentPurpose('Data Sharing')).toBe('data_sharing');
    expect(consentPurpose('a:b:c')).toBeNull();
    expect(consentPurpose('')).toBeNull();
    expect(marketingPurposes('Email')).toEqual(['marketing:email', 'marketing']);
  });
});

describe('consentUpdatesOf', () => {
  it('reads identify traits.consent, "Consent Updated" (purpose + granted, or a consent map) and Segment Consent Management', () => {
    expect(consentUpdatesOf({ traits: { consent: { email: true, sms: 'denied', bogus: 'maybe' } } }, row('identify', 'identify'))).toEqual([
      { person: 'a'.repeat(32), purpose: 'marketing:email', granted: true, at: 1_900_000_000_000, source: 'identify' },
      { person: 'a'.repeat(32), purpose: 'marketing:sms', granted: false, at: 1_900_000_000_000, source: 'identify' },
    ]);
    expect(consentUpdatesOf({ properties: { purpose: 'push', granted: false } }, row('track', 'Consent Updated')).map((u) => [u.purpose, u.granted])).toEqual([['marketing:push', false]]);
    expect(consentUpdatesOf({ properties: { consent: { analytics: true } } }, row('track', 'Consent Updated')).map((u) => [u.purpose, u.granted])).toEqual([['analytics', true]]);
    const segment = consentUpdatesOf({ context: { consent: { categoryPreferences: { Advertising: true, Analytics: false } } } }, row('track', 'Segment Consent Preference Updated'));
    expect(segment.map((u) => [u.purpose, u.granted, u.source])).toEqual([
      ['advertising', true, 'track:Segment Consent Preference Updated'],
      ['analytics', false, 'track:Segment Consent Preference Updated'],
    ]);
  });

  it('falls back to the anonymous id, and ignores other events and messages without an id', () => {
    expect(consentUpdatesOf({ properties: { purpose: 'email', granted: true } }, { ...row('track', 'Consent Updated'), user_id: null })[0]!.person).toBe('b'.repeat(32));
    expect(consentUpdatesOf({ properties: { purpose: 'email', granted: true } }, row('track', 'Order Completed'))).toEqual([]);
    expect(consentUpdatesOf({ properties: { purpose: 'email', granted: true } }, { ...row('track', 'Consent Updated'), user_id: null, anonymous_id: null })).toEqual([]);
  });
});
