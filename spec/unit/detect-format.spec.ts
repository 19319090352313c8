// detectFormat() and normalizePayload() over the three payload formats: each fixture is recognised, the most
// specific format wins when keys overlap, and a payload of no known shape is a 422, never a crash.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { detectFormat, normalizePayload } from '../../lib/normalize';
import { rejection } from '../helpers/normalize';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8')) as Record<string, unknown>;
}

const inCall = fixture('incall-v1-seed.json');
const afterCall = fixture('aftercall-v1-doc.json');
const v2 = fixture('v2-call-summary-doc.json');

describe('detectFormat()', () => {
  describe("with MyOperator's three samples", () => {
    it.each([
      ['incall-v1-seed.json', inCall, 'incall-v1'],
      ['aftercall-v1-doc.json', afterCall, 'aftercall-v1'],
      ['v2-call-summary-doc.json', v2, 'v2'],
    ])('recognises %s as %s', (_file, payload, format) => {
      expect(detectFormat(payload)).toBe(format);
    });
  });

  describe('with keys of several formats', () => {
    it('takes an envelope with event_type as v2, although company_id is an in-call key', () => {
      expect(detectFormat({ event_type: 'call.end', company_id: 'c1', uid: 'n1.2.3' })).toBe('v2');
    });

    it('takes a log with after-call short keys as aftercall-v1 before in-call', () => {
      expect(detectFormat({ _ai: 'a1', uid: 'n1.2.3' })).toBe('aftercall-v1');
    });

    it('takes v2 before the after-call log', () => {
      expect(detectFormat({ event_type: 'call.summary', _ld: [] })).toBe('v2');
    });

    it.each(['event_id', 'session_id', 'event_sequence', 'system_identifier', 'customer_identifier'])(
      'takes an envelope without event_type as v2 by its %s, although company_id is an in-call key',
      (key) => {
        expect(detectFormat({ [key]: 'x', company_id: 'c1' })).toBe('v2');
      },
    );
  });

  describe('with a missed after-call log that carries little', () => {
    it('recognises it from any one short key', () => {
      expect(detectFormat({ _ld: [], _pm: [] })).toBe('aftercall-v1');
      expect(detectFormat({ _cl: '+919711636496' })).toBe('aftercall-v1');
    });
  });

  describe('with no known shape', () => {
    it.each([
      ['an empty object', {}],
      ['an object of other keys', { hello: 'world' }],
      ['a list of call logs', [afterCall]],
      ['a JSON string', '{"uid":"x"}'],
      ['null', null],
      ['a number', 42],
    ])('answers null for %s', (_label, payload) => {
      expect(detectFormat(payload)).toBeNull();
    });
  });
});

describe('normalizePayload()', () => {
  describe('with each format', () => {
    it('builds the event of the detected format', () => {
      expect([inCall, afterCall, v2].map((payload) => normalizePayload(payload).format)).toEqual([
        'incall-v1',
        'aftercall-v1',
        'v2',
      ]);
    });

    it('names the events from their own fields', () => {
      expect([inCall, afterCall, v2].map((payload) => normalizePayload(payload).name)).toEqual([
        'incoming_call',
        'call_summary',
        'call_summary',
      ]);
    });
  });

  describe('with a WhatsApp envelope that lost its event_type', () => {
    it('accepts it as a v2 message by its channel, never as an in-call log', () => {
      const event = normalizePayload({
        event_id: 'wa-1',
        company_id: 'c1',
        channel: 'whatsapp',
        session_id: 'conv_1',
        payload: 'not a call',
      });
      expect([event.format, event.name, event.uid, event.id]).toEqual(['v2', 'message', null, 'wa-1']);
    });
  });

  describe('with a JSON object of an unknown shape', () => {
    it('rejects it with 422 invalid_call_log, the whole payload as the failing path', () => {
      const error = rejection({ hello: 'world', nested: { a: 1 } });
      expect([error.status, error.code, error.details?.map((detail) => detail.path)]).toEqual([
        422,
        'invalid_call_log',
        [''],
      ]);
    });
  });

  describe('with a value that is not an object', () => {
    it.each([
      ['a list of v2 events', [v2]],
      ['a string', 'text'],
      ['null', null],
      ['a boolean', true],
    ])('rejects %s with 422 invalid_call_log', (_label, payload) => {
      expect([rejection(payload).status, rejection(payload).code]).toEqual([422, 'invalid_call_log']);
    });
  });
});
