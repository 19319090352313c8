// The panel's query string parameter fields: found by key or by dropdown label, each filling its CallEvent field,
// the call log winning over the query string.

import { QUERY_FIELDS, type CallEvent } from '../../lib';
import {
  applyQueryMapping,
  findQueryField,
  normalizeQuery,
  type ResolvedQueryMapping,
} from '../../lib/normalize/query';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../lib/normalize/options';
import { buildCallEvent, buildInCallLog } from '../../lib/testing';

const RECEIVED_AT = new Date('2024-01-01T00:00:00Z');

/** parameter name -> field key or label, resolved the way mapQueryParams() resolves it. */
function mappingOf(mapping: Readonly<Record<string, string>>): ResolvedQueryMapping {
  return Object.entries(mapping).map(([parameter, keyOrLabel]) => {
    const field = findQueryField(keyOrLabel);
    if (!field) throw new Error(`no field ${keyOrLabel}`);
    return [parameter, field] as const;
  });
}

function fromQuery(params: Record<string, string>, mapping: Readonly<Record<string, string>>): CallEvent {
  const event = normalizeQuery(params, mappingOf(mapping), DEFAULT_NORMALIZE_OPTIONS, RECEIVED_AT);
  if (!event) throw new Error('normalizeQuery() built no event');
  return event;
}

describe('QUERY_FIELDS', () => {
  it("lists the panel's 13 fields with their dropdown labels, in the panel's order", () => {
    expect(QUERY_FIELDS.map((row) => [row.key, row.label])).toEqual([
      ['callerNumber', 'Caller number with country code'],
      ['callerNumberRaw', 'Caller number without country code'],
      ['createdAt', 'Creation date of log (epoch)'],
      ['direction', 'Event of log'],
      ['status', 'Status of log'],
      ['callState', 'Call state'],
      ['uid', 'UID'],
      ['companyId', 'Company ID'],
      ['serviceNumber', 'Service number'],
      ['userPhoneNumber', "User's phone number"],
      ['referenceId', 'Reference ID'],
      ['clientRefId', 'Client reference ID'],
      ['publicIvrId', 'IVR ID'],
    ]);
  });
});

