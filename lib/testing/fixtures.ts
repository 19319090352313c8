// MyOperator's own sample payloads, as published in its documentation, and Webhook v2 payloads built from the
// shapes its v2 documentation and Postman collection describe (spec/fixtures holds the same JSON; a spec proves
// they agree). Frozen: the builders return copies.

import { deepFreeze } from './deep-freeze';

/** The in-call call log of MyOperator's in-call webhook documentation, verbatim (call_state 1). */
export const IN_CALL_LOG = deepFreeze({
  id: '5f25296c4122c135',
  uid: 'n2.1596270949.2175190',
  reference_id: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
  company_id: '5cd40f6554442586',
  clid_raw: '919711636496',
  clid: '9711636496',
  rdnis: 'unknown',
  call_state: '1',
  event: '2',
  status: null,
  users: ['918586848544'],
  created: '2020-08-01 08:35:56',
  call_time: '2020-08-01 08:35:56',
  public_ivr_id: '5ee9a795b318a786',
  client_ref_id: 'fdfdfdf',
  job_id: null,
});

/** The after-call call log (short keys) of MyOperator's after-call webhook documentation. */
export const AFTER_CALL_LOG = deepFreeze({
  _ai: '5f114f490dbe2437',
  _so: '1',
  _ci: '5cd40f6554442586',
  _cr: '9711636496',
  _cm: '',
  _cl: '+919711636496',
  _cy: '91',
  _se: 'DL, IN',
  _ts: 1594969967,
  _st: 1594969929,
  _ms: 1594969929000,
  _ss: 25929,
  _et: 1594969968,
  _dr: '00:00:39',
  _drm: 0.65,
  _ty: 1,
  _ev: 1,
  _fn: 'e673ba2e1747cb32960b19275f459c1869776c7b673901bb1f20ddd779117e93b148825cb28ce1d0.mp3',
  _fu: 'http://app.myoperator.co/audio/e673ba2e1747cb32960b19275f459c1869776c7b673901bb1f20ddd779117e93b148825cb28ce1d0',
  _ns: '0',
  _su: 1,
  _dn: 'sales',
  _di: '5cd40f6559784843',
  _pm: [
    {
      ky: 'ui',
      vl: 'd5.1594969927.2496720',
    },
    {
      ky: 'is',
      vl: '0',
    },
    {
      ky: 'vt',
      vl: '2',
    },
    {
      ky: 'ic',
      vl: '1',
    },
    {
      ky: 'ia',
      vl: '0',
    },
    {
      ky: 'ib',
      vl: '1',
    },
  ],
  _cn: [
    {
      _tx: 'asdfg',
      _cd: '5f114f54741cc966',
      _ce: 1594969940,
      _id: '5cd40f6556f2f124',
      _na: 'Sumit',
      _em: 'sumit.arya@myoperator.co',
      _ex: '10',
      _ct: '8586848544',
      _nr: '+918586848544',
    },
  ],
  _ld: [
    {
      _rst: '2020-07-17 07:12:28',
      _ds: 'ANSWER',
      _did: '1161568087',
      _rr: [
        {
          _id: '5cd40f6556f2f124',
          _na: 'Sumit',
          _em: 'sumit.arya@myoperator.co',
          _ex: '10',
          _ct: '8586848544',
          _nr: '+918586848544',
        },
      ],
      _tt: [],
      _su: '1',
      _st: 1594969959,
      _et: 1594969968,
      _dr: '00:00:09',
      _ac: 'received',
    },
  ],
  _an: 0,
  _bp: [
    {
      _tm: [
        {
          type: 'local',
          use: 1,
        },
      ],
      _ti: [
        {
          type: 'local',
          use: 0,
        },
      ],
      _ta: [
        {
          type: 'local',
          use: 0,
        },
      ],
      _tr: [
        {
          type: 'local',
          use: 1,
        },
      ],
    },
  ],
  _us: [
    {
      ky: '5cd40f6556f2f124',
      vl: 'received',
    },
  ],
  _tc: [
    {
      ye: '5cd40f6556f2f124',
      yf: 9,
    },
  ],
  _ri: '',
  _ji: '',
  _ivid: '',
  _cri: '',
});

