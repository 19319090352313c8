// The in-call call log (long keys) -> CallEvent, through normalizePayload(), the entry every middleware uses.

import { CALL_EVENTS, detectFormat, MyOperatorWebhookError, normalizePayload, type CallEvent } from '../../../lib';
import { normalizeInCallLog } from '../../../lib/normalize/incall-v1';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../../lib/normalize/options';
import { buildCallEvent, buildInCallLog, IN_CALL_LOG } from '../../../lib/testing';

const RECEIVED_AT = new Date('2020-08-01T08:35:57.123Z');

function invalid(payload: unknown): MyOperatorWebhookError {
  try {
    normalizePayload(payload);
  } catch (error) {
    if (error instanceof MyOperatorWebhookError) return error;
    throw error;
  }
  throw new Error('normalizePayload() accepted the payload');
}

describe('normalizeInCallLog()', () => {
  describe("with the seed's call log", () => {
    it('builds the exact CallEvent, every field', () => {
      const expected: CallEvent = {
        name: 'incoming_call',
        callState: 1,
        uid: 'n2.1596270949.2175190',
        id: '5f25296c4122c135',
        companyId: '5cd40f6554442586',
        direction: 'outgoing',
        status: null,
        caller: { raw: '919711636496', e164: '+919711636496', national: '9711636496', countryCode: '91' },
        serviceNumber: null,
        users: ['+918586848544'],
        userPhoneNumber: null,
        createdAt: new Date('2020-08-01T08:35:56Z'),
        callTime: new Date('2020-08-01T08:35:56Z'),
        sequence: null,
        referenceId: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
        clientRefId: 'fdfdfdf',
        publicIvrId: '5ee9a795b318a786',
        jobId: null,
        startedAt: null,
        endedAt: null,
        durationSeconds: null,
        recording: null,
        department: null,
        agents: [],
        dialStatus: null,
        params: {},
        format: 'incall-v1',
        receivedAt: RECEIVED_AT,
        raw: IN_CALL_LOG,
      };

      expect(buildCallEvent(IN_CALL_LOG, {}, RECEIVED_AT)).toStrictEqual(expected);
    });

    it('keeps the payload itself as raw', () => {
      const log = buildInCallLog();
      expect(buildCallEvent(log).raw).toBe(log);
    });

    it('gives the same event through normalizeInCallLog() directly', () => {
      expect(normalizeInCallLog(buildInCallLog(), DEFAULT_NORMALIZE_OPTIONS, RECEIVED_AT)).toEqual(
        buildCallEvent(IN_CALL_LOG, {}, RECEIVED_AT),
      );
    });

    it('is detected as incall-v1', () => {
      expect(detectFormat(IN_CALL_LOG)).toBe('incall-v1');
    });
  });

  describe('with each call state', () => {
    it.each(CALL_EVENTS.filter((row) => row.callState !== null).map((row) => [row.callState, row.name] as const))(
      'names call_state "%d" %s',
      (callState, name) => {
        const event = buildCallEvent(buildInCallLog({ call_state: String(callState) }));
        expect([event.name, event.callState]).toEqual([name, callState]);
      },
    );

    it('names call_state 8 (not in the table) "unknown" and keeps the number', () => {
      const event = buildCallEvent(buildInCallLog({ call_state: '8' }));
      expect([event.name, event.callState]).toEqual(['unknown', 8]);
    });

    it('names a non-numeric call_state "unknown" with callState null', () => {
      const event = buildCallEvent(buildInCallLog({ call_state: 'abc' }));
      expect([event.name, event.callState]).toEqual(['unknown', null]);
    });

    it('names a missing call_state "unknown"', () => {
      const event = buildCallEvent(buildInCallLog({ call_state: undefined }));
      expect([event.name, event.callState]).toEqual(['unknown', null]);
    });
  });

  describe('with numbers sent as JSON numbers', () => {
    it('reads them like their strings', () => {
      const event = buildCallEvent(
        buildInCallLog({
          call_state: 6,
          event: 1,
          status: 1,
          clid_raw: 919711636496,
          clid: 9711636496,
          rdnis: 1161568087,
        }),
      );
      expect(event).toMatchObject({
        name: 'user_answered',
        callState: 6,
        direction: 'incoming',
        status: 'connected',
        caller: { raw: '919711636496', e164: '+919711636496', national: '9711636496', countryCode: '91' },
        serviceNumber: '1161568087',
      });
    });

    it('reads epoch seconds in created and call_time', () => {
      const event = buildCallEvent(buildInCallLog({ created: 1596270956, call_time: '1596270956' }));
      expect([event.createdAt, event.callTime]).toEqual([
        new Date('2020-08-01T08:35:56Z'),
        new Date('2020-08-01T08:35:56Z'),
      ]);
    });
  });

  describe('with users as a comma-separated string', () => {
    it('splits them into a list of E.164 numbers', () => {
      const event = buildCallEvent(buildInCallLog({ users: '918586848544, 918586848545' }));
      expect(event.users).toEqual(['+918586848544', '+918586848545']);
    });
  });

  describe('with users in the forms MyOperator and form decoders send', () => {
    it('reads each as E.164 with the default country code, and lists a number once', () => {
      const event = buildCallEvent(
        buildInCallLog({ users: ['918586848544', '8586848544', ' 918586848544', '+919810012345', 9820054321] }),
      );
      expect(event.users).toEqual(['+918586848544', '+919810012345', '+919820054321']);
    });

    it('keeps a value that is no phone number as sent, and leaves out empty ones', () => {
      const event = buildCallEvent(buildInCallLog({ users: ['ext-10', '', '  ', null, '10'] }));
      expect(event.users).toEqual(['ext-10', '10']);
    });

    it('reads a number without a country code with defaultCountryCode', () => {
      const event = buildCallEvent(buildInCallLog({ users: ['4155550123'] }), { defaultCountryCode: '1' });
      expect(event.users).toEqual(['+14155550123']);
    });

    it('gives no agents: the in-call log names numbers only', () => {
      expect(buildCallEvent(buildInCallLog({ users: ['918586848544'] })).agents).toEqual([]);
    });
  });

  describe('with users absent or null', () => {
    it('gives an empty list', () => {
      expect([
        buildCallEvent(buildInCallLog({ users: null })).users,
        buildCallEvent(buildInCallLog({ users: undefined })).users,
      ]).toEqual([[], []]);
    });
  });

  describe('with rdnis', () => {
    it('turns "unknown" into null', () => {
      expect(buildCallEvent(buildInCallLog({ rdnis: 'unknown' })).serviceNumber).toBeNull();
    });

    it('keeps a real service number', () => {
      expect(buildCallEvent(buildInCallLog({ rdnis: '919999999999' })).serviceNumber).toBe('919999999999');
    });
  });

  describe('with status', () => {
    it.each([
      [null, null],
      ['1', 'connected'],
      ['2', 'missed'],
      ['3', 'voicemail'],
    ])('reads %j as %j', (status, expected) => {
      expect(buildCallEvent(buildInCallLog({ status })).status).toBe(expected);
    });
  });

  describe('with empty strings for absent values', () => {
    it('gives null', () => {
      const event = buildCallEvent(
        buildInCallLog({ reference_id: '', client_ref_id: '', public_ivr_id: '', job_id: '', clid_raw: '', clid: '' }),
      );
      expect([event.referenceId, event.clientRefId, event.publicIvrId, event.jobId, event.caller]).toEqual([
        null,
        null,
        null,
        null,
        null,
      ]);
    });
  });

  describe('with a time zone for the zone-less dates', () => {
    it('reads created and call_time in that zone', () => {
      const event = buildCallEvent(IN_CALL_LOG, { timeZone: 'Asia/Kolkata' });
      expect([event.createdAt, event.callTime]).toEqual([
        new Date('2020-08-01T03:05:56Z'),
        new Date('2020-08-01T03:05:56Z'),
      ]);
    });
  });

  describe('with unknown keys', () => {
    it('tolerates them and keeps them in raw', () => {
      const log = buildInCallLog({ call_state: '6', brand_new_field: { nested: [1, 2] }, x_custom_flag: '91' });
      const event = buildCallEvent(log, {}, RECEIVED_AT);
      expect(event.name).toBe('user_answered');
      expect(event.raw).toEqual({
        ...IN_CALL_LOG,
        call_state: '6',
        brand_new_field: { nested: [1, 2] },
        x_custom_flag: '91',
      });
    });
  });

  describe('with only a few known keys', () => {
    it('builds the event with everything else null', () => {
      const event = buildCallEvent({ uid: 'n2.1700000000.1', call_state: '2' });
      expect(event).toMatchObject({
        name: 'call_finished',
        uid: 'n2.1700000000.1',
        id: null,
        caller: null,
        users: [],
        createdAt: null,
        format: 'incall-v1',
      });
    });
  });
});

