// CallEvents' exactly-once path on the default store: what a de-duplication key is, how long it holds, what two
// identical deliveries at once do, what a failure gives back, and the session handlers and getSession() see.

import request from 'supertest';
import express from 'express';

import {
  CallEvents,
  createCallEvent,
  defaultDedupeKey,
  HandlerError,
  myOperatorWebhook,
  StoreError,
  type CallEvent,
  type CallEventContext,
  type CallEventsError,
  type CallSession,
  type CallStore,
} from '../../lib';
import { buildCallEvent, buildInCallLog, buildWebhookRequest } from '../../lib/testing';
import { reportsDelivered } from '../helpers/reports';

const UID = 'n2.1596270949.2175190';

function inCall(state: number, overrides: Record<string, unknown> = {}): CallEvent {
  return buildCallEvent(buildInCallLog({ uid: UID, call_state: String(state), ...overrides }));
}

/** A CallEvents with one handler on every event that counts its runs per event name and keeps its context. */
function counting(options: ConstructorParameters<typeof CallEvents>[0] = {}): {
  calls: CallEvents;
  runs: () => number;
  contexts: CallEventContext[];
} {
  const calls = new CallEvents({ logger: false, ...options });
  const contexts: CallEventContext[] = [];
  calls.onAny((_event, ctx) => {
    contexts.push(ctx);
  });
  return { calls, runs: () => contexts.length, contexts };
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

describe('CallEvents', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  describe('de-duplication', () => {
    it('runs the handlers of a redelivered event once and reports the redelivery', async () => {
      const { calls, runs } = counting();
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: false });
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: true });
      expect(runs()).toBe(1);
    });

    it('answers a redelivery over HTTP 200 {"ok":true,"duplicate":true}', async () => {
      const { calls, runs } = counting();
      const app = express().use('/hook', myOperatorWebhook({ auth: false, calls }));
      const { headers, body } = buildWebhookRequest(buildInCallLog({ call_state: '6' }));
      await request(app).post('/hook').set(headers).send(body).expect(200, { ok: true });
      await request(app).post('/hook').set(headers).send(body).expect(200, { ok: true, duplicate: true });
      expect(runs()).toBe(1);
    });

    it('keys an event by uid, name and call state by default, and a v2 event by its event_id', () => {
      expect(defaultDedupeKey(inCall(6))).toBe(`${UID}:user_answered:6`);
      const v2 = createCallEvent('v2', {}, new Date());
      Object.assign(v2, { id: 'evt-1', uid: UID, name: 'user_answered' });
      expect(defaultDedupeKey(v2)).toBe('v2:evt-1');
      expect(defaultDedupeKey(inCall(6, { uid: null }))).toBeNull();
    });

    it('uses a custom key(event)', async () => {
      const { calls, runs } = counting({ dedupe: { key: (event) => event.id } });
      await calls.receive(inCall(1, { id: 'log-1' }));
      await calls.receive(inCall(6, { id: 'log-1' })); // same log id: a duplicate under this key
      await calls.receive(inCall(6, { id: 'log-2' }));
      expect(runs()).toBe(2);
    });

    it.each<[string, (event: CallEvent) => string | null]>([
      ['null', () => null],
      ["''", () => ''],
      ['undefined (from JavaScript)', () => undefined as unknown as null],
    ])('never de-duplicates an event whose key() gives %s', async (_label, key) => {
      const { calls, runs } = counting({ dedupe: { key } });
      await calls.receive(inCall(6));
      await calls.receive(inCall(6));
      await calls.receive(inCall(2));
      expect(runs()).toBe(3);
    });

    it('never de-duplicates an event without a uid (no key), nor any event with dedupe: false', async () => {
      const withoutUid = counting();
      await withoutUid.calls.receive(inCall(6, { uid: null }));
      await withoutUid.calls.receive(inCall(6, { uid: null }));
      const off = counting({ dedupe: false });
      await off.calls.receive(inCall(6));
      await off.calls.receive(inCall(6));
      expect([withoutUid.runs(), off.runs()]).toEqual([2, 2]);
    });

    it('runs the handlers again once the key’s TTL has passed', async () => {
      const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
      const { calls, runs } = counting({ dedupe: { ttlMs: 60_000 } });
      await calls.receive(inCall(6));
      now.mockReturnValue(1_059_999);
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: true });
      now.mockReturnValue(1_060_000);
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: false });
      expect(runs()).toBe(2);
    });

    it('runs the handlers once for two identical deliveries at the same moment', async () => {
      const calls = new CallEvents({ logger: false });
      let runs = 0;
      calls.onUserAnswered(async () => {
        runs++;
        await delay(20); // still running when the other delivery is looked at
      });
      const results = await Promise.all([calls.receive(inCall(6)), calls.receive(inCall(6))]);
      expect(results.map((result) => result.duplicate).sort()).toEqual([false, true]);
      expect(runs).toBe(1);
    });

    it('gives the claim back when handlers fail, so the redelivery runs them, and the one after is a duplicate', async () => {
      const calls = new CallEvents({ logger: false });
      let attempts = 0;
      calls.onUserAnswered(() => {
        attempts++;
        if (attempts === 1) throw new Error('CRM down');
      });
      await expect(calls.receive(inCall(6))).rejects.toBeInstanceOf(HandlerError);
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: false });
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: true });
      expect(attempts).toBe(2);
    });

    it('still runs the handlers when the store fails, and gives onError a StoreError', async () => {
      const broken: CallStore = {
        record: () => Promise.reject(new Error('ECONNREFUSED')),
        release: () => Promise.resolve(),
        sessionRecords: () => Promise.resolve([]),
      };
      const { calls, runs, contexts } = counting({ store: broken });
      const errors: CallEventsError[] = [];
      calls.onError((error) => {
        errors.push(error);
      });
      expect(await calls.receive(inCall(6))).toEqual({ duplicate: false });
      await reportsDelivered();
      expect(runs()).toBe(1);
      expect(contexts[0]?.session).toBeNull();
      expect(errors).toEqual([expect.any(StoreError)]);
      expect(errors[0]?.event.uid).toBe(UID);
    });
  });

  describe('sessions', () => {
    it('gives handlers the call’s session, this event included', async () => {
      const { calls, contexts } = counting();
      await calls.receive(inCall(1, { created: '2020-08-01 08:35:56', call_time: '2020-08-01 08:35:56' }));
      await calls.receive(inCall(6, { created: '2020-08-01 08:36:06', call_time: '2020-08-01 08:36:06' }));
      const sessions = contexts.map((ctx) => ctx.session);
      expect(sessions.map((session) => session?.events.map((event) => event.name))).toEqual([
        ['incoming_call'],
        ['incoming_call', 'user_answered'],
      ]);
      expect(sessions[1]).toMatchObject({ uid: UID, outcome: 'in_progress', ringSeconds: 10 });
    });

    it('reads a call’s session with getSession(uid), and null for a call it does not know', async () => {
      const { calls, contexts } = counting();
      await calls.receive(inCall(1));
      await calls.receive(inCall(2, { status: '2' }));
      const session: CallSession | null = await calls.getSession(UID);
      expect(session).toEqual(contexts[1]?.session);
      expect(session?.outcome).toBe('missed');
      expect(await calls.getSession('n2.0.0')).toBeNull();
    });

    it('keeps no session with sessions: false', async () => {
      const { calls, contexts } = counting({ sessions: false });
      await calls.receive(inCall(1));
      expect(contexts[0]?.session).toBeNull();
      expect(await calls.getSession(UID)).toBeNull();
    });

    it('forgets a session its TTL after the call’s last event', async () => {
      const now = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
      const { calls } = counting({ sessions: { ttlMs: 60_000 } });
      await calls.receive(inCall(1));
      now.mockReturnValue(1_059_999);
      expect(await calls.getSession(UID)).not.toBeNull();
      now.mockReturnValue(1_060_000);
      expect(await calls.getSession(UID)).toBeNull();
    });
  });
});