/** A Webhook v2 `call.summary` envelope, as MyOperator's v2 documentation shows it. */
export const V2_CALL_SUMMARY = deepFreeze({
  company_id: '6836cad944e39380',
  event_type: 'call.summary',
  event_sequence: 1,
  timestamp: '2026-04-14T05:29:28.838Z',
  channel: 'call',
  direction: 'incoming',
  session_id: '15.1776144484.2922',
  customer_identifier: '+919876543210',
  payload: {
    id: '15.1776144484.2922',
    direction: 'incoming',
    customer_number: '+919876543210',
    status: 'bridged',
    started_at: '2026-04-14T05:28:04+00:00',
    ended_at: '2026-04-14T05:29:26+00:00',
    category: 'incoming',
    location: 'KO, IN',
    duration: 82,
    recording_filename: '7b8aff-v2.mp3',
    obd_campaign: null,
    legs: [
      {
        leg_index: 1,
        type: 'customer',
        result: 'connected',
        talk_duration: 82,
        phone_number: '+919876543210',
      },
      {
        leg_index: 2,
        type: 'agent',
        result: 'not_answered',
        dial_status: 'BUSY',
        ring_duration: 22,
        agent: {
          name: 'Agent1 Name',
          extension: '10',
        },
      },
      {
        leg_index: 3,
        type: 'agent',
        result: 'answered',
        dial_status: 'ANSWER',
        talk_duration: 26,
        answered_at: '2026-04-14T05:28:59+00:00',
        agent: {
          name: 'Agent2 Name',
          extension: '15',
        },
      },
    ],
    billable: true,
    comments: [],
  },
});

/**
 * A Webhook v2 `call.answered` (a live event): its agent leg carries only `phone_number`, `dial_status` and
 * `result`, no `agent` object; no `ended_at` yet.
 */
export const V2_CALL_ANSWERED = deepFreeze({
  event_id: '3c2f9a6e-1b7d-4c8e-9f0a-5d6e7f801234',
  company_id: '6836cad944e39380',
  event_type: 'call.answered',
  event_sequence: 4,
  event_version: '1',
  timestamp: '2026-04-14T07:10:43.318204775Z',
  channel: 'call',
  direction: 'incoming',
  session_id: '15.1776150631.3054',
  system_identifier: '+918069458221',
  customer_identifier: '+919711636496',
  payload: {
    id: '15.1776150631.3054',
    did: '+918069458221',
    direction: 'incoming',
    customer_number: '+919711636496',
    status: 'bridged',
    started_at: '2026-04-14T07:10:31+00:00',
    category: 'incoming',
    department: {
      id: '5cd40f6559784843',
      name: 'sales',
    },
    legs: [
      {
        leg_index: 1,
        type: 'customer',
        phone_number: '+919711636496',
        result: 'connected',
      },
      {
        leg_index: 2,
        type: 'agent',
        phone_number: '+918586848544',
        dial_status: 'ANSWER',
        result: 'answered',
      },
    ],
  },
});

/**
 * A Webhook v2 `call.end` of the same call: an agent leg without an `agent` object, `event_version` a number and a
 * `timestamp` with microseconds.
 */
export const V2_CALL_END = deepFreeze({
  event_id: '7a41d0c2-58e3-4f19-b6d2-0e9c3a7b5611',
  company_id: '6836cad944e39380',
  event_type: 'call.end',
  event_sequence: 5,
  event_version: 1,
  timestamp: '2026-04-14T07:12:20.902114Z',
  channel: 'call',
  direction: 'incoming',
  session_id: '15.1776150631.3054',
  system_identifier: '+918069458221',
  customer_identifier: '+919711636496',
  payload: {
    id: '15.1776150631.3054',
    did: '+918069458221',
    direction: 'incoming',
    customer_number: '+919711636496',
    status: 'bridged',
    started_at: '2026-04-14T07:10:31+00:00',
    ended_at: '2026-04-14T07:12:20+00:00',
    category: 'incoming',
    duration: 109,
    recording_filename: 'a3f09c2e5b71-v2.mp3',
    department: {
      id: '5cd40f6559784843',
      name: 'sales',
    },
    legs: [
      {
        leg_index: 1,
        type: 'customer',
        phone_number: '+919711636496',
        result: 'connected',
      },
      {
        leg_index: 2,
        type: 'agent',
        phone_number: '+918586848544',
        dial_status: 'ANSWER',
        result: 'answered',
      },
    ],
  },
});

