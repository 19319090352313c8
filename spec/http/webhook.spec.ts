import express from 'express';
import request from 'supertest';

import {
  CallEvents,
  myOperatorWebhook,
  type AuthenticateOptions,
  type CallEvent,
  type MyOperatorWebhookOptions,
} from '../../lib';
import { buildInCallLog, buildWebhookRequest, type WebhookRequest } from '../../lib/testing';
import { deferred, waitFor } from '../helpers/app';

const PATH = '/myoperator/incall';
const AUTH: AuthenticateOptions = {
  headers: ['my-super-secret-token: abc123def'],
  basic: { username: 'admin', password: '123456' },
};
const CREDENTIALS = { headers: ['my-super-secret-token: abc123def'], basic: { username: 'admin', password: '123456' } };

/** A CallEvents that records the name and caller of every event it handles. */
function recordingCalls(): { calls: CallEvents; seen: Array<[string, string | null | undefined]> } {
  const calls = new CallEvents({ logger: false });
  const seen: Array<[string, string | null | undefined]> = [];
  calls.onAny((event: CallEvent) => {
    seen.push([event.name, event.caller?.e164]);
  });
  return { calls, seen };
}

/** An app with the webhook at PATH (mounted with app.use) and an app route answering 404 JSON for the rest. */
function webhookApp(options: Partial<MyOperatorWebhookOptions> & Pick<MyOperatorWebhookOptions, 'calls'>) {
  const app = express();
  app.use(PATH, myOperatorWebhook({ auth: AUTH, ...options }));
  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).json({ app: 'not found' });
  });
  return app;
}

function send(app: express.Express, built: WebhookRequest): request.Test {
  const call = built.method === 'GET' ? request(app).get(built.path) : request(app).post(built.path);
  return built.body === undefined ? call.set(built.headers) : call.set(built.headers).send(built.body);
}

function answered(overrides: Record<string, unknown> = {}, path = PATH): WebhookRequest {
  return buildWebhookRequest(buildInCallLog({ call_state: '6', ...overrides }), { ...CREDENTIALS, path });
}

