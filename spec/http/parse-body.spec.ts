import express from 'express';
import request from 'supertest';

import {
  CallEvents,
  parseMyOperatorBody,
  webhookErrorHandler,
  type CallEvent,
  type ParseMyOperatorBodyOptions,
} from '../../lib';
import { buildInCallLog, buildWebhookRequest, IN_CALL_LOG, type WebhookBodyEncoding } from '../../lib/testing';
import seedLog from '../fixtures/incall-v1-seed.json';
import { captureEvents, listen } from '../helpers/app';
import { PRINTED_CALL_LOG } from '../helpers/seed';

const FORM = 'application/x-www-form-urlencoded';
const MISSING_CALL_LOG = {
  error: { code: 'missing_call_log', message: 'The request body has no MyOperator call log' },
};
const INVALID_JSON = { error: { code: 'invalid_json', message: 'The call log is not valid JSON' } };
const UNSUPPORTED = {
  error: { code: 'unsupported_media_type', message: 'The request body must be a form or JSON' },
};
const webhookErrors = webhookErrorHandler();
const TOO_LARGE = { error: { code: 'payload_too_large', message: 'The request body is larger than the limit' } };

/** parseMyOperatorBody() (after `before`, if any) in front of a handler that keeps req.callEvent. */
function parsingApp(
  options: ParseMyOperatorBodyOptions = {},
  before: express.RequestHandler[] = [],
): { app: express.Express; events: Array<CallEvent | null> } {
  const capture = captureEvents();
  const app = express();
  app.all('/hook', ...before, parseMyOperatorBody(options), capture.handler, webhookErrors);
  return { app, events: capture.events };
}

/** The parts of the seed's event every body form must give. */
function seedSummary(event: CallEvent | null | undefined): unknown {
  if (!event) return event;
  return {
    format: event.format,
    name: event.name,
    callState: event.callState,
    uid: event.uid,
    e164: event.caller?.e164,
    users: event.users,
    createdAt: event.createdAt?.toISOString(),
    clientRefId: event.clientRefId,
  };
}

const SEED_SUMMARY = {
  format: 'incall-v1',
  name: 'incoming_call',
  callState: 1,
  uid: 'n2.1596270949.2175190',
  e164: '+919711636496',
  users: ['+918586848544'],
  createdAt: '2020-08-01T08:35:56.000Z',
  clientRefId: 'fdfdfdf',
};