/**
 * A Webhook v2 `call.summary` of a hunt: the first agent was BUSY, the second answered; `agent` objects (one with
 * `email: null`), `system_identifier: null` with the DID in `payload.did`, empty `ref_id` and `client_ref_id`.
 */
export const V2_CALL_SUMMARY_HUNT = deepFreeze({
  event_id: '9f6b2d80-4e1a-4c3b-a7d5-28c0e9f1b347',
  company_id: '6836cad944e39380',
  event_type: 'call.summary',
  event_sequence: 8,
  event_version: '1',
  timestamp: '2026-04-14T06:02:41.509221000Z',
  channel: 'call',
  direction: 'incoming',
  session_id: '15.1776146480.3107',
  system_identifier: null,
  customer_identifier: '+918800112233',
  payload: {
    id: '15.1776146480.3107',
    did: '+918069458221',
    direction: 'incoming',
    customer_number: '+918800112233',
    status: 'bridged',
    started_at: '2026-04-14T06:01:20+00:00',
    ended_at: '2026-04-14T06:02:39+00:00',
    category: 'incoming',
    location: 'DL, IN',
    duration: 79,
    recording_filename: 'c41e0d9a77f2-v2.mp3',
    billable: true,
    ref_id: '',
    client_ref_id: '',
    obd_campaign: null,
    comments: [],
    department: {
      id: '5cd40f6559784843',
      name: 'sales',
    },
    legs: [
      {
        leg_index: 1,
        uid: '15.1776146480.3107.1',
        type: 'customer',
        phone_number: '+918800112233',
        result: 'connected',
        dial_status: '',
        ring_duration: 0,
        talk_duration: 79,
        started_at: '2026-04-14T06:01:20+00:00',
        answered_at: null,
        ended_at: '2026-04-14T06:02:39+00:00',
      },
      {
        leg_index: 2,
        uid: '15.1776146480.3107.2',
        type: 'agent',
        phone_number: '+919810012345',
        result: 'not_answered',
        dial_status: 'BUSY',
        ring_duration: 4,
        talk_duration: 0,
        started_at: '2026-04-14T06:01:22+00:00',
        answered_at: null,
        ended_at: '2026-04-14T06:01:26+00:00',
        pickup_device: '',
        dept_id: '5cd40f6559784843',
        agent: {
          uuid: '5cd40f6556f2f131',
          name: 'Priya Sharma',
          email: null,
          contact: '+919810012345',
          extension: '11',
        },
      },
      {
        leg_index: 3,
        uid: '15.1776146480.3107.3',
        type: 'agent',
        phone_number: '+918586848544',
        result: 'answered',
        dial_status: 'ANSWER',
        ring_duration: 9,
        talk_duration: 64,
        started_at: '2026-04-14T06:01:26+00:00',
        answered_at: '2026-04-14T06:01:35+00:00',
        ended_at: '2026-04-14T06:02:39+00:00',
        pickup_device: 'mobile',
        dept_id: '5cd40f6559784843',
        agent: {
          uuid: '5cd40f6556f2f124',
          name: 'Sumit',
          email: 'sumit.arya@myoperator.co',
          contact: '+918586848544',
          extension: '10',
        },
      },
    ],
  },
});

/**
 * A Webhook v2 `call.summary` of an outbound (OBD) campaign call: `client_ref_id`, `ref_id`, `obd_campaign`,
 * `system_identifier: ""`, `event_sequence` as a string, and an agent `contact` without its country code.
 */
