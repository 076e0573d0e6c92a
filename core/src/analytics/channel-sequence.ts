/**
 * Channel sequencing: a plan such as push → (no response in 24 h) → SMS → (no response in 24 h) → e-mail, turned into
 * a per-person schedule that the delivery system executes. Each person starts on their preferred channel, chosen from
 * their own response history; the other channels follow by the same rate (a channel the person keeps ignoring comes
 * last). Semantics (docs/alerts-and-audiences.md,
 * "Channel sequencing"):
 *
 * - Response history: the Segment spec's standard events per channel, counted over `lookback` before `startAt`:
 *   sent = `Email Delivered` / `Push Notification Received` / `SMS Delivered`, responses = `Email Opened` and
 *   `Email Link Clicked` / `Push Notification Tapped` and `Push Notification Opened` / `SMS Link Clicked` and
 *   `SMS Replied` (overridable per channel).
 * - Order: by the smoothed response rate (responses + 1) / (sent + 2) among the channels the person may get, highest
 *   (the preferred channel) first; ties go to the plan's order. Without history every channel scores 1/2 and the plan's order decides.
 * - Consent: a channel is left out for a person without marketing consent for it (`consent`, from the edge); a person
 *   with no channel left gets no step.
 * - Caps: at most `maxMessages` steps per person (the frequency cap the edge will apply); later steps are dropped.
 * - Step 1 is sent at `startAt`; step n+1 the `waitHours` of step n's channel later, only if the person did not respond to an earlier
 *   step by then (`condition: "no_response"`), which the executing system checks.
 */
import { z } from 'zod';
import type { QueryEngine } from '../engine/query-engine';
import { ensurePersonMap, personEvents } from './identity';
import { identitySchema, isoTime, parseSpec, windowSchema } from './spec';
import { and, columnsFor, join, sql, timeBounds, timestamp, WINDOW_UNITS } from './sql';

export const CHANNEL_RESPONSE_EVENTS: Readonly<Record<string, { sent: string[]; responses: string[] }>> = {
  email: { sent: ['Email Delivered'], responses: ['Email Opened', 'Email Link Clicked'] },
  push: { sent: ['Push Notification Received'], responses: ['Push Notification Tapped', 'Push Notification Opened'] },
  sms: { sent: ['SMS Delivered'], responses: ['SMS Link Clicked', 'SMS Replied'] },
};

const channelName = z.string().regex(/^[a-z0-9_-]{1,40}$/, 'a channel: lower-case letters, digits, _ and -');
const eventList = z.array(z.string().min(1).max(200)).min(1).max(10);

export const sequenceSpecSchema = z
  .strictObject({
    steps: z
      .array(z.strictObject({ channel: channelName, waitHours: z.number().positive().max(24 * 30).default(24) }))
      .min(1, 'at least one step')
      .max(6, 'at most 6 steps'),
    startAt: isoTime,
    lookback: windowSchema.default({ value: 90, unit: 'day' }),
    maxMessages: z.number().int().min(1).max(20).default(2),
    events: z.record(channelName, z.strictObject({ sent: eventList, responses: eventList })).default({}),
    identity: identitySchema.default('merged'),
  })
  .superRefine((spec, ctx) => {
    const channels = spec.steps.map((s) => s.channel);
    if (new Set(channels).size !== channels.length) ctx.addIssue({ code: 'custom', path: ['steps'], message: 'each channel once' });
    for (const channel of channels) {
      if (!CHANNEL_RESPONSE_EVENTS[channel] && !spec.events[channel]) ctx.addIssue({ code: 'custom', path: ['events'], message: `channel "${channel}" has no standard events: give its sent and response events` });
    }
  });

export type SequenceSpecInput = z.input<typeof sequenceSpecSchema>;

export interface ScheduleStep {
  person: string;
  step: number;
  channel: string;
  sendAt: string;
  /** `always` for the first step; `no_response`: only if the person responded to no earlier step by `sendAt`. */
  condition: 'always' | 'no_response';
  /** The person's smoothed response rate on the channel, and the counts behind it. */
  responseRate: number;
  sent: number;
  responses: number;
}

export interface Schedule {
  startAt: string;
  steps: ScheduleStep[];
  /** Persons without any channel they may get (no consent anywhere). */
  unreachable: string[];
  preferred: Record<string, number>;
}

export interface ResponseCounts {
  sent: number;
  responses: number;
}

