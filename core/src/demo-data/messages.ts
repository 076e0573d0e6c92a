/** Segment HTTP Tracking API messages, as the generator emits them. */

export interface PageInfo {
  path: string;
  url: string;
  referrer: string;
  title: string;
  search: string;
}

export interface CampaignInfo {
  source: string;
  medium: string;
  name: string;
  term?: string;
  content?: string;
}

export interface SegmentContext {
  userAgent: string;
  ip?: string;
  locale: string;
  page?: PageInfo;
  campaign?: CampaignInfo;
  /** Segment's context.location: where a server-side source says the person is. */
  location: { country: string; region: string };
  library: { name: 'demo-generator'; version: '1' };
  sessionId?: string;
}

interface MessageBase {
  messageId: string;
  anonymousId: string;
  userId?: string;
  /** ISO-8601 UTC with milliseconds, e.g. 2026-10-24T09:15:02.123Z */
  timestamp: string;
  context: SegmentContext;
}

export interface TrackMessage extends MessageBase {
  type: 'track';
  event: string;
  properties: Record<string, unknown>;
}

export interface PageMessage extends MessageBase {
  type: 'page';
  name: string;
  properties: PageInfo;
}

export interface IdentifyMessage extends MessageBase {
  type: 'identify';
  userId: string;
  traits: Record<string, unknown>;
}

export interface AliasMessage extends MessageBase {
  type: 'alias';
  userId: string;
  previousId: string;
}

export type SegmentMessage = TrackMessage | PageMessage | IdentifyMessage | AliasMessage;
