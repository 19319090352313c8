// buildScenario() as a demo and users' tests use it: hunts (agents dialled one after the other), the real Webhook
// v2 shapes (agent legs without `agent` on live events, `event_sequence`, send times just after event times),
// times that follow from `startedAt`, talk time as sent, and call-state facts read from the call-state table.

import fc from 'fast-check';

import { CALL_EVENTS, CallEvents, type CallEvent } from '../../lib';
import {
  buildCallEvent,
  buildScenario,
  SCENARIO_AGENTS,
  SCENARIO_FORMATS,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioCall,
  type ScenarioFormat,
} from '../../lib/testing';

type Json = Record<string, unknown>;

const [SUMIT, PRIYA, ARJUN] = SCENARIO_AGENTS as [
  (typeof SCENARIO_AGENTS)[number],
  (typeof SCENARIO_AGENTS)[number],
  (typeof SCENARIO_AGENTS)[number],
];
const HUNT = [PRIYA, ARJUN, SUMIT];

async function sessionOf(call: ScenarioCall, order: readonly number[] = call.steps.map((_step, index) => index)) {
  const calls = new CallEvents({ logger: false });
  for (const index of order) await calls.receive(buildCallEvent(call.steps[index]!.payload));
  return calls.getSession(call.uid);
}

function sessionFacts(session: Awaited<ReturnType<typeof sessionOf>>): unknown {
  return {
    outcome: session?.outcome,
    answered: session?.answeredBy != null,
    answeredBy: session?.answeredBy ?? null,
    ringSeconds: session?.ringSeconds,
    talkSeconds: session?.talkSeconds,
  };
}

const legsOf = (payload: Json): Json[] => (payload.payload as Json).legs as Json[];
const agentLegsOf = (payload: Json): Json[] => legsOf(payload).filter((leg) => leg.type === 'agent');
const seconds = (value: unknown): number => Date.parse(String(value)) / 1000;

