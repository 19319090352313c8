import { CALL_EVENTS, CALL_EVENT_NAMES, callEventNameForState } from '../../lib';
import { CallEvents } from '../../lib/call-events';

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
});
