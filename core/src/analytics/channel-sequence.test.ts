import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../connectors/node/event-store';
import { openNativeStore } from '../connectors/node/duckdb-native-store';
import { openWasmStore } from '../connectors/node/duckdb-wasm-store';
import { loadRows, track } from '../testing/event-rows';
import { channelResponses, planSequence, scheduleCsv, type SequenceSpecInput } from './channel-sequence';

const stores: Record<'wasm' | 'native', EventStore> = {} as never;
beforeAll(async () => {
  stores.wasm = await openWasmStore();
  stores.native = await openNativeStore({ threads: 1 });
});
afterAll(async () => Promise.all([stores.wasm?.close(), stores.native?.close()]));

const plan: SequenceSpecInput = {
  steps: [{ channel: 'push', waitHours: 24 }, { channel: 'sms', waitHours: 24 }, { channel: 'email' }],
  startAt: '2024-05-01T09:00:00Z',
  maxMessages: 3,
};

describe.each(['wasm', 'native'] as const)('channel sequencing on %s', (engine) => {
  it("starts each person on the channel they respond to, from the Segment spec's e-mail and push events; the rest follow by their rate, ties in the plan's order", async () => {
    const at = (d: number) => `2024-04-${String(d).padStart(2, '0')}T10:00:00Z`;
    await loadRows(stores[engine], [
      // u1 opens e-mails, ignores push.
      ...[1, 2, 3].flatMap((d) => [track('u1', 'Email Delivered', at(d)), track('u1', 'Email Opened', at(d))]),
      ...[1, 2, 3].map((d) => track('u1', 'Push Notification Received', at(d))),
      // u2 taps pushes.
      track('u2', 'Push Notification Received', at(5)),
      track('u2', 'Push Notification Tapped', at(5)),
      // u3: no history. An open after the start does not count.
      track('u3', 'Email Opened', '2024-05-02T10:00:00Z'),
    ]);
    const history = await channelResponses(stores[engine], plan);
    expect(history.get('u1')!.get('email')).toEqual({ sent: 3, responses: 3 });
    expect(history.get('u3')).toBeUndefined();
    const schedule = planSequence(plan, ['u1', 'u2', 'u3'], history);
    const of = (p: string) => schedule.steps.filter((s) => s.person === p).map((s) => [s.channel, s.sendAt.slice(0, 16), s.condition]);
    // u1 ignored three pushes: push (1/5) comes after sms (no history, 1/2).
    expect(of('u1')).toEqual([
      ['email', '2024-05-01T09:00', 'always'],
      ['sms', '2024-05-02T09:00', 'no_response'],
      ['push', '2024-05-03T09:00', 'no_response'],
    ]);
    expect(of('u2').map((s) => s[0])).toEqual(['push', 'sms', 'email']);
    expect(of('u3').map((s) => s[0])).toEqual(['push', 'sms', 'email']);
    expect(schedule.preferred).toEqual({ email: 1, push: 2 });
  });
});

describe('plan constraints', () => {
  it('leaves out channels without consent and steps beyond the cap; a person with no channel is unreachable', () => {
    const consent = new Map([
      ['push', new Set(['a'])],
      ['email', new Set(['a', 'b'])],
    ]);
    const schedule = planSequence({ ...plan, maxMessages: 1 }, ['a', 'b', 'c'], new Map(), consent);
    expect(schedule.steps.map((s) => [s.person, s.channel])).toEqual([
      ['a', 'push'],
      ['b', 'email'],
    ]);
    expect(schedule.unreachable).toEqual(['c']);
    expect(scheduleCsv(schedule).split('\n')[1]).toBe('a,1,push,2024-05-01T09:00:00.000Z,always,0.5,0,0');
  });

  it('refuses a channel without standard events unless they are given, and repeated channels', () => {
    expect(() => planSequence({ ...plan, steps: [{ channel: 'wechat' }] }, [], new Map())).toThrow(/wechat/);
    expect(() => planSequence({ ...plan, steps: [{ channel: 'wechat' }], events: { wechat: { sent: ['WeChat Delivered'], responses: ['WeChat Read'] } } }, [], new Map())).not.toThrow();
    expect(() => planSequence({ ...plan, steps: [{ channel: 'sms' }, { channel: 'sms' }] }, [], new Map())).toThrow(/each channel once/);
  });
});
