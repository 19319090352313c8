// The call's lifecycle: the events of one uid -> a CallSession. Built in event-time order from a set of
// records, so any arrival order, and any number of redeliveries, gives the same session.

import { DEFAULT_NORMALIZE_OPTIONS } from '../normalize/options';
import { toPhoneNumber } from '../normalize/phone';
import type { CallEvent } from '../core/call-event';
import { CALL_EVENTS, type CallEventName } from '../core/call-states';
import type { SessionEventRecord } from '../store/call-store';

/** One event of a CallSession. */
export interface CallSessionEvent {
  name: CallEventName;
  callState: number | null;
  /** The event's own time (when it carries none: when it was first received). */
  at: Date;
  /** When the first delivery of this event arrived. */
  receivedAt: Date;
}

/** How a call ended, or `'in_progress'` while it has not. */
export type CallOutcome = 'in_progress' | 'answered' | 'missed' | 'rejected' | 'no_answer';

/** Everything known about one call, from all its events so far. */
export interface CallSession {
  uid: string;
  /**
   * The call's events in event-time order, each once; events of the same time in the sender's order (v2
   * `event_sequence`), then in call-stage order.
   */
  events: CallSessionEvent[];
  /** The earliest in-call event, or the start a call summary reports. */
  startedAt: Date | null;
  /** The first `user_answered`. */
  answeredAt: Date | null;
  /** The last of the ending in-call events (2, 4, 7, 9), else the end a call summary reports. */
  endedAt: Date | null;
  /** The agent who answered (number or name), when known; `null` when no agent answered. */
  answeredBy: string | null;
  outcome: CallOutcome;
  /** From the start to the answer (answered calls) or to the end (unanswered calls); `null` when unknown. */
  ringSeconds: number | null;
  /** From the answer to the end of an answered call; `null` otherwise. */
  talkSeconds: number | null;
}

/** Each event's stage in a call (the same-second tie-break) and the events that end a call: from the table. */
const STAGE = Object.fromEntries(CALL_EVENTS.map((entry) => [entry.name, entry.stage])) as Readonly<
  Record<CallEventName, number>
>;
const ENDING_EVENTS: ReadonlySet<CallEventName> = new Set(
  CALL_EVENTS.filter((entry) => entry.endsCall).map((entry) => entry.name),
);
/** The ending events that happen during the call (2, 4, 7, 9): their time is when the call ended. */
const IN_CALL_ENDINGS: ReadonlySet<CallEventName> = new Set(
  CALL_EVENTS.filter((entry) => entry.endsCall && entry.callState !== null).map((entry) => entry.name),
);

/**
 * The events that are part of the call itself, and so bound its start: those with an in-call state (not
 * summaries, dispositions, unknowns), read from the call-state table.
 */
const IN_CALL_EVENTS: ReadonlySet<CallEventName> = new Set(
  CALL_EVENTS.filter((entry) => entry.callState !== null).map((entry) => entry.name),
);

/** The event's own time, or `null` when it carries none. */
function eventTime(event: CallEvent): number | null {
  const time =
    event.name === 'call_summary'
      ? (event.endedAt ?? event.callTime ?? event.createdAt)
      : (event.callTime ?? event.createdAt ?? (event.name === 'incoming_call' ? event.startedAt : null));
  return time ? time.getTime() : null;
}

/**
 * Formats send the answering agent's number differently (in-call `918586848544`, query `8586848544`, v2
 * `+918586848544`): numbers become E.164, read with the caller's country code (agents call from the company's
 * country); a name stays as it is.
 */
function answeredByNumber(value: string | null, event: CallEvent): string | null {
  if (value === null) return null;
  return toPhoneNumber(value, event.caller?.countryCode ?? DEFAULT_NORMALIZE_OPTIONS.defaultCountryCode)?.e164 ?? value;
}

/** Longest Webhook v2 `event_id` used as a record's identity; a longer one is garbage, not worth keeping. */
const MAX_EVENT_ID_LENGTH = 200;

/**
 * The identity under which a store keeps an event's record once: a v2 event's `event_id` (a retry keeps it,
 * whatever its send time), else its name, state, time and sequence. A redelivery has the same identity, so it
 * adds nothing.
 */
function recordId(event: CallEvent, own: number | null): string {
  if (event.format === 'v2' && event.id !== null && event.id.length <= MAX_EVENT_ID_LENGTH) return `v2:${event.id}`;
  const base = `${event.name}:${event.callState ?? ''}:${own ?? ''}`;
  return event.sequence === null ? base : `${base}:${event.sequence}`;
}

/** The session record of an event, and the identity under which a store keeps it once. */
export function toSessionRecord(event: CallEvent): { id: string; record: SessionEventRecord } {
  const own = eventTime(event);
  const answering = event.name === 'user_answered' || event.name === 'call_summary';
  const named = answering
    ? (event.userPhoneNumber ?? event.users[0] ?? event.agents[0]?.phone?.e164 ?? event.agents[0]?.name ?? null)
    : null;
  // A number or a name; a value of kilobytes is garbage that every store would otherwise keep per event.
  const agent = named !== null && named.length > 200 ? null : answeredByNumber(named, event);
  const record: SessionEventRecord = {
    name: event.name,
    callState: event.callState,
    at: own ?? event.receivedAt.getTime(),
    receivedAt: event.receivedAt.getTime(),
    status: event.status,
    agent,
  };
  if (event.name === 'call_summary' && event.startedAt !== null) record.callStartedAt = event.startedAt.getTime();
  if (event.sequence !== null) record.sequence = event.sequence;
  return { id: recordId(event, own), record };
}

