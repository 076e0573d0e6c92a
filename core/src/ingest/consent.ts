/**
 * Consent records from Segment-style calls. A person's consent is kept per purpose: `analytics`, `marketing` (every
 * marketing channel) or `marketing:<channel>` (`marketing:email`, `marketing:sms`, `marketing:push`, ...), plus any
 * other lower-case name a consent tool uses (`functional`, `advertising`). Three shapes are read (docs/consent.md):
 *
 *   track "Consent Updated"      properties {"purpose": "marketing:email", "granted": false}
 *                                or properties {"consent": {"email": true, "sms": false}}
 *   track "Segment Consent Preference Updated" (Segment Consent Management)
 *                                context.consent.categoryPreferences {"Advertising": true, "Analytics": false}
 *   identify                     traits {"consent": {"email": true, "marketing:sms": false, "analytics": true}}
 *
 * A short key names a purpose: `email`, `sms`, `push`, `wechat`, `app` ... are `marketing:<key>`; `analytics` and
 * `marketing` are themselves; any other key is lower-cased as is. The record belongs to the pseudonym the call
 * carried (the hashed userId, else the hashed anonymousId).
 */
export const CONSENT_EVENTS = ['Consent Updated', 'Segment Consent Preference Updated'] as const;
export const PURPOSE_PATTERN = /^[a-z0-9_-]{1,40}(:[a-z0-9_-]{1,40})?$/;
/** Short keys that name a marketing channel. */
export const MARKETING_CHANNELS = ['email', 'sms', 'push', 'app', 'wechat', 'whatsapp', 'mail', 'phone', 'inapp', 'ads'] as const;
const MAX_PURPOSES_PER_MESSAGE = 20;

export interface ConsentUpdate {
  /** The pseudonym (32 hex). */
  person: string;
  purpose: string;
  granted: boolean;
  /** When the person made the choice (the event's time), epoch ms. */
  at: number;
  /** Where it came from: `track:Consent Updated`, `identify`, `api:<source>`. */
  source: string;
}

/** The purpose a consent key names, or null when the key cannot be one. */
export function consentPurpose(key: string): string | null {
  const purpose = key.trim().toLowerCase().replace(/\s+/g, '_');
  if ((MARKETING_CHANNELS as readonly string[]).includes(purpose)) return `marketing:${purpose}`;
  return PURPOSE_PATTERN.test(purpose) ? purpose : null;
}

/** The purpose a marketing delivery on `channel` needs, and the broader one that also covers it. */
export function marketingPurposes(channel: string): [string, string] {
  return [`marketing:${channel.toLowerCase()}`, 'marketing'];
}

function objectOf(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function grantedOf(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'granted' || value === 'true' || value === 'yes' || value === 1) return true;
  if (value === 'denied' || value === 'withdrawn' || value === 'false' || value === 'no' || value === 0) return false;
  return null;
}

function fromMap(map: Record<string, unknown> | null): { purpose: string; granted: boolean }[] {
  if (!map) return [];
  const out: { purpose: string; granted: boolean }[] = [];
  for (const [key, value] of Object.entries(map)) {
    if (out.length >= MAX_PURPOSES_PER_MESSAGE) break;
    const purpose = consentPurpose(key);
    const granted = grantedOf(value);
    if (purpose !== null && granted !== null) out.push({ purpose, granted });
  }
  return out;
}

/**
 * The consent updates a message carries, for the person of its normalised row. Unreadable entries are skipped (the
 * event itself is stored as any other).
 */
export function consentUpdatesOf(raw: unknown, row: { type: string; event: string; user_id: string | null; anonymous_id: string | null; timestamp: number }): ConsentUpdate[] {
  const person = row.user_id ?? row.anonymous_id;
  const message = objectOf(raw);
  if (!person || !message) return [];
  let choices: { purpose: string; granted: boolean }[] = [];
  let source: string;
  if (row.type === 'identify') {
    choices = fromMap(objectOf(objectOf(message.traits)?.consent));
    source = 'identify';
  } else if (row.type === 'track' && row.event === 'Consent Updated') {
    const properties = objectOf(message.properties);
    const purpose = typeof properties?.purpose === 'string' ? consentPurpose(properties.purpose) : null;
    const granted = grantedOf(properties?.granted);
    if (purpose !== null && granted !== null) choices.push({ purpose, granted });
    choices.push(...fromMap(objectOf(properties?.consent)));
    source = 'track:Consent Updated';
  } else if (row.type === 'track' && row.event === 'Segment Consent Preference Updated') {
    choices = fromMap(objectOf(objectOf(objectOf(message.context)?.consent)?.categoryPreferences));
    source = 'track:Segment Consent Preference Updated';
  } else return [];
  return choices.map(({ purpose, granted }) => ({ person, purpose, granted, at: row.timestamp, source }));
}