describe('myOperatorWebhook()', () => {
  it("fires the state's handler for the seed's call log and answers 200", async () => {
    const calls = new CallEvents();
    const seen: CallEvent[] = [];
    calls.onUserAnswered((event) => {
      seen.push(event);
    });
    const app = express();
    app.use('/myoperator/incall', myOperatorWebhook({ auth: { headers: ['x-token: abc123def'] }, calls }));
    const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), { headers: ['x-token: abc123def'] });

    const response = await request(app).post('/myoperator/incall').set(built.headers).send(built.body);

    expect([response.status, response.body]).toEqual([200, { ok: true }]);
    expect(seen.map((event) => [event.name, event.caller?.e164])).toEqual([['user_answered', '+919711636496']]);
  });

  describe('as a Router', () => {
    it('is an Express Router: it has a stack, and middleware added to it runs too', async () => {
      const calls = new CallEvents({ logger: false });
      const router = myOperatorWebhook({ auth: false, calls });
      expect([typeof router, Array.isArray(router.stack), router.stack.length, typeof router.use]).toEqual([
        'function',
        true,
        1,
        'function',
      ]);
      router.get('/extra', (_req, res) => {
        res.json({ extra: true });
      });
      const app = express();
      app.use(PATH, router);
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6', uid: 'n2.1.77' }));
      const hook = await request(app).post(PATH).set(built.headers).send(built.body);
      const extra = await request(app).get(`${PATH}/extra`);
      expect([hook.status, hook.body, extra.status, extra.body]).toEqual([200, { ok: true }, 200, { extra: true }]);
    });
  });

  describe('when mounted', () => {
    it.each([
      ['app.use(path, router)', (app: express.Express, router: express.Router) => app.use(PATH, router)],
      ['app.all(path, router)', (app: express.Express, router: express.Router) => app.all(PATH, router)],
      ['app.post(path, router)', (app: express.Express, router: express.Router) => app.post(PATH, router)],
    ])('answers a POST at the path with %s', async (_how, mount) => {
      const { calls, seen } = recordingCalls();
      const app = express();
      mount(app, myOperatorWebhook({ auth: AUTH, calls }));

      const response = await send(app, answered());

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(seen).toEqual([['user_answered', '+919711636496']]);
    });

    it.each([
      ['app.use(path, router)', (app: express.Express, router: express.Router) => app.use(PATH, router)],
      ['app.all(path, router)', (app: express.Express, router: express.Router) => app.all(PATH, router)],
    ])('answers GET and POST, and any other method, with %s', async (_how, mount) => {
      const { calls, seen } = recordingCalls();
      const app = express();
      mount(
        app,
        myOperatorWebhook({ auth: AUTH, calls, queryParams: { caller_number: 'callerNumber', state: 'callState' } }),
      );
      const put = answered({ call_state: '2' });

      const get = await request(app)
        .get(`${PATH}?caller_number=+919999999999&state=5`)
        .set('my-super-secret-token', 'abc123def')
        .auth('admin', '123456');
      const post = await send(app, answered());
      const other = await request(app).put(put.path).set(put.headers).send(put.body);

      expect([get.status, post.status, other.status]).toEqual([200, 200, 200]);
      expect(seen).toEqual([
        ['dialing_users', '+919999999999'],
        ['user_answered', '+919711636496'],
        ['call_finished', '+919711636496'],
      ]);
    });

    it('answers the path with a trailing slash too', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls });

      const response = await send(app, answered({}, `${PATH}/`));

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(seen).toHaveLength(1);
    });

    it('does not answer a path below the mount path, leaving it to the app', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls });

      const below = await send(app, answered({}, `${PATH}/other`));
      const unauthenticated = await request(app).get(`${PATH}/other/deeper?caller_number=1`);

      expect([below.status, below.body]).toEqual([404, { app: 'not found' }]);
      expect([unauthenticated.status, unauthenticated.body]).toEqual([404, { app: 'not found' }]);
      expect(seen).toEqual([]);
    });

    it("leaves the app's own routes below the mount path reachable", async () => {
      const { calls } = recordingCalls();
      const app = express();
      app.use(PATH, myOperatorWebhook({ auth: AUTH, calls }));
      app.get(`${PATH}/health`, (_req, res) => {
        res.json({ healthy: true });
      });

      const response = await request(app).get(`${PATH}/health`);

      expect([response.status, response.body]).toEqual([200, { healthy: true }]);
    });
  });

  describe('with auth', () => {
    it('answers 401 with the Basic challenge when the credentials are wrong', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls });
      const built = buildWebhookRequest(buildInCallLog(), {
        headers: ['my-super-secret-token: abc123def'],
        path: PATH,
      });

      const response = await send(app, built);

      expect([response.status, response.body, response.headers['www-authenticate']]).toEqual([
        401,
        { error: { code: 'unauthorized', message: 'Missing or invalid credentials' } },
        'Basic realm="MyOperator webhook"',
      ]);
      expect(seen).toEqual([]);
    });

    it('accepts any request with auth: false', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls, auth: false });

      const response = await send(app, buildWebhookRequest(buildInCallLog({ call_state: '2' }), { path: PATH }));

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(seen).toEqual([['call_finished', '+919711636496']]);
    });

    it('throws a TypeError when auth is missing', () => {
      const calls = new CallEvents();
      const options = { calls } as unknown as MyOperatorWebhookOptions;

      expect(() => myOperatorWebhook(options)).toThrow(TypeError);
      expect(() => myOperatorWebhook(options)).toThrow(/^\[myoperator-webhooks\] myOperatorWebhook\(\): "auth"/);
      expect(() => myOperatorWebhook({ ...options, auth: undefined } as unknown as MyOperatorWebhookOptions)).toThrow(
        TypeError,
      );
    });

    it('throws a TypeError when calls is missing or is not a CallEvents', () => {
      expect(() => myOperatorWebhook({ auth: false } as unknown as MyOperatorWebhookOptions)).toThrow(
        /^\[myoperator-webhooks\] myOperatorWebhook\(\): "calls"/,
      );
      expect(() =>
        myOperatorWebhook({ auth: false, calls: { onAny() {} } } as unknown as MyOperatorWebhookOptions),
      ).toThrow(TypeError);
    });
  });

  describe('with queryParams', () => {
    it('builds the event of a GET from the mapped parameters', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({
        calls,
        auth: false,
        queryParams: { caller_number: 'Caller number with country code', state: 'Call state', uid: 'UID' },
      });

      const response = await request(app).get(`${PATH}?caller_number=+919999999999&state=6&uid=s5.347638.78643857`);

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(seen).toEqual([['user_answered', '+919999999999']]);
    });

    it('answers a GET without mapped parameters 400 missing_call_event', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls, auth: false, queryParams: { caller_number: 'callerNumber' } });

      const response = await request(app).get(`${PATH}?something=else`);

      expect([response.status, response.body]).toEqual([
        400,
        { error: { code: 'missing_call_event', message: 'No call event was built from this request' } },
      ]);
      expect(seen).toEqual([]);
    });
  });

  describe('passes its options on', () => {
    it('limit to the body parser', async () => {
      const { calls } = recordingCalls();
      const app = webhookApp({ calls, limit: '1kb' });

      const small = await send(app, answered());
      const large = await send(app, answered({ note: 'x'.repeat(2048) }));

      expect(small.status).toBe(200);
      expect([large.status, large.body]).toEqual([
        413,
        { error: { code: 'payload_too_large', message: 'The request body is larger than the limit' } },
      ]);
    });

    it('field to the body parser', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls, field: 'payload' });
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), {
        ...CREDENTIALS,
        path: PATH,
        field: 'payload',
      });

      const response = await send(app, built);

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(seen).toEqual([['user_answered', '+919711636496']]);
    });

    it('defaultCountryCode and timeZone to the body parser and the query mapping', async () => {
      const calls = new CallEvents({ logger: false });
      const events: CallEvent[] = [];
      calls.onAny((event) => {
        events.push(event);
      });
      const app = webhookApp({
        calls,
        auth: false,
        defaultCountryCode: '1',
        timeZone: 'Asia/Kolkata',
        queryParams: { caller: 'callerNumberRaw', state: 'callState', uid: 'uid' },
      });

      await send(
        app,
        buildWebhookRequest(buildInCallLog({ clid_raw: '2025550123', clid: '2025550123' }), { path: PATH }),
      ).expect(200);
      await request(app).get(`${PATH}?caller=2025550124&state=6&uid=s5.1`).expect(200);

      expect(events.map((event) => [event.caller?.e164, event.createdAt?.toISOString() ?? null])).toEqual([
        ['+12025550123', '2020-08-01T03:05:56.000Z'],
        ['+12025550124', null],
      ]);
    });

    it("respond: 'immediately' to the dispatcher", async () => {
      const calls = new CallEvents({ logger: false });
      const gate = deferred();
      let finished = false;
      calls.onUserAnswered(async () => {
        await gate.promise;
        finished = true;
      });
      const app = webhookApp({ calls, respond: 'immediately' });

      const response = await send(app, answered());

      expect([response.status, response.body, finished]).toEqual([200, { ok: true }, false]);
      gate.resolve();
      await waitFor(() => finished);
    });

    it('timeoutMs to the dispatcher', async () => {
      const calls = new CallEvents({ logger: false });
      const gate = deferred();
      let finished = false;
      calls.onUserAnswered(async () => {
        await gate.promise;
        finished = true;
      });
      const app = webhookApp({ calls, timeoutMs: 20 });

      const response = await send(app, answered());

      expect([response.status, response.body]).toEqual([202, { ok: true, pending: true }]);
      gate.resolve();
      await waitFor(() => finished);
    });

    it("respond: 'next' to the dispatcher, so the app answers after the router", async () => {
      const { calls, seen } = recordingCalls();
      const app = express();
      app.all(PATH, myOperatorWebhook({ auth: false, calls, respond: 'next' }), (_req, res) => {
        res.status(200).json({ app: true, myOperator: res.locals.myOperator as unknown });
      });

      const response = await send(app, answered());

      expect([response.status, response.body]).toEqual([
        200,
        { app: true, myOperator: { duplicate: false, pending: false } },
      ]);
      expect(seen).toHaveLength(1);
    });

    it("onHandlerError: 'respond-200' to the dispatcher", async () => {
      const calls = new CallEvents({ logger: false });
      calls.onUserAnswered(() => {
        throw new Error('crm unreachable');
      });
      const byDefault = webhookApp({ calls });
      const lenient = webhookApp({ calls, onHandlerError: 'respond-200' });

      const failed = await send(byDefault, answered({ uid: 'n2.1.1' }));
      const accepted = await send(lenient, answered({ uid: 'n2.1.2' }));

      expect([failed.status, failed.body.error.code]).toEqual([500, 'handler_failed']);
      expect([accepted.status, accepted.body]).toEqual([200, { ok: true }]);
    });
  });

  describe('error responses', () => {
    const SECRET_TEXT = 'exception text with hunter2';

    function strictApp(): express.Express {
      const calls = new CallEvents({ logger: false });
      calls.onUserAnswered(() => {
        throw new Error(SECRET_TEXT);
      });
      return webhookApp({
        calls,
        limit: '2kb',
        queryParams: { caller_number: 'callerNumber' },
      });
    }

    const authed = (call: request.Test): request.Test =>
      call.set('my-super-secret-token', 'abc123def').auth('admin', '123456');

    it.each<[string, number, string, (app: express.Express) => request.Test]>([
      ['wrong credentials', 401, 'unauthorized', (app) => request(app).post(PATH).auth('admin', 'abc123def')],
      [
        'no call log in a form',
        400,
        'missing_call_log',
        (app) => authed(request(app).post(PATH)).type('form').send('a=1'),
      ],
      [
        'a call log that is not JSON',
        400,
        'invalid_json',
        (app) => authed(request(app).post(PATH)).type('form').send('myoperator={'),
      ],
      ['a GET without a call event', 400, 'missing_call_event', (app) => authed(request(app).get(PATH))],
      [
        'a body over the limit',
        413,
        'payload_too_large',
        (app) =>
          authed(request(app).post(PATH))
            .type('form')
            .send(`myoperator=${'x'.repeat(4096)}`),
      ],
      [
        'a text body',
        415,
        'unsupported_media_type',
        (app) => authed(request(app).post(PATH)).type('text').send('hello'),
      ],
      [
        'a call log failing the schema',
        422,
        'invalid_call_log',
        (app) => authed(request(app).post(PATH)).type('json').send('{"uid": {"a": 1}}'),
      ],
      ['a failing handler', 500, 'handler_failed', (app) => send(app, answered())],
    ])('answer %s as JSON %i %s, without exception text, stack or credential', async (_what, status, code, call) => {
      const response = await call(strictApp());

      expect([response.status, response.body.error?.code, response.headers['content-type']]).toEqual([
        status,
        code,
        'application/json; charset=utf-8',
      ]);
      const keys = Object.keys(response.body.error as object).sort();
      expect(keys).toEqual(code === 'invalid_call_log' ? ['code', 'details', 'message'] : ['code', 'message']);
      expect(Object.keys(response.body as object)).toEqual(['error']);
      expect(typeof response.body.error.message).toBe('string');
      const sent = response.text + JSON.stringify(response.headers);
      for (const forbidden of ['hunter2', 'abc123def', '123456', 'YWRtaW46MTIzNDU2', 'Error:', '    at ', '.ts:']) {
        expect(sent).not.toContain(forbidden);
      }
    });

    const CODE_STATUS: Record<string, number> = {
      missing_call_log: 400,
      invalid_json: 400,
      unsupported_media_type: 415,
      invalid_call_log: 422,
    };

    it.each<[string, string, (app: express.Express) => request.Test]>([
      [
        'an unknown charset',
        'unsupported_media_type',
        (app) => request(app).post(PATH).set('Content-Type', 'application/json; charset=klingon').send('{}'),
      ],
      [
        'an unknown content encoding',
        'unsupported_media_type',
        (app) => request(app).post(PATH).type('form').set('Content-Encoding', 'zz').send('myoperator=%7B%7D'),
      ],
      [
        'a gzip body that is not gzip',
        'missing_call_log',
        (app) => request(app).post(PATH).type('form').set('Content-Encoding', 'gzip').send('myoperator=%7B%7D'),
      ],
      [
        'a JSON body that is a bare string',
        'invalid_json',
        (app) => request(app).post(PATH).type('json').send('"n2.1596270949.2175190"'),
      ],
      ['a JSON body that is null', 'invalid_call_log', (app) => request(app).post(PATH).type('json').send('null')],
      [
        'a call log nested deep in arrays',
        'invalid_call_log',
        (app) =>
          request(app)
            .post(PATH)
            .type('json')
            .send(`{"myoperator": ${'['.repeat(500)}${']'.repeat(500)}}`),
      ],
    ])('answers %s with a 4xx (%s), never a 5xx', async (_what, code, call) => {
      const { calls, seen } = recordingCalls();
      const response = await call(webhookApp({ calls, auth: false }));

      expect([response.status, response.body.error?.code]).toEqual([CODE_STATUS[code], code]);
      expect(seen).toEqual([]);
    });

    it('accepts bad percent sequences in the query and in the form as the text they are', async () => {
      const { calls, seen } = recordingCalls();
      const app = webhookApp({ calls, auth: false, queryParams: { caller_number: 'callerNumber', uid: 'uid' } });

      const query = await request(app).get(`${PATH}?caller_number=%2B919999999999&uid=n2.%E0%A4%A.1&x=%%`);
      const form = await request(app)
        .post(PATH)
        .type('form')
        .send('myoperator=%7B%22uid%22%3A%20%22n2.%ZZ.1%22%2C%20%22call_state%22%3A%20%226%22%7D');

      expect([query.status, query.body, form.status, form.body]).toEqual([200, { ok: true }, 200, { ok: true }]);
      expect(seen).toEqual([
        ['unknown', '+919999999999'],
        ['user_answered', undefined],
      ]);
    });
  });
});