describe('findQueryField()', () => {
  describe('with a key or a label', () => {
    it.each(QUERY_FIELDS.map((row) => [row.key, row.label] as const))('finds %s by key and by "%s"', (key, label) => {
      expect([findQueryField(key)?.key, findQueryField(label)?.key]).toEqual([key, key]);
    });
  });

  describe('in another case, with spaces around', () => {
    it('finds the field', () => {
      expect([
        findQueryField('CALLERNUMBER')?.key,
        findQueryField('caller number WITH country code')?.key,
        findQueryField("  user's PHONE number ")?.key,
        findQueryField('ivr id')?.key,
      ]).toEqual(['callerNumber', 'callerNumber', 'userPhoneNumber', 'publicIvrId']);
    });
  });

  describe('with anything else', () => {
    it('finds nothing', () => {
      expect([findQueryField('caller'), findQueryField(''), findQueryField('Custom'), findQueryField('_cl')]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    });
  });
});

describe('normalizeQuery()', () => {
  describe('with each field mapped by key', () => {
    it('fills the caller from "Caller number with country code", restoring the +', () => {
      expect(fromQuery({ caller_number: ' 919999999999' }, { caller_number: 'callerNumber' }).caller).toEqual({
        raw: '+919999999999',
        e164: '+919999999999',
        national: '9999999999',
        countryCode: '91',
      });
    });

    it('fills the caller from "Caller number without country code"', () => {
      expect(fromQuery({ cr: '9876543210' }, { cr: 'callerNumberRaw' }).caller).toEqual({
        raw: '9876543210',
        e164: '+919876543210',
        national: '9876543210',
        countryCode: '91',
      });
    });

    it.each([
      ['1577797873', '2019-12-31T13:11:13.000Z'],
      ['1577797873000', '2019-12-31T13:11:13.000Z'],
    ])('fills createdAt from the epoch %s', (value, expected) => {
      expect(fromQuery({ created: value }, { created: 'createdAt' }).createdAt?.toISOString()).toBe(expected);
    });

    it.each([
      ['Incoming', 'incoming'],
      ['1', 'incoming'],
      ['Outgoing', 'outgoing'],
      ['2', 'outgoing'],
    ])('fills direction from %s', (value, expected) => {
      expect(fromQuery({ ev: value }, { ev: 'direction' }).direction).toBe(expected);
    });

    it.each([
      ['Connected', 'connected'],
      ['1', 'connected'],
      ['Missed', 'missed'],
      ['Voicemail', 'voicemail'],
      ['3', 'voicemail'],
    ])('fills status from %s', (value, expected) => {
      expect(fromQuery({ su: value }, { su: 'status' }).status).toBe(expected);
    });

    it('fills callState and names the event from it', () => {
      const event = fromQuery({ state: '6' }, { state: 'callState' });
      expect([event.callState, event.name]).toEqual([6, 'user_answered']);
    });

    it('names an unknown call state "unknown"', () => {
      const event = fromQuery({ state: '8' }, { state: 'callState' });
      expect([event.callState, event.name]).toEqual([8, 'unknown']);
    });

    it('fills the text fields', () => {
      const event = fromQuery(
        {
          uid: 's5.347638.78643857',
          company: 'abc123',
          service: '919999999999',
          agent: '9999999999',
          ref: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
          client_ref: 'my-ref',
          ivr: '5ee9a795b318a786',
        },
        {
          uid: 'uid',
          company: 'companyId',
          service: 'serviceNumber',
          agent: 'userPhoneNumber',
          ref: 'referenceId',
          client_ref: 'clientRefId',
          ivr: 'publicIvrId',
        },
      );
      expect(event).toMatchObject({
        uid: 's5.347638.78643857',
        companyId: 'abc123',
        serviceNumber: '919999999999',
        userPhoneNumber: '9999999999',
        referenceId: 'fd771ed0-d3d1-11ea-935a-9a5b7644c4f0',
        clientRefId: 'my-ref',
        publicIvrId: '5ee9a795b318a786',
      });
    });

    it('restores a + lost in the service number', () => {
      expect(fromQuery({ service: ' 919999999999' }, { service: 'serviceNumber' }).serviceNumber).toBe('+919999999999');
    });
  });

  describe('with fields mapped by panel label, in any case', () => {
    it('fills the same fields', () => {
      const event = fromQuery(
        { caller_number: '+919876543210', state: '5', uid: 's5.1.2', event: 'Incoming' },
        { caller_number: 'CALLER NUMBER WITH COUNTRY CODE', state: 'Call state', uid: 'uid', event: 'event of log' },
      );
      expect(event).toMatchObject({
        name: 'dialing_users',
        callState: 5,
        uid: 's5.1.2',
        direction: 'incoming',
        caller: { e164: '+919876543210' },
      });
    });
  });

  describe('with the query alone', () => {
    it("builds a format 'query' event that keeps every parameter in params and raw", () => {
      const params = { state: '1', uid: 's5.1.2', custom_key: 'static-value' };
      const event = fromQuery(params, { state: 'callState', uid: 'uid' });
      expect(event).toMatchObject({ format: 'query', params, raw: params, receivedAt: RECEIVED_AT });
      expect(event).toMatchObject({ caller: null, users: [], createdAt: null, agents: [] });
    });
  });

  describe('with no mapped parameter present', () => {
    it('returns null', () => {
      const mapping = mappingOf({ state: 'callState' });
      expect([
        normalizeQuery({ other: '1' }, mapping, DEFAULT_NORMALIZE_OPTIONS, RECEIVED_AT),
        normalizeQuery({ state: '' }, mapping, DEFAULT_NORMALIZE_OPTIONS, RECEIVED_AT),
        normalizeQuery({}, mapping, DEFAULT_NORMALIZE_OPTIONS, RECEIVED_AT),
        normalizeQuery({ state: '6' }, [], DEFAULT_NORMALIZE_OPTIONS, RECEIVED_AT),
      ]).toEqual([null, null, null, null]);
    });
  });

  describe('with other normalisation options', () => {
    it('uses the default country code', () => {
      const event = normalizeQuery(
        { cr: '4155550123' },
        mappingOf({ cr: 'callerNumberRaw' }),
        { defaultCountryCode: '1', timeZone: null },
        RECEIVED_AT,
      );
      expect(event?.caller?.e164).toBe('+14155550123');
    });
  });
});

describe('applyQueryMapping()', () => {
  describe('with a call log that has the value', () => {
    it('keeps the log value (the log wins)', () => {
      const event = buildCallEvent(buildInCallLog({ call_state: '1', uid: 'n2.from-log' }));
      applyQueryMapping(
        event,
        { state: '6', uid: 'n2.from-query', caller: '+14155550123', created: '1577797873', event: '1' },
        mappingOf({ state: 'callState', uid: 'uid', caller: 'callerNumber', created: 'createdAt', event: 'direction' }),
        DEFAULT_NORMALIZE_OPTIONS,
      );
      expect(event).toMatchObject({
        name: 'incoming_call',
        callState: 1,
        uid: 'n2.from-log',
        caller: { e164: '+919711636496' },
        createdAt: new Date('2020-08-01T08:35:56Z'),
        direction: 'outgoing',
      });
    });
  });

  describe('with a call log that lacks the value', () => {
    it('fills it from the query', () => {
      const event = buildCallEvent(
        buildInCallLog({ call_state: undefined, clid: undefined, clid_raw: undefined, status: null }),
      );
      applyQueryMapping(
        event,
        { state: '6', caller: ' 919999999999', status: 'Connected', service: '919999999999', agent: '9999999999' },
        mappingOf({
          state: 'callState',
          caller: 'callerNumber',
          status: 'status',
          service: 'serviceNumber',
          agent: "User's phone number",
        }),
        DEFAULT_NORMALIZE_OPTIONS,
      );
      expect(event).toMatchObject({
        name: 'user_answered',
        callState: 6,
        caller: { raw: '+919999999999', e164: '+919999999999' },
        status: 'connected',
        serviceNumber: '919999999999',
        userPhoneNumber: '9999999999',
      });
    });
  });

  describe('with an empty parameter', () => {
    it('leaves the field as it is', () => {
      const event = buildCallEvent(buildInCallLog({ status: null }));
      applyQueryMapping(event, { status: '' }, mappingOf({ status: 'status' }), DEFAULT_NORMALIZE_OPTIONS);
      expect(event.status).toBeNull();
    });
  });
});