export const V2_CALL_SUMMARY_OBD = deepFreeze({
  event_id: 'b2e7c915-6d4f-4f08-9c1a-3e5d7a9b0c62',
  company_id: '6836cad944e39380',
  event_type: 'call.summary',
  event_sequence: '6',
  event_version: 1,
  timestamp: '2026-04-15T10:15:48.000000000+00:00',
  channel: 'call',
  direction: 'outgoing',
  session_id: '12.1776247990.5520',
  system_identifier: '',
  customer_identifier: '+917303344556',
  payload: {
    id: '12.1776247990.5520',
    did: '+918069458221',
    direction: 'outgoing',
    customer_number: '+917303344556',
    status: 'bridged',
    started_at: '2026-04-15T10:13:10+00:00',
    ended_at: '2026-04-15T10:15:46+00:00',
    category: 'obd',
    location: 'MH, IN',
    duration: 156,
    recording_filename: '9e2a51b07c3d-v2.mp3',
    billable: true,
    ref_id: '6f1c2a40-38d6-11f1-9a3c-0242ac120002',
    client_ref_id: 'crm-lead-20931',
    obd_campaign: {
      id: 'cmp_5f7a91',
      job_id: 'job_8812',
    },
    comments: [],
    department: null,
    legs: [
      {
        leg_index: 1,
        uid: '12.1776247990.5520.1',
        type: 'customer',
        phone_number: '+917303344556',
        result: 'answered',
        dial_status: 'ANSWER',
        ring_duration: 8,
        talk_duration: 148,
        started_at: '2026-04-15T10:13:10+00:00',
        answered_at: '2026-04-15T10:13:18+00:00',
        ended_at: '2026-04-15T10:15:46+00:00',
      },
      {
        leg_index: 2,
        uid: '12.1776247990.5520.2',
        type: 'agent',
        phone_number: '+919820054321',
        result: 'answered',
        dial_status: 'ANSWER',
        ring_duration: 6,
        talk_duration: 142,
        started_at: '2026-04-15T10:13:18+00:00',
        answered_at: '2026-04-15T10:13:24+00:00',
        ended_at: '2026-04-15T10:15:46+00:00',
        pickup_device: 'mobile',
        agent: {
          uuid: '5cd40f6556f2f147',
          name: 'Arjun Mehta',
          email: null,
          contact: '9820054321',
          extension: '12',
        },
      },
    ],
  },
});

/**
 * A Webhook v2 disposition event, spelled `disposition` as MyOperator's Postman collection does: no
 * `event_sequence`, a `+00:00` timestamp.
 */
export const V2_DISPOSITION = deepFreeze({
  event_id: 'e5d8b1f4-0c6a-4a3e-8d27-91b4c6f0a2d9',
  company_id: '6836cad944e39380',
  event_type: 'disposition',
  event_version: '1',
  timestamp: '2026-04-14T07:13:05.55+00:00',
  channel: 'call',
  direction: 'incoming',
  session_id: '15.1776150631.3054',
  system_identifier: '+918069458221',
  customer_identifier: '+919711636496',
  payload: {
    id: '15.1776150631.3054',
    did: '+918069458221',
    direction: 'incoming',
    customer_number: '+919711636496',
    status: 'bridged',
    started_at: '2026-04-14T07:10:31+00:00',
    ended_at: '2026-04-14T07:12:20+00:00',
    duration: 109,
    dispositions: [
      {
        id: '64f0c1d2e3a4b5c6',
        name: 'Interested',
        comment: 'Call back on Friday',
      },
    ],
    legs: [
      {
        leg_index: 2,
        type: 'agent',
        phone_number: '+918586848544',
        dial_status: 'ANSWER',
        result: 'answered',
        agent: {
          uuid: '5cd40f6556f2f124',
          name: 'Sumit',
          email: 'sumit.arya@myoperator.co',
          contact: '+918586848544',
          extension: '10',
        },
      },
    ],
  },
});

/**
 * A WhatsApp `message.received` on the same Webhook v2 endpoint: `channel: 'whatsapp'`, a conversation as
 * `session_id`, a payload of its own shape.
 */
export const V2_WHATSAPP_MESSAGE = deepFreeze({
  event_id: '1d9e4b7a-2f3c-4e5d-8a6b-7c0d1e2f3a4b',
  company_id: '6836cad944e39380',
  event_type: 'message.received',
  event_sequence: 12,
  event_version: '1',
  timestamp: '2026-04-14T07:45:03.221904117Z',
  channel: 'whatsapp',
  direction: 'incoming',
  session_id: 'conv_64f1b2c9e8a7d3',
  system_identifier: '105923485512345',
  customer_identifier: '+919876543210',
  payload: {
    message: {
      id: 'wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUM0EwQjc',
      type: 'text',
      text: {
        body: 'Hi, I missed your call',
      },
      status: 'received',
    },
    contact: {
      name: 'Rahul',
      wa_id: '919876543210',
    },
    conversation: {
      id: 'conv_64f1b2c9e8a7d3',
      assigned_to: null,
    },
  },
});
