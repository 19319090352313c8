// The sample payloads of myoperator-webhooks/testing: the same JSON as spec/fixtures, frozen; the builders
// return mutable copies.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  AFTER_CALL_LOG,
  buildAfterCallLog,
  buildCallEvent,
  buildInCallLog,
  buildV2Event,
  IN_CALL_LOG,
  V2_CALL_ANSWERED,
  V2_CALL_END,
  V2_CALL_SUMMARY,
  V2_CALL_SUMMARY_HUNT,
  V2_CALL_SUMMARY_OBD,
  V2_DISPOSITION,
  V2_WHATSAPP_MESSAGE,
} from '../../lib/testing';

function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', name), 'utf8')) as unknown;
}

/** Every object and array inside a value, the value included. */
function containers(value: unknown): object[] {
  if (typeof value !== 'object' || value === null) return [];
  return [value, ...Object.values(value).flatMap(containers)];
}

const FIXTURES = [
  ['IN_CALL_LOG', IN_CALL_LOG, 'incall-v1-seed.json'],
  ['AFTER_CALL_LOG', AFTER_CALL_LOG, 'aftercall-v1-doc.json'],
  ['V2_CALL_SUMMARY', V2_CALL_SUMMARY, 'v2-call-summary-doc.json'],
  ['V2_CALL_ANSWERED', V2_CALL_ANSWERED, 'v2-call-answered.json'],
  ['V2_CALL_END', V2_CALL_END, 'v2-call-end.json'],
  ['V2_CALL_SUMMARY_HUNT', V2_CALL_SUMMARY_HUNT, 'v2-call-summary-hunt.json'],
  ['V2_CALL_SUMMARY_OBD', V2_CALL_SUMMARY_OBD, 'v2-call-summary-obd.json'],
  ['V2_DISPOSITION', V2_DISPOSITION, 'v2-disposition.json'],
  ['V2_WHATSAPP_MESSAGE', V2_WHATSAPP_MESSAGE, 'v2-whatsapp-message.json'],
] as const;

describe('the testing fixtures', () => {
  describe.each(FIXTURES)('%s', (_name, fixture, file) => {
    it(`equals spec/fixtures/${file}`, () => {
      expect(fixture).toStrictEqual(readFixture(file));
    });

    it('is frozen all the way down', () => {
      const all = containers(fixture);
      expect(all.length).toBeGreaterThan(1);
      expect(all.filter((item) => !Object.isFrozen(item))).toEqual([]);
    });

    it('is accepted by normalizePayload() as the format its file name says', () => {
      expect(buildCallEvent(fixture).format).toBe(file.startsWith('v2') ? 'v2' : file.split('-').slice(0, 2).join('-'));
    });

    it('cannot be changed', () => {
      expect(() => {
        (fixture as unknown as Record<string, unknown>).injected = 1;
      }).toThrow(TypeError);
      expect(fixture).not.toHaveProperty('injected');
    });
  });
});

describe('buildInCallLog()', () => {
  describe('without overrides', () => {
    it('returns a deep, mutable copy of IN_CALL_LOG', () => {
      const log = buildInCallLog();
      expect(log).toEqual(IN_CALL_LOG);
      expect(log).not.toBe(IN_CALL_LOG);
      expect(containers(log).filter((item) => Object.isFrozen(item))).toEqual([]);
      (log.users as string[]).push('918586848545');
      log.call_state = '6';
      expect([IN_CALL_LOG.users, IN_CALL_LOG.call_state]).toEqual([['918586848544'], '1']);
    });
  });

  describe('with overrides', () => {
    it('replaces, adds and (with undefined) removes top-level fields', () => {
      const log = buildInCallLog({ call_state: '6', extra: 1, job_id: undefined });
      expect(log).toEqual({ ...IN_CALL_LOG, call_state: '6', extra: 1, job_id: undefined });
      expect(Object.hasOwn(log, 'job_id')).toBe(false);
    });

    it('treats a __proto__ override as an ordinary field', () => {
      const log = buildInCallLog(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
      expect(Object.hasOwn(log, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});

describe('buildAfterCallLog()', () => {
  it('returns a deep, mutable copy of AFTER_CALL_LOG with overrides', () => {
    const log = buildAfterCallLog({ _su: 2 });
    expect(log).toEqual({ ...AFTER_CALL_LOG, _su: 2 });
    expect(containers(log).filter((item) => Object.isFrozen(item))).toEqual([]);
    (log._ld as Array<Record<string, unknown>>)[0]!._ds = 'NOANSWER';
    expect(AFTER_CALL_LOG._ld[0]?._ds).toBe('ANSWER');
  });
});

describe('buildV2Event()', () => {
  it('returns a deep, mutable copy of V2_CALL_SUMMARY with the event type', () => {
    const envelope = buildV2Event('call.answered', { session_id: 'n2.1700000000.1' });
    expect(envelope).toEqual({ ...V2_CALL_SUMMARY, event_type: 'call.answered', session_id: 'n2.1700000000.1' });
    expect(containers(envelope).filter((item) => Object.isFrozen(item))).toEqual([]);
    (envelope.payload as Record<string, unknown>).status = 'missed';
    expect(V2_CALL_SUMMARY.payload.status).toBe('bridged');
  });
});

describe('buildCallEvent()', () => {
  it('builds the seed’s event by default, as a mutable object', () => {
    const event = buildCallEvent();
    expect([event.name, event.uid, Object.isFrozen(event), Object.isFrozen(event.users)]).toEqual([
      'incoming_call',
      'n2.1596270949.2175190',
      false,
      false,
    ]);
    event.users.push('x');
    expect(buildCallEvent().users).toEqual(['+918586848544']);
  });

  it('uses the given receivedAt and options', () => {
    const receivedAt = new Date('2024-01-01T00:00:00Z');
    const event = buildCallEvent(IN_CALL_LOG, { timeZone: 'Asia/Kolkata' }, receivedAt);
    expect([event.receivedAt, event.createdAt]).toEqual([receivedAt, new Date('2020-08-01T03:05:56Z')]);
  });
});
