/**
 * What an audience member carries besides the pseudonym, read from the person's events:
 *
 * - address: the hashed contact key of the destination channel, the newest `kind:<hash>` token of the `$ids` property
 *   (core/src/ingest/contact-keys.ts) of the kind the channel reaches: e-mail for `email`, phone for `sms` / `whatsapp`,
 *   device for `push` / `app`, member id for `wechat` and other channels. Never an address itself.
 * - lastOrderAt: the person's newest conversion event (default `Order Completed`), for the edge's quiet days after a
 *   purchase. The dashboard computes it and sends it with the members, so the edge needs no per-person order history.
 */
import type { QueryEngine } from '../engine/query-engine';
import { CONTACT_KEYS_PROPERTY, type ContactKind } from '../ingest/contact-keys';
import { ensurePersonMap, personEvents, type IdentityMode } from './identity';
import { propertyExpr, sql } from './sql';

export const CHANNEL_ADDRESS_KIND: Readonly<Record<string, ContactKind>> = { email: 'email', sms: 'phone', whatsapp: 'phone', phone: 'phone', push: 'device', app: 'device', wechat: 'member' };

export function addressKindOf(channel: string): ContactKind {
  return CHANNEL_ADDRESS_KIND[channel] ?? 'member';
}

export interface ContactFacts {
  address: string | null;
  lastOrderAt: number | null;
}

/** Per person with events: the channel's hashed contact key and the last order time. */
export async function contactFacts(engine: QueryEngine, channel: string, options: { identity?: IdentityMode; orderEvent?: string } = {}): Promise<Map<string, ContactFacts>> {
  const identity = options.identity ?? 'merged';
  if (identity === 'merged') await ensurePersonMap(engine);
  const prefix = `${addressKindOf(channel)}:`;
  const events = personEvents(identity, ['timestamp', 'type', 'event', 'properties']);
  // The engines' JSON functions are not everywhere (DuckDB-Wasm without the json extension): the shared key reader.
  const ids = propertyExpr({ kind: 'json', key: CONTACT_KEYS_PROPERTY }).sql;
  const query = sql`WITH tokens AS (
      SELECT person, "timestamp", type, event,
        list_filter(string_split(coalesce(${ids}, ''), ' '), t -> starts_with(t, ${prefix}))[1] AS address
      FROM ${events} e)
    SELECT person, arg_max(address, "timestamp") FILTER (WHERE address IS NOT NULL) AS address,
      epoch_ms(max("timestamp") FILTER (WHERE type = 'track' AND event = ${options.orderEvent ?? 'Order Completed'})) AS last_order_at
    FROM tokens GROUP BY person`;
  const rows = await engine.query<{ person: string; address: string | null; last_order_at: number | bigint | null }>(query.text, query.params);
  return new Map(rows.map((r) => [String(r.person), { address: r.address ?? null, lastOrderAt: r.last_order_at === null ? null : Number(r.last_order_at) }]));
}
