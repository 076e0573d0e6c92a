import type { PiiKind } from './pii-patterns';

/**
 * Which JSON keys name personal identifiers, and what `scrubJson` does with their values.
 *
 * A key is split into words (camelCase, snake_case, kebab-case, dots, spaces are all equivalent) and
 * its last one, two or three words are joined and looked up below, longest first. So `customerEmail`,
 * `billing_phone_number` and `Shipping-Street-Address` match, while `email_verified`, `phone_model`,
 * `microphone`, `hotel` and `product_name` do not.
 *
 * HASHED — stable identifiers a site may legitimately link sessions by; replaced by
 * `hashIdentifier(normalised value)`:
 *   email:   email, e_mail, emails, email_address
 *   phone:   phone, phones, phone_number, phone_no, mobile, mobile_number, mobile_no, tel, telephone,
 *            telephone_number, cellphone, cell, cell_number, msisdn
 *   opaque:  member_id, member_no, member_number, device_id
 *   ad id:   idfa, idfv, gaid, aaid, advertising_id, android_id (UUID/hex, so lower-cased before hashing)
 *   E-mail keys are hashed only when the value contains `@` (or `%40`), phone keys only when it has 7+
 *   digits; otherwise the value is ordinary text (e.g. `is_mobile: "yes"`) and is only scrubbed.
 *
 * REDACTED — no analytics use justifies keeping even a pseudonym; replaced by '[redacted]':
 *   ip:        ip, ip_address, ipv4, ipv6, client_ip, remote_ip, user_ip, forwarded_for
 *   card:      card_number, card_no, credit_card, credit_card_number, cc_number, cvv, cvv2, cvc
 *   gov. ids:  id_card, id_card_number, id_number, id_no, national_id, national_id_number, ssn,
 *              social_security_number, passport, passport_number, passport_no, drivers_license,
 *              driver_license, drivers_license_number. Government IDs are low-entropy and never needed
 *              for linking (member/device ids serve that), so they are not hashed.
 *   address:   address (any *_address not listed above, e.g. street_address, mac_address), street,
 *              address_line, address_line1..3
 *   names:     full_name, first_name, last_name, middle_name, surname, given_name, family_name,
 *              real_name, legal_name, customer_name, contact_name, recipient_name, billing_name,
 *              shipping_name, cardholder, cardholder_name
 *   A bare `name` is NOT redacted: it names products, events, pages and plans far more often than people;
 *   its value still goes through `scrubText`.
 */

export type IdentifierNormalisation = 'email' | 'phone' | 'opaque' | 'lowercase';

export type KeyTreatment =
  | { action: 'hash'; normalise: IdentifierNormalisation }
  | { action: 'redact'; kind: PiiKind | null };

const hash = (normalise: IdentifierNormalisation): KeyTreatment => ({ action: 'hash', normalise });
const redact = (kind: PiiKind | null): KeyTreatment => ({ action: 'redact', kind });

function phrases(words: readonly string[], treatment: KeyTreatment): [string, KeyTreatment][] {
  return words.map((word) => [word, treatment]);
}

const KEY_TREATMENTS: ReadonlyMap<string, KeyTreatment> = new Map([
  ...phrases(['email', 'emails', 'emailaddress'], hash('email')),
  ...phrases(
    [
      'phone', 'phones', 'phonenumber', 'phoneno', 'mobile', 'mobilenumber', 'mobileno', 'tel', 'telephone',
      'telephonenumber', 'cellphone', 'cell', 'cellnumber', 'msisdn',
    ],
    hash('phone'),
  ),
  ...phrases(['memberid', 'memberno', 'membernumber', 'deviceid'], hash('opaque')),
  ...phrases(['idfa', 'idfv', 'gaid', 'aaid', 'advertisingid', 'androidid'], hash('lowercase')),
  ...phrases(['ip', 'ipaddress', 'ipv4', 'ipv6', 'clientip', 'remoteip', 'userip', 'forwardedfor'], redact('ip')),
  ...phrases(
    ['cardnumber', 'cardno', 'creditcard', 'creditcardnumber', 'ccnumber', 'cvv', 'cvv2', 'cvc'],
    redact('card'),
  ),
  ...phrases(
    [
      'idcard', 'idcardnumber', 'idnumber', 'idno', 'nationalid', 'nationalidnumber', 'ssn', 'socialsecuritynumber',
      'passport', 'passportnumber', 'passportno', 'driverslicense', 'driverlicense', 'driverslicensenumber',
    ],
    redact(null),
  ),
  ...phrases(
    ['address', 'street', 'addressline', 'addressline1', 'addressline2', 'addressline3'],
    redact(null),
  ),
  ...phrases(
    [
      'fullname', 'firstname', 'lastname', 'middlename', 'surname', 'givenname', 'familyname', 'realname',
      'legalname', 'customername', 'contactname', 'recipientname', 'billingname', 'shippingname', 'cardholder',
      'cardholdername',
    ],
    redact(null),
  ),
]);

const MAX_PHRASE_WORDS = 3;

export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

/** How a value under `key` must be treated, or null when the key names nothing personal. */
export function classifyKey(key: string): KeyTreatment | null {
  const words = keyWords(key);
  for (let take = Math.min(MAX_PHRASE_WORDS, words.length); take >= 1; take--) {
    const treatment = KEY_TREATMENTS.get(words.slice(-take).join(''));
    if (treatment !== undefined) return treatment;
  }
  return null;
}

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;

/** Lower-cased, trimmed e-mail, or null when the value is not an e-mail address at all. */
export function normaliseEmail(value: string): string | null {
  const email = value.trim().replace(/%40/g, '@').toLowerCase();
  return EMAIL_SHAPE.test(email) ? email : null;
}

/** Digits only, with a leading `+` kept; null when fewer than 7 digits (not a phone number). */
export function normalisePhone(value: string): string | null {
  const trimmed = value.trim();
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7) return null;
  return trimmed.startsWith('+') ? `+${digits}` : digits;
}

export function normaliseIdentifier(value: string, normalise: IdentifierNormalisation): string | null {
  switch (normalise) {
    case 'email':
      return normaliseEmail(value);
    case 'phone':
      return normalisePhone(value);
    case 'opaque':
      return value.trim() === '' ? null : value.trim();
    case 'lowercase':
      return value.trim() === '' ? null : value.trim().toLowerCase();
  }
}
