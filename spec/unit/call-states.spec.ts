import { CALL_EVENTS, CALL_EVENT_NAMES, callEventNameForState } from '../../lib';
import { callEventDefinition, callEventNameForV2Type, isCallEventName } from '../../lib/core/call-states';
import { CallEvents } from '../../lib/dispatch/call-events';

describe('the call-state table', () => {
  it("maps every in-call state of MyOperator's documentation to its event name", () => {
    expect(
      CALL_EVENTS.filter((row) => row.callState !== null).map((row) => [row.callState, row.name, row.handler]),
    ).toEqual([
      [1, 'incoming_call', 'onIncomingCall'],
      [2, 'call_finished', 'onCallFinished'],
      [3, 'click_to_call_initiated', 'onClickToCallInitiated'],
      [4, 'first_party_no_answer', 'onFirstPartyNoAnswer'],
      [5, 'dialing_users', 'onDialingUsers'],
      [6, 'user_answered', 'onUserAnswered'],
      [7, 'client_rejected', 'onClientRejected'],
      [9, 'no_answer', 'onNoAnswer'],
    ]);
  });

  it('names an unknown or missing state "unknown"', () => {
    expect(callEventNameForState(8)).toBe('unknown');
    expect(callEventNameForState(null)).toBe('unknown');
    expect(callEventNameForState(6)).toBe('user_answered');
  });

  it('gives CallEvents one handler method per row, and nothing else lists them', () => {
    const calls = new CallEvents();
    for (const row of CALL_EVENTS) {
      expect(typeof (calls as unknown as Record<string, unknown>)[row.handler]).toBe('function');
    }
    expect(new Set(CALL_EVENT_NAMES).size).toBe(CALL_EVENTS.length);
  });

  it('derives every handler method from its event name (on + PascalCase)', () => {
    const pascal = (name: string): string =>
      name
        .split('_')
        .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
        .join('');
    expect(CALL_EVENTS.map((row) => row.handler)).toEqual(CALL_EVENTS.map((row) => `on${pascal(row.name)}`));
  });

  it('lists the names in table order, each state once', () => {
    expect(CALL_EVENT_NAMES).toEqual(CALL_EVENTS.map((row) => row.name));
    const states = CALL_EVENTS.flatMap((row) => (row.callState === null ? [] : [row.callState]));
    expect(new Set(states).size).toBe(states.length);
  });

  it('recognises its own names and nothing else', () => {
    expect(CALL_EVENT_NAMES.every((name) => isCallEventName(name))).toBe(true);
    expect([isCallEventName('not_an_event'), isCallEventName(6), isCallEventName('onUserAnswered')]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('gives the row of a name', () => {
    expect(callEventDefinition('user_answered')).toMatchObject({ callState: 6, handler: 'onUserAnswered' });
  });

  it('names every out-of-table state "unknown"', () => {
    expect([0, 8, 10, -1, 1.5].map((state) => callEventNameForState(state))).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});

describe('the lifecycle columns of the call-state table', () => {
  it('gives every event its own stage, so same-second events always order the same', () => {
    const stages = CALL_EVENTS.map((entry) => entry.stage);
    expect(new Set(stages).size).toBe(CALL_EVENTS.length);
  });

  it('orders a call the way it happens: start, IVR, dialing, answer, end, summary, disposition', () => {
    const stage = (name: string): number => CALL_EVENTS.find((entry) => entry.name === name)!.stage;
    const order = [
      'incoming_call',
      'ivr_started',
      'dialing_users',
      'user_answered',
      'call_finished',
      'call_summary',
      'disposition',
    ].map(stage);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(order.length);
  });

  it('puts the IVR greeting between the call coming in and its agents being dialled', () => {
    expect(callEventNameForV2Type('call.ivr_started')).toBe('ivr_started');
    expect(callEventDefinition('ivr_started')).toMatchObject({
      callState: null,
      endsCall: false,
      ofCall: true,
      handler: 'onIvrStarted',
    });
    expect(callEventDefinition('incoming_call').stage).toBeLessThan(callEventDefinition('ivr_started').stage);
    expect(callEventDefinition('ivr_started').stage).toBeLessThan(callEventDefinition('dialing_users').stage);
  });

  it('gives WhatsApp events on the v2 endpoint a row of their own that is no call state and ends no call', () => {
    expect(callEventDefinition('message')).toMatchObject({
      callState: null,
      endsCall: false,
      ofCall: false,
      handler: 'onMessage',
      description: 'A WhatsApp event on the same Webhook v2 endpoint: acknowledged, never a call',
    });
    const types = callEventDefinition('message').v2EventTypes;
    expect(types.length).toBeGreaterThan(0);
    for (const type of types) {
      expect(type).toMatch(/^(message|conversation)\./);
      expect(callEventNameForV2Type(type)).toBe('message');
    }
  });

  it("takes both of MyOperator's spellings of the disposition event, and the panel's label", () => {
    expect(callEventDefinition('disposition').v2EventTypes).toEqual([
      'call.disposition',
      'disposition',
      'disposition.submitted',
    ]);
  });

  it('marks exactly the in-call states that end a call (2, 4, 7, 9) and the after-call events as ending', () => {
    expect(CALL_EVENTS.filter((entry) => entry.endsCall).map((entry) => entry.callState ?? entry.name)).toEqual([
      2,
      4,
      7,
      9,
      'call_summary',
      'disposition',
    ]);
  });
});
