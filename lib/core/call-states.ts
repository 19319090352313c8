// The one table of call events: MyOperator's call states, their event names, the CallEvents handler methods and
// their descriptions. Everything else (names, handler methods, docs, lookups) is derived from it.

/** One row of {@link CALL_EVENTS}. */
export interface CallEventDefinition {
  /** The event name found on `CallEvent.name`. */
  readonly name: string;
  /** MyOperator's in-call `call_state` value, or `null` for events that do not come from a call state. */
  readonly callState: number | null;
  /**
   * The Webhook v2 `event_type` values that become this event (lower case). MyOperator's names first, then the
   * aliases some integrations see.
   */
  readonly v2EventTypes: readonly string[];
  /**
   * Where the event stands in a call: orders events that carry the same time (MyOperator's times have whole
   * seconds, and one call often sends several events within one). Distinct for every row: a total order, so a
   * session never depends on arrival order.
   */
  readonly stage: number;
  /**
   * Whether the call is over once this event arrived: the in-call ending states (2, 4, 7, 9), and the events sent
   * only after a call (the summary, the disposition).
   */
  readonly endsCall: boolean;
  /**
   * Whether the event is about a call: `false` for the WhatsApp events that share a Webhook v2 endpoint, which
   * reach only their own handlers (`onMessage`), never `onAny` nor a call session.
   */
  readonly ofCall: boolean;
  /** The `CallEvents` method that registers a handler for this event. */
  readonly handler: `on${string}`;
  /** What the event means, as MyOperator documents it. */
  readonly description: string;
  /** The kinds of call that produce it. */
  readonly callTypes: string;
}

/**
 * Every call event the package knows, in MyOperator's order. The in-call `call_state` values come from
 * MyOperator's in-call webhook documentation; there is no state 8.
 */
export const CALL_EVENTS = [
  {
    name: 'incoming_call',
    callState: 1,
    v2EventTypes: ['call.initiated'],
    stage: 0,
    endsCall: false,
    ofCall: true,
    handler: 'onIncomingCall',
    description: 'Incoming call on server',
    callTypes: 'OBD + incoming',
  },
  {
    name: 'call_finished',
    callState: 2,
    v2EventTypes: ['call.end', 'call.ended'],
    stage: 8,
    endsCall: true,
    ofCall: true,
    handler: 'onCallFinished',
    description: 'Call finished',
    callTypes: 'OBD + incoming',
  },
  {
    name: 'click_to_call_initiated',
    callState: 3,
    v2EventTypes: [],
    stage: 2,
    endsCall: false,
    ofCall: true,
    handler: 'onClickToCallInitiated',
    description: 'Call initiated by user to customer',
    callTypes: 'Click to call',
  },
  {
    name: 'first_party_no_answer',
    callState: 4,
    v2EventTypes: [],
    stage: 3,
    endsCall: true,
    ofCall: true,
    handler: 'onFirstPartyNoAnswer',
    description: 'First party no answer',
    callTypes: 'OBD',
  },
  {
    name: 'dialing_users',
    callState: 5,
    v2EventTypes: ['call.dial_begin'],
    stage: 4,
    endsCall: false,
    ofCall: true,
    handler: 'onDialingUsers',
    description: 'Dialing users',
    callTypes: 'OBD + incoming',
  },
  {
    name: 'user_answered',
    callState: 6,
    v2EventTypes: ['call.answered', 'call.responded'],
    stage: 5,
    endsCall: false,
    ofCall: true,
    handler: 'onUserAnswered',
    description: 'User answered',
    callTypes: 'OBD + incoming',
  },
  {
    name: 'client_rejected',
    callState: 7,
    v2EventTypes: [],
    stage: 6,
    endsCall: true,
    ofCall: true,
    handler: 'onClientRejected',
    description: 'Client rejected the call',
    callTypes: 'Click to call',
  },
  {
    name: 'no_answer',
    callState: 9,
    v2EventTypes: [],
    stage: 7,
    endsCall: true,
    ofCall: true,
    handler: 'onNoAnswer',
    description: 'No user picked the call (no answer)',
    callTypes: 'Click to call',
  },
  {
    name: 'ivr_started',
    callState: null,
    v2EventTypes: ['call.ivr_started'],
    stage: 1,
    endsCall: false,
    ofCall: true,
    handler: 'onIvrStarted',
    description: 'The IVR greeting started playing to the caller (Webhook v2)',
    callTypes: 'Incoming',
  },
  {
    name: 'call_summary',
    callState: null,
    v2EventTypes: ['call.summary'],
    stage: 9,
    endsCall: true,
    ofCall: true,
    handler: 'onCallSummary',
    description: 'The whole call log, sent once after the call (after-call webhook, v2 call.summary)',
    callTypes: 'All',
  },
  {
    name: 'disposition',
    callState: null,
    v2EventTypes: ['call.disposition', 'disposition', 'disposition.submitted'],
    stage: 10,
    endsCall: true,
    ofCall: true,
    handler: 'onDisposition',
    description: 'An agent set the disposition of a call (Webhook v2)',
    callTypes: 'All',
  },
  {
    name: 'message',
    callState: null,
    v2EventTypes: [
      'message.received',
      'message.sent',
      'message.read',
      'message.delivered',
      'message.failed',
      'message.link_tracking',
      'conversation.assign',
      'conversation.close',
    ],
    stage: 11,
    endsCall: false,
    ofCall: false,
    handler: 'onMessage',
    description: 'A WhatsApp event on the same Webhook v2 endpoint: acknowledged, never a call',
    callTypes: 'None (WhatsApp)',
  },
  {
    name: 'unknown',
    callState: null,
    v2EventTypes: [],
    stage: 12,
    endsCall: false,
    ofCall: true,
    handler: 'onUnknown',
    description: 'A call state or event type this version does not know (accepted, never rejected)',
    callTypes: 'Any',
  },
] as const satisfies readonly CallEventDefinition[];

