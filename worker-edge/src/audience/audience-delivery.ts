import { postWebhook, type WebhookAttempt } from '../alerts/webhook-post';
import type { AudienceMember } from './audience-request';

export const AUDIENCE_BATCH_SIZE = 1000;
/** Attempts per batch, and the pause before each retry. The caller waits, so this stays short. */
const BATCH_RETRY_DELAYS_MS = [500, 2000];

export interface AudienceDelivery {
  deliveryId: string;
  site: string;
  name: string;
  source: string;
  url: string;
  secret?: string | undefined;
  members: readonly AudienceMember[];
}

export interface DeliveryReport {
  status: 'delivered' | 'failed';
  batches: number;
  batchesDelivered: number;
  membersDelivered: number;
  attempts: number;
  /** Why delivery stopped; null when every batch arrived. */
  failure: string | null;
}

/** One POST body per batch; `batch.index` and the shared deliveryId let the receiver deduplicate retries. */
export interface AudienceBatchPayload {
  type: 'audience.batch';
  deliveryId: string;
  site: string;
  audience: { name: string; source: string; size: number };
  batch: { index: number; count: number; size: number };
  members: AudienceMember[];
  sentAt: string;
}

/**
 * Posts the members in batches of AUDIENCE_BATCH_SIZE, in order, each retried on network errors,
 * timeouts, 408, 429 and 5xx; stops at the first batch that cannot be delivered.
 */
export async function deliverAudience(delivery: AudienceDelivery, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<DeliveryReport> {
  const batches = Math.ceil(delivery.members.length / AUDIENCE_BATCH_SIZE);
  let attempts = 0;
  for (let index = 0; index < batches; index++) {
    const members = delivery.members.slice(index * AUDIENCE_BATCH_SIZE, (index + 1) * AUDIENCE_BATCH_SIZE);
    const payload: AudienceBatchPayload = {
      type: 'audience.batch',
      deliveryId: delivery.deliveryId,
      site: delivery.site,
      audience: { name: delivery.name, source: delivery.source, size: delivery.members.length },
      batch: { index, count: batches, size: members.length },
      members,
      sentAt: new Date().toISOString(),
    };
    const body = JSON.stringify(payload);
    let result: WebhookAttempt | null = null;
    for (let attempt = 0; attempt <= BATCH_RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await sleep(BATCH_RETRY_DELAYS_MS[attempt - 1]!);
      attempts++;
      result = await postWebhook({ url: delivery.url, body, id: `${delivery.deliveryId}-${index}`, event: 'audience.batch', secret: delivery.secret });
      if (result.ok || !result.retryable) break;
    }
    if (!result!.ok) {
      const membersDelivered = index * AUDIENCE_BATCH_SIZE;
      return { status: 'failed', batches, batchesDelivered: index, membersDelivered, attempts, failure: `batch ${index + 1} of ${batches}: ${result!.error}` };
    }
  }
  return { status: 'delivered', batches, batchesDelivered: batches, membersDelivered: delivery.members.length, attempts, failure: null };
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
