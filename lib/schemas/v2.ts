// MyOperator's Webhook v2 envelope (`event_type`, `session_id`, `payload`). Only the fields the normaliser reads
// are checked; unknown keys and unknown event types are tolerated. The schema is for call events: a WhatsApp
// event on the same webhook has a payload of its own shape and is never checked against it (see normalize/v2.ts).

import { scalar } from './common';

/**
 * Envelope keys only Webhook v2 sends; any one of them identifies the format (`event_type` is always there; the
 * others make an envelope that lost it still a v2 event, answered 2xx, rather than a call log of no known shape).
 */
export const V2_KEYS = [
  'event_type',
  'event_id',
  'session_id',
  'event_sequence',
  'system_identifier',
  'customer_identifier',
] as const;

type Scalar = string | number | null;

/** The agent of an agent leg (only `call.summary` carries it; it may be `null`, and `email` may be `null`). */
export interface V2Agent {
  uuid?: Scalar;
  name?: Scalar;
  email?: Scalar;
  contact?: Scalar;
  extension?: Scalar;
  [key: string]: unknown;
}

/** One leg of the call: the customer's, or one agent's. */
export interface V2Leg {
  leg_index?: Scalar;
  uid?: Scalar;
  type?: Scalar;
  /** The leg's number: the customer's, or on an agent leg the agent's. */
  phone_number?: Scalar;
  result?: Scalar;
  dial_status?: Scalar;
  answered_at?: Scalar;
  started_at?: Scalar;
  ended_at?: Scalar;
  agent?: V2Agent | null;
  [key: string]: unknown;
}

/** `payload.department`. */
export interface V2Department {
  id?: Scalar;
  name?: Scalar;
  [key: string]: unknown;
}

/** `payload.obd_campaign`: the outbound campaign of an OBD call. */
export interface V2ObdCampaign {
  id?: Scalar;
  job_id?: Scalar;
  [key: string]: unknown;
}

/** The event-specific part of a v2 call event. */
export interface V2Payload {
  id?: Scalar;
  did?: Scalar;
  direction?: Scalar;
  customer_number?: Scalar;
  status?: Scalar;
  started_at?: Scalar;
  answered_at?: Scalar;
  ended_at?: Scalar;
  duration?: Scalar;
  recording_filename?: Scalar;
  recording_url?: Scalar;
  ref_id?: Scalar;
  client_ref_id?: Scalar;
  obd_campaign?: V2ObdCampaign | null;
  department?: V2Department | null;
  legs?: V2Leg[] | null;
  [key: string]: unknown;
}

/** A v2 envelope as it may arrive. */
export interface V2Event {
  event_id?: Scalar;
  company_id?: Scalar;
  event_type?: Scalar;
  event_sequence?: Scalar;
  /** A number or a string (`"1"`); not read. */
  event_version?: unknown;
  timestamp?: Scalar;
  channel?: Scalar;
  direction?: Scalar;
  session_id?: Scalar;
  system_identifier?: Scalar;
  customer_identifier?: Scalar;
  payload?: V2Payload | null;
  [key: string]: unknown;
}

const agent = {
  type: ['object', 'null'],
  properties: { uuid: scalar, name: scalar, email: scalar, contact: scalar, extension: scalar },
} as const;

const leg = {
  type: 'object',
  properties: {
    leg_index: scalar,
    uid: scalar,
    type: scalar,
    phone_number: scalar,
    result: scalar,
    dial_status: scalar,
    answered_at: scalar,
    started_at: scalar,
    ended_at: scalar,
    agent,
  },
} as const;

const idAndName = { type: ['object', 'null'], properties: { id: scalar, name: scalar } } as const;

const payload = {
  type: ['object', 'null'],
  properties: {
    id: scalar,
    did: scalar,
    direction: scalar,
    customer_number: scalar,
    status: scalar,
    started_at: scalar,
    answered_at: scalar,
    ended_at: scalar,
    duration: scalar,
    recording_filename: scalar,
    recording_url: scalar,
    ref_id: scalar,
    client_ref_id: scalar,
    obd_campaign: { type: ['object', 'null'], properties: { id: scalar, job_id: scalar } },
    department: idAndName,
    legs: { type: ['array', 'null'], items: leg },
  },
} as const;

/** The schema of a v2 call event. */
export const v2Schema = {
  $id: 'myoperator-v2',
  type: 'object',
  properties: {
    event_id: scalar,
    company_id: scalar,
    event_type: scalar,
    event_sequence: scalar,
    timestamp: scalar,
    channel: scalar,
    direction: scalar,
    session_id: scalar,
    system_identifier: scalar,
    customer_identifier: scalar,
    payload,
  },
} as const;