type Row = (typeof CALL_EVENTS)[number];

/** Every value `CallEvent.name` can take. */
export type CallEventName = Row['name'];

/** The handler-registering method names of `CallEvents` (`onIncomingCall`, `onUserAnswered`...). */
export type CallEventHandlerMethod = Row['handler'];

/** The event name registered by a given handler method. */
export type CallEventNameOf<M extends CallEventHandlerMethod> = Extract<Row, { handler: M }>['name'];

/** All event names, in table order. */
export const CALL_EVENT_NAMES: readonly CallEventName[] = CALL_EVENTS.map((row) => row.name);

const byCallState = new Map<number, CallEventName>();
const byName = new Map<string, Row>();
const byV2EventType = new Map<string, CallEventName>();
for (const row of CALL_EVENTS) {
  byName.set(row.name, row);
  if (row.callState !== null) byCallState.set(row.callState, row.name);
  for (const eventType of row.v2EventTypes) byV2EventType.set(eventType, row.name);
}

/** The event name for an in-call `call_state`; `'unknown'` for a value outside MyOperator's table. */
export function callEventNameForState(callState: number | null): CallEventName {
  return (callState !== null && byCallState.get(callState)) || 'unknown';
}

/**
 * The event name for a Webhook v2 `event_type` (read trimmed and case-insensitively); `'unknown'` for a type
 * this version does not know, or for a missing one.
 * @example callEventNameForV2Type('call.answered') // 'user_answered'
 */
export function callEventNameForV2Type(eventType: unknown): CallEventName {
  if (typeof eventType !== 'string') return 'unknown';
  return byV2EventType.get(eventType.trim().toLowerCase()) ?? 'unknown';
}

/** Whether a string is one of the known event names. */
export function isCallEventName(value: unknown): value is CallEventName {
  return typeof value === 'string' && byName.has(value);
}

/** Whether an event name is about a call (`onAny` hears it); `false` for WhatsApp events and for unknown names. */
export function isCallEventOfCall(name: unknown): boolean {
  return typeof name === 'string' && byName.get(name)?.ofCall === true;
}

/** The table row of an event name. */
export function callEventDefinition(name: CallEventName): Row {
  return byName.get(name) as Row;
}