describe('normalizePayload()', () => {
  describe('with a field of the wrong type', () => {
    it('throws invalid_call_log (422) naming the failing path', () => {
      const error = invalid(buildInCallLog({ call_state: { value: 1 } }));
      expect([error.status, error.code, error.expose]).toEqual([422, 'invalid_call_log', true]);
      expect(error.details).toEqual([{ path: '/call_state', message: expect.any(String) as string }]);
    });

    it('lists every failing path, down to array items', () => {
      const error = invalid(buildInCallLog({ uid: true, users: [{ number: '91' }] }));
      const paths = (error.details ?? []).map((detail) => detail.path);
      expect(paths).toEqual(expect.arrayContaining(['/uid', '/users/0']));
    });
  });

  describe('with a payload that is not an object', () => {
    it.each([
      ['null', null],
      ['an array', [IN_CALL_LOG]],
      ['a string', '{"uid":"n2.1"}'],
      ['a number', 42],
      ['undefined', undefined],
    ])('throws invalid_call_log (422) for %s', (_label, payload) => {
      const error = invalid(payload);
      expect([error.status, error.code, error.details]).toEqual([
        422,
        'invalid_call_log',
        [{ path: '', message: 'must be a JSON object' }],
      ]);
    });
  });

  describe('with an object of no known shape', () => {
    it.each([
      ['an empty object', {}],
      ['unrelated keys', { hello: 'world', foo: 1 }],
    ])('throws invalid_call_log (422) for %s', (_label, payload) => {
      const error = invalid(payload);
      expect([error.status, error.code]).toEqual([422, 'invalid_call_log']);
      expect(error.details).toHaveLength(1);
      expect(error.details?.[0]?.path).toBe('');
    });

    it('is detected as no format', () => {
      expect([detectFormat({ hello: 'world' }), detectFormat([]), detectFormat(null)]).toEqual([null, null, null]);
    });
  });

  describe('with the default receivedAt', () => {
    it('stamps the time of the call', () => {
      const before = Date.now();
      const event = normalizePayload(IN_CALL_LOG);
      expect(event.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(event.receivedAt.getTime()).toBeLessThanOrEqual(Date.now());
    });
  });
});
