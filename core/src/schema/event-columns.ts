/**
 * The event schema: one row per accepted event, written to Parquet by the edge and read by the
 * dashboard and the command line. Bump SCHEMA_VERSION on any change and describe it in README.
 * All times are UTC, stored as Parquet TIMESTAMP(MILLIS) without a time zone.
 */
export const SCHEMA_VERSION = 1;

export type ColumnKind = 'string' | 'timestamp' | 'float64' | 'int32';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  readonly doc: string;
}

export const EVENT_COLUMNS = [
  { name: 'event_id', kind: 'string', nullable: false, doc: 'SHA-256 of site and messageId (hex, 32 chars); unique per site' },
  { name: 'timestamp', kind: 'timestamp', nullable: false, doc: 'event time, corrected for client clock skew' },
  { name: 'received_at', kind: 'timestamp', nullable: false, doc: 'time the edge received the event' },
  { name: 'type', kind: 'string', nullable: false, doc: 'Segment message type: track, page, screen, identify, alias, group' },
  { name: 'event', kind: 'string', nullable: false, doc: 'track event name; for other types the type itself (page, screen, identify, alias, group)' },
  { name: 'name', kind: 'string', nullable: true, doc: 'page or screen name' },
  { name: 'site', kind: 'string', nullable: false, doc: 'site id the write key belongs to' },
  { name: 'anonymous_id', kind: 'string', nullable: true, doc: 'keyed hash of anonymousId (cookieless: of the daily-salted visitor)' },
  { name: 'user_id', kind: 'string', nullable: true, doc: 'keyed hash of userId' },
  { name: 'previous_id', kind: 'string', nullable: true, doc: 'keyed hash of previousId (alias messages)' },
  { name: 'group_id', kind: 'string', nullable: true, doc: 'keyed hash of groupId (group messages)' },
  { name: 'session_id', kind: 'string', nullable: true, doc: 'keyed hash of the client session id (context.sessionId); null when the client sends none' },
  { name: 'page_url', kind: 'string', nullable: true, doc: 'page URL, scrubbed, query reduced to the allow-list' },
  { name: 'page_path', kind: 'string', nullable: true, doc: 'page path, scrubbed' },
  { name: 'page_title', kind: 'string', nullable: true, doc: 'page title, scrubbed' },
  { name: 'referrer_host', kind: 'string', nullable: true, doc: 'referrer host without www.' },
  { name: 'utm_source', kind: 'string', nullable: true, doc: 'utm_source (URL or context.campaign)' },
  { name: 'utm_medium', kind: 'string', nullable: true, doc: 'utm_medium' },
  { name: 'utm_campaign', kind: 'string', nullable: true, doc: 'utm_campaign (context.campaign.name)' },
  { name: 'utm_term', kind: 'string', nullable: true, doc: 'utm_term' },
  { name: 'utm_content', kind: 'string', nullable: true, doc: 'utm_content' },
  { name: 'channel', kind: 'string', nullable: false, doc: 'derived channel: direct, organic_search, paid_search, social, email, referral, display, other' },
  { name: 'country', kind: 'string', nullable: true, doc: 'ISO 3166-1 alpha-2: context.location.country when sent, else the request (cf.country)' },
  { name: 'region', kind: 'string', nullable: true, doc: 'region / province: context.location.region when a country is sent, else cf.region' },
  { name: 'device_type', kind: 'string', nullable: true, doc: 'desktop, mobile, tablet, other; server for server-side SDKs' },
  { name: 'os', kind: 'string', nullable: true, doc: 'operating system family' },
  { name: 'browser', kind: 'string', nullable: true, doc: 'browser family' },
  { name: 'browser_version', kind: 'string', nullable: true, doc: 'browser major version' },
  { name: 'locale', kind: 'string', nullable: true, doc: 'context.locale' },
  { name: 'library', kind: 'string', nullable: true, doc: 'sending library (context.library.name)' },
  { name: 'product_id', kind: 'string', nullable: true, doc: 'properties.product_id (or productId)' },
  { name: 'category', kind: 'string', nullable: true, doc: 'properties.category' },
  { name: 'price', kind: 'float64', nullable: true, doc: 'properties.price' },
  { name: 'quantity', kind: 'float64', nullable: true, doc: 'properties.quantity' },
  { name: 'revenue', kind: 'float64', nullable: true, doc: 'properties.revenue, else properties.total' },
  { name: 'currency', kind: 'string', nullable: true, doc: 'properties.currency, upper-cased' },
  { name: 'order_id', kind: 'string', nullable: true, doc: 'properties.order_id (or orderId)' },
  { name: 'experiment', kind: 'string', nullable: true, doc: 'properties.experiment_id / experiment_name / experiment' },
  { name: 'variant', kind: 'string', nullable: true, doc: 'properties.variant / variation_id / variation_name' },
  { name: 'properties', kind: 'string', nullable: false, doc: 'remaining properties (traits for identify / group) as scrubbed JSON text' },
  { name: 'quality_flags', kind: 'string', nullable: false, doc: 'comma-separated corrections, see QUALITY_FLAGS; empty when none' },
  { name: 'schema_version', kind: 'int32', nullable: false, doc: 'schema version of this row' },
] as const satisfies readonly ColumnSpec[];

export type ColumnName = (typeof EVENT_COLUMNS)[number]['name'];

type ValueOf<K extends ColumnKind> = K extends 'string' ? string : number;
type ColumnValue<C extends ColumnSpec> = C['nullable'] extends true ? ValueOf<C['kind']> | null : ValueOf<C['kind']>;

/** One stored event. Timestamps are epoch milliseconds. */
export type EventRow = {
  [C in (typeof EVENT_COLUMNS)[number] as C['name']]: ColumnValue<C>;
};

export const QUALITY_FLAGS = {
  clock_skew_corrected: 'timestamp corrected by receivedAt - (sentAt - timestamp)',
  timestamp_missing: 'no timestamp sent; receivedAt used',
  late: 'event time more than 24 h before receipt',
  pii_scrubbed: 'personal data removed from text fields',
  query_params_dropped: 'query parameters outside the allow-list removed',
  value_truncated: 'a string or nested value exceeded its cap and was cut',
  invalid_number: 'a commerce field was not a finite number and was dropped',
} as const;

export type QualityFlag = keyof typeof QUALITY_FLAGS;
