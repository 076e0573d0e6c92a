import { describe, expect, it } from 'vitest';
import { encodeRows, openWasmStore } from '../connectors/node';
import { factsFromMessageTime, messagesToRows } from '../ingest/messages-to-rows';
import { HmacIdHasher } from '../privacy/keyed-hash';
import type { EventRow } from '../schema';
import { buildPersonMap } from './identity';
import { identityCoverage } from './identity-coverage';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

describe('identityCoverage', () => {
  it('reports identified persons, identified orders and revenue, and the online/offline link rate', async () => {
    const messages: Record<string, unknown>[] = [
      // online: two devices; one identifies with the phone an offline customer also gives
      { type: 'identify', anonymousId: 'd1', traits: { phone: '+8613800138000' }, timestamp: at(0), messageId: '1' },
      { type: 'track', event: 'Order Completed', anonymousId: 'd1', properties: { revenue: 10, order_id: 'w1' }, timestamp: at(1), messageId: '2' },
      { type: 'track', event: 'Order Completed', anonymousId: 'd2', properties: { revenue: 30, order_id: 'w2' }, timestamp: at(2), messageId: '3' },
      // offline (imported): two store customers, one of them the phone above
      { type: 'track', event: 'Order Completed', userId: 'm1', properties: { revenue: 20, order_id: 's1', source: 'import', phone: '+86 138 0013 8000' }, timestamp: at(3), messageId: '4' },
      { type: 'track', event: 'Order Completed', userId: 'm2', properties: { revenue: 40, order_id: 's2', source: 'import' }, timestamp: at(4), messageId: '5' },
    ];
    const rows: EventRow[] = [];
    for await (const o of messagesToRows(messages, (raw) => factsFromMessageTime(raw), { site: 's', hasher: new HmacIdHasher('k'.repeat(43)), queryParams: [], scrub: true })) if (o.kind === 'row') rows.push(o.row);
    const store = await openWasmStore();
    try {
      await store.resetEvents();
      await store.loadParquetBytes(encodeRows(rows), 'coverage');
      await buildPersonMap(store);
      expect(await identityCoverage(store)).toEqual({
        persons: 3, // d1 + m1 (one person through the phone), d2, m2
        identifiedPersons: 2,
        identifiedPersonShare: 2 / 3,
        orders: 4,
        identifiedOrders: 3,
        orderShare: 3 / 4,
        revenue: 100,
        identifiedRevenue: 70,
        revenueShare: 0.7,
        offlinePersons: 2,
        onlinePersons: 2,
        personsOnlineAndOffline: 1,
        onlineOfflineLinkRate: 0.5,
      });
    } finally {
      await store.close();
    }
  });
});
