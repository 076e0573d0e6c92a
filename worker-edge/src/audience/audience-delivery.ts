import type { AudienceMember, AudiencePayload } from './audience-request';
import type { ContactPolicy } from './contact-policy';

/** Members per POST: a delivery of 50,000 members is 50 batches, each retried on its own. */
export const AUDIENCE_BATCH_SIZE = 1000;
/** Attempts per batch before the delivery fails: the first, then after 30 s, 1, 2, 4, 8, 16 and 32 minutes (webhook-retry.ts). */
export const MAX_BATCH_ATTEMPTS = 8;

/** One POST body per batch; `batch.index` and the shared deliveryId let the receiver deduplicate retries. */
export interface AudienceBatchPayload {
  type: 'audience.batch';
  deliveryId: string;
  site: string;
  audience: {
    id: string;
    name: string;
    source: string;
    /** Members requested, before the holdout and suppression. */
    size: number;
    channel: string | null;
    /** The consent purpose the members were checked for, e.g. `marketing:email`; null for a non-marketing delivery. */
    purpose: string | null;
    payload: AudiencePayload;
    holdout: number;
  };
  batch: { index: number; count: number; size: number };
  /** Per member: `id` (pseudonym), `address` (hashed contact key), `channel`, `score`, `items` (recommendations), `drivers` (risk: why the model scored them so). */
  members: Omit<AudienceMember, 'lastOrderAt'>[];
  /** When the batch was first posted; its retries send the same bytes. */
  sentAt: string;
}

export interface BatchFacts {
  deliveryId: string;
  site: string;
  name: string;
  source: string;
  size: number;
  batches: number;
  policy: ContactPolicy;
  payload: AudiencePayload;
}

/**
 * Bytes of members' JSON per batch: a batch is one SQLite value in the Durable Object (at most 2 MB each), stored
 * once as members and once as the body; members with many recommended items make a batch smaller than 1,000.
 */
export const AUDIENCE_BATCH_BYTES = 1024 * 1024;

export function splitIntoBatches(members: readonly AudienceMember[]): AudienceMember[][] {
  const batches: AudienceMember[][] = [];
  let current: AudienceMember[] = [];
  let bytes = 0;
  for (const member of members) {
    const size = JSON.stringify(member).length + 1;
    if (current.length > 0 && (current.length === AUDIENCE_BATCH_SIZE || bytes + size > AUDIENCE_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(member);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export function batchPayload(facts: BatchFacts, index: number, members: AudienceBatchPayload['members'], sentAt: number): AudienceBatchPayload {
  const { policy } = facts;
  return {
    type: 'audience.batch',
    deliveryId: facts.deliveryId,
    site: facts.site,
    audience: {
      id: policy.audienceId,
      name: facts.name,
      source: facts.source,
      size: facts.size,
      channel: policy.channel,
      purpose: policy.channel === null ? null : `marketing:${policy.channel}`,
      payload: facts.payload,
      holdout: policy.holdout,
    },
    batch: { index, count: facts.batches, size: members.length },
    members,
    sentAt: new Date(sentAt).toISOString(),
  };
}
