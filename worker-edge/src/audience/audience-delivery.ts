import type { AudienceMember } from './audience-request';

/** Members per POST: a delivery of 50,000 members is 50 batches, each retried on its own. */
export const AUDIENCE_BATCH_SIZE = 1000;
/** Attempts per batch before the delivery fails: the first, then after 30 s, 1, 2, 4, 8, 16 and 32 minutes (webhook-retry.ts). */
export const MAX_BATCH_ATTEMPTS = 8;

/** One POST body per batch; `batch.index` and the shared deliveryId let the receiver deduplicate retries. */
export interface AudienceBatchPayload {
  type: 'audience.batch';
  deliveryId: string;
  site: string;
  audience: { name: string; source: string; size: number };
  batch: { index: number; count: number; size: number };
  members: AudienceMember[];
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
}

export function splitIntoBatches(members: readonly AudienceMember[]): AudienceMember[][] {
  const batches: AudienceMember[][] = [];
  for (let i = 0; i < members.length; i += AUDIENCE_BATCH_SIZE) batches.push(members.slice(i, i + AUDIENCE_BATCH_SIZE));
  return batches;
}

export function batchPayload(facts: BatchFacts, index: number, members: AudienceMember[], sentAt: number): AudienceBatchPayload {
  return {
    type: 'audience.batch',
    deliveryId: facts.deliveryId,
    site: facts.site,
    audience: { name: facts.name, source: facts.source, size: facts.size },
    batch: { index, count: facts.batches, size: members.length },
    members,
    sentAt: new Date(sentAt).toISOString(),
  };
}