/** Per person and channel: messages received and responses, from the standard events over the lookback. */
export async function channelResponses(engine: QueryEngine, input: SequenceSpecInput): Promise<Map<string, Map<string, ResponseCounts>>> {
  const spec = parseSpec(sequenceSpecSchema, input);
  if (spec.identity === 'merged') await ensurePersonMap(engine);
  const events = { ...CHANNEL_RESPONSE_EVENTS, ...spec.events };
  const channels = spec.steps.map((s) => s.channel);
  const startMs = timeBounds(spec.startAt).fromMs!;
  const fromMs = startMs - spec.lookback.value * WINDOW_UNITS[spec.lookback.unit];
  const byEvent = new Map<string, { channel: string; kind: 'sent' | 'responses' }>();
  for (const channel of channels) {
    for (const event of events[channel]!.sent) byEvent.set(event, { channel, kind: 'sent' });
    for (const event of events[channel]!.responses) byEvent.set(event, { channel, kind: 'responses' });
  }
  const names = [...byEvent.keys()];
  const query = sql`SELECT person, event, count(*)::BIGINT AS n FROM ${personEvents(spec.identity, columnsFor([], ['timestamp', 'event', 'type']))}
    WHERE ${and([sql`type = 'track'`, sql`event IN (${join(names.map((name) => sql`${name}`))})`, sql`"timestamp" >= ${timestamp(fromMs)}`, sql`"timestamp" < ${timestamp(startMs)}`])}
    GROUP BY person, event`;
  const rows = await engine.query<{ person: string; event: string; n: number | bigint }>(query.text, query.params);
  const out = new Map<string, Map<string, ResponseCounts>>();
  for (const row of rows) {
    const target = byEvent.get(String(row.event));
    if (!target) continue;
    const person = String(row.person);
    const perChannel = out.get(person) ?? new Map<string, ResponseCounts>();
    const counts = perChannel.get(target.channel) ?? { sent: 0, responses: 0 };
    counts[target.kind] += Number(row.n);
    perChannel.set(target.channel, counts);
    out.set(person, perChannel);
  }
  return out;
}

/** The smoothed response rate used to pick a person's preferred channel. */
export function responseRate(counts: ResponseCounts | undefined): number {
  return ((counts?.responses ?? 0) + 1) / ((counts?.sent ?? 0) + 2);
}

/**
 * The schedule for `persons` from their response history. `consent`, when given, maps a channel to the persons who may
 * get marketing on it (a channel missing from the map is allowed for nobody).
 */
export function planSequence(input: SequenceSpecInput, persons: readonly string[], history: ReadonlyMap<string, ReadonlyMap<string, ResponseCounts>>, consent?: ReadonlyMap<string, ReadonlySet<string>>): Schedule {
  const spec = parseSpec(sequenceSpecSchema, input);
  const startMs = timeBounds(spec.startAt).fromMs!;
  const schedule: Schedule = { startAt: new Date(startMs).toISOString(), steps: [], unreachable: [], preferred: {} };
  for (const person of new Set(persons)) {
    const own = history.get(person);
    const allowed = spec.steps.filter((s) => !consent || consent.get(s.channel)?.has(person));
    if (allowed.length === 0) {
      schedule.unreachable.push(person);
      continue;
    }
    // Stable sort: equal rates keep the plan's order.
    const ordered = [...allowed].sort((a, b) => responseRate(own?.get(b.channel)) - responseRate(own?.get(a.channel))).slice(0, spec.maxMessages);
    schedule.preferred[ordered[0]!.channel] = (schedule.preferred[ordered[0]!.channel] ?? 0) + 1;
    let at = startMs;
    ordered.forEach((step, i) => {
      const counts = own?.get(step.channel);
      schedule.steps.push({
        person,
        step: i + 1,
        channel: step.channel,
        sendAt: new Date(at).toISOString(),
        condition: i === 0 ? 'always' : 'no_response',
        responseRate: Math.round(responseRate(counts) * 1e4) / 1e4,
        sent: counts?.sent ?? 0,
        responses: counts?.responses ?? 0,
      });
      at += step.waitHours * 3_600_000;
    });
  }
  return schedule;
}

export function scheduleCsv(schedule: Schedule): string {
  const lines = ['person,step,channel,send_at,condition,response_rate,sent,responses'];
  for (const s of schedule.steps) lines.push([s.person, s.step, s.channel, s.sendAt, s.condition, s.responseRate, s.sent, s.responses].join(','));
  return `${lines.join('\n')}\n`;
}
