// normalizeV2Event(), through normalizePayload(): MyOperator's documented v2 `call.summary` sample as it is, the
// shapes its v2 documentation describes (live events and call.end whose agent legs carry no `agent`, a hunt, an
// OBD call, a disposition, a WhatsApp event) field by field, every event type of the call-state table, and the
// variants real deliveries bring (numbers as strings, "", `agent: null`, missing fields, unknown keys).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CALL_EVENTS, callEventNameForV2Type } from '../../lib/core/call-states';
import type { CallEvent, PhoneNumber } from '../../lib/core/call-event';
import { normalizePayload } from '../../lib/normalize';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../lib/normalize/options';
import { isV2MessageEvent, normalizeV2Event } from '../../lib/normalize/v2';
import type { V2Event } from '../../lib/schemas/v2';
import {
  V2_CALL_ANSWERED,
  V2_CALL_END,
  V2_CALL_SUMMARY,
  V2_CALL_SUMMARY_HUNT,
  V2_CALL_SUMMARY_OBD,
  V2_DISPOSITION,
  V2_WHATSAPP_MESSAGE,
  buildV2Event,
} from '../../lib/testing';
import { rejection } from '../helpers/normalize';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8')) as Json;
}

const sample = (): Json => fixture('v2-call-summary-doc.json');

/** A fixture with envelope changes and payload changes (`undefined` removes a key). */
function variant(base: Json, changes: Json, payloadChanges: Json = {}): Json {
  const envelope = structuredClone(base);
  const apply = (target: Json, edits: Json): void => {
    for (const [key, value] of Object.entries(edits)) {
      if (value === undefined) Reflect.deleteProperty(target, key);
      else target[key] = value;
    }
  };
  apply(envelope, changes);
  if (Object.keys(payloadChanges).length > 0) {
    envelope.payload = { ...(envelope.payload as Json) };
    apply(envelope.payload as Json, payloadChanges);
  }
  return envelope;
}

const receivedAt = new Date('2026-04-14T08:00:00Z');

function normalize(payload: unknown, options: Partial<typeof DEFAULT_NORMALIZE_OPTIONS> = {}): CallEvent {
  return normalizePayload(payload, { ...DEFAULT_NORMALIZE_OPTIONS, ...options }, receivedAt);
}

const phone = (e164: string, raw = e164): PhoneNumber => ({
  raw,
  e164,
  national: e164.slice(3),
  countryCode: '91',
});

const agentOnly = (number: string): CallEvent['agents'][number] => ({
  id: null,
  name: null,
  email: null,
  extension: null,
  phone: phone(number),
});

const SUMIT = {
  id: '5cd40f6556f2f124',
  name: 'Sumit',
  email: 'sumit.arya@myoperator.co',
  extension: '10',
  phone: phone('+918586848544'),
};

const customerLeg = { leg_index: 1, type: 'customer', phone_number: '+919711636496', result: 'connected' };
const legsOf = (...agentLegs: Json[]): Json => ({ legs: [customerLeg, ...agentLegs] });

