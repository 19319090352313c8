// The normalised call event every payload format becomes: one camelCase shape, `null` for every absent value.
// Framework-neutral: the Express request augmentation lives in request.ts.

import type { CallEventName } from './call-states';

/** A phone number as MyOperator sent it, with the forms it normalises to. */
export interface PhoneNumber {
  /** The value as sent (a leading space that stood for a `+` restored). */
  raw: string;
  /** E.164 form, `+919711636496`; `null` when the value holds no usable number. */
  e164: string | null;
  /** The national significant number, `9711636496`. */
  national: string | null;
  /** The country calling code without `+`, `91`. */
  countryCode: string | null;
}

/** Which payload format an event was built from. */
export type CallEventFormat = 'incall-v1' | 'query' | 'aftercall-v1' | 'v2';

/** Every direction of a call. */
export const CALL_DIRECTIONS = ['incoming', 'outgoing'] as const;

/** `event` / `_ev`: 1 incoming, 2 outgoing. */
export type CallDirection = (typeof CALL_DIRECTIONS)[number];

/** Every status of a call. */
export const CALL_STATUSES = ['connected', 'missed', 'voicemail'] as const;

/** `status` / `_su`: 1 connected, 2 missed, 3 voicemail. */
export type CallStatus = (typeof CALL_STATUSES)[number];

/** The call recording of an after-call log. */
export interface CallRecording {
  filename: string | null;
  url: string | null;
}

/** The department (IVR group) that took the call. */
export interface CallDepartment {
  id: string | null;
  name: string | null;
}

/** An agent (MyOperator "user") who was dialled for the call. */
export interface CallAgent {
  id: string | null;
  name: string | null;
  email: string | null;
  extension: string | null;
  phone: PhoneNumber | null;
}

/** A MyOperator call webhook, normalised. Every field is present; absent values are `null`, lists are empty. */
export interface CallEvent<N extends CallEventName = CallEventName> {
  /** The event, from the call state or the v2 event type. */
  name: N;
  /** The in-call `call_state` as a number. */
  callState: number | null;
  /** The call's unique id: joins all events of one call. */
  uid: string | null;
  /** The log id (v2: `event_id`). */
  id: string | null;
  companyId: string | null;
  direction: CallDirection | null;
  status: CallStatus | null;
  /** The customer's number. */
  caller: PhoneNumber | null;
  /** The company's service number (`rdnis`); `"unknown"` becomes `null`. */
  serviceNumber: string | null;
  /** The agents' numbers (`users`). */
  users: string[];
  /** The agent's contact number, from the query field "User's phone number". */
  userPhoneNumber: string | null;
  /** When the log was created (UTC). */
  createdAt: Date | null;
  /** When the event happened (in-call `call_time`; v2: the time the payload gives for it, see the README). */
  callTime: Date | null;
  /** The sender's order of the event within its call: Webhook v2 `event_sequence` (absent on dispositions). */
  sequence: number | null;
  referenceId: string | null;
  clientRefId: string | null;
  publicIvrId: string | null;
  jobId: string | null;
  /** When the call started (after-call log, v2). */
  startedAt: Date | null;
  endedAt: Date | null;
  durationSeconds: number | null;
  recording: CallRecording | null;
  department: CallDepartment | null;
  agents: CallAgent[];
  /** The dial status of the answering (or last) leg: `ANSWER`, `NOANSWER`, `BUSY`... */
  dialStatus: string | null;
  /** Every query string parameter, mapped or not, as sent. */
  params: Record<string, string>;
  format: CallEventFormat;
  /** When this process received the webhook. */
  receivedAt: Date;
  /** The decoded payload as sent (the query parameters for `format: 'query'`). */
  raw: unknown;
}

/** A fresh event with every field absent: the one place that fixes the shape (and its property order). */
export function createCallEvent(format: CallEventFormat, raw: unknown, receivedAt: Date): CallEvent {
  return {
    name: 'unknown',
    callState: null,
    uid: null,
    id: null,
    companyId: null,
    direction: null,
    status: null,
    caller: null,
    serviceNumber: null,
    users: [],
    userPhoneNumber: null,
    createdAt: null,
    callTime: null,
    sequence: null,
    referenceId: null,
    clientRefId: null,
    publicIvrId: null,
    jobId: null,
    startedAt: null,
    endedAt: null,
    durationSeconds: null,
    recording: null,
    department: null,
    agents: [],
    dialStatus: null,
    params: {},
    format,
    receivedAt,
    raw,
  };
}
