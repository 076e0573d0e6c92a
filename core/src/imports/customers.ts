/**
 * A customers table (CRM export, member registrations) as Segment `identify` messages: one per row, userId the member
 * id, traits the rest. Phone numbers and e-mail addresses travel as traits named `phone` and `email`, so the
 * normaliser hashes them with the site's key and gathers them under `$ids` (contact-keys.ts), where identity mapping
 * links the member to online visits that carried the same phone number or address. The registration time is the
 * message's time (the import's time when the table has none).
 */
import { resolveFields, tableNumber, tableReader, type FieldNames } from './field-mapping';
import { parseTableTime, type TableTimeOptions } from './table-time';
import type { ColumnMapping, RejectedRow, TableMessage, TableRow } from './table-messages';

export const CUSTOMER_FIELDS = {
  member: ['member_id', 'memberid', 'member_no', 'customer_id', 'customerid', 'user_id', 'userid', 'member', 'customer'],
  phone: ['phone', 'phone_number', 'mobile', 'mobile_number', 'tel', 'telephone', 'cellphone'],
  email: ['email', 'e_mail', 'email_address', 'mail'],
  registered: ['registered_at', 'registration_time', 'registration_date', 'registered', 'signup_date', 'created_at', 'joined'],
  store: ['registration_store', 'store', 'store_id', 'shop'],
  consent_email: ['consent_email', 'email_consent', 'email_opt_in', 'newsletter'],
  consent_sms: ['consent_sms', 'sms_consent', 'sms_opt_in'],
  gender: ['gender', 'sex'],
  birth_year: ['birth_year', 'birthyear', 'year_of_birth'],
  city: ['city', 'town'],
  tier: ['tier', 'member_tier', 'level', 'member_level'],
} as const satisfies FieldNames;

const YES = new Set(['1', 'true', 'yes', 'y', 'on', 'opt_in', 'optin', 'granted']);
const NO = new Set(['0', 'false', 'no', 'n', 'off', 'opt_out', 'optout', 'denied', '']);

export interface CustomersConversion {
  mapping: ColumnMapping;
  messages: TableMessage[];
  rejected: RejectedRow[];
  /** Member id of each message, in order (duplicates within the table are rejected). */
  memberIds: string[];
}

export interface CustomersOptions extends TableTimeOptions {
  /** The time of a row without a registration time (the import's time). */
  now: number;
}

export function customersToMessages(header: readonly string[], rows: readonly TableRow[], given: ColumnMapping, options: CustomersOptions): CustomersConversion {
  const resolved = resolveFields('customers', CUSTOMER_FIELDS, ['member'], header, given);
  const rejected: RejectedRow[] = [];
  const { cell, reject, complete } = tableReader(header, resolved, rejected);
  const seen = new Map<string, number>();
  const messages: TableMessage[] = [];
  const memberIds: string[] = [];
  for (const row of complete(rows)) {
    const member = cell(row, 'member');
    if (member === null) {
      reject(row, 'member', 'empty: every customer needs a member id');
      continue;
    }
    const earlier = seen.get(member);
    if (earlier !== undefined) {
      reject(row, 'member', `duplicate: member ${member} is on line ${earlier} already`);
      continue;
    }
    let time = options.now;
    const registered = cell(row, 'registered');
    if (registered !== null) {
      const ms = parseTableTime(registered, options);
      if (ms === null) {
        reject(row, 'registered', `${JSON.stringify(registered)} is not a date or time`);
        continue;
      }
      if (ms > options.now) {
        reject(row, 'registered', `${registered} is in the future`);
        continue;
      }
      time = ms;
    }
    const traits: Record<string, unknown> = { member_id: member };
    const phone = cell(row, 'phone');
    const email = cell(row, 'email');
    if (phone !== null) traits.phone = phone;
    if (email !== null) {
      if (!email.includes('@')) {
        reject(row, 'email', 'not an e-mail address (no @)');
        continue;
      }
      traits.email = email;
    }
    let bad = false;
    for (const field of ['consent_email', 'consent_sms'] as const) {
      const raw = cell(row, field);
      if (raw === null) continue;
      const lower = raw.toLowerCase();
      if (YES.has(lower)) traits[field] = true;
      else if (NO.has(lower)) traits[field] = false;
      else bad = reject(row, field, `${JSON.stringify(raw)} is not a yes/no value (1/0, true/false, yes/no)`) === null;
    }
    const birthYear = cell(row, 'birth_year');
    if (birthYear !== null) {
      const year = tableNumber(birthYear);
      const thisYear = new Date(options.now).getUTCFullYear();
      if (year === null || !Number.isInteger(year) || year < 1900 || year > thisYear) bad = reject(row, 'birth_year', `${JSON.stringify(birthYear)} is not a year from 1900 to ${thisYear}`) === null;
      else traits.birth_year = year;
    }
    if (bad) continue;
    for (const field of ['gender', 'city', 'tier', 'store'] as const) {
      const value = cell(row, field);
      if (value !== null) traits[field === 'store' ? 'registration_store' : field] = field === 'gender' ? value.toLowerCase() : value;
    }
    if (registered !== null) traits.registered_at = new Date(time).toISOString();
    traits.source = 'import';
    seen.set(member, row.line);
    memberIds.push(member);
    messages.push({ line: row.line, message: { type: 'identify', userId: member, timestamp: new Date(time).toISOString(), traits } });
  }
  return { mapping: resolved.mapping, messages, rejected, memberIds };
}
