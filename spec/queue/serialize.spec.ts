// The event a queue carries: every format's event survives JSON exactly (Dates revived, raw as it was, params
// with their prototype), a damaged job is refused field by field, and job ids are ones BullMQ accepts.

import express from 'express';
import fc from 'fast-check';
import request from 'supertest';

import { createCallEvent, mapQueryParams, parseMyOperatorBody, type CallEvent } from '../../lib';
import { CALL_EVENT_NAMES } from '../../lib/core/call-states';
import { deserializeCallEvent, queueJobId, serializeCallEvent } from '../../lib/queue/serialize';
import { MAX_KEY_LENGTH } from '../../lib/store/compact-key';
import { AFTER_CALL_LOG, buildCallEvent, buildV2Event, IN_CALL_LOG, V2_CALL_SUMMARY } from '../../lib/testing';

/** Through the queue's wire form: serialised, as text in Redis, parsed, revived. */
function roundTrip(event: CallEvent): CallEvent {
  return deserializeCallEvent(JSON.parse(JSON.stringify(serializeCallEvent(event))));
}

/** The event the Express pieces build for a request (the real pipeline, query string and all). */
async function eventFromRequest(send: (agent: request.Agent) => request.Test): Promise<CallEvent> {
  let captured: CallEvent | undefined;
  const app = express();
  app.all(
    '/hook',
    parseMyOperatorBody(),
    mapQueryParams({ caller_number: 'callerNumber', state: 'callState', uid: 'uid', created: 'createdAt' }),
    (req, res) => {
      captured = req.callEvent;
      res.json({ ok: true });
    },
  );
  const response = await send(request.agent(app));
  expect(response.status).toBe(200);
  if (captured === undefined) throw new Error('the pipeline built no event');
  return captured;
}

