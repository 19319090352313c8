// The simulator's scenarios (myoperator-webhooks/testing): every payload normalises to the event it claims, one
// uid per call, and a receiver's CallSession ends as the scenario expects, whatever order the events arrive in.

import { CallEvents, type CallEvent } from '../../lib';
import {
  buildCallEvent,
  buildScenario,
  SCENARIO_FORMATS,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioCall,
} from '../../lib/testing';

const CASES = SCENARIO_NAMES.flatMap((name) => SCENARIO_FORMATS.map((format) => [name, format] as const));

async function play(call: ScenarioCall, order: readonly number[]): Promise<CallEvents> {
  const calls = new CallEvents({ logger: false });
  for (const index of order) {
    const step = call.steps[index];
    if (step) await calls.receive(buildCallEvent(step.payload));
  }
  return calls;
}

describe('buildScenario()', () => {
  it('plays the in-call states of the seed in their order, then the after-call log', () => {
    const answered = buildScenario('answered');
    expect(answered.steps.map((step) => [step.callState, step.event])).toEqual([
      [1, 'incoming_call'],
      [5, 'dialing_users'],
      [6, 'user_answered'],
      [2, 'call_finished'],
      [null, 'call_summary'],
    ]);
    expect(buildScenario('missed').steps.map((step) => step.label)).toEqual([
      'state 1',
      'state 5',
      'state 2',
      'after-call log',
    ]);
    expect(buildScenario('click-to-call').steps.map((step) => step.callState)).toEqual([3, 6, 2, null]);
    expect(buildScenario('click-to-call-rejected').steps.map((step) => step.callState)).toEqual([3, 7]);
    expect(buildScenario('click-to-call-no-answer').steps.map((step) => step.callState)).toEqual([3, 9]);
    expect(buildScenario('obd-no-answer').steps.map((step) => step.callState)).toEqual([4]);
  });

  it('plays v2 calls as call.initiated, call.ivr_started, call.dial_begin, call.answered, call.end, call.summary', () => {
    expect(buildScenario('answered', { format: 'v2' }).steps.map((step) => step.label)).toEqual([
      'call.initiated',
      'call.ivr_started',
      'call.dial_begin',
      'call.answered',
      'call.end',
      'call.summary',
    ]);
    expect(buildScenario('missed', { format: 'v2' }).steps.map((step) => step.label)).not.toContain('call.answered');
  });

  it('sends the v1 log as a form body for incall-v1 and as a JSON body for json', () => {
    expect(new Set(buildScenario('answered').steps.map((step) => step.encoding))).toEqual(new Set(['form']));
    expect(new Set(buildScenario('answered', { format: 'json' }).steps.map((step) => step.encoding))).toEqual(
      new Set(['json']),
    );
  });

  it.each(CASES)('%s (%s): every payload normalises to its event, under the one uid of the call', (name, format) => {
    const call = buildScenario(name, { format, index: 3 });
    const events: CallEvent[] = call.steps.map((step) => buildCallEvent(step.payload));
    expect(events.map((event) => event.name)).toEqual(call.steps.map((step) => step.event));
    expect(new Set(events.map((event) => event.uid))).toEqual(new Set([call.uid]));
    expect(new Set(events.map((event) => event.caller?.e164))).toEqual(new Set([call.caller]));
    expect(new Set(events.map((event) => event.direction))).toEqual(new Set([SCENARIOS[name].direction]));
  });

  it.each(CASES)('%s (%s): the CallSession ends as expected, in order and reversed', async (name, format) => {
    const call = buildScenario(name, { format, index: 5 });
    const indexes = call.steps.map((_step, index) => index);
    for (const order of [indexes, [...indexes].reverse()]) {
      const session = await (await play(call, order)).getSession(call.uid);
      expect({
        outcome: session?.outcome,
        answered: session?.answeredBy != null,
        answeredBy: session?.answeredBy,
        ringSeconds: session?.ringSeconds,
        talkSeconds: session?.talkSeconds,
      }).toEqual(call.expected);
    }
  });

  it('gives realistic, varied times: ring 6-25 s, talk 20-300 s, events in time order', () => {
    const calls = Array.from({ length: 20 }, (_unused, index) => buildScenario('answered', { index }));
    for (const call of calls) {
      expect(call.expected.ringSeconds).toBeGreaterThanOrEqual(6);
      expect(call.expected.ringSeconds).toBeLessThanOrEqual(25);
      expect(call.expected.talkSeconds).toBeGreaterThanOrEqual(20);
      expect(call.expected.talkSeconds).toBeLessThanOrEqual(300);
      const times = call.steps.map((step) => step.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
    expect(new Set(calls.map((call) => call.expected.talkSeconds)).size).toBeGreaterThan(10);
    expect(new Set(calls.map((call) => call.uid)).size).toBe(20);
  });

  it('takes the caller, agent, uid, start and durations it is given', () => {
    const startedAt = new Date('2024-05-01T10:00:00Z');
    const call = buildScenario('answered', {
      uid: 'n9.1714557600.42',
      startedAt,
      caller: '+14155550123',
      ringSeconds: 4,
      talkSeconds: 61,
    });
    const answered = buildCallEvent(call.steps[2]?.payload);
    expect([answered.uid, answered.caller?.e164, answered.callTime?.toISOString()]).toEqual([
      'n9.1714557600.42',
      '+14155550123',
      '2024-05-01T10:00:04.000Z',
    ]);
    expect(call.expected).toEqual({
      outcome: 'answered',
      answered: true,
      answeredBy: call.agent.phone,
      ringSeconds: 4,
      talkSeconds: 61,
    });
    const summary = buildCallEvent(call.steps[4]?.payload);
    expect([summary.durationSeconds, summary.endedAt?.toISOString(), summary.agents[0]?.name]).toEqual([
      65,
      '2024-05-01T10:01:05.000Z',
      call.agent.name,
    ]);
  });

  it('returns fresh payloads: changing one does not change the next call', () => {
    const first = buildScenario('missed');
    first.steps[0]!.payload.uid = 'changed';
    expect(buildScenario('missed').steps[0]?.payload.uid).toBe(first.uid);
  });

  it('refuses an unknown scenario or format, and bad numbers, with a TypeError', () => {
    expect(() => buildScenario('nope' as 'answered')).toThrow(/^\[myoperator-webhooks\] buildScenario\(\): unknown/);
    expect(() => buildScenario('answered', { format: 'xml' as 'v2' })).toThrow(TypeError);
    expect(() => buildScenario('answered', { ringSeconds: -1 })).toThrow(/ringSeconds/);
    expect(() => buildScenario('answered', { caller: '9711636496' })).toThrow(/E\.164/);
  });
});