describe('buildScenario()', () => {
  describe('with a hunt on an answered call', () => {
    it.each(SCENARIO_FORMATS)('dials every agent, the last answers, and the session is exact (%s)', async (format) => {
      const call = buildScenario('answered', { format, agents: HUNT, index: 2 });
      expect([call.agents, call.agent]).toEqual([HUNT, SUMIT]);
      expect(call.expected).toMatchObject({ outcome: 'answered', answered: true, answeredBy: SUMIT.phone });
      expect(sessionFacts(await sessionOf(call))).toEqual(call.expected);
    });

    it.each(SCENARIO_FORMATS)('gives the same session in any arrival order (%s)', async (format) => {
      const call = buildScenario('answered', { format, agents: HUNT, index: 7 });
      const indexes = call.steps.map((_step, index) => index);
      await fc.assert(
        fc.asyncProperty(fc.shuffledSubarray(indexes, { minLength: indexes.length }), async (order) => {
          expect(sessionFacts(await sessionOf(call, order))).toEqual(call.expected);
        }),
        { numRuns: 25 },
      );
    });

    it('names every agent dialled in the in-call users, and the one who answered in state 6', () => {
      const events = buildScenario('answered', { agents: HUNT }).steps.map((step) => buildCallEvent(step.payload));
      const phones = HUNT.map((agent) => agent.phone);
      expect(events.map((event) => [event.name, event.users])).toEqual([
        ['incoming_call', phones],
        ['dialing_users', phones],
        ['user_answered', [SUMIT.phone]],
        ['call_finished', phones],
        // The after-call log names who answered first.
        ['call_summary', [SUMIT.phone, ...phones.filter((phone) => phone !== SUMIT.phone)]],
      ]);
    });

    it('sends one after-call _ld leg per agent tried: the misses busy or unanswered, the last answered', () => {
      const call = buildScenario('answered', { agents: HUNT, index: 4 });
      const log = call.steps.at(-1)!.payload;
      const legs = log._ld as Json[];
      expect(legs.map((leg) => (leg._rr as Json[])[0]?._nr)).toEqual(HUNT.map((agent) => agent.phone));
      expect(legs.slice(0, -1).every((leg) => leg._ds === 'BUSY' || leg._ds === 'NOANSWER')).toBe(true);
      expect([legs.at(-1)?._ds, legs.at(-1)?._ac]).toEqual(['ANSWER', 'received']);
      const event = buildCallEvent(log);
      expect([event.agents.map((agent) => agent.name), event.userPhoneNumber, event.dialStatus]).toEqual([
        [SUMIT.name, ...HUNT.filter((agent) => agent !== SUMIT).map((agent) => agent.name)],
        SUMIT.phone.slice(-10),
        'ANSWER',
      ]);
    });

    it('plays both misses over a run of calls, dialled one after the other without overlap', () => {
      const statuses = new Set<unknown>();
      for (let index = 0; index < 12; index++) {
        const legs = buildScenario('answered', { agents: HUNT, index }).steps.at(-1)!.payload._ld as Json[];
        for (const leg of legs.slice(0, -1)) statuses.add(leg._ds);
        const rings = legs.map((leg) => Date.parse(`${String(leg._rst)}Z`) / 1000);
        expect(rings).toEqual([...rings].sort((a, b) => a - b));
      }
      expect(statuses).toEqual(new Set(['BUSY', 'NOANSWER']));
    });

    it('plays one call.dial_begin per agent, each leg ringing ("") while it is dialled', () => {
      const steps = buildScenario('answered', { format: 'v2', agents: HUNT }).steps;
      const dials = steps.filter((step) => step.label === 'call.dial_begin');
      expect(dials.map((step) => agentLegsOf(step.payload).map((leg) => [leg.phone_number, leg.dial_status]))).toEqual([
        [[PRIYA.phone, '']],
        [
          [PRIYA.phone, expect.stringMatching(/^(BUSY|NO ANSWER)$/)],
          [ARJUN.phone, ''],
        ],
        [
          [PRIYA.phone, expect.stringMatching(/^(BUSY|NO ANSWER)$/)],
          [ARJUN.phone, expect.stringMatching(/^(BUSY|NO ANSWER)$/)],
          [SUMIT.phone, ''],
        ],
      ]);
      const answered = buildCallEvent(steps.find((step) => step.label === 'call.answered')!.payload);
      expect([answered.users, answered.userPhoneNumber, answered.dialStatus]).toEqual([
        [SUMIT.phone, ...HUNT.filter((agent) => agent !== SUMIT).map((agent) => agent.phone)],
        SUMIT.phone,
        'ANSWER',
      ]);
    });
  });

  describe('with a hunt on a missed call', () => {
    it.each(SCENARIO_FORMATS)('every agent misses, nobody answered (%s)', async (format) => {
      const call = buildScenario('missed', { format, agents: HUNT, index: 1 });
      expect(call.expected).toMatchObject({ outcome: 'missed', answered: false, answeredBy: null, talkSeconds: null });
      expect(call.steps.map((step) => step.event)).not.toContain('user_answered');
      expect(sessionFacts(await sessionOf(call))).toEqual(call.expected);
      const summary = buildCallEvent(call.steps.at(-1)!.payload);
      expect([summary.agents.length, summary.userPhoneNumber, summary.status]).toEqual([3, null, 'missed']);
    });

    it('ends with the last agent ringing out (no answer)', () => {
      const v1 = buildScenario('missed', { agents: HUNT }).steps.at(-1)!.payload._ld as Json[];
      const v2 = agentLegsOf(buildScenario('missed', { format: 'v2', agents: HUNT }).steps.at(-1)!.payload);
      expect([v1.at(-1)?._ds, v2.at(-1)?.dial_status, v2.at(-1)?.result]).toEqual([
        'NOANSWER',
        'NO ANSWER',
        'not_answered',
      ]);
    });
  });

  describe('with Webhook v2', () => {
    const call = buildScenario('answered', { format: 'v2', agents: [PRIYA, SUMIT], index: 3 });
    const envelopes = call.steps.map((step) => step.payload);

    it('sends agent legs without an agent object on the live events and call.end, with one on call.summary', () => {
      for (const envelope of envelopes.slice(0, -1)) {
        for (const leg of agentLegsOf(envelope)) {
          expect(Object.keys(leg).sort()).toEqual(['dial_status', 'leg_index', 'phone_number', 'result', 'type']);
        }
      }
      const summaryLegs = agentLegsOf(envelopes.at(-1)!);
      expect(summaryLegs.map((leg) => (leg.agent as Json).name)).toEqual([PRIYA.name, SUMIT.name]);
    });

    it('numbers the events with event_sequence and gives each its own event_id', () => {
      expect(envelopes.map((envelope) => envelope.event_sequence)).toEqual(
        envelopes.map((_envelope, index) => index + 1),
      );
      expect(new Set(envelopes.map((envelope) => envelope.event_id)).size).toBe(envelopes.length);
    });

    it('sends each event a little after it happened, in order, with microseconds', () => {
      const sent = envelopes.map((envelope) => String(envelope.timestamp));
      expect(sent.every((value) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(value))).toBe(true);
      const times = sent.map((value) => Date.parse(value));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      call.steps.forEach((step, index) => {
        const delay = times[index]! - step.at.getTime() - (step.label === 'call.summary' ? 2000 : 0);
        expect(delay).toBeGreaterThan(0);
        expect(delay).toBeLessThan(500);
      });
    });

    it('normalises each event to its own time (not the send time), as its step says', () => {
      const events = envelopes.map((envelope) => buildCallEvent(envelope));
      expect(events.map((event) => event.sequence)).toEqual(envelopes.map((_envelope, index) => index + 1));
      for (const [index, event] of events.entries()) {
        const at = call.steps[index]!.at.getTime();
        // Live events without times in their legs take the send time: within half a second of the event.
        expect(Math.abs(event.callTime!.getTime() - at)).toBeLessThan(500);
      }
      expect(events.at(-1)?.callTime).toEqual(call.endedAt);
    });

    it('fires onUserAnswered with the agent’s E.164 number in agents[0].phone and in users', async () => {
      const single = buildScenario('answered', { format: 'v2', agent: SUMIT });
      const calls = new CallEvents({ logger: false });
      const answered: CallEvent[] = [];
      calls.onUserAnswered((event) => {
        answered.push(event);
      });
      for (const step of single.steps) await calls.receive(buildCallEvent(step.payload));
      expect(answered.map((event) => [event.agents[0]?.phone?.e164, event.users, event.userPhoneNumber])).toEqual([
        [SUMIT.phone, [SUMIT.phone], SUMIT.phone],
      ]);
    });

    it('sends the DID in payload.did, and no system_identifier on call.summary', () => {
      expect(envelopes.map((envelope) => envelope.system_identifier === null)).toEqual(
        envelopes.map((_envelope, index) => index === envelopes.length - 1),
      );
      expect(buildCallEvent(envelopes.at(-1)).serviceNumber).toBe('+918065550000');
    });

    it('gives an OBD call its campaign and ids, and a click-to-call its client_ref_id', () => {
      const obd = buildCallEvent(buildScenario('obd-no-answer', { format: 'v2' }).steps.at(-1)!.payload);
      const c2c = buildCallEvent(buildScenario('click-to-call', { format: 'v2', index: 4 }).steps.at(-1)!.payload);
      expect([obd.jobId !== null, obd.referenceId !== null, obd.clientRefId]).toEqual([true, true, null]);
      expect([c2c.clientRefId, c2c.referenceId !== null, c2c.jobId]).toEqual(['crm-5', true, null]);
    });

    it('plays call.ivr_started on incoming calls only', () => {
      expect(call.steps.map((step) => step.event).slice(0, 3)).toEqual([
        'incoming_call',
        'ivr_started',
        'dialing_users',
      ]);
      expect(buildScenario('click-to-call', { format: 'v2' }).steps.map((step) => step.event)).not.toContain(
        'ivr_started',
      );
    });
  });

  describe('with times', () => {
    it('derives every time from startedAt, read to the second', () => {
      const call = buildScenario('answered', {
        format: 'v2',
        startedAt: new Date('2026-05-04T09:30:00.750Z'),
        agents: [PRIYA, SUMIT],
        ringSeconds: 30,
        talkSeconds: 95,
      });
      expect([call.startedAt.toISOString(), call.endedAt.toISOString(), call.uid]).toEqual([
        '2026-05-04T09:30:00.000Z',
        '2026-05-04T09:32:05.000Z',
        `n2.${Date.parse('2026-05-04T09:30:00Z') / 1000}.2175190`,
      ]);
      expect(call.expected).toMatchObject({ ringSeconds: 30, talkSeconds: 95 });
      expect(call.steps[0]?.at).toEqual(call.startedAt);
    });

    it.each<ScenarioFormat>(['incall-v1', 'v2'])(
      'sends talk time equal to the time from answer to hang-up (%s)',
      (format) => {
        for (let index = 0; index < 8; index++) {
          const call = buildScenario('answered', { format, agents: HUNT, index });
          const summary = call.steps.at(-1)!.payload;
          if (format === 'v2') {
            const leg = agentLegsOf(summary).find((each) => each.result === 'answered')!;
            expect(leg.talk_duration).toBe(seconds(leg.ended_at) - seconds(leg.answered_at));
            expect(leg.talk_duration).toBe(call.expected.talkSeconds);
            expect((summary.payload as Json).duration).toBe(call.expected.ringSeconds + call.expected.talkSeconds!);
          } else {
            const leg = (summary._ld as Json[]).find((each) => each._ds === 'ANSWER')!;
            const talk = (summary._tc as Json[]).find((each) => each.ye === SUMIT.id)!;
            expect([talk.yf, Number(leg._et) - Number(leg._st)]).toEqual([
              call.expected.talkSeconds,
              call.expected.talkSeconds,
            ]);
            expect(Number(summary._et) - Number(summary._st)).toBe(
              call.expected.ringSeconds + call.expected.talkSeconds!,
            );
          }
        }
      },
    );

    it('varies ring and talk time by call index, and rings longer the more agents a hunt tries', () => {
      const calls = Array.from({ length: 20 }, (_unused, index) => buildScenario('answered', { index, agents: HUNT }));
      expect(new Set(calls.map((call) => call.expected.ringSeconds)).size).toBeGreaterThan(10);
      expect(new Set(calls.map((call) => call.expected.talkSeconds)).size).toBeGreaterThan(10);
      for (const [index, call] of calls.entries()) {
        expect(call.expected.ringSeconds).toBeGreaterThan(buildScenario('answered', { index }).expected.ringSeconds);
      }
    });
  });

  describe('with the options of before', () => {
    it('still takes one agent, who is dialled and answers', async () => {
      const call = buildScenario('answered', { agent: ARJUN, format: 'json' });
      expect([call.agents, call.agent, call.expected.answeredBy]).toEqual([[ARJUN], ARJUN, ARJUN.phone]);
      expect(sessionFacts(await sessionOf(call))).toEqual(call.expected);
    });

    it('picks one agent by index when none is given', () => {
      expect(buildScenario('missed', { index: 5 }).agents).toEqual([SCENARIO_AGENTS[1]]);
    });
  });

  describe('with the call-state table', () => {
    it('takes every scenario’s states from the table’s rows', () => {
      for (const name of SCENARIO_NAMES) {
        const { events, states } = SCENARIOS[name];
        expect(states).toEqual(events.map((event) => CALL_EVENTS.find((row) => row.name === event)?.callState));
      }
      expect(SCENARIOS.answered.states).toEqual([1, 5, 6, 2]);
    });

    it('gives the in-call logs of the ending states a status, and the others none', () => {
      const statuses = buildScenario('click-to-call-rejected').steps.map((step) => step.payload.status);
      expect(statuses).toEqual([null, '2']);
      expect(
        buildScenario('answered')
          .steps.slice(0, 4)
          .map((step) => step.payload.status),
      ).toEqual([null, null, null, '1']);
    });

    it('sends every v2 event type the table gives its event', () => {
      const call = buildScenario('answered', { format: 'v2' });
      for (const step of call.steps) {
        expect(CALL_EVENTS.find((row) => row.name === step.event)?.v2EventTypes[0]).toBe(step.label);
      }
    });
  });

  describe('with bad options', () => {
    it.each([
      ['both agent and agents', { agent: SUMIT, agents: HUNT }, /not both/],
      ['an empty hunt', { agents: [] }, /"agents" must be a list of 1 to 20/],
      ['a hunt of 21 agents', { agents: Array.from({ length: 21 }, () => SUMIT) }, /1 to 20/],
      ['an agent with a bad phone', { agents: [SUMIT, { ...PRIYA, phone: '9810012345' }] }, /agents\[1\]\.phone/],
      ['an agent without a name', { agent: { ...SUMIT, name: undefined } }, /agent\.name/],
      ['an unknown option', { agnets: HUNT }, /unknown option "agnets"/],
      ['a start that is no date', { startedAt: 'today' }, /startedAt/],
    ])('refuses %s with a TypeError', (_label, options, message) => {
      expect(() => buildScenario('answered', options as never)).toThrow(TypeError);
      expect(() => buildScenario('answered', options as never)).toThrow(message);
    });

    it('refuses a hunt on a scenario that dials one agent', () => {
      expect(() => buildScenario('click-to-call', { agents: HUNT })).toThrow(
        /^\[myoperator-webhooks\] buildScenario\(\): "agents": the click-to-call scenario dials one agent/,
      );
      expect(buildScenario('click-to-call', { agents: [PRIYA] }).agent).toEqual(PRIYA);
    });

    it('never changes the options it is given', () => {
      const options = Object.freeze({ agents: Object.freeze([...HUNT]), format: 'v2' as const });
      const call = buildScenario('answered', options);
      call.agents[0]!.name = 'changed';
      expect(options.agents[0]).toBe(PRIYA);
      expect(PRIYA.name).toBe('Priya Sharma');
    });
  });
});
