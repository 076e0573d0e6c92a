import { isHeldOut } from '@privacy-analytics/core/edge-api';
import type { AudienceMember } from './audience-request';
import type { ConsentState } from './consent-store';

/**
 * Who of a batch is sent, decided when the batch is built (and again before a retry): the holdout is kept back, then
 * members are suppressed when erased, without marketing consent for the delivery's channel, within the quiet days after
 * their last order, or at the frequency cap of the channel. The first reason that applies is the one counted.
 */
export const SUPPRESSION_REASONS = ['erased', 'no_consent', 'consent_withdrawn', 'recent_purchase', 'frequency_cap'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface ContactPolicy {
  audienceId: string;
  /** The destination channel of a marketing audience; null: not a marketing delivery (no consent, caps or quiet days). */
  channel: string | null;
  holdout: number;
  frequencyCap: { max: number; windowDays: number } | null;
  purchaseQuietDays: number;
}

export interface ContactFacts {
  erased: ReadonlySet<string>;
  /** The members' consent for `marketing:<channel>` (or `marketing`). */
  consent: ConsentState;
  /** Messages sent to each member on the channel within the cap's window. */
  sentInWindow: ReadonlyMap<string, number>;
  now: number;
}

export interface Selection {
  recipients: AudienceMember[];
  heldOut: string[];
  suppressed: Partial<Record<SuppressionReason, number>>;
}

export const DAY_MS = 86_400_000;

export function suppressionOf(member: AudienceMember, policy: ContactPolicy, facts: ContactFacts): SuppressionReason | null {
  if (facts.erased.has(member.id)) return 'erased';
  if (policy.channel === null) return null;
  const consent = facts.consent.get(member.id);
  if (consent === undefined) return 'no_consent';
  if (consent === 'withdrawn') return 'consent_withdrawn';
  if (policy.purchaseQuietDays > 0 && member.lastOrderAt !== undefined && facts.now - member.lastOrderAt < policy.purchaseQuietDays * DAY_MS) return 'recent_purchase';
  if (policy.frequencyCap && (facts.sentInWindow.get(member.id) ?? 0) >= policy.frequencyCap.max) return 'frequency_cap';
  return null;
}

export function selectRecipients(members: readonly AudienceMember[], policy: ContactPolicy, facts: ContactFacts): Selection {
  const selection: Selection = { recipients: [], heldOut: [], suppressed: {} };
  for (const member of members) {
    if (isHeldOut(policy.audienceId, member.id, policy.holdout)) {
      selection.heldOut.push(member.id);
      continue;
    }
    const reason = suppressionOf(member, policy, facts);
    if (reason === null) selection.recipients.push(member);
    else selection.suppressed[reason] = (selection.suppressed[reason] ?? 0) + 1;
  }
  return selection;
}

export function addCounts(a: Partial<Record<SuppressionReason, number>>, b: Partial<Record<SuppressionReason, number>>): Partial<Record<SuppressionReason, number>> {
  const sum = { ...a };
  for (const [reason, n] of Object.entries(b) as [SuppressionReason, number][]) sum[reason] = (sum[reason] ?? 0) + n;
  return sum;
}

/** What the receiver gets of a member: never the last order time, which only serves the suppression. */
export function memberPayload(member: AudienceMember): Omit<AudienceMember, 'lastOrderAt'> {
  const { lastOrderAt: _lastOrderAt, ...rest } = member;
  return rest;
}
