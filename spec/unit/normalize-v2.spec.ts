// normalizeV2Event(), through normalizePayload(): MyOperator's documented v2 `call.summary` sample as it is, every
// event type of the call-state table and its aliases, and the variants real deliveries bring.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { CALL_EVENTS, callEventNameForV2Type } from '../../lib/core/call-states';
import type { CallEvent } from '../../lib/core/call-event';
import { normalizePayload } from '../../lib/normalize';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../lib/normalize/options';
import { normalizeV2Event } from '../../lib/normalize/v2';
import type { V2Event } from '../../lib/schemas/v2';
import { V2_CALL_SUMMARY, buildV2Event } from '../../lib/testing';
import { rejection } from '../helpers/normalize';

type Envelope = Record<string, unknown>;

function sample(): Envelope {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures/v2-call-summary-doc.json'), 'utf8')) as Envelope;
}

/** The sample with envelope changes (`undefined` removes a key) and payload changes. */
function variant(changes: Envelope, payloadChanges: Envelope = {}): Envelope {
  const envelope = sample();
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) Reflect.deleteProperty(envelope, key);
    else envelope[key] = value;
  }
  if (Object.keys(payloadChanges).length > 0)
    envelope.payload = { ...(envelope.payload as Envelope), ...payloadChanges };
  return envelope;
}

const receivedAt = new Date('2026-04-14T05:29:29Z');

function normalize(payload: unknown): CallEvent {
  return normalizePayload(payload, DEFAULT_NORMALIZE_OPTIONS, receivedAt);
}

const agentLeg = (agent: Envelope, result: string, dialStatus: string): Envelope => ({
  type: 'agent',
  result,
  dial_status: dialStatus,
  agent,
});

