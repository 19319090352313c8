// The call's lifecycle: the events of one uid -> a CallSession. Built in event-time order from a set of
// records, so any arrival order, and any number of redeliveries, gives the same session.

import type { CallEvent, CallStatus } from './call-event';
import type { CallEventName } from './call-states';

/** One event of a session as a store keeps it (JSON-safe: times in epoch milliseconds). */
export interface SessionEventRecord {
  name: CallEventName;
  callState: number | null;
  /** Event time: the event's own time, else when it was received. */
  at: number;
  receivedAt: number;
  status: CallStatus | null;
  /** Who answered, for answering events (agent number or name). */
  agent: string | null;
}

/** One event of a CallSession. */
export interface CallSessionEvent {
  name: CallEventName;
  callState: number | null;
  at: Date;
  receivedAt: Date;
}

/** How a call ended, or `'in_progress'` while it has not. */
export type CallOutcome = 'in_progress' | 'answered' | 'missed' | 'rejected' | 'no_answer';

/** Everything known about one call, from all its events so far. */
export interface CallSession {
  uid: string;
  /** The call's events in event-time order, each once. */
  events: CallSessionEvent[];
  startedAt: Date | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** The agent who answered (number or name), when known. */
  answeredBy: string | null;
  outcome: CallOutcome;
  /** From the start to the answer (answered calls) or to the end (unanswered calls). */
  ringSeconds: number | null;
  /** From the answer to the end. */
  talkSeconds: number | null;
}

// Where each event stands in a call, to order events that carry the same second.
const STAGE: Record<CallEventName, number> = {
  incoming_call: 0,
  click_to_call_initiated: 0,
  dialing_users: 1,
  user_answered: 2,
  first_party_no_answer: 3,
  client_rejected: 3,
  no_answer: 3,
  call_finished: 3,
  call_summary: 4,
  disposition: 5,
  unknown: 6,
};

const ENDING: Partial<Record<CallEventName, CallOutcome>> = {
  call_finished: 'missed',
  client_rejected: 'rejected',
  no_answer: 'no_answer',
  first_party_no_answer: 'no_answer',
  call_summary: 'missed',
};

/** The event's own time, or `null` when it carries none. */
function eventTime(event: CallEvent): number | null {
  const time =
    event.name === 'call_summary'
      ? (event.endedAt ?? event.callTime ?? event.createdAt)
      : (event.callTime ?? event.createdAt ?? (event.name === 'incoming_call' ? event.startedAt : null));
  return time ? time.getTime() : null;
}

/** The session record of an event, and the identity under which a store keeps it once. */
export function toSessionRecord(event: CallEvent): { id: string; record: SessionEventRecord } {
  const own = eventTime(event);
  const answering = event.name === 'user_answered' || event.name === 'call_summary';
  const agent = answering
    ? (event.userPhoneNumber ?? event.users[0] ?? event.agents[0]?.phone?.e164 ?? event.agents[0]?.name ?? null)
    : null;
  return {
    id: `${event.name}:${event.callState ?? ''}:${own ?? ''}`,
    record: {
      name: event.name,
      callState: event.callState,
      at: own ?? event.receivedAt.getTime(),
      receivedAt: event.receivedAt.getTime(),
      status: event.status,
      agent,
    },
  };
}

function compareRecords(a: SessionEventRecord, b: SessionEventRecord): number {
  return a.at - b.at || STAGE[a.name] - STAGE[b.name] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

const seconds = (from: number | null, to: number | null): number | null =>
  from === null || to === null ? null : Math.max(0, Math.round((to - from) / 1000));

/** Folds a call's records, in any order, into its session. */
export function buildCallSession(uid: string, records: readonly SessionEventRecord[]): CallSession {
  const sorted = [...records].sort(compareRecords);
  let startedAt: number | null = null;
  let answeredAt: number | null = null;
  let endedAt: number | null = null;
  let answeredBy: string | null = null;
  let ending: CallOutcome | null = null;
  let connected = false;
  for (const record of sorted) {
    if (startedAt === null && (STAGE[record.name] === 0 || record.name === 'dialing_users')) startedAt = record.at;
    if (record.name === 'user_answered' && answeredAt === null) {
      answeredAt = record.at;
      answeredBy = record.agent;
    }
    if (record.status === 'connected') connected = true;
    if (record.name === 'call_summary' && answeredBy === null) answeredBy = record.agent;
    const outcome = ENDING[record.name];
    if (outcome !== undefined && endedAt === null) {
      endedAt = record.at;
      ending = outcome;
    }
  }
  startedAt ??= sorted[0]?.at ?? null;
  const answered = answeredAt !== null || connected;
  let outcome: CallOutcome = 'in_progress';
  if (ending !== null) outcome = answered && (ending === 'missed' || ending === 'no_answer') ? 'answered' : ending;
  if (!answered) answeredBy = null;
  return {
    uid,
    events: sorted.map((record) => ({
      name: record.name,
      callState: record.callState,
      at: new Date(record.at),
      receivedAt: new Date(record.receivedAt),
    })),
    startedAt: startedAt === null ? null : new Date(startedAt),
    answeredAt: answeredAt === null ? null : new Date(answeredAt),
    endedAt: endedAt === null ? null : new Date(endedAt),
    answeredBy,
    outcome,
    ringSeconds: seconds(startedAt, answeredAt ?? (answered ? null : endedAt)),
    talkSeconds: seconds(answeredAt, endedAt),
  };
}
