// normalizeAfterCallLog(), through normalizePayload() (detect, validate, normalise): MyOperator's documented
// after-call sample as it is, and the variants real deliveries bring (missed calls, strings vs numbers, PHP lists).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CallEvent } from '../../lib/core/call-event';
import { normalizePayload } from '../../lib/normalize';
import { normalizeAfterCallLog } from '../../lib/normalize/aftercall-v1';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../lib/normalize/options';
import { AFTER_CALL_LOG } from '../../lib/testing';
import { rejection } from '../helpers/normalize';

type Log = Record<string, unknown>;

function sample(): Log {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures/aftercall-v1-doc.json'), 'utf8')) as Log;
}

/** The sample with changes; `undefined` removes a key. */
function variant(changes: Log): Log {
  const log = sample();
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) Reflect.deleteProperty(log, key);
    else log[key] = value;
  }
  return log;
}

const receivedAt = new Date('2020-07-17T07:12:50Z');

function normalize(payload: unknown): CallEvent {
  return normalizePayload(payload, DEFAULT_NORMALIZE_OPTIONS, receivedAt);
}

/** The sample's first leg and its agent, as copies to change. */
function firstLeg(): Log {
  const legs = sample()._ld as Log[];
  return { ...legs[0]! };
}

const missedCall: Log = {
  _ai: '5f114f490dbe2499',
  _ci: '5cd40f6554442586',
  _cr: '9711636496',
  _cl: '+919711636496',
  _cy: '91',
  _ts: 1594970000,
  _st: 1594969980,
  _ms: 1594969980000,
  _et: 1594969995,
  _dr: '00:00:15',
  _ev: 1,
  _fn: '',
  _fu: '',
  _su: 2,
  _dn: '',
  _di: '',
  _pm: [],
  _ld: [],
  _us: [],
  _tc: [],
  _ri: '',
  _ji: '',
  _ivid: '',
  _cri: '',
};