describe('normalizeV2Event()', () => {
  describe("with MyOperator's documented call.summary sample", () => {
    const event = normalize(sample());

    it('names it call_summary in the v2 format', () => {
      expect([event.format, event.name, event.callState]).toEqual(['v2', 'call_summary', null]);
    });

    it('takes the uid from session_id, and no id because the abridged sample has no event_id', () => {
      expect([event.uid, event.id, event.companyId]).toEqual(['15.1776144484.2922', null, '6836cad944e39380']);
    });

    it('reads the caller, the direction and the bridged status as connected', () => {
      expect(event.caller).toEqual({
        raw: '+919876543210',
        e164: '+919876543210',
        national: '9876543210',
        countryCode: '91',
      });
      expect([event.direction, event.status]).toEqual(['incoming', 'connected']);
    });

    it('takes callTime from the send timestamp and the call times from the payload', () => {
      expect([
        event.callTime?.toISOString(),
        event.startedAt?.toISOString(),
        event.endedAt?.toISOString(),
        event.durationSeconds,
        event.createdAt,
      ]).toEqual(['2026-04-14T05:29:28.838Z', '2026-04-14T05:28:04.000Z', '2026-04-14T05:29:26.000Z', 82, null]);
    });

    it('reads the recording file name, with no url', () => {
      expect(event.recording).toEqual({ filename: '7b8aff-v2.mp3', url: null });
    });

    it('lists the agents of the agent legs and the dial status of the answered one', () => {
      expect(event.agents).toEqual([
        { id: null, name: 'Agent1 Name', email: null, extension: '10', phone: null },
        { id: null, name: 'Agent2 Name', email: null, extension: '15', phone: null },
      ]);
      expect([event.dialStatus, event.users, event.userPhoneNumber]).toEqual(['ANSWER', [], null]);
    });

    it('fills nothing the format does not carry', () => {
      expect([event.department, event.referenceId, event.jobId, event.serviceNumber]).toEqual([null, null, null, null]);
    });

    it('gives the same event for the frozen copy myoperator-webhooks/testing exports', () => {
      expect(normalize(V2_CALL_SUMMARY)).toEqual(event);
    });

    it('can be called directly with a validated envelope', () => {
      expect(normalizeV2Event(sample() as V2Event, DEFAULT_NORMALIZE_OPTIONS, receivedAt).name).toBe('call_summary');
    });
  });

  describe('with each event type', () => {
    it.each([
      ['call.initiated', 'incoming_call'],
      ['call.dial_begin', 'dialing_users'],
      ['call.answered', 'user_answered'],
      ['call.responded', 'user_answered'],
      ['call.end', 'call_finished'],
      ['call.ended', 'call_finished'],
      ['call.summary', 'call_summary'],
      ['call.disposition', 'disposition'],
      ['call.disposition_added', 'unknown'],
      ['call.dispositioned', 'unknown'],
      [' Call.Answered ', 'user_answered'],
    ])('names %j %s', (eventType, name) => {
      const event = normalize(buildV2Event(eventType, { event_id: 'evt-1' }));
      expect([event.name, event.format, event.id, event.uid]).toEqual([name, 'v2', 'evt-1', '15.1776144484.2922']);
    });

    it.each([['call.transferred'], ['conversation.message_received'], [''], [42], [null]])(
      'names the type %j unknown, without rejecting it',
      (eventType) => {
        expect(normalize(variant({ event_type: eventType })).name).toBe('unknown');
      },
    );
  });

  describe('with the call-state table', () => {
    it('maps every listed v2 event type back to its row, and no type to two rows', () => {
      const types = CALL_EVENTS.flatMap((row) => row.v2EventTypes.map((type) => [type, row.name]));
      expect(types.map(([type]) => callEventNameForV2Type(type))).toEqual(types.map(([, name]) => name));
      expect(new Set(types.map(([type]) => type)).size).toBe(types.length);
    });

    it('has MyOperator documented call.disposition for the disposition row', () => {
      expect(CALL_EVENTS.find((row) => row.name === 'disposition')?.v2EventTypes[0]).toBe('call.disposition');
    });

    it('is what the README lists, type by type', () => {
      const docs = readFileSync(join(__dirname, '../../README.md'), 'utf8');
      for (const row of CALL_EVENTS) {
        for (const type of row.v2EventTypes) {
          expect(docs).toContain(`| \`${type}\` | \`${row.name}\` | \`${row.handler}\` |`);
        }
      }
    });
  });

  describe('with a missed call', () => {
    const event = normalize(
      variant(
        { event_type: 'call.end', event_id: 'evt-9' },
        {
          status: 'missed',
          duration: 0,
          recording_filename: '',
          legs: [
            { type: 'customer', result: 'connected' },
            agentLeg({ uuid: 'a-1', name: 'Asha', contact: '9811111111' }, 'not_answered', 'BUSY'),
            agentLeg({ uuid: 'a-2', name: 'Ravi', contact: '+919822222222' }, 'not_answered', 'NOANSWER'),
          ],
        },
      ),
    );

    it('reads the status, no recording and no answering agent', () => {
      expect([event.name, event.status, event.recording, event.userPhoneNumber, event.durationSeconds]).toEqual([
        'call_finished',
        'missed',
        null,
        null,
        0,
      ]);
    });

    it('takes the dial status of the last agent leg', () => {
      expect(event.dialStatus).toBe('NOANSWER');
    });

    it('lists every agent with a phone from the contact, and their numbers as users', () => {
      expect(event.agents.map((agent) => [agent.id, agent.phone?.e164])).toEqual([
        ['a-1', '+919811111111'],
        ['a-2', '+919822222222'],
      ]);
      expect(event.users).toEqual(['+919811111111', '+919822222222']);
    });
  });

  describe('with full agent details', () => {
    it('reads uuid, email and contact, lists an agent once, and answers with the answered leg', () => {
      const asha = { uuid: 'a-1', name: 'Asha', email: 'asha@example.com', contact: '9811111111', extension: 12 };
      const event = normalize(
        variant(
          {},
          {
            recording_url: 'https://example.com/rec/1.mp3',
            legs: [
              agentLeg(asha, 'not_answered', 'NOANSWER'),
              { ...agentLeg(asha, 'answered', 'ANSWER'), answered_at: '2026-04-14T05:28:59+00:00' },
            ],
          },
        ),
      );
      expect(event.agents).toEqual([
        {
          id: 'a-1',
          name: 'Asha',
          email: 'asha@example.com',
          extension: '12',
          phone: { raw: '9811111111', e164: '+919811111111', national: '9811111111', countryCode: '91' },
        },
      ]);
      expect([event.userPhoneNumber, event.dialStatus, event.recording]).toEqual([
        '9811111111',
        'ANSWER',
        { filename: '7b8aff-v2.mp3', url: 'https://example.com/rec/1.mp3' },
      ]);
    });
  });

  describe('with the envelope partly empty', () => {
    it('falls back to the payload direction when the envelope direction is ""', () => {
      expect(normalize(variant({ direction: '' }, { direction: 'outgoing' })).direction).toBe('outgoing');
    });

    it('reads the direction as null when both are empty', () => {
      expect(normalize(variant({ direction: '' }, { direction: '' })).direction).toBeNull();
    });

    it('takes the caller from payload.customer_number when customer_identifier is missing', () => {
      expect(normalize(variant({ customer_identifier: undefined })).caller?.e164).toBe('+919876543210');
    });

    it('normalises an event without a payload', () => {
      const event = normalize({ event_type: 'call.initiated', session_id: 'n1.2.3', payload: null });
      expect([event.name, event.uid, event.agents, event.status, event.caller]).toEqual([
        'incoming_call',
        'n1.2.3',
        [],
        null,
        null,
      ]);
    });
  });

  describe('with numbers sent as strings and strings sent as numbers', () => {
    it('reads every value the same way', () => {
      const event = normalize(
        variant({ event_id: 987, company_id: 6836, event_sequence: '2' }, { duration: '82', status: 'BRIDGED' }),
      );
      expect([event.id, event.companyId, event.durationSeconds, event.status]).toEqual([
        '987',
        '6836',
        82,
        'connected',
      ]);
    });
  });

  describe('with the DID in system_identifier', () => {
    it('takes it as the service number of a call event', () => {
      expect(normalize(variant({ system_identifier: '911161568087' })).serviceNumber).toBe('911161568087');
    });

    it('ignores it on a WhatsApp event, where it is a phone number id', () => {
      const event = normalize(
        variant({ event_type: 'conversation.message', channel: 'whatsapp', system_identifier: '10998877' }),
      );
      expect([event.name, event.serviceNumber]).toEqual(['unknown', null]);
    });
  });

  describe('with unknown keys', () => {
    it('ignores them and keeps them in raw', () => {
      const event = normalize(variant({ event_version: 2, extra: { a: [1] } }, { obd_campaign: { id: 'c1' } }));
      expect(event.name).toBe('call_summary');
      expect((event.raw as Envelope).extra).toEqual({ a: [1] });
    });
  });

  describe('with a wrong shape', () => {
    it.each([
      ['a payload that is a string', variant({ payload: 'call' }), '/payload'],
      ['legs that are an object', variant({}, { legs: { type: 'agent' } }), '/payload/legs'],
      ['a leg that is not an object', variant({}, { legs: ['agent'] }), '/payload/legs/0'],
      ['an agent that is a string', variant({}, { legs: [{ type: 'agent', agent: 'Asha' }] }), '/payload/legs/0/agent'],
      ['an event_type that is an object', variant({ event_type: { name: 'call.end' } }), '/event_type'],
      ['a session_id that is a list', variant({ session_id: ['15.1'] }), '/session_id'],
    ])('rejects %s with 422 invalid_call_log and the failing path', (_label, payload, path) => {
      const error = rejection(payload);
      expect([error.status, error.code]).toEqual([422, 'invalid_call_log']);
      expect(error.details?.map((detail) => detail.path)).toContain(path);
    });
  });
});
