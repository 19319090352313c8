// MyOperator's own sample payloads, as published in its documentation (spec/fixtures holds the same JSON;
// a spec proves they agree). Frozen: the builders return copies.

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