describe('normalizeAfterCallLog()', () => {
  describe("with MyOperator's documented sample", () => {
    const event = normalize(sample());

    it('names it call_summary in the aftercall-v1 format', () => {
      expect([event.format, event.name, event.callState]).toEqual(['aftercall-v1', 'call_summary', null]);
    });

    it('takes the uid from the _pm entry keyed "ui", the id from _ai and the company from _ci', () => {
      expect([event.uid, event.id, event.companyId]).toEqual([
        'd5.1594969927.2496720',
        '5f114f490dbe2437',
        '5cd40f6554442586',
      ]);
    });

    it('reads the caller, the direction and the status', () => {
      expect(event.caller).toEqual({
        raw: '+919711636496',
        e164: '+919711636496',
        national: '9711636496',
        countryCode: '91',
      });
      expect([event.direction, event.status]).toEqual(['incoming', 'connected']);
    });

    it('reads the times and the duration', () => {
      expect(event.startedAt?.toISOString()).toBe('2020-07-17T07:12:09.000Z');
      expect(event.endedAt?.toISOString()).toBe('2020-07-17T07:12:48.000Z');
      expect(event.createdAt?.toISOString()).toBe('2020-07-17T07:12:47.000Z');
      expect(event.durationSeconds).toBe(39);
    });

    it('reads the department, the agent, the answering number and the dial status', () => {
      expect(event.department).toEqual({ id: '5cd40f6559784843', name: 'sales' });
      expect(event.agents).toEqual([
        {
          id: '5cd40f6556f2f124',
          name: 'Sumit',
          email: 'sumit.arya@myoperator.co',
          extension: '10',
          phone: { raw: '+918586848544', e164: '+918586848544', national: '8586848544', countryCode: '91' },
        },
      ]);
      expect([event.users, event.userPhoneNumber, event.dialStatus]).toEqual([
        ['+918586848544'],
        '8586848544',
        'ANSWER',
      ]);
    });

    it('reads the recording, with the slashes the sample escaped', () => {
      expect(event.recording).toEqual({
        filename: 'e673ba2e1747cb32960b19275f459c1869776c7b673901bb1f20ddd779117e93b148825cb28ce1d0.mp3',
        url: 'http://app.myoperator.co/audio/e673ba2e1747cb32960b19275f459c1869776c7b673901bb1f20ddd779117e93b148825cb28ce1d0',
      });
    });

    it('turns the empty reference fields into null and keeps the payload as sent', () => {
      expect([event.referenceId, event.jobId, event.publicIvrId, event.clientRefId]).toEqual([null, null, null, null]);
      expect(event.raw).toEqual(sample());
    });

    it('gives the same event for the frozen copy myoperator-webhooks/testing exports', () => {
      expect(normalize(AFTER_CALL_LOG)).toEqual(event);
    });

    it('can be called directly with a validated log', () => {
      const direct = normalizeAfterCallLog(sample(), DEFAULT_NORMALIZE_OPTIONS, receivedAt);
      expect(direct.uid).toBe('d5.1594969927.2496720');
    });
  });

  describe('with a missed call', () => {
    const event = normalize(missedCall);

    it('normalises the empty lists and empty strings to null and empty lists', () => {
      expect(event).toMatchObject({
        name: 'call_summary',
        status: 'missed',
        uid: null,
        agents: [],
        users: [],
        userPhoneNumber: null,
        dialStatus: null,
        recording: null,
        department: null,
        referenceId: null,
      });
    });

    it('still reads the caller and the times', () => {
      expect([event.caller?.e164, event.startedAt?.toISOString(), event.durationSeconds]).toEqual([
        '+919711636496',
        '2020-07-17T07:13:00.000Z',
        15,
      ]);
    });

    it('takes the dial status of the last leg when no leg was answered', () => {
      const legs = [
        { ...firstLeg(), _ds: 'BUSY', _su: '2', _ac: 'missed' },
        { ...firstLeg(), _ds: 'NOANSWER', _su: '2', _ac: 'missed' },
      ];
      const missed = normalize({ ...missedCall, _ld: legs });
      expect([missed.dialStatus, missed.userPhoneNumber, missed.agents.length]).toEqual(['NOANSWER', null, 1]);
    });
  });

  describe('with the uid not first in _pm', () => {
    it('finds it by key, never by position', () => {
      const event = normalize(
        variant({
          _pm: [
            { ky: 'is', vl: '0' },
            { ky: 'vt', vl: '2' },
            { ky: 'ui', vl: 'n9.1600000000.1' },
          ],
        }),
      );
      expect(event.uid).toBe('n9.1600000000.1');
    });
  });

  describe('with numbers sent as strings and strings sent as numbers', () => {
    const event = normalize(
      variant({
        _ai: 12345,
        _ci: 67890,
        _st: '1594969929',
        _et: '1594969968',
        _ts: '1594969967',
        _ev: '1',
        _su: '1',
        _dr: 39,
        _cy: 91,
        _cr: 9711636496,
        _cl: '',
        _di: 42,
        _dn: '',
      }),
    );

    it('reads every value the same way', () => {
      expect(event).toMatchObject({
        id: '12345',
        companyId: '67890',
        direction: 'incoming',
        status: 'connected',
        durationSeconds: 39,
        department: { id: '42', name: null },
      });
      expect([event.startedAt?.toISOString(), event.caller?.e164]).toEqual([
        '2020-07-17T07:12:09.000Z',
        '+919711636496',
      ]);
    });

    it('takes the start from _ms when _st is missing', () => {
      const fromMs = normalize(variant({ _st: '', _ms: '1594969929500' }));
      expect(fromMs.startedAt?.toISOString()).toBe('2020-07-17T07:12:09.500Z');
    });

    it('counts the duration from the start and end times when _dr is missing', () => {
      expect(normalize(variant({ _dr: undefined })).durationSeconds).toBe(39);
    });

    it('reads words for the direction and status', () => {
      const words = normalize(variant({ _ev: 'Outgoing', _su: 'Voicemail' }));
      expect([words.direction, words.status]).toEqual(['outgoing', 'voicemail']);
    });
  });

  describe('with the caller country code in _cy', () => {
    it('gives the caller that country code when _cl is empty', () => {
      const event = normalize(variant({ _cl: '', _cr: '4155550100', _cy: '+1' }));
      expect(event.caller?.e164).toBe('+14155550100');
    });

    it('restores a + that form decoding turned into a space', () => {
      expect(normalize(variant({ _cl: ' 919711636496' })).caller?.e164).toBe('+919711636496');
    });
  });

  describe('with several legs and agents', () => {
    it("lists each agent once, the answering leg's first, and answers with the agent of the answered leg", () => {
      const ravi = { _id: 'r1', _na: 'Ravi', _em: '', _ex: '11', _ct: '9811111111', _nr: '+919811111111' };
      const sumit = ((sample()._ld as Log[])[0]!._rr as Log[])[0]!;
      const event = normalize(
        variant({
          _ld: [
            { _ds: 'NOANSWER', _su: '2', _ac: 'missed', _rr: [ravi, sumit] },
            { _ds: 'ANSWER', _su: '1', _ac: 'received', _rr: [sumit] },
            { _ds: 'CANCEL', _su: '2', _rr: [ravi] },
          ],
        }),
      );
      expect(event.agents.map((agent) => [agent.id, agent.name, agent.email])).toEqual([
        ['5cd40f6556f2f124', 'Sumit', 'sumit.arya@myoperator.co'],
        ['r1', 'Ravi', null],
      ]);
      expect([event.users, event.userPhoneNumber, event.dialStatus]).toEqual([
        ['+918586848544', '+919811111111'],
        '8586848544',
        'ANSWER',
      ]);
    });
  });

  describe('with lists PHP encoded as objects', () => {
    it('reads a single leg object as a one-element list', () => {
      const event = normalize(variant({ _ld: firstLeg() }));
      expect([event.agents.map((agent) => agent.name), event.dialStatus]).toEqual([['Sumit'], 'ANSWER']);
    });

    it('reads a numbered map as the list of its values', () => {
      const event = normalize(
        variant({
          _ld: { '1': firstLeg() },
          _pm: { '0': { ky: 'is', vl: '0' }, '2': { ky: 'ui', vl: 'n2.1.2' } },
        }),
      );
      expect([event.uid, event.agents.length, event.userPhoneNumber]).toEqual(['n2.1.2', 1, '8586848544']);
    });

    it('reads an empty object or null as an empty list', () => {
      const event = normalize(variant({ _ld: {}, _pm: null }));
      expect([event.agents, event.uid, event.dialStatus]).toEqual([[], null, null]);
    });
  });

  describe('with unknown keys', () => {
    it('ignores them and keeps them in raw', () => {
      const event = normalize(variant({ _zz: { nested: [1, 2] }, _new: true }));
      expect(event.uid).toBe('d5.1594969927.2496720');
      expect((event.raw as Log)._zz).toEqual({ nested: [1, 2] });
    });
  });

  describe('with a wrong shape', () => {
    it.each([
      ['_ld a string', { _ld: 'ANSWER' }, '/_ld'],
      ['a leg that is not an object', { _ld: ['ANSWER'] }, '/_ld/0'],
      ['agents as a string', { _ld: [{ ...firstLeg(), _rr: 'Sumit' }] }, '/_ld/0/_rr'],
      ['a _pm value that is an object', { _pm: [{ ky: 'ui', vl: { id: 1 } }] }, '/_pm/0/vl'],
      ['_ai an object', { _ai: { id: 1 } }, '/_ai'],
      ['_st a boolean', { _st: true }, '/_st'],
    ])('rejects %s with 422 invalid_call_log and the failing path', (_label, changes, path) => {
      const error = rejection(variant(changes));
      expect([error.status, error.code]).toEqual([422, 'invalid_call_log']);
      expect(error.details?.map((detail) => detail.path)).toContain(path);
    });
  });
});
