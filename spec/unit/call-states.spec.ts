import { CALL_EVENTS, CALL_EVENT_NAMES, callEventNameForState } from '../../lib';
import { callEventDefinition, isCallEventName } from '../../lib/core/call-states';
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

  it('orders a call the way it happens: start, dialing, answer, end, summary', () => {
    const stage = (name: string): number => CALL_EVENTS.find((entry) => entry.name === name)!.stage;
    expect(['incoming_call', 'dialing_users', 'user_answered', 'call_finished', 'call_summary'].map(stage)).toEqual([
      0, 3, 4, 7, 8,
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
