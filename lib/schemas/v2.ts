// MyOperator's Webhook v2 envelope (`event_type`, `session_id`, `payload`). Only the fields the normaliser reads
// are checked; unknown keys and unknown event types are tolerated.

import { scalar } from './common';

/** The key that identifies a v2 envelope. */
export const V2_KEY = 'event_type';

type Scalar = string | number | null;

/** The agent of an agent leg. */
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
  type?: Scalar;
  result?: Scalar;
  dial_status?: Scalar;
  answered_at?: Scalar;
  agent?: V2Agent | null;
  [key: string]: unknown;
}

/** The event-specific part of a v2 call event. */
export interface V2Payload {
  id?: Scalar;
  direction?: Scalar;
  customer_number?: Scalar;
  status?: Scalar;
  started_at?: Scalar;
  ended_at?: Scalar;
  duration?: Scalar;
  recording_filename?: Scalar;
  recording_url?: Scalar;
  legs?: V2Leg[] | null;
  [key: string]: unknown;
}

/** A v2 envelope as it may arrive. */
export interface V2Event {
  event_id?: Scalar;
  company_id?: Scalar;
  event_type?: Scalar;
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
  properties: { type: scalar, result: scalar, dial_status: scalar, answered_at: scalar, agent },
} as const;

const payload = {
  type: ['object', 'null'],
  properties: {
    id: scalar,
    direction: scalar,
    customer_number: scalar,
    status: scalar,
    started_at: scalar,
    ended_at: scalar,
    duration: scalar,
    recording_filename: scalar,
    recording_url: scalar,
    legs: { type: ['array', 'null'], items: leg },
  },
} as const;

export const v2Schema = {
  $id: 'myoperator-v2',
  type: 'object',
  properties: {
    event_id: scalar,
    company_id: scalar,
    event_type: scalar,
    timestamp: scalar,
    channel: scalar,
    direction: scalar,
    session_id: scalar,
    system_identifier: scalar,
    customer_identifier: scalar,
    payload,
  },
} as const;