describe('parseMyOperatorBody()', () => {
  it('parses the fixture the docs print', () => {
    expect(JSON.parse(PRINTED_CALL_LOG)).toEqual(seedLog);
    expect(IN_CALL_LOG).toEqual(seedLog);
  });

  describe('with a form body', () => {
    it('builds the event from a properly encoded myoperator field', async () => {
      const { app, events } = parsingApp();
      const body = `myoperator=${encodeURIComponent(JSON.stringify(seedLog))}`;

      const response = await request(app).post('/hook').type('form').send(body);

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
      expect(events[0]?.raw).toEqual(seedLog);
    });

    it('builds the event from raw JSON as `curl -d myoperator=<call log>` sends it', async () => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').type('form').send(`myoperator=${PRINTED_CALL_LOG}`);

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });

    it('keeps a `+`, spaces and a `&` inside the raw JSON as they were sent', async () => {
      const { app, events } = parsingApp();
      const log = buildInCallLog({ clid_raw: '+919711636496', clid: '+91 97116 36496', client_ref_id: 'R&D=1 two+3' });

      const response = await request(app)
        .post('/hook')
        .type('form')
        .send(`before=1&myoperator=${JSON.stringify(log, null, 1)}&after=2`);

      expect(response.status).toBe(200);
      expect([events[0]?.caller, events[0]?.clientRefId]).toEqual([
        { raw: '+919711636496', e164: '+919711636496', national: '9711636496', countryCode: '91' },
        'R&D=1 two+3',
      ]);
    });

    it('accepts the call log sent as a raw JSON body with the form content type (`curl -d "{...}"`)', async () => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').type('form').send(PRINTED_CALL_LOG);

      expect(response.status).toBe(200);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });

    it.each([
      'application/x-www-form-urlencoded; charset=UTF-8',
      'Application/X-WWW-Form-Urlencoded',
      'application/x-www-form-urlencoded ; charset=utf-8',
    ])('matches the content type %p loosely', async (contentType) => {
      const { app, events } = parsingApp();

      const response = await request(app)
        .post('/hook')
        .set('Content-Type', contentType)
        .send(`myoperator=${encodeURIComponent(JSON.stringify(seedLog))}`);

      expect(response.status).toBe(200);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });
  });

  describe('with a JSON body', () => {
    it.each<WebhookBodyEncoding>(['json', 'json-wrapped', 'json-string'])(
      'builds the event from the %s encoding',
      async (encoding) => {
        const { app, events } = parsingApp();
        const built = buildWebhookRequest(seedLog, { encoding });

        const response = await request(app).post('/hook').set(built.headers).send(built.body);

        expect([response.status, response.body]).toEqual([200, { reached: true }]);
        expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
      },
    );

    it.each([
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'text/json',
      'application/vnd.myoperator+json; version=1',
    ])('matches the content type %p loosely', async (contentType) => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').set('Content-Type', contentType).send(JSON.stringify(seedLog));

      expect(response.status).toBe(200);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });

    it('reads a body sent with no content type at all, JSON or form', async () => {
      const { app, events } = parsingApp();
      const server = await listen(app);
      try {
        const bodies = [JSON.stringify(seedLog), `myoperator=${encodeURIComponent(JSON.stringify(seedLog))}`];
        for (const body of bodies) {
          // A Uint8Array body makes fetch send no Content-Type header.
          const response = await fetch(`${server.origin}/hook`, { method: 'POST', body: Buffer.from(body) });
          expect([response.status, response.headers.get('content-type')]).toEqual([
            200,
            'application/json; charset=utf-8',
          ]);
        }
      } finally {
        await server.close();
      }
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY, SEED_SUMMARY]);
    });
  });

  describe('after a body parser that already read the body', () => {
    const rawFormWithPlus = `myoperator=${JSON.stringify(
      buildInCallLog({ clid_raw: '+919711636496', clid: '+919711636496' }),
    )}`;

    it.each([
      ['express.urlencoded({ extended: false })', express.urlencoded({ extended: false })],
      ['express.urlencoded({ extended: true })', express.urlencoded({ extended: true })],
    ])('builds the event after %s, with the `+` it turned into a space restored', async (_name, parser) => {
      const { app, events } = parsingApp({}, [parser]);

      const response = await request(app).post('/hook').type('form').send(rawFormWithPlus);

      expect(response.status).toBe(200);
      // The parser decoded the `+` of the unencoded body into a space; the event still has the number right.
      expect((events[0]?.raw as { clid_raw: unknown }).clid_raw).toBe(' 919711636496');
      expect(events[0]?.caller).toEqual({
        raw: '+919711636496',
        e164: '+919711636496',
        national: '9711636496',
        countryCode: '91',
      });
    });

    it('builds the event after express.urlencoded() read a properly encoded form', async () => {
      const { app, events } = parsingApp({}, [express.urlencoded({ extended: false })]);

      const response = await request(app)
        .post('/hook')
        .type('form')
        .send(`myoperator=${encodeURIComponent(JSON.stringify(seedLog))}`);

      expect(response.status).toBe(200);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });

    it.each<WebhookBodyEncoding>(['json', 'json-wrapped', 'json-string'])(
      'builds the event after express.json() read the %s encoding',
      async (encoding) => {
        const { app, events } = parsingApp({}, [express.json()]);
        const built = buildWebhookRequest(seedLog, { encoding });

        const response = await request(app).post('/hook').set(built.headers).send(built.body);

        expect(response.status).toBe(200);
        expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
      },
    );

    it.each([
      ['express.text({ type: "*/*" })', express.text({ type: '*/*' })],
      ['express.raw({ type: "*/*" })', express.raw({ type: '*/*' })],
    ])('builds the event from the raw form text %s left', async (_name, parser) => {
      const { app, events } = parsingApp({}, [parser]);

      const form = await request(app).post('/hook').type('form').send(rawFormWithPlus);
      const json = await request(app).post('/hook').type('json').send(JSON.stringify(seedLog));

      expect([form.status, json.status]).toEqual([200, 200]);
      expect(events.map((event) => [event?.caller?.e164, event?.name])).toEqual([
        ['+919711636496', 'incoming_call'],
        ['+919711636496', 'incoming_call'],
      ]);
    });

    it('answers 415 for a text/plain body express.text() read', async () => {
      const { app, events } = parsingApp({}, [express.text()]);

      const response = await request(app).post('/hook').type('text').send('hello');

      expect([response.status, response.body]).toEqual([415, UNSUPPORTED]);
      expect(events).toEqual([]);
    });

    it('still reads a form body an app-level express.json() left unread', async () => {
      const capture = captureEvents();
      const app = express();
      app.use(express.json());
      app.all('/hook', parseMyOperatorBody(), capture.handler, webhookErrors);

      const response = await request(app).post('/hook').type('form').send(`myoperator=${PRINTED_CALL_LOG}`);

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
      expect(capture.events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });

    it('still reads a form body express.text() (text/plain only) left unread', async () => {
      const { app, events } = parsingApp({}, [express.text()]);

      const response = await request(app).post('/hook').type('form').send(`myoperator=${PRINTED_CALL_LOG}`);

      expect(response.status).toBe(200);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });
  });

  describe('with no body', () => {
    it('lets a GET through untouched, with or without a query string', async () => {
      const { app, events } = parsingApp();

      const bare = await request(app).get('/hook');
      const withQuery = await request(app).get('/hook?caller_number=+919999999999&state=6');

      expect([bare.status, withQuery.status]).toEqual([200, 200]);
      expect(events).toEqual([null, null]);
    });

    it('lets a POST with only a query string through, for mapQueryParams()', async () => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook?caller_number=+919999999999');

      expect(response.status).toBe(200);
      expect(events).toEqual([null]);
    });

    it('answers 400 missing_call_log for a POST with neither body nor query', async () => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook');

      expect([response.status, response.body]).toEqual([400, MISSING_CALL_LOG]);
      expect(events).toEqual([]);
    });
  });

  describe('when the call log is missing', () => {
    it.each([
      ['a form without the field', FORM, 'caller=919711636496&state=1'],
      ['an empty field', FORM, 'myoperator='],
      ['a blank field', FORM, 'myoperator=%20%20'],
      ['a blank form body', FORM, '   '],
      ['a JSON object whose field is empty', 'application/json', '{"myoperator": ""}'],
      ['a JSON object whose field is null', 'application/json', '{"myoperator": null}'],
      ['a blank JSON body', 'application/json', ' \n '],
    ])('answers 400 missing_call_log for %s', async (_what, contentType, body) => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').set('Content-Type', contentType).send(body);

      expect([response.status, response.body]).toEqual([400, MISSING_CALL_LOG]);
      expect(events).toEqual([]);
    });

    it('answers 400 missing_call_log for an empty form body', async () => {
      const { app } = parsingApp();

      const response = await request(app).post('/hook').set('Content-Type', FORM).send('');

      expect([response.status, response.body]).toEqual([400, MISSING_CALL_LOG]);
    });
  });

  describe('when the call log is not JSON', () => {
    it.each([
      ['an encoded form field', FORM, `myoperator=${encodeURIComponent('{"uid": ')}`],
      ['a raw form field', FORM, 'myoperator={"uid": "n2.1", "call_state": 1'],
      ['a form field of plain text', FORM, 'myoperator=hello'],
      ['a JSON body', 'application/json', '{"uid": n2.1}'],
      ['a JSON string inside the JSON body', 'application/json', '{"myoperator": "{\\"uid\\": "}'],
    ])('answers 400 invalid_json for %s, without the parser message', async (_what, contentType, body) => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').set('Content-Type', contentType).send(body);

      expect([response.status, response.body]).toEqual([400, INVALID_JSON]);
      expect(response.text).not.toMatch(/Unexpected|position|at /);
      expect(events).toEqual([]);
    });
  });

  describe('when the body is neither form nor JSON', () => {
    it.each([
      ['text/plain', 'myoperator={}'],
      ['application/xml', '<log/>'],
      ['application/octet-stream', 'myoperator={}'],
    ])('answers 415 unsupported_media_type for %s', async (contentType, body) => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').set('Content-Type', contentType).send(body);

      expect([response.status, response.body]).toEqual([415, UNSUPPORTED]);
      expect(events).toEqual([]);
    });

    it('answers 415 unsupported_media_type for multipart/form-data', async () => {
      const { app, events } = parsingApp();

      const response = await request(app).post('/hook').field('myoperator', JSON.stringify(seedLog));

      expect([response.status, response.body]).toEqual([415, UNSUPPORTED]);
      expect(events).toEqual([]);
    });
  });

  describe('with a body over the limit', () => {
    const padded = (bytes: number): string =>
      `myoperator=${encodeURIComponent(JSON.stringify(buildInCallLog({ note: 'x'.repeat(bytes) })))}`;

    it('answers 413 payload_too_large over the default 100kb', async () => {
      const { app, events } = parsingApp();

      const over = await request(app)
        .post('/hook')
        .type('form')
        .send(padded(101 * 1024));
      const under = await request(app)
        .post('/hook')
        .type('form')
        .send(padded(90 * 1024));

      expect([over.status, over.body]).toEqual([413, TOO_LARGE]);
      expect(under.status).toBe(200);
      expect(events).toHaveLength(1);
    });

    it.each<[string, number | string]>([
      ['a string', '2kb'],
      ['a number of bytes', 2048],
    ])('answers 413 payload_too_large over a custom limit given as %s', async (_what, limit) => {
      const { app } = parsingApp({ limit });

      const over = await request(app).post('/hook').type('form').send(padded(3000));
      const overJson = await request(app)
        .post('/hook')
        .type('json')
        .send(JSON.stringify(buildInCallLog({ note: 'x'.repeat(3000) })));
      const under = await request(app).post('/hook').type('form').send(padded(500));

      expect([over.status, over.body]).toEqual([413, TOO_LARGE]);
      expect([overJson.status, overJson.body]).toEqual([413, TOO_LARGE]);
      expect(under.status).toBe(200);
    });
  });

  describe('when the call log fails the schema', () => {
    it('answers 422 invalid_call_log with the failing paths in details', async () => {
      const { app, events } = parsingApp();

      const response = await request(app)
        .post('/hook')
        .type('json')
        .send(JSON.stringify(buildInCallLog({ uid: { node: 'n2' }, users: 5 })));

      expect(response.status).toBe(422);
      expect(response.body.error).toEqual({
        code: 'invalid_call_log',
        message: 'The call log is not a valid MyOperator call log (see details)',
        details: expect.any(Array),
      });
      const paths = new Set((response.body.error.details as Array<{ path: string }>).map((detail) => detail.path));
      expect([...paths].sort()).toEqual(['/uid', '/users']);
      expect(events).toEqual([]);
    });

    it.each([
      ['a JSON array', '[1, 2]'],
      ['an object with no call-log field', '{"hello": "world"}'],
      ['a JSON number', '42'],
    ])('answers 422 invalid_call_log for %s, with the root path', async (_what, body) => {
      const { app } = parsingApp();

      const response = await request(app)
        .post('/hook')
        .type('form')
        .send(`myoperator=${encodeURIComponent(body)}`);

      expect([response.status, response.body.error.code, response.body.error.details[0].path]).toEqual([
        422,
        'invalid_call_log',
        '',
      ]);
    });

    it('tolerates fields it does not know', async () => {
      const { app, events } = parsingApp();

      const response = await request(app)
        .post('/hook')
        .type('json')
        .send(JSON.stringify(buildInCallLog({ new_field: { nested: [1, 2] }, another: true })));

      expect(response.status).toBe(200);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY]);
    });
  });

  describe('with an unknown call state', () => {
    it('accepts call_state "8" with 200 and dispatches it to onUnknown', async () => {
      const calls = new CallEvents({ logger: false });
      const unknown: CallEvent[] = [];
      const known: CallEvent[] = [];
      calls.onUnknown((event) => {
        unknown.push(event);
      });
      calls.on(['incoming_call', 'call_finished', 'no_answer'], (event) => {
        known.push(event);
      });
      const app = express();
      app.all('/hook', parseMyOperatorBody(), calls.middleware(), webhookErrors);
      const built = buildWebhookRequest(buildInCallLog({ call_state: '8' }), { encoding: 'raw-form' });

      const response = await request(app).post('/hook').set(built.headers).send(built.body);

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(unknown.map((event) => [event.name, event.callState, event.caller?.e164])).toEqual([
        ['unknown', 8, '+919711636496'],
      ]);
      expect(known).toEqual([]);
    });
  });

  describe('with options', () => {
    it('reads the call log from another `field`, in a form and in JSON', async () => {
      const { app, events } = parsingApp({ field: 'payload' });
      const json = JSON.stringify(seedLog);

      const form = await request(app)
        .post('/hook')
        .type('form')
        .send(`payload=${encodeURIComponent(json)}`);
      const raw = await request(app).post('/hook').type('form').send(`payload=${PRINTED_CALL_LOG}`);
      const wrapped = await request(app).post('/hook').type('json').send(`{"payload": ${json}}`);
      const oldField = await request(app)
        .post('/hook')
        .type('form')
        .send(`myoperator=${encodeURIComponent(json)}`);

      expect([form.status, raw.status, wrapped.status]).toEqual([200, 200, 200]);
      expect(events.map(seedSummary)).toEqual([SEED_SUMMARY, SEED_SUMMARY, SEED_SUMMARY]);
      expect([oldField.status, oldField.body]).toEqual([400, MISSING_CALL_LOG]);
    });

    it('gives numbers without a country code the `defaultCountryCode`', async () => {
      const log = buildInCallLog({ clid_raw: '2025550123', clid: '2025550123' });
      const body = `myoperator=${encodeURIComponent(JSON.stringify(log))}`;
      const byDefault = parsingApp();
      const american = parsingApp({ defaultCountryCode: '1' });

      await request(byDefault.app).post('/hook').type('form').send(body).expect(200);
      await request(american.app).post('/hook').type('form').send(body).expect(200);

      expect([byDefault.events[0]?.caller?.e164, american.events[0]?.caller?.e164]).toEqual([
        '+912025550123',
        '+12025550123',
      ]);
    });

    it('reads zone-less dates in `timeZone` (UTC by default)', async () => {
      const body = `myoperator=${encodeURIComponent(JSON.stringify(seedLog))}`;
      const utc = parsingApp();
      const india = parsingApp({ timeZone: 'Asia/Kolkata' });

      await request(utc.app).post('/hook').type('form').send(body).expect(200);
      await request(india.app).post('/hook').type('form').send(body).expect(200);

      expect([utc.events[0]?.createdAt?.toISOString(), india.events[0]?.callTime?.toISOString()]).toEqual([
        '2020-08-01T08:35:56.000Z',
        '2020-08-01T03:05:56.000Z',
      ]);
    });
  });
});