/** The sender's order of two events; an event without one (v1, a v2 disposition) after those that have one. */
function compareSequences(a: SessionEventRecord, b: SessionEventRecord): number {
  const x = typeof a.sequence === 'number' ? a.sequence : null;
  const y = typeof b.sequence === 'number' ? b.sequence : null;
  if (x === y) return 0;
  if (x === null) return 1;
  if (y === null) return -1;
  return x - y;
}

/**
 * Event time, then the sender's sequence (v2 `event_sequence`), then call stage, then call state: a total order
 * over the distinct events of one session. Never the arrival time, nor v2's send `timestamp` where the payload
 * gives the time of what it reports (a retry is sent later).
 */
function compareEvents(a: SessionEventRecord, b: SessionEventRecord): number {
  return (
    a.at - b.at ||
    compareSequences(a, b) ||
    STAGE[a.name] - STAGE[b.name] ||
    (a.callState ?? Number.MAX_SAFE_INTEGER) - (b.callState ?? Number.MAX_SAFE_INTEGER)
  );
}

/**
 * The records in event order, each event once: stores keep one record per id already, but a record given twice
 * (a store that does not) must not count twice. Of two records of one event, the first received stays.
 */
function distinctInOrder(records: readonly SessionEventRecord[]): SessionEventRecord[] {
  const sorted = [...records].sort((a, b) => compareEvents(a, b) || a.receivedAt - b.receivedAt);
  return sorted.filter((record, index) => {
    const previous = sorted[index - 1];
    return previous === undefined || compareEvents(previous, record) !== 0;
  });
}

const seconds = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : Math.max(0, Math.round((to - from) / 1000));

const toDate = (time: number | null): Date | null => (time === null ? null : new Date(time));

const earliest = (a: number | null, b: number): number => (a === null || b < a ? b : a);

/**
 * Folds a call's records, in any order and with any repeats of the same record, into its session.
 *
 * Outcome: `'in_progress'` until an ending event (2, 4, 7, 9 or a call summary) arrived; then `'rejected'` if the
 * customer rejected (7), else `'answered'` if an agent answered (6, or a `connected` status), else `'no_answer'`
 * (4, 9), else `'missed'`.
 *
 * @example
 * const session = buildCallSession(uid, await store.sessionRecords(uid));
 */
export function buildCallSession(uid: string, records: readonly SessionEventRecord[]): CallSession {
  const sorted = distinctInOrder(records);
  let startedAt: number | null = null;
  let answeredAt: number | null = null;
  let answeredBy: string | null = null;
  let endedAt: number | null = null;
  let summaryEndedAt: number | null = null;
  let summaryAgent: string | null = null;
  let connected = false;
  let rejected = false;
  let unanswered = false;
  let ended = false;
  for (const record of sorted) {
    if (record.status === 'connected') connected = true;
    if (IN_CALL_EVENTS.has(record.name)) startedAt = earliest(startedAt, record.at);
    if (ENDING_EVENTS.has(record.name)) ended = true;
    if (IN_CALL_ENDINGS.has(record.name)) {
      endedAt = record.at; // sorted: the last one wins
      if (record.name === 'client_rejected') rejected = true;
      if (record.name === 'no_answer' || record.name === 'first_party_no_answer') unanswered = true;
    }
    if (record.name === 'user_answered') {
      answeredAt ??= record.at;
      answeredBy ??= record.agent;
    }
    if (record.name === 'call_summary') {
      summaryEndedAt ??= record.at;
      summaryAgent ??= record.agent;
      if (typeof record.callStartedAt === 'number') startedAt = earliest(startedAt, record.callStartedAt);
    }
  }
  endedAt ??= summaryEndedAt;
  const answered = answeredAt !== null || connected;

  let outcome: CallOutcome = 'in_progress';
  if (ended) {
    if (rejected) outcome = 'rejected';
    else if (answered) outcome = 'answered';
    else if (unanswered) outcome = 'no_answer';
    else outcome = 'missed';
  }
  answeredBy = answered ? (answeredBy ?? summaryAgent) : null;

  let ringSeconds: number | null;
  if (outcome === 'answered' || outcome === 'in_progress') ringSeconds = seconds(startedAt, answeredAt);
  else ringSeconds = seconds(startedAt, endedAt);
  const talkSeconds = outcome === 'answered' ? seconds(answeredAt, endedAt) : null;

  return {
    uid,
    events: sorted.map((record) => ({
      name: record.name,
      callState: record.callState,
      at: new Date(record.at),
      receivedAt: new Date(record.receivedAt),
    })),
    startedAt: toDate(startedAt),
    answeredAt: toDate(answeredAt),
    endedAt: toDate(endedAt),
    answeredBy,
    outcome,
    ringSeconds,
    talkSeconds,
  };
}
