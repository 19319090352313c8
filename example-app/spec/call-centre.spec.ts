// The demo's call centre without the clock: when each webhook may be sent, how a hunt reaches the testing kit
// (as an agents list when `buildScenario` takes one, else as the agent who answers), and the calls it draws.

import './built';

import { SCENARIO_FORMATS, SCENARIO_NAMES } from 'myoperator-webhooks/testing';

import { buildDemoCall, CallCentre, DEMO_AGENTS, dueTime, latestTimeIn, supportsHunts } from '../call-centre';

const [priya, arjun] = DEMO_AGENTS as [(typeof DEMO_AGENTS)[number], (typeof DEMO_AGENTS)[number]];
const START = new Date(Date.UTC(2026, 0, 5, 9, 30, 0));
const digits = (phone: string): string => phone.slice(1);

describe('dueTime()', () => {
  it('sends each webhook at its time, and never before a time its payload states', () => {
    for (const scenario of SCENARIO_NAMES) {
      for (const format of SCENARIO_FORMATS) {
        const { call } = buildDemoCall(
          { scenario, format, caller: '+919123400010', agents: [priya], ringSeconds: 7, talkSeconds: 40 },
          START,
          'n2.1767605400.1',
        );
        for (const step of call.steps) {
          expect(dueTime(step)).toBeGreaterThanOrEqual(step.at.getTime());
          expect(dueTime(step)).toBeGreaterThanOrEqual(latestTimeIn(step.payload));
        }
      }
    }
  });

  it('holds the after-call log until the time it was written (_ts), after the hang-up', () => {
    const { call } = buildDemoCall(
      { scenario: 'answered', caller: '+919123400011', agents: [priya], ringSeconds: 7, talkSeconds: 40 },
      START,
      'n2.1767605400.2',
    );
    const summary = call.steps.find((step) => step.event === 'call_summary')!;
    const hangUp = call.steps.find((step) => step.event === 'call_finished')!;
    expect(dueTime(hangUp)).toBe(START.getTime() + 47_000);
    expect(dueTime(summary)).toBe((summary.payload._ts as number) * 1000);
    expect(dueTime(summary)).toBeGreaterThan(dueTime(hangUp));
  });

  it('reads wall times as UTC, epoch seconds where the after-call log has them, and nothing else', () => {
    expect(latestTimeIn({ created: '2026-01-05 09:30:07', nested: [{ _et: 1767605450 }], count: 9e12 })).toBe(
      Date.UTC(2026, 0, 5, 9, 30, 50),
    );
    expect(latestTimeIn({ timestamp: '2026-01-05T09:31:00.250Z' })).toBe(Date.UTC(2026, 0, 5, 9, 31, 0, 250));
  });
});

describe('buildDemoCall()', () => {
  it('plays a hunt as an agents list when the kit takes one, else as the agent who answers', () => {
    const built = buildDemoCall(
      { scenario: 'answered', caller: '+919123400012', agents: [arjun, priya], ringSeconds: 15, talkSeconds: 30 },
      START,
      'n2.1767605400.3',
    );
    const payloads = JSON.stringify(built.call.steps.map((step) => step.payload));
    expect(built.hunt).toBe(supportsHunts('incall-v1'));
    expect(built.answeredBy).toBe(priya);
    // Who answers is in the answer's webhook; who missed is in the call only when the hunt reached the kit.
    const answer = built.call.steps.find((step) => step.event === 'user_answered')!;
    expect(answer.payload.users).toContain(digits(priya.phone));
    expect(payloads.includes(digits(arjun.phone))).toBe(built.hunt);
    expect(built.dialled).toEqual(built.hunt ? [arjun, priya] : [priya]);
  });

  it('gives an OBD campaign call no agent', () => {
    const built = buildDemoCall(
      { scenario: 'obd-no-answer', caller: '+919123400013', agents: [], ringSeconds: 20 },
      START,
      'n2.1767605400.4',
    );
    expect([built.answeredBy, built.dialled, built.call.expected.outcome]).toEqual([null, [], 'no_answer']);
  });
});

describe('CallCentre.nextPlan()', () => {
  it('draws calls of every kind, from new Indian mobile numbers, to one or two of its agents', () => {
    const centre = new CallCentre({ url: 'http://127.0.0.1:9/none', seed: 42 });
    const plans = Array.from({ length: 400 }, () => centre.nextPlan());
    expect(plans.every((plan) => plan !== null)).toBe(true);
    const scenarios = new Set(plans.map((plan) => plan!.scenario));
    // Nobody has called yet, so no call-backs: incoming calls (answered, missed, hunts) and campaign calls.
    expect([...scenarios].sort()).toEqual(['answered', 'missed', 'obd-no-answer']);
    const callers = plans.map((plan) => plan!.caller);
    expect(new Set(callers).size).toBe(callers.length);
    expect(callers.every((caller) => /^\+91[6-9]\d{9}$/.test(caller))).toBe(true);
    for (const plan of plans) {
      const phones = plan!.agents.map((agent) => agent.phone);
      expect(new Set(phones).size).toBe(phones.length);
      expect(phones.length).toBeLessThanOrEqual(2);
      expect(phones.every((phone) => DEMO_AGENTS.some((agent) => agent.phone === phone))).toBe(true);
    }
    const hunts = plans.filter((plan) => plan!.scenario === 'answered' && plan!.agents.length === 2);
    expect(hunts.length).toBeGreaterThan(40);
    const talks = new Set(plans.flatMap((plan) => (plan!.talkSeconds === undefined ? [] : [plan!.talkSeconds])));
    expect(talks.size).toBeGreaterThan(50);
    expect(Math.min(...talks)).toBeGreaterThanOrEqual(15);
    expect(Math.max(...talks)).toBeLessThanOrEqual(150);
  });

  it('draws the same calls from the same seed', () => {
    const draw = (seed: number) => {
      const centre = new CallCentre({ url: 'http://127.0.0.1:9/none', seed });
      return Array.from({ length: 20 }, () => centre.nextPlan());
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });
});