describe('serializeCallEvent() / deserializeCallEvent()', () => {
  describe.each([
    ['the in-call log', IN_CALL_LOG],
    ['the after-call log', AFTER_CALL_LOG],
    ['the v2 call.summary', V2_CALL_SUMMARY],
    // buildV2Event copies with structuredClone, whose objects belong to Node's realm rather than the one jest
    // runs a spec in (toStrictEqual compares constructors): made in this realm first, as a request's would be.
    ['a v2 call.answered', JSON.parse(JSON.stringify(buildV2Event('call.answered'))) as unknown],
  ])('an event from %s', (_label, payload) => {
    const event = buildCallEvent(payload, {}, new Date('2024-03-01T10:20:30.456Z'));

    it('comes back strictly equal (same fields, types and prototypes) through JSON', () => {
      expect(roundTrip(event)).toStrictEqual(event);
    });

    it('comes back with the fields in the order of a fresh event', () => {
      expect(Object.keys(roundTrip(event))).toEqual(Object.keys(event));
    });

    it('revives every time as a Date at the same millisecond', () => {
      const back = roundTrip(event);

      for (const field of ['createdAt', 'callTime', 'startedAt', 'endedAt', 'receivedAt'] as const) {
        const sent: Date | null = event[field];
        const got: Date | null = back[field];
        expect([field, got === null ? null : [got instanceof Date, got.getTime()]]).toEqual([
          field,
          sent === null ? null : [true, sent.getTime()],
        ]);
      }
    });

    it('is JSON as it is: times as ISO 8601 strings, raw untouched', () => {
      const serialized = serializeCallEvent(event);

      expect(JSON.parse(JSON.stringify(serialized))).toEqual(serialized);
      expect(serialized.receivedAt).toBe('2024-03-01T10:20:30.456Z');
      expect(serialized.raw).toBe(event.raw);
    });
  });

  it('keeps what the after-call log fills: agents with their phone numbers, recording, department', () => {
    const event = buildCallEvent(AFTER_CALL_LOG);

    const back = roundTrip(event);

    expect(back.agents.length).toBeGreaterThan(0);
    expect([back.agents, back.recording, back.department, back.caller]).toStrictEqual([
      event.agents,
      event.recording,
      event.department,
      event.caller,
    ]);
  });

  it('keeps null apart from an empty list and an empty string', () => {
    const event = createCallEvent('incall-v1', { a: null, b: [], c: '' }, new Date(0));
    event.uid = '';
    event.users = [];
    event.agents = [{ id: null, name: '', email: null, extension: null, phone: null }];

    expect(roundTrip(event)).toStrictEqual(event);
  });

  describe('an event built by the Express pieces from a query string', () => {
    it('GET with mapped and unmapped parameters: params without a prototype, raw the same object', async () => {
      const event = await eventFromRequest((agent) =>
        agent
          .get('/hook')
          .query('caller_number=%2B919711636496&state=5&uid=n2.1.2&created=1596270949&extra=x&__proto__=y'),
      );
      expect(event.format).toBe('query');
      expect(Object.getPrototypeOf(event.params)).toBeNull();

      const back = roundTrip(event);

      expect(back).toStrictEqual(event);
      expect(Object.getPrototypeOf(back.params)).toBeNull();
      expect(back.raw).toBe(back.params);
      expect(Object.hasOwn(back.params, '__proto__')).toBe(true);
    });

    it('POSTed in-call log with a query string: params without a prototype, raw the decoded log', async () => {
      const event = await eventFromRequest((agent) =>
        agent
          .post('/hook?extra=1&state=6')
          .type('form')
          .send({ myoperator: JSON.stringify(IN_CALL_LOG) }),
      );
      expect(event.format).toBe('incall-v1');

      const back = roundTrip(event);

      expect(back).toStrictEqual(event);
      expect(back.raw).toStrictEqual(IN_CALL_LOG);
      expect(back.raw).not.toBe(back.params);
    });
  });

  it('keeps a plain params object plain, a "__proto__" parameter an ordinary key (an event built by hand)', () => {
    const event = buildCallEvent();
    event.params = { a: '1', ['__proto__']: 'x' };

    const back = roundTrip(event);

    expect(back).toStrictEqual(event);
    expect(Object.getPrototypeOf(back.params)).toBe(Object.prototype);
    expect([Object.hasOwn(back.params, '__proto__'), back.params.__proto__]).toEqual([true, 'x']);
  });

  it('gives raw back as JSON gives it: values JSON cannot hold do not survive (the adapters only put JSON there)', () => {
    const event = buildCallEvent();
    event.raw = { at: new Date(0), gone: undefined, big: 1 };

    expect(roundTrip(event).raw).toStrictEqual({ at: '1970-01-01T00:00:00.000Z', big: 1 });
  });

  it('survives any event the types allow (property)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 30 });
    const nullableText = fc.option(text, { nil: null });
    const time = fc.option(fc.date({ noInvalidDate: true }), { nil: null });
    // fast-check makes some records without a prototype; a normaliser's objects always have one.
    const phone = fc
      .record({ raw: text, e164: nullableText, national: nullableText, countryCode: nullableText })
      .map((value) => ({ ...value }));
    fc.assert(
      fc.property(
        fc.record({
          name: fc.constantFrom(...CALL_EVENT_NAMES),
          format: fc.constantFrom('incall-v1' as const, 'query' as const, 'aftercall-v1' as const, 'v2' as const),
          uid: nullableText,
          callState: fc.option(fc.integer(), { nil: null }),
          caller: fc.option(phone, { nil: null }),
          users: fc.array(text, { maxLength: 3 }),
          createdAt: time,
          endedAt: time,
          // JSON has no -0 (it comes back 0: the one number that changes, see the next test).
          durationSeconds: fc.option(
            fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Object.is(value, -0)),
            { nil: null },
          ),
          agents: fc.array(
            fc
              .record({
                id: nullableText,
                name: nullableText,
                email: nullableText,
                extension: nullableText,
                phone: fc.option(phone, { nil: null }),
              })
              .map((value) => ({ ...value })),
            { maxLength: 2 },
          ),
          params: fc.dictionary(text, text, { maxKeys: 4 }),
          raw: fc.jsonValue(),
          receivedAt: fc.date({ noInvalidDate: true }),
        }),
        (fields) => {
          const event = createCallEvent(fields.format, fields.raw, fields.receivedAt);
          Object.assign(event, { ...fields, params: { ...fields.params } });
          const expected = JSON.parse(JSON.stringify(event.raw)) as unknown;

          const back = roundTrip(event);

          expect({ ...back, raw: null }).toStrictEqual({ ...event, raw: null });
          expect(back.raw).toStrictEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives -0 back as 0, as JSON does (no normaliser builds -0)', () => {
    const event = buildCallEvent();
    event.durationSeconds = -0;

    expect(Object.is(roundTrip(event).durationSeconds, 0)).toBe(true);
  });

  describe('refuses data that is not a serialised event, naming the field and never its value', () => {
    const good = (): Record<string, unknown> =>
      JSON.parse(JSON.stringify(serializeCallEvent(buildCallEvent(AFTER_CALL_LOG)))) as Record<string, unknown>;

    it.each([
      ['not an object', () => '{"v":1}', "the job's event must be an object"],
      ['no version', () => ({ ...good(), v: undefined }), "the job's event is not of version 1"],
      ['another version', () => ({ ...good(), v: 2 }), "the job's event is not of version 1"],
      ['an unknown name', () => ({ ...good(), name: 'secret-919711636496' }), '"name" must be a call event name'],
      ['an unknown format', () => ({ ...good(), format: 'xml' }), '"format" must be a call event format'],
      [
        'a bad time',
        () => ({ ...good(), createdAt: 'yesterday 919711636496' }),
        '"createdAt" must be an ISO 8601 time',
      ],
      ['a number as uid', () => ({ ...good(), uid: 919711636496 }), '"uid" must be a string'],
      ['users not a list', () => ({ ...good(), users: '919711636496' }), '"users" must be a list of strings'],
      [
        'an agent phone without raw',
        () => ({ ...good(), agents: [{ id: null, name: null, email: null, extension: null, phone: {} }] }),
        '"agents[0].phone.raw" must be a string',
      ],
      ['params not strings', () => ({ ...good(), params: { a: 919711636496 } }), '"params" must be a string'],
      ['a missing field', () => ({ ...good(), dialStatus: undefined }), '"dialStatus" must be a string'],
    ])('%s', (_label, data, message) => {
      const read = (): CallEvent => deserializeCallEvent(data());

      expect(read).toThrow(TypeError);
      expect(read).toThrow(`[myoperator-webhooks] deserializeCallEvent: ${message}`);
      try {
        read();
      } catch (error) {
        expect((error as Error).message).not.toContain('919711636496');
      }
    });
  });

  it('refuses to serialise an invalid Date (a bug in the caller, never built by a normaliser)', () => {
    const event = buildCallEvent();
    event.createdAt = new Date(Number.NaN);

    expect(() => serializeCallEvent(event)).toThrow(
      '[myoperator-webhooks] serializeCallEvent: "createdAt" is an invalid Date',
    );
  });
});

describe('queueJobId()', () => {
  const isIntegerLike = (id: string): boolean => `${Number.parseInt(id, 10)}` === id;

  it('is the key with % and : encoded, behind a prefix', () => {
    expect(queueJobId('n2.1596270949.2175190:incoming_call:1')).toBe('k_n2.1596270949.2175190%3Aincoming_call%3A1');
    expect(queueJobId('v2:abc%3A')).toBe('k_v2%3Aabc%253A');
  });

  it('is never integer-like and holds no ":", for any key (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (key) => {
        const id = queueJobId(key);
        expect([id.includes(':'), isIntegerLike(id)]).toEqual([false, false]);
      }),
    );
    for (const key of ['1', '123', '-5', '0', '']) expect(isIntegerLike(queueJobId(key))).toBe(false);
  });

  it('gives distinct keys distinct ids, the same key the same id (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: MAX_KEY_LENGTH }), fc.string({ maxLength: MAX_KEY_LENGTH }), (a, b) => {
        expect(queueJobId(a) === queueJobId(b)).toBe(a === b);
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('%', ':', '%3A', '%25', '::', '%:'),
        fc.constantFrom('%', ':', '%3A', '%25', '::', '%:'),
        (a, b) => {
          expect(queueJobId(a) === queueJobId(b)).toBe(a === b);
        },
      ),
    );
  });

  it('holds a long key as its SHA-256, so ids stay short, and the same in every process', () => {
    const long = `${'u'.repeat(500)}:call_finished:2`;

    const id = queueJobId(long);

    expect(id).toBe(queueJobId(`${'u'.repeat(500)}:call_finished:2`));
    expect(id).toMatch(/^k_sha256%3A[A-Za-z0-9+/=]{44}$/);
    expect(id).not.toBe(queueJobId(`${'u'.repeat(500)}:call_finished:3`));
    expect(queueJobId(':'.repeat(MAX_KEY_LENGTH)).length).toBe(2 + 3 * MAX_KEY_LENGTH);
  });

  it('gives an event with no key a random id (a UUID behind its own prefix)', () => {
    const ids = new Set(Array.from({ length: 50 }, () => queueJobId(null)));

    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^r_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