describe('normalizeV2Event()', () => {
  describe("with MyOperator's documented call.summary sample", () => {
    const event = normalize(sample());

    it('names it call_summary in the v2 format', () => {
      expect([event.format, event.name, event.callState]).toEqual(['v2', 'call_summary', null]);
    });

    it('takes the uid from session_id, and no id because the abridged sample has no event_id', () => {
      expect([event.uid, event.id, event.companyId, event.sequence]).toEqual([
        '15.1776144484.2922',
        null,
        '6836cad944e39380',
        1,
      ]);
    });

    it('reads the caller, the direction and the bridged status as connected', () => {
      expect(event.caller).toEqual(phone('+919876543210'));
      expect([event.direction, event.status]).toEqual(['incoming', 'connected']);
    });

    it('takes the event time from ended_at, the send time from timestamp, the call times from the payload', () => {
      expect([
        event.callTime?.toISOString(),
        event.createdAt?.toISOString(),
        event.startedAt?.toISOString(),
        event.endedAt?.toISOString(),
        event.durationSeconds,
      ]).toEqual([
        '2026-04-14T05:29:26.000Z',
        '2026-04-14T05:29:28.838Z',
        '2026-04-14T05:28:04.000Z',
        '2026-04-14T05:29:26.000Z',
        82,
      ]);
    });

    it('reads the recording file name, with no url', () => {
      expect(event.recording).toEqual({ filename: '7b8aff-v2.mp3', url: null });
    });

    it('lists the agents of the agent legs, the one who answered first, with no numbers to give as users', () => {
      expect(event.agents).toEqual([
        { id: null, name: 'Agent2 Name', email: null, extension: '15', phone: null },
        { id: null, name: 'Agent1 Name', email: null, extension: '10', phone: null },
      ]);
      expect([event.dialStatus, event.users, event.userPhoneNumber]).toEqual(['ANSWER', [], null]);
    });

    it('fills nothing the sample does not carry', () => {
      expect([
        event.department,
        event.referenceId,
        event.clientRefId,
        event.jobId,
        event.publicIvrId,
        event.serviceNumber,
      ]).toEqual([null, null, null, null, null, null]);
    });

    it('gives the same event for the frozen copy myoperator-webhooks/testing exports', () => {
      expect(normalize(V2_CALL_SUMMARY)).toEqual(event);
    });

    it('can be called directly with a validated envelope', () => {
      expect(normalizeV2Event(sample() as V2Event, DEFAULT_NORMALIZE_OPTIONS, receivedAt).name).toBe('call_summary');
    });
  });

  describe('with a live call.answered whose agent leg has no agent object', () => {
    it('builds the exact CallEvent, every field', () => {
      const payload = fixture('v2-call-answered.json');
      expect(normalize(payload)).toStrictEqual({
        name: 'user_answered',
        callState: null,
        uid: '15.1776150631.3054',
        id: '3c2f9a6e-1b7d-4c8e-9f0a-5d6e7f801234',
        companyId: '6836cad944e39380',
        direction: 'incoming',
        status: 'connected',
        caller: phone('+919711636496'),
        serviceNumber: '+918069458221',
        users: ['+918586848544'],
        userPhoneNumber: '+918586848544',
        createdAt: new Date('2026-04-14T07:10:43.318Z'),
        // No answer time in the payload: the live event's send time.
        callTime: new Date('2026-04-14T07:10:43.318Z'),
        sequence: 4,
        referenceId: null,
        clientRefId: null,
        publicIvrId: null,
        jobId: null,
        startedAt: new Date('2026-04-14T07:10:31Z'),
        endedAt: null,
        durationSeconds: null,
        recording: null,
        department: { id: '5cd40f6559784843', name: 'sales' },
        agents: [agentOnly('+918586848544')],
        dialStatus: 'ANSWER',
        params: {},
        format: 'v2',
        receivedAt,
        raw: payload,
      } satisfies CallEvent);
    });

    it('gives the same event for V2_CALL_ANSWERED', () => {
      expect(normalize(V2_CALL_ANSWERED)).toEqual(normalize(fixture('v2-call-answered.json')));
    });

    it('takes the answer time from the answered leg when it carries one', () => {
      const event = normalize(
        variant(
          V2_CALL_ANSWERED,
          {},
          legsOf({
            type: 'agent',
            phone_number: '+918586848544',
            dial_status: 'ANSWER',
            answered_at: '2026-04-14T07:10:42+00:00',
          }),
        ),
      );
      expect(event.callTime?.toISOString()).toBe('2026-04-14T07:10:42.000Z');
    });
  });

  describe('with call.end whose agent leg has no agent object', () => {
    const event = normalize(fixture('v2-call-end.json'));

    it('fills agents, users, userPhoneNumber and dialStatus from the leg itself', () => {
      expect([event.agents, event.users, event.userPhoneNumber, event.dialStatus]).toEqual([
        [agentOnly('+918586848544')],
        ['+918586848544'],
        '+918586848544',
        'ANSWER',
      ]);
    });

    it('reads the call: the end as its time, the duration with the ring time, the recording file', () => {
      expect({
        name: event.name,
        callTime: event.callTime?.toISOString(),
        createdAt: event.createdAt?.toISOString(),
        sequence: event.sequence,
        startedAt: event.startedAt?.toISOString(),
        endedAt: event.endedAt?.toISOString(),
        durationSeconds: event.durationSeconds,
        recording: event.recording,
        status: event.status,
        serviceNumber: event.serviceNumber,
        department: event.department,
      }).toEqual({
        name: 'call_finished',
        callTime: '2026-04-14T07:12:20.000Z',
        createdAt: '2026-04-14T07:12:20.902Z',
        sequence: 5,
        startedAt: '2026-04-14T07:10:31.000Z',
        endedAt: '2026-04-14T07:12:20.000Z',
        durationSeconds: 109,
        recording: { filename: 'a3f09c2e5b71-v2.mp3', url: null },
        status: 'connected',
        serviceNumber: '+918069458221',
        department: { id: '5cd40f6559784843', name: 'sales' },
      });
    });

    it('gives the same event for V2_CALL_END', () => {
      expect(normalize(V2_CALL_END)).toEqual(normalize(fixture('v2-call-end.json')));
    });
  });

  describe('with the call.summary of a hunt: one agent BUSY, the next answered', () => {
    const event = normalize(fixture('v2-call-summary-hunt.json'));

    it('lists both agents from their agent objects, the one who answered first, then the busy one', () => {
      expect(event.agents).toEqual([
        SUMIT,
        {
          id: '5cd40f6556f2f131',
          name: 'Priya Sharma',
          email: null,
          extension: '11',
          phone: phone('+919810012345'),
        },
      ]);
      expect(event.users).toEqual(['+918586848544', '+919810012345']);
    });

    it('names the agent who answered, not the busy one', () => {
      expect([event.userPhoneNumber, event.dialStatus]).toEqual(['+918586848544', 'ANSWER']);
    });

    it('takes the DID from payload.did, as system_identifier is null on call.summary', () => {
      expect(event.serviceNumber).toBe('+918069458221');
    });

    it('reads empty ref_id and client_ref_id, and a null obd_campaign, as null', () => {
      expect([event.referenceId, event.clientRefId, event.jobId]).toEqual([null, null, null]);
    });

    it('reads the call times, the status, the department and the recording', () => {
      expect([
        event.callTime?.toISOString(),
        event.createdAt?.toISOString(),
        event.startedAt?.toISOString(),
        event.durationSeconds,
        event.status,
        event.department,
        event.recording,
        event.sequence,
      ]).toEqual([
        '2026-04-14T06:02:39.000Z',
        '2026-04-14T06:02:41.509Z',
        '2026-04-14T06:01:20.000Z',
        79,
        'connected',
        { id: '5cd40f6559784843', name: 'sales' },
        { filename: 'c41e0d9a77f2-v2.mp3', url: null },
        8,
      ]);
    });

    it('gives the same event for V2_CALL_SUMMARY_HUNT', () => {
      expect(normalize(V2_CALL_SUMMARY_HUNT)).toEqual(event);
    });
  });

  describe('with the call.summary of an OBD campaign call', () => {
    const event = normalize(fixture('v2-call-summary-obd.json'));

    it('reads client_ref_id, ref_id and obd_campaign.job_id', () => {
      expect([event.clientRefId, event.referenceId, event.jobId]).toEqual([
        'crm-lead-20931',
        '6f1c2a40-38d6-11f1-9a3c-0242ac120002',
        'job_8812',
      ]);
    });

    it('takes the DID from payload.did, as system_identifier is ""', () => {
      expect(event.serviceNumber).toBe('+918069458221');
    });

    it('reads the event_sequence sent as a string, and the outgoing direction', () => {
      expect([event.sequence, event.direction, event.name]).toEqual([6, 'outgoing', 'call_summary']);
    });

    it('reads the agent contact without a country code with the default one; userPhoneNumber as sent', () => {
      expect(event.agents).toEqual([
        {
          id: '5cd40f6556f2f147',
          name: 'Arjun Mehta',
          email: null,
          extension: '12',
          phone: phone('+919820054321', '9820054321'),
        },
      ]);
      expect([event.users, event.userPhoneNumber]).toEqual([['+919820054321'], '9820054321']);
    });

    it('reads a null department as null, and the timestamp with nanoseconds and +00:00', () => {
      expect([event.department, event.createdAt?.toISOString(), event.callTime?.toISOString()]).toEqual([
        null,
        '2026-04-15T10:15:48.000Z',
        '2026-04-15T10:15:46.000Z',
      ]);
    });

    it('gives the same event for V2_CALL_SUMMARY_OBD', () => {
      expect(normalize(V2_CALL_SUMMARY_OBD)).toEqual(event);
    });
  });

  describe('with a disposition event', () => {
    const event = normalize(fixture('v2-disposition.json'));

    it('names "disposition" (the Postman spelling) disposition, with no event_sequence', () => {
      expect([event.name, event.sequence, event.id, event.uid]).toEqual([
        'disposition',
        null,
        'e5d8b1f4-0c6a-4a3e-8d27-91b4c6f0a2d9',
        '15.1776150631.3054',
      ]);
    });

    it.each(['call.disposition', 'disposition', 'Disposition.Submitted', ' DISPOSITION '])(
      'names %j disposition too',
      (type) => {
        expect(normalize(variant(V2_DISPOSITION, { event_type: type })).name).toBe('disposition');
      },
    );

    it('takes the end of its call as its time (it has none of its own), the send time as createdAt', () => {
      expect([event.callTime?.toISOString(), event.endedAt?.toISOString(), event.createdAt?.toISOString()]).toEqual([
        '2026-04-14T07:12:20.000Z',
        '2026-04-14T07:12:20.000Z',
        '2026-04-14T07:13:05.550Z',
      ]);
    });

    it('takes the send time as its time when the payload has no end', () => {
      expect(normalize(variant(V2_DISPOSITION, {}, { ended_at: '' })).callTime?.toISOString()).toBe(
        '2026-04-14T07:13:05.550Z',
      );
    });

    it('reads the agent of its leg and keeps the dispositions in raw', () => {
      expect([event.agents, event.users, event.userPhoneNumber]).toEqual([[SUMIT], ['+918586848544'], '+918586848544']);
      expect(((event.raw as Json).payload as Json).dispositions).toEqual([
        { id: '64f0c1d2e3a4b5c6', name: 'Interested', comment: 'Call back on Friday' },
      ]);
    });

    it('gives the same event for V2_DISPOSITION', () => {
      expect(normalize(V2_DISPOSITION)).toEqual(event);
    });
  });

  describe('with a WhatsApp event on the same webhook', () => {
    it('names it message: no uid (its session_id is a conversation), no call fields, all of it in raw', () => {
      const payload = fixture('v2-whatsapp-message.json');
      expect(normalize(payload)).toStrictEqual({
        ...normalize({ event_type: 'call.initiated', payload: null }),
        name: 'message',
        id: '1d9e4b7a-2f3c-4e5d-8a6b-7c0d1e2f3a4b',
        companyId: '6836cad944e39380',
        direction: 'incoming',
        caller: phone('+919876543210'),
        createdAt: new Date('2026-04-14T07:45:03.221Z'),
        callTime: new Date('2026-04-14T07:45:03.221Z'),
        sequence: 12,
        raw: payload,
      });
    });

    it('gives the same event for V2_WHATSAPP_MESSAGE', () => {
      expect(normalize(V2_WHATSAPP_MESSAGE)).toEqual(normalize(fixture('v2-whatsapp-message.json')));
    });

    it.each([
      'message.received',
      'message.sent',
      'message.read',
      'message.delivered',
      'message.failed',
      'message.link_tracking',
      'conversation.assign',
      'conversation.close',
      'message.reaction',
      'conversation.reopen',
    ])('names %s message', (type) => {
      const event = normalize(variant(V2_WHATSAPP_MESSAGE, { event_type: type }));
      expect([event.name, event.uid, event.format]).toEqual(['message', null, 'v2']);
    });

    it('knows it by a message type without a channel, by a channel that is not call, in any case', () => {
      expect(
        [
          variant(V2_WHATSAPP_MESSAGE, { channel: undefined }),
          variant(V2_WHATSAPP_MESSAGE, { channel: null, event_type: 'Conversation.Close', direction: '' }),
          variant(V2_WHATSAPP_MESSAGE, { channel: 'WhatsApp', event_type: 'template.status_update' }),
          variant(V2_CALL_END, { channel: 'whatsapp' }),
        ].map((payload) => normalize(payload).name),
      ).toEqual(['message', 'message', 'message', 'message']);
    });

    it('reads "" direction (conversation events) as null, and ignores system_identifier (a phone number id)', () => {
      const event = normalize(variant(V2_WHATSAPP_MESSAGE, { event_type: 'conversation.assign', direction: '' }));
      expect([event.direction, event.serviceNumber]).toEqual([null, null]);
    });

    it.each([
      ['a payload that is a string', { payload: 'hello' }],
      ['a payload with legs that are a string', { payload: { legs: 'none' } }],
      ['a payload with a leg that is a number', { payload: { legs: [1] } }],
      ['a payload that is a list', { payload: [{ message: {} }] }],
      ['an event_id that is a number', { event_id: 987654 }],
      ['a session_id that is an object', { session_id: { id: 'conv_1' } }],
      ['a timestamp that is garbage', { timestamp: 'yesterday' }],
      ['event_sequence and event_version that are objects', { event_sequence: {}, event_version: { major: 1 } }],
      ['no payload at all', { payload: undefined }],
    ])('never rejects one with %s', (_label, changes) => {
      const event = normalize(variant(V2_WHATSAPP_MESSAGE, changes));
      expect([event.name, event.uid]).toEqual(['message', null]);
    });

    it('keeps its event_id as the id (its de-duplication key), read as text', () => {
      expect(normalize(variant(V2_WHATSAPP_MESSAGE, { event_id: 987654 })).id).toBe('987654');
    });

    it('is told apart from call events by isV2MessageEvent()', () => {
      expect(
        [V2_WHATSAPP_MESSAGE, V2_CALL_END, V2_CALL_SUMMARY, { event_type: 'call.end', channel: 'CALL ' }].map(
          (envelope) => isV2MessageEvent(envelope),
        ),
      ).toEqual([true, false, false, false]);
    });
  });

  describe('with each event type', () => {
    it.each([
      ['call.initiated', 'incoming_call'],
      ['call.ivr_started', 'ivr_started'],
      ['call.dial_begin', 'dialing_users'],
      ['call.answered', 'user_answered'],
      ['call.responded', 'user_answered'],
      ['call.end', 'call_finished'],
      ['call.ended', 'call_finished'],
      ['call.summary', 'call_summary'],
      ['call.disposition', 'disposition'],
      ['disposition', 'disposition'],
      ['call.disposition_added', 'unknown'],
      ['call.dispositioned', 'unknown'],
      [' Call.Answered ', 'user_answered'],
      ['CALL.IVR_STARTED', 'ivr_started'],
    ])('names %j %s', (eventType, name) => {
      const event = normalize(buildV2Event(eventType, { event_id: 'evt-1' }));
      expect([event.name, event.format, event.id, event.uid]).toEqual([name, 'v2', 'evt-1', '15.1776144484.2922']);
    });

    it.each([['call.transferred'], ['call.'], [''], [42], [null]])(
      'names the call type %j unknown, without rejecting it',
      (eventType) => {
        expect(normalize(variant(sample(), { event_type: eventType })).name).toBe('unknown');
      },
    );
  });

  describe('with the call-state table', () => {
    it('maps every listed v2 event type back to its row, and no type to two rows', () => {
      const types = CALL_EVENTS.flatMap((row) => row.v2EventTypes.map((type) => [type, row.name]));
      expect(types.map(([type]) => callEventNameForV2Type(type))).toEqual(types.map(([, name]) => name));
      expect(new Set(types.map(([type]) => type)).size).toBe(types.length);
    });

    it('normalises every listed v2 event type to its row through normalizePayload()', () => {
      for (const row of CALL_EVENTS) {
        for (const type of row.v2EventTypes) {
          const envelope =
            row.name === 'message' ? variant(V2_WHATSAPP_MESSAGE, { event_type: type }) : buildV2Event(type);
          expect([type, normalize(envelope).name]).toEqual([type, row.name]);
        }
      }
    });

    it('is what docs/formats.md lists, type by type', () => {
      const docs = readFileSync(join(__dirname, '../../docs/formats.md'), 'utf8');
      for (const row of CALL_EVENTS) {
        for (const type of row.v2EventTypes) {
          expect(docs).toContain(`| \`${type}\` | \`${row.name}\` | \`${row.handler}\` |`);
        }
      }
    });
  });

  describe('with agent legs in every shape', () => {
    const agentsOf = (...legs: Json[]): CallEvent => normalize(variant(V2_CALL_END, {}, legsOf(...legs)));

    it('reads an agent: null leg from the leg itself', () => {
      const event = agentsOf({ type: 'agent', phone_number: '+918586848544', dial_status: 'ANSWER', agent: null });
      expect([event.agents, event.users, event.userPhoneNumber]).toEqual([
        [agentOnly('+918586848544')],
        ['+918586848544'],
        '+918586848544',
      ]);
    });

    it('takes the phone from phone_number when the agent object has no contact', () => {
      const event = agentsOf({
        type: 'agent',
        phone_number: '+918586848544',
        result: 'answered',
        agent: { uuid: 'a-1', name: 'Sumit', email: null, extension: 10 },
      });
      expect(event.agents).toEqual([
        { id: 'a-1', name: 'Sumit', email: null, extension: '10', phone: phone('+918586848544') },
      ]);
      expect(event.userPhoneNumber).toBe('+918586848544');
    });

    it('prefers the contact of the agent object, and reads it with the default country code', () => {
      const event = agentsOf({
        type: 'agent',
        phone_number: '',
        dial_status: 'ANSWER',
        agent: { uuid: 'a-1', contact: '8586848544' },
      });
      expect([event.agents[0]?.phone, event.users, event.userPhoneNumber]).toEqual([
        phone('+918586848544', '8586848544'),
        ['+918586848544'],
        '8586848544',
      ]);
    });

    it('reads numbers sent as numbers, and a + a form decoder turned into a space', () => {
      const event = agentsOf(
        { type: 'agent', phone_number: 9810012345, dial_status: 'BUSY' },
        { type: 'agent', phone_number: ' 918586848544', dial_status: 'ANSWER' },
      );
      // The answering leg's agent first.
      expect(event.users).toEqual(['+918586848544', '+919810012345']);
    });

    it('reads the type in any case, and never counts the customer leg as an agent', () => {
      const event = agentsOf({ type: 'AGENT', phone_number: '+918586848544', result: 'answered' });
      expect(event.users).toEqual(['+918586848544']);
      expect(agentsOf().agents).toEqual([]);
    });

    it('lists no agent for a leg that names nobody, but keeps its dial status', () => {
      const event = agentsOf({ type: 'agent', phone_number: '', dial_status: 'NO ANSWER', result: '', agent: null });
      expect([event.agents, event.users, event.userPhoneNumber, event.dialStatus]).toEqual([[], [], null, 'NO ANSWER']);
    });

    it('reads "" values as absent', () => {
      const event = agentsOf({
        type: 'agent',
        phone_number: '+918586848544',
        dial_status: '',
        result: '',
        answered_at: '',
        agent: { uuid: '', name: '', email: '', contact: '', extension: '' },
      });
      expect([event.agents, event.dialStatus, event.userPhoneNumber]).toEqual([
        [agentOnly('+918586848544')],
        null,
        null,
      ]);
    });

    it('orders legs by leg_index, and lists an agent dialled twice once', () => {
      const event = agentsOf(
        { leg_index: 4, type: 'agent', phone_number: '+919810012345', dial_status: 'ANSWER' },
        { leg_index: 2, type: 'agent', phone_number: '+919810012345', dial_status: 'NOANSWER' },
        { leg_index: 3, type: 'agent', phone_number: '+918586848544', dial_status: 'BUSY' },
      );
      expect(event.users).toEqual(['+919810012345', '+918586848544']);
      expect([event.dialStatus, event.userPhoneNumber]).toEqual(['ANSWER', '+919810012345']);
    });

    it('counts a leg answered by its result, its dial status or its answer time', () => {
      const answeredBy = (leg: Json): string | null =>
        agentsOf({ type: 'agent', phone_number: '+918586848544', ...leg }).userPhoneNumber;
      expect([
        answeredBy({ result: 'answered' }),
        answeredBy({ result: 'connected' }),
        answeredBy({ dial_status: 'answer' }),
        answeredBy({ answered_at: '2026-04-14T07:10:43+00:00' }),
        answeredBy({ result: 'not_answered', dial_status: 'NO ANSWER' }),
        answeredBy({ dial_status: 'BUSY' }),
      ]).toEqual(['+918586848544', '+918586848544', '+918586848544', '+918586848544', null, null]);
    });

    it('on a missed call names no answering agent and gives the last leg’s dial status as sent', () => {
      const event = normalize(
        variant(
          V2_CALL_END,
          {},
          {
            status: 'missed',
            duration: '24',
            recording_filename: '',
            ...legsOf(
              { type: 'agent', phone_number: '+919810012345', result: 'not_answered', dial_status: 'BUSY' },
              { type: 'agent', phone_number: '+918586848544', result: 'not_answered', dial_status: 'NO ANSWER' },
            ),
          },
        ),
      );
      expect([event.status, event.userPhoneNumber, event.dialStatus, event.recording, event.durationSeconds]).toEqual([
        'missed',
        null,
        'NO ANSWER',
        null,
        24,
      ]);
      expect(event.users).toEqual(['+919810012345', '+918586848544']);
    });

    it('on call.answered whose legs do not say who answered, takes the last agent leg still open', () => {
      const event = normalize(
        variant(
          V2_CALL_ANSWERED,
          {},
          legsOf(
            { type: 'agent', phone_number: '+919810012345', dial_status: 'BUSY', result: 'not_answered' },
            { type: 'agent', phone_number: '+918586848544' },
          ),
        ),
      );
      expect([event.userPhoneNumber, event.users]).toEqual(['+918586848544', ['+918586848544', '+919810012345']]);
    });

    it('names nobody on another event whose legs do not say who answered', () => {
      const event = normalize(
        variant(
          V2_CALL_ANSWERED,
          { event_type: 'call.dial_begin' },
          legsOf({ type: 'agent', phone_number: '+918586848544' }),
        ),
      );
      expect([event.name, event.userPhoneNumber, event.users]).toEqual(['dialing_users', null, ['+918586848544']]);
    });

    it('reads another default country code', () => {
      const event = normalize(variant(V2_CALL_END, {}, legsOf({ type: 'agent', phone_number: '4155550123' })), {
        defaultCountryCode: '1',
      });
      expect(event.users).toEqual(['+14155550123']);
    });

    it('keeps an agent number it cannot read as sent', () => {
      const event = agentsOf({ type: 'agent', phone_number: 'sip:agent10@pbx', dial_status: 'ANSWER' });
      expect([event.users, event.agents[0]?.phone?.e164]).toEqual([['sip:agent10@pbx'], null]);
    });
  });

  describe('with the event time of each type', () => {
    const SENT = '2026-04-14T07:30:00.123456789Z';
    const timeOf = (type: string, payload: Json): string | undefined =>
      normalize({ event_type: type, session_id: 'n1.2.3', timestamp: SENT, payload }).callTime?.toISOString();
    const legs = [
      { type: 'agent', started_at: '2026-04-14T07:10:33+00:00', ended_at: '2026-04-14T07:10:38+00:00' },
      {
        type: 'agent',
        dial_status: 'ANSWER',
        started_at: '2026-04-14T07:10:38+00:00',
        answered_at: '2026-04-14T07:10:43+00:00',
        ended_at: '2026-04-14T07:12:19+00:00',
      },
    ];
    const full = {
      started_at: '2026-04-14T07:10:31+00:00',
      ended_at: '2026-04-14T07:12:20+00:00',
      legs,
    };

    it.each([
      ['call.initiated', full, '2026-04-14T07:10:31.000Z'],
      ['call.ivr_started', full, '2026-04-14T07:10:31.000Z'],
      ['call.dial_begin', full, '2026-04-14T07:10:38.000Z'],
      ['call.answered', full, '2026-04-14T07:10:43.000Z'],
      ['call.answered', { answered_at: '2026-04-14T07:10:44Z' }, '2026-04-14T07:10:44.000Z'],
      ['call.end', full, '2026-04-14T07:12:20.000Z'],
      ['call.end', { legs }, '2026-04-14T07:12:19.000Z'],
      ['call.summary', full, '2026-04-14T07:12:20.000Z'],
      ['disposition', full, '2026-04-14T07:12:20.000Z'],
      ['disposition', { legs }, '2026-04-14T07:30:00.123Z'],
      ['call.transferred', full, '2026-04-14T07:30:00.123Z'],
    ])('takes the time of %s from what its payload reports', (type, payload, time) => {
      expect(timeOf(type, payload)).toBe(time);
    });

    it.each(['call.initiated', 'call.ivr_started', 'call.dial_begin', 'call.answered', 'call.end', 'call.summary'])(
      'takes the send time for %s when the payload has no time for it',
      (type) => {
        expect(timeOf(type, { legs: [{ type: 'agent', phone_number: '+918586848544' }] })).toBe(
          '2026-04-14T07:30:00.123Z',
        );
      },
    );

    it('has no time when neither the payload nor the timestamp gives one', () => {
      expect(normalize({ event_type: 'call.answered', payload: {} }).callTime).toBeNull();
    });

    it.each([
      ['2026-04-14T07:10:31Z', '2026-04-14T07:10:31.000Z'],
      ['2026-04-14T07:10:31.123456789Z', '2026-04-14T07:10:31.123Z'],
      ['2026-04-14T12:40:31+05:30', '2026-04-14T07:10:31.000Z'],
      ['2026-04-14T07:10:31.5+00:00', '2026-04-14T07:10:31.500Z'],
    ])('reads the time %s', (value, time) => {
      expect(timeOf('call.initiated', { started_at: value })).toBe(time);
    });
  });

  describe('with event_version and event_sequence in every form', () => {
    it.each([
      [{ event_version: 1 }, 1],
      [{ event_version: '1' }, 1],
      [{ event_version: '2.0' }, 1],
      [{ event_version: undefined }, 1],
      [{ event_version: { major: 2 } }, 1],
      [{ event_sequence: '3' }, 3],
      [{ event_sequence: ' 7 ' }, 7],
      [{ event_sequence: undefined }, null],
      [{ event_sequence: '' }, null],
      [{ event_sequence: null }, null],
      [{ event_sequence: 2.5 }, null],
    ])('reads %j: sequence %j', (changes, sequence) => {
      const event = normalize(variant(sample(), changes));
      expect([event.name, event.sequence]).toEqual(['call_summary', sequence]);
    });
  });

  describe('with the service number', () => {
    it.each([
      [{ system_identifier: '+918069458221' }, {}, '+918069458221'],
      [{ system_identifier: null }, { did: '+918069458222' }, '+918069458222'],
      [{ system_identifier: '' }, { did: '918069458222' }, '918069458222'],
      [{ system_identifier: undefined }, { did: ' 918069458222' }, '+918069458222'],
      [{ system_identifier: '' }, { did: '' }, null],
      [{ system_identifier: 918069458221 }, {}, '918069458221'],
    ])('reads %j with payload %j as %j', (changes, payloadChanges, serviceNumber) => {
      expect(normalize(variant(sample(), changes, payloadChanges)).serviceNumber).toBe(serviceNumber);
    });
  });

  describe('with the OBD and department fields empty or partial', () => {
    it('reads "" as null everywhere', () => {
      const event = normalize(
        variant(
          V2_CALL_SUMMARY_OBD,
          {},
          {
            ref_id: '',
            client_ref_id: '  ',
            obd_campaign: { id: 'cmp_1', job_id: '' },
            department: { id: '', name: '' },
            recording_filename: '',
          },
        ),
      );
      expect([event.referenceId, event.clientRefId, event.jobId, event.department, event.recording]).toEqual([
        null,
        null,
        null,
        null,
        null,
      ]);
    });

    it('reads ids sent as numbers as text, and a department with a name only', () => {
      const event = normalize(
        variant(
          V2_CALL_SUMMARY_OBD,
          {},
          { client_ref_id: 20931, obd_campaign: { job_id: 8812 }, department: { name: 'sales' } },
        ),
      );
      expect([event.clientRefId, event.jobId, event.department]).toEqual([
        '20931',
        '8812',
        { id: null, name: 'sales' },
      ]);
    });

    it('reads no jobId when obd_campaign is missing', () => {
      expect(normalize(variant(V2_CALL_SUMMARY_OBD, {}, { obd_campaign: undefined })).jobId).toBeNull();
    });
  });

  describe('with the envelope partly empty', () => {
    it('falls back to the payload direction when the envelope direction is ""', () => {
      expect(normalize(variant(sample(), { direction: '' }, { direction: 'outgoing' })).direction).toBe('outgoing');
    });

    it('reads the direction as null when both are empty', () => {
      expect(normalize(variant(sample(), { direction: '' }, { direction: '' })).direction).toBeNull();
    });

    it('takes the caller from payload.customer_number when customer_identifier is missing', () => {
      expect(normalize(variant(sample(), { customer_identifier: undefined })).caller?.e164).toBe('+919876543210');
    });

    it('takes the uid from payload.id when session_id is ""', () => {
      expect(normalize(variant(sample(), { session_id: '' })).uid).toBe('15.1776144484.2922');
    });

    it('normalises an event without a payload', () => {
      const event = normalize({ event_type: 'call.initiated', session_id: 'n1.2.3', payload: null });
      expect([event.name, event.uid, event.agents, event.status, event.caller, event.callTime]).toEqual([
        'incoming_call',
        'n1.2.3',
        [],
        null,
        null,
        null,
      ]);
    });

    it('normalises a live event with no legs', () => {
      const event = normalize(variant(V2_CALL_ANSWERED, {}, { legs: undefined }));
      expect([event.name, event.agents, event.users, event.userPhoneNumber, event.dialStatus]).toEqual([
        'user_answered',
        [],
        [],
        null,
        null,
      ]);
    });
  });

  describe('with numbers sent as strings and strings sent as numbers', () => {
    it('reads every value the same way', () => {
      const event = normalize(
        variant(
          sample(),
          { event_id: 987, company_id: 6836, event_sequence: '2' },
          { duration: '82', status: 'BRIDGED' },
        ),
      );
      expect([event.id, event.companyId, event.durationSeconds, event.status, event.sequence]).toEqual([
        '987',
        '6836',
        82,
        'connected',
        2,
      ]);
    });

    it.each([
      ['bridged', 'connected'],
      ['missed', 'missed'],
      ['voicemail', 'voicemail'],
      ['Voicemail', 'voicemail'],
      ['ringing', null],
      ['', null],
    ])('reads the status %j as %j', (status, expected) => {
      expect(normalize(variant(sample(), {}, { status })).status).toBe(expected);
    });
  });

  describe('with unknown keys', () => {
    it('ignores them and keeps them in raw', () => {
      const event = normalize(
        variant(
          V2_CALL_END,
          { extra: { a: [1] }, event_version: 3 },
          { billable: true, pickup: 'x', legs: [{ ...customerLeg, pickup_device: 'app', nested: { deep: true } }] },
        ),
      );
      expect(event.name).toBe('call_finished');
      expect((event.raw as Json).extra).toEqual({ a: [1] });
    });
  });

  describe('with a wrong shape', () => {
    it.each([
      ['a payload that is a string', variant(sample(), { payload: 'call' }), '/payload'],
      ['legs that are an object', variant(sample(), {}, { legs: { type: 'agent' } }), '/payload/legs'],
      ['a leg that is not an object', variant(sample(), {}, { legs: ['agent'] }), '/payload/legs/0'],
      [
        'an agent that is a string',
        variant(sample(), {}, { legs: [{ type: 'agent', agent: 'Asha' }] }),
        '/payload/legs/0/agent',
      ],
      [
        'a phone_number that is an object',
        variant(sample(), {}, { legs: [{ phone_number: {} }] }),
        '/payload/legs/0/phone_number',
      ],
      ['an obd_campaign that is a string', variant(sample(), {}, { obd_campaign: 'job_1' }), '/payload/obd_campaign'],
      ['a department that is a list', variant(sample(), {}, { department: ['sales'] }), '/payload/department'],
      ['an event_type that is an object', variant(sample(), { event_type: { name: 'call.end' } }), '/event_type'],
      ['a session_id that is a list', variant(sample(), { session_id: ['15.1'] }), '/session_id'],
      ['an event_sequence that is an object', variant(sample(), { event_sequence: { n: 1 } }), '/event_sequence'],
    ])('rejects a call event with %s with 422 invalid_call_log and the failing path', (_label, payload, path) => {
      const error = rejection(payload);
      expect([error.status, error.code]).toEqual([422, 'invalid_call_log']);
      expect(error.details?.map((detail) => detail.path)).toContain(path);
    });
  });
});
