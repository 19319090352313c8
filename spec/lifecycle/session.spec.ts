// The call's lifecycle: every kind of call folds into the right session, same-second events fall into call-stage
// order, and any arrival order with any redeliveries gives the session of one in-order delivery.

import fc from 'fast-check';

import {
  buildCallSession,
  CallEvents,
  createCallEvent,
  type CallEvent,
  type CallSession,
  type SessionEventRecord,
} from '../../lib';
import { toSessionRecord } from '../../lib/dispatch/session';
import { buildCallEvent, buildInCallLog, V2_CALL_END, V2_DISPOSITION } from '../../lib/testing';

const UID = 'n2.1596270949.2175190';
const START = Date.UTC(2020, 7, 1, 8, 35, 56);

/** `YYYY-MM-DD HH:mm:ss`, `seconds` after the call's start. */
const wallTime = (seconds: number): string =>
  new Date(START + seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');

/** One in-call event of the call: its state, `seconds` after the start, as MyOperator's log carries it. */
function inCall(state: number, seconds: number, status: string | null = null, uid = UID): CallEvent {
  return buildCallEvent(
    buildInCallLog({
      uid,
      call_state: String(state),
      created: wallTime(seconds),
      call_time: wallTime(seconds),
      status,
    }),
    {},
    new Date(START + seconds * 1000 + 700),
  );
}

/** The after-call log's event, as its normaliser gives it. */
function callSummary(startSeconds: number, endSeconds: number, status: 'connected' | 'missed'): CallEvent {
  const event = createCallEvent('aftercall-v1', {}, new Date(START + endSeconds * 1000 + 3000));
  event.name = 'call_summary';
  event.uid = UID;
  event.status = status;
  event.startedAt = new Date(START + startSeconds * 1000);
  event.endedAt = new Date(START + endSeconds * 1000);
  event.createdAt = new Date(START + endSeconds * 1000 + 3000);
  event.userPhoneNumber = status === 'connected' ? '8586848544' : null;
  return event;
}

const sessionOf = (events: readonly CallEvent[]): CallSession =>
  buildCallSession(
    UID,
    events.map((event) => toSessionRecord(event).record),
  );

const at = (seconds: number): Date => new Date(START + seconds * 1000);

/** A session without the arrival times (the one thing that depends on when deliveries came). */
function withoutArrival(session: CallSession | null): unknown {
  if (session === null) return null;
  return { ...session, events: session.events.map(({ name, callState, at: time }) => ({ name, callState, at: time })) };
}

describe('buildCallSession()', () => {
  describe('for each kind of call', () => {
    it.each<[string, CallEvent[], Partial<CallSession>]>([
      [
        'an answered incoming call',
        [inCall(1, 0), inCall(5, 0), inCall(6, 8), inCall(2, 74, '1')],
        {
          startedAt: at(0),
          answeredAt: at(8),
          endedAt: at(74),
          answeredBy: '+918586848544',
          outcome: 'answered',
          ringSeconds: 8,
          talkSeconds: 66,
        },
      ],
      [
        'a missed incoming call',
        [inCall(1, 0), inCall(5, 1), inCall(2, 20, '2')],
        { answeredAt: null, endedAt: at(20), answeredBy: null, outcome: 'missed', ringSeconds: 20, talkSeconds: null },
      ],
      [
        'a click-to-call the customer rejects, its end in the same second as the rejection',
        [inCall(3, 0), inCall(7, 5, '2'), inCall(2, 5, '2')],
        { startedAt: at(0), endedAt: at(5), outcome: 'rejected', ringSeconds: 5, talkSeconds: null },
      ],
      [
        'a click-to-call the agent answers and the customer rejects',
        [inCall(3, 0), inCall(6, 4), inCall(7, 10, '2')],
        { answeredAt: at(4), endedAt: at(10), outcome: 'rejected', ringSeconds: 10, talkSeconds: null },
      ],
      [
        'a click-to-call nobody picks up',
        [inCall(3, 0), inCall(9, 30, '2'), inCall(2, 30, '2')],
        { endedAt: at(30), outcome: 'no_answer', ringSeconds: 30, talkSeconds: null },
      ],
      [
        'an OBD call the first party does not answer',
        [inCall(1, 0), inCall(4, 25, '2'), inCall(2, 25, '2')],
        { startedAt: at(0), endedAt: at(25), outcome: 'no_answer', ringSeconds: 25 },
      ],
      ['an OBD "no answer" alone', [inCall(4, 25, '2')], { startedAt: at(25), outcome: 'no_answer', ringSeconds: 0 }],
      [
        'an answered call still going on',
        [inCall(1, 0), inCall(5, 2), inCall(6, 8)],
        { answeredAt: at(8), endedAt: null, outcome: 'in_progress', ringSeconds: 8, talkSeconds: null },
      ],
      [
        'a call that just came in',
        [inCall(1, 0)],
        { startedAt: at(0), outcome: 'in_progress', ringSeconds: null, talkSeconds: null },
      ],
      [
        'a short call whose events all carry the same second',
        [inCall(2, 0, '1'), inCall(6, 0), inCall(5, 0), inCall(1, 0)],
        { answeredAt: at(0), endedAt: at(0), outcome: 'answered', ringSeconds: 0, talkSeconds: 0 },
      ],
      [
        'a call known from its after-call log alone',
        [callSummary(0, 39, 'connected')],
        {
          startedAt: at(0),
          answeredAt: null,
          endedAt: at(39),
          answeredBy: '+918586848544',
          outcome: 'answered',
          ringSeconds: null,
          talkSeconds: null,
        },
      ],
      [
        'a missed call known from its after-call log alone',
        [callSummary(0, 21, 'missed')],
        { startedAt: at(0), endedAt: at(21), answeredBy: null, outcome: 'missed', ringSeconds: 21 },
      ],
      [
        'an answered call and its after-call log',
        [inCall(1, 0), inCall(5, 0), inCall(6, 8), inCall(2, 74, '1'), callSummary(0, 74, 'connected')],
        { startedAt: at(0), answeredAt: at(8), endedAt: at(74), outcome: 'answered', ringSeconds: 8, talkSeconds: 66 },
      ],
    ])('folds %s', (_label, events, expected) => {
      expect(sessionOf(events)).toMatchObject({ uid: UID, ...expected });
    });

    it('lists a call’s events in event-time order, same-second events in call-stage order', () => {
      const session = sessionOf([inCall(2, 74, '1'), inCall(6, 8), inCall(5, 0), inCall(1, 0)]);
      expect(session.events.map((event) => [event.name, event.at])).toEqual([
        ['incoming_call', at(0)],
        ['dialing_users', at(0)],
        ['user_answered', at(8)],
        ['call_finished', at(74)],
      ]);
    });

    it('lists each event once, whatever the records given', () => {
      const records = [inCall(1, 0), inCall(1, 0), inCall(2, 9, '2')].map((event) => toSessionRecord(event).record);
      expect(buildCallSession(UID, records).events.map((event) => event.name)).toEqual([
        'incoming_call',
        'call_finished',
      ]);
    });

    it('never counts an agent who did not answer as the one who answered', () => {
      expect(sessionOf([inCall(1, 0), inCall(5, 0), inCall(2, 20, '2')]).answeredBy).toBeNull();
    });
  });

  describe('toSessionRecord()', () => {
    it('gives a redelivery the identity of the first delivery, and another state of the call its own', () => {
      const first = inCall(6, 8);
      const again = { ...first, receivedAt: new Date(first.receivedAt.getTime() + 30_000) };
      expect(toSessionRecord(again).id).toBe(toSessionRecord(first).id);
      expect(toSessionRecord(inCall(2, 8)).id).not.toBe(toSessionRecord(first).id);
    });

    it('uses the arrival time of an event that carries no time of its own', () => {
      const event = inCall(1, 0);
      event.callTime = null;
      event.createdAt = null;
      expect(toSessionRecord(event).record.at).toBe(event.receivedAt.getTime());
    });
  });

  describe('in any arrival order, with redeliveries', () => {
    const calls = {
      answered: [inCall(1, 0, null, 'a'), inCall(5, 0, null, 'a'), inCall(6, 8, null, 'a'), inCall(2, 74, '1', 'a')],
      rejected: [inCall(3, 0, null, 'r'), inCall(6, 0, null, 'r'), inCall(7, 5, '2', 'r'), inCall(2, 5, '2', 'r')],
      obd: [inCall(1, 0, null, 'o'), inCall(4, 25, '2', 'o'), inCall(2, 25, '2', 'o')],
    };

    /** The deliveries: every event at least once, some again, in any order. */
    const deliveries = (count: number): fc.Arbitrary<number[]> =>
      fc.array(fc.nat({ max: count - 1 }), { maxLength: count * 3 }).chain((again) => {
        const all = [...Array.from({ length: count }, (_, index) => index), ...again];
        return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
      });

    async function inOrder(events: readonly CallEvent[]): Promise<CallSession | null> {
      const calls = new CallEvents();
      for (const event of events) await calls.receive(event);
      return calls.getSession(events[0]!.uid!);
    }

    it.each(Object.entries(calls))('gives the %s call the session of one in-order delivery', async (_name, events) => {
      const expected = withoutArrival(await inOrder(events));
      await fc.assert(
        fc.asyncProperty(deliveries(events.length), fc.boolean(), async (order, dedupe) => {
          const calls = new CallEvents({ dedupe });
          for (const index of order) {
            const event = events[index]!;
            // A redelivery arrives later than the first delivery.
            await calls.receive({ ...event, receivedAt: new Date(event.receivedAt.getTime() + index * 1000) });
          }
          expect(withoutArrival(await calls.getSession(events[0]!.uid!))).toEqual(expected);
        }),
        { numRuns: 150 },
      );
    });
  });
});

describe('SessionEventRecord', () => {
  it('is plain JSON, so a networked store can keep it as it is', () => {
    const record: SessionEventRecord = toSessionRecord(callSummary(0, 39, 'connected')).record;
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });
});

describe('toSessionRecord()', () => {
  it('gives the answering agent as the same E.164 number whatever the format said', () => {
    const inCallLog = buildCallEvent(buildInCallLog({ call_state: '6', users: ['918586848544'] }));
    const queryOnly = { ...inCallLog, users: [], userPhoneNumber: '8586848544' };
    const alreadyE164 = { ...inCallLog, users: ['+918586848544'] };
    expect([inCallLog, queryOnly, alreadyE164].map((event) => toSessionRecord(event).record.agent)).toEqual([
      '+918586848544',
      '+918586848544',
      '+918586848544',
    ]);
  });

  it('keeps an agent name that is not a number as it is', () => {
    const event = { ...buildCallEvent(buildInCallLog({ call_state: '6' })), users: ['Sumit'] };
    expect(toSessionRecord(event).record.agent).toBe('Sumit');
  });
});

describe('a Webhook v2 call', () => {
  const V2_UID = '15.1776146480.3107';
  const T0 = Date.UTC(2026, 3, 14, 6, 1, 20);
  const iso = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString().replace('.000Z', '+00:00');
  const customer = { leg_index: 1, type: 'customer', phone_number: '+918800112233', result: 'connected' };
  const busy = {
    leg_index: 2,
    type: 'agent',
    phone_number: '+919810012345',
    dial_status: 'BUSY',
    result: 'not_answered',
    started_at: iso(2),
    ended_at: iso(6),
  };
  const ringing = { leg_index: 3, type: 'agent', phone_number: '+918586848544', started_at: iso(6) };
  const answered = { ...ringing, dial_status: 'ANSWER', result: 'answered', answered_at: iso(15) };
  const ended = { ...answered, ended_at: iso(79) };

  /** The events of one hunt, each with the time its payload gives for what it reports (a second apart or less). */
  const EVENTS: Array<[type: string, sequence: number | undefined, payload: Record<string, unknown>]> = [
    ['call.initiated', 1, { started_at: iso(0), legs: [customer] }],
    ['call.ivr_started', 2, { started_at: iso(0), legs: [customer] }],
    [
      'call.dial_begin',
      3,
      { started_at: iso(0), legs: [customer, { ...busy, dial_status: '', result: '', ended_at: null }] },
    ],
    ['call.dial_begin', 4, { started_at: iso(0), legs: [customer, busy, ringing] }],
    ['call.answered', 5, { started_at: iso(0), status: 'bridged', legs: [customer, busy, answered] }],
    ['call.end', 6, { started_at: iso(0), ended_at: iso(79), status: 'bridged', legs: [customer, busy, ended] }],
    ['call.summary', 7, { started_at: iso(0), ended_at: iso(79), status: 'bridged', legs: [customer, busy, ended] }],
    ['disposition', undefined, { started_at: iso(0), ended_at: iso(79), status: 'bridged', legs: [ended] }],
  ];

  /** One delivery of event `index`, sent at `sentSeconds` after the call's start (the send time misleads). */
  function v2Event(index: number, sentSeconds: number): CallEvent {
    const [type, sequence, payload] = EVENTS[index]!;
    return buildCallEvent(
      {
        event_id: `evt-${index}`,
        company_id: '6836cad944e39380',
        event_type: type,
        ...(sequence === undefined ? {} : { event_sequence: sequence }),
        event_version: '1',
        timestamp: new Date(T0 + sentSeconds * 1000 + 123).toISOString().replace('Z', '456789Z'),
        channel: 'call',
        direction: 'incoming',
        session_id: V2_UID,
        system_identifier: '+918069458221',
        customer_identifier: '+918800112233',
        payload: { id: V2_UID, ...payload },
      },
      {},
      new Date(T0 + sentSeconds * 1000 + 900),
    );
  }

  const EXPECTED = {
    uid: V2_UID,
    startedAt: new Date(T0),
    answeredAt: new Date(T0 + 15_000),
    endedAt: new Date(T0 + 79_000),
    answeredBy: '+918586848544',
    outcome: 'answered',
    ringSeconds: 15,
    talkSeconds: 64,
  };
  const EXPECTED_ORDER = [
    'incoming_call',
    'ivr_started',
    'dialing_users',
    'dialing_users',
    'user_answered',
    'call_finished',
    'call_summary',
    'disposition',
  ];

  it('folds into the session its payload times give, in the sender’s order', async () => {
    const calls = new CallEvents();
    for (const index of EVENTS.keys()) await calls.receive(v2Event(index, 100 + index));
    const session = await calls.getSession(V2_UID);
    expect(session).toMatchObject(EXPECTED);
    expect(session?.events.map((event) => event.name)).toEqual(EXPECTED_ORDER);
    expect(session?.events[2]?.at).toEqual(new Date(T0 + 2000));
  });

  it('gives the same session in any arrival order, whatever the send timestamps, with redeliveries', async () => {
    const deliveries = fc
      .array(fc.tuple(fc.nat({ max: EVENTS.length - 1 }), fc.integer({ min: -300, max: 86_400 })), {
        maxLength: EVENTS.length * 2,
      })
      .chain((again) => {
        // Every event at least once, each delivery with a send time of its own (a retry is sent later, or a
        // burst after an outage sends them all at once, in any order).
        const first = fc.array(fc.integer({ min: -300, max: 86_400 }), {
          minLength: EVENTS.length,
          maxLength: EVENTS.length,
        });
        return first.chain((sent) => {
          const all = [...sent.map((seconds, index) => [index, seconds] as const), ...again];
          return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
        });
      });
    await fc.assert(
      fc.asyncProperty(deliveries, fc.boolean(), async (order, dedupe) => {
        const calls = new CallEvents({ dedupe });
        for (const [index, sent] of order) await calls.receive(v2Event(index, sent));
        const session = await calls.getSession(V2_UID);
        expect(session).toMatchObject(EXPECTED);
        expect(session?.events.map((event) => event.name)).toEqual(EXPECTED_ORDER);
      }),
      { numRuns: 150 },
    );
  });

  it('orders events of the same second by event_sequence before call stage', () => {
    const at = (type: string, sequence: number): CallEvent => {
      const event = buildCallEvent({
        ...V2_CALL_END,
        event_id: `evt-${sequence}`,
        event_type: type,
        event_sequence: sequence,
        timestamp: V2_CALL_END.payload.ended_at,
        payload: { ...V2_CALL_END.payload, started_at: V2_CALL_END.payload.ended_at },
      });
      return event;
    };
    // call.transferred is unknown (the last stage), yet MyOperator sent it before the end of the same second.
    const session = buildCallSession(
      '15.1776150631.3054',
      [at('call.end', 7), at('call.transferred', 6), at('call.initiated', 1)].map(
        (event) => toSessionRecord(event).record,
      ),
    );
    expect(session.events.map((event) => event.name)).toEqual(['incoming_call', 'unknown', 'call_finished']);
  });

  it('keeps the sequence in the record, and a retry with a later timestamp under the same identity', () => {
    const first = toSessionRecord(buildCallEvent(V2_CALL_END));
    const retry = toSessionRecord(buildCallEvent({ ...V2_CALL_END, timestamp: '2026-04-15T07:12:20.902114Z' }));
    expect([first.id, first.record.sequence, first.record.at]).toEqual([
      'v2:7a41d0c2-58e3-4f19-b6d2-0e9c3a7b5611',
      5,
      Date.parse('2026-04-14T07:12:20Z'),
    ]);
    expect(retry).toEqual({ ...first, record: { ...first.record, receivedAt: retry.record.receivedAt } });
  });

  it('records a disposition without a sequence, at the end of its call, after the events that have one', () => {
    const record = toSessionRecord(buildCallEvent(V2_DISPOSITION)).record;
    const end = toSessionRecord(buildCallEvent(V2_CALL_END)).record;
    expect([Object.hasOwn(record, 'sequence'), record.at]).toEqual([false, end.at]);
    const session = buildCallSession('15.1776150631.3054', [record, end]);
    expect(session.events.map((event) => event.name)).toEqual(['call_finished', 'disposition']);
  });

  it('never makes a session of a WhatsApp event: it has no uid', async () => {
    const calls = new CallEvents();
    const event = buildCallEvent({ ...V2_CALL_END, channel: 'whatsapp', event_type: 'message.received' });
    await calls.receive(event);
    expect([event.uid, await calls.getSession('15.1776150631.3054')]).toEqual([null, null]);
  });
});
