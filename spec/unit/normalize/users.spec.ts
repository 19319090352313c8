// The one rule for `CallEvent.users`, held in every format (in-call log, after-call log, Webhook v2, query string):
// the agents' numbers in E.164 where they read as phone numbers (with defaultCountryCode), else as sent, each once.

import type { CallEvent } from '../../../lib/core/call-event';
import { toUserNumbers } from '../../../lib/normalize/agents';
import { DEFAULT_NORMALIZE_OPTIONS, type NormalizeOptions } from '../../../lib/normalize/options';
import { applyQueryMapping, findQueryField, normalizeQuery } from '../../../lib/normalize/query';
import { buildAfterCallLog, buildCallEvent, buildInCallLog, V2_CALL_END } from '../../../lib/testing';

type Json = Record<string, unknown>;

const SUMIT = '+918586848544';
const PRIYA = '+919810012345';

const inCall = (users: unknown, options: Partial<NormalizeOptions> = {}): string[] =>
  buildCallEvent(buildInCallLog({ users }), options).users;

const afterCall = (agents: Json[][], options: Partial<NormalizeOptions> = {}): string[] =>
  buildCallEvent(buildAfterCallLog({ _ld: agents.map((people) => ({ _ds: 'ANSWER', _rr: people })) }), options).users;

const v2 = (legs: Json[], options: Partial<NormalizeOptions> = {}): string[] =>
  buildCallEvent({ ...V2_CALL_END, payload: { ...V2_CALL_END.payload, legs } }, options).users;

const MAPPING = [['upn', findQueryField("User's phone number")!]] as const;

function query(value: string, options: Partial<NormalizeOptions> = {}): CallEvent {
  const event = normalizeQuery({ upn: value }, MAPPING, { ...DEFAULT_NORMALIZE_OPTIONS, ...options }, new Date());
  if (event === null) throw new Error('no event');
  return event;
}

describe('CallEvent.users', () => {
  describe('with the number each format sends for one agent', () => {
    it('is the same E.164 list in all four formats', () => {
      expect([
        inCall(['918586848544']),
        afterCall([[{ _nr: SUMIT, _ct: '8586848544' }]]),
        v2([{ type: 'agent', phone_number: SUMIT }]),
        query('8586848544').users,
      ]).toEqual([[SUMIT], [SUMIT], [SUMIT], [SUMIT]]);
    });

    it.each([
      ['in-call, 10 digits', () => inCall(['8586848544'])],
      ['in-call, a + a form decoder turned into a space', () => inCall([' 918586848544'])],
      ['in-call, a number sent as a number', () => inCall([918586848544])],
      ['in-call, a comma-separated string', () => inCall('918586848544,')],
      ['after-call, only _ct', () => afterCall([[{ _ct: '8586848544' }]])],
      ['after-call, only _nr', () => afterCall([[{ _nr: SUMIT }]])],
      ['v2, the agent contact', () => v2([{ type: 'agent', agent: { contact: '08586848544' } }])],
      ['v2, agent: null and the leg number', () => v2([{ type: 'agent', agent: null, phone_number: '918586848544' }])],
      ['query, with its +', () => query(SUMIT).users],
      ['query, the + as a space', () => query(' 918586848544').users],
    ])('reads %s as E.164', (_label, read) => {
      expect(read()).toEqual([SUMIT]);
    });
  });

  describe('with a value that is no phone number', () => {
    it('keeps it as sent (trimmed) in every format', () => {
      expect([
        inCall([' ext-10 ']),
        afterCall([[{ _na: 'Sumit', _ct: 'ext-10' }]]),
        v2([{ type: 'agent', phone_number: 'ext-10' }]),
        query('ext-10').users,
      ]).toEqual([['ext-10'], ['ext-10'], ['ext-10'], ['ext-10']]);
    });
  });

  describe('with another default country code', () => {
    it('reads numbers without one with it, in every format', () => {
      const options = { defaultCountryCode: '1' };
      expect([
        inCall(['4155550123'], options),
        afterCall([[{ _ct: '4155550123' }]], options),
        v2([{ type: 'agent', phone_number: '4155550123' }], options),
        query('4155550123', options).users,
      ]).toEqual([['+14155550123'], ['+14155550123'], ['+14155550123'], ['+14155550123']]);
    });
  });

  describe('with an agent named twice', () => {
    it('lists each number once, in the order sent, in every format', () => {
      expect([
        inCall(['919810012345', '918586848544', '9810012345']),
        afterCall([[{ _nr: PRIYA }], [{ _ct: '8586848544' }], [{ _nr: PRIYA, _ct: '9810012345' }]]),
        v2([
          { type: 'agent', phone_number: PRIYA, dial_status: 'BUSY' },
          { type: 'agent', phone_number: '8586848544' },
          { type: 'agent', phone_number: '919810012345', dial_status: 'ANSWER' },
        ]),
      ]).toEqual([
        [PRIYA, SUMIT],
        [PRIYA, SUMIT],
        [PRIYA, SUMIT],
      ]);
    });
  });

  describe('with nothing to name', () => {
    it('is empty in every format', () => {
      expect([
        inCall(null),
        inCall(['', '  ']),
        afterCall([]),
        v2([{ type: 'customer', phone_number: SUMIT }]),
        buildCallEvent({ event_type: 'call.initiated', payload: null }).users,
      ]).toEqual([[], [], [], [], []]);
    });
  });

  describe('with the query string and a call log', () => {
    it('keeps the agents the log names, and fills users from the query only when the log names none', () => {
      const named = buildCallEvent(buildInCallLog({ users: ['919810012345'] }));
      const unnamed = buildCallEvent(buildInCallLog({ users: [] }));
      applyQueryMapping(named, { upn: '8586848544' }, MAPPING, DEFAULT_NORMALIZE_OPTIONS);
      applyQueryMapping(unnamed, { upn: '8586848544' }, MAPPING, DEFAULT_NORMALIZE_OPTIONS);
      expect([named.users, named.userPhoneNumber, unnamed.users]).toEqual([[PRIYA], '8586848544', [SUMIT]]);
    });

    it('gives userPhoneNumber as sent and users by the rule', () => {
      expect([query('8586848544').userPhoneNumber, query('8586848544').users]).toEqual(['8586848544', [SUMIT]]);
    });
  });

  describe('toUserNumbers()', () => {
    it('is the rule itself', () => {
      expect(toUserNumbers(['918586848544', 8586848544, ' 919810012345', 'ext-10', '', null, {}], '91')).toEqual([
        SUMIT,
        PRIYA,
        'ext-10',
      ]);
    });
  });
});
