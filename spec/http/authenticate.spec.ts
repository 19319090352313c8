import express, { type NextFunction, type Request, type Response } from 'express';
import request from 'supertest';

import {
  authenticate,
  CallEvents,
  MyOperatorWebhookError,
  parseMyOperatorBody,
  type AuthenticateOptions,
} from '../../lib';
import { buildInCallLog, buildWebhookRequest } from '../../lib/testing';
import { captureEvents, createApp, recordErrors } from '../helpers/app';

const UNAUTHORIZED = { error: { code: 'unauthorized', message: 'Missing or invalid credentials' } };
const CHALLENGE = 'Basic realm="MyOperator webhook"';

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** An app with authenticate() in front of a handler that records what reached it. */
function guardedApp(options: AuthenticateOptions): { app: ReturnType<typeof createApp>; reached: unknown[] } {
  const capture = captureEvents();
  return { app: createApp([authenticate(options), capture.handler]), reached: capture.events };
}

describe('authenticate()', () => {
  describe('with the panel header lines', () => {
    const options = { headers: ['my-super-secret-token: abc123def'] };

    it('lets a request with the header through', async () => {
      const { app, reached } = guardedApp(options);

      const response = await request(app).post('/hook').set('my-super-secret-token', 'abc123def');

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
      expect(reached).toHaveLength(1);
    });

    it('compares the header name case-insensitively', async () => {
      const { app } = guardedApp({ headers: ['My-Super-Secret-Token: abc123def'] });

      const response = await request(app).post('/hook').set('MY-SUPER-SECRET-TOKEN', 'abc123def');

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
    });

    it('answers 401 without a challenge when the header is missing', async () => {
      const { app, reached } = guardedApp(options);

      const response = await request(app).post('/hook');

      expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(reached).toEqual([]);
    });

    it('answers 401 when the value is wrong, of another length, or differs only in case', async () => {
      const { app, reached } = guardedApp(options);

      for (const value of ['abc123dee', 'abc123def0', 'ABC123DEF', '']) {
        const response = await request(app).post('/hook').set('my-super-secret-token', value);
        expect([value, response.status, response.body]).toEqual([value, 401, UNAUTHORIZED]);
      }
      expect(reached).toEqual([]);
    });
  });

  describe('with a header map', () => {
    it('accepts every value of a rotation array and nothing else', async () => {
      const { app, reached } = guardedApp({ headers: { 'X-Api-Key': ['new-key', 'old-key'] } });

      const fresh = await request(app).get('/hook').set('x-api-key', 'new-key');
      const old = await request(app).get('/hook').set('X-API-KEY', 'old-key');
      const other = await request(app).get('/hook').set('x-api-key', 'older-key');

      expect([fresh.status, old.status]).toEqual([200, 200]);
      expect([other.status, other.body]).toEqual([401, UNAUTHORIZED]);
      expect(reached).toHaveLength(2);
    });

    it('requires every header of the map', async () => {
      const { app } = guardedApp({ headers: { 'x-one': '1-secret', 'x-two': '2-secret' } });

      const both = await request(app).get('/hook').set({ 'x-one': '1-secret', 'x-two': '2-secret' });
      const one = await request(app).get('/hook').set({ 'x-one': '1-secret' });

      expect(both.status).toBe(200);
      expect([one.status, one.body]).toEqual([401, UNAUTHORIZED]);
    });
  });

  describe('with basic', () => {
    it('lets the configured pair through', async () => {
      const { app } = guardedApp({ basic: { username: 'admin', password: '123456' } });

      const response = await request(app).get('/hook').auth('admin', '123456');

      expect([response.status, response.body]).toEqual([200, { reached: true }]);
    });

    it('answers 401 with a challenge when the credentials are missing', async () => {
      const { app, reached } = guardedApp({ basic: { username: 'admin', password: '123456' } });

      const response = await request(app).get('/hook');

      expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      expect(response.headers['www-authenticate']).toBe(CHALLENGE);
      expect(reached).toEqual([]);
    });

    it('answers 401 with a challenge when the password or the username is wrong', async () => {
      const { app } = guardedApp({ basic: { username: 'admin', password: '123456' } });

      for (const [username, password] of [
        ['admin', '1234567'],
        ['admin', ''],
        ['Admin', '123456'],
        ['root', '123456'],
      ] as const) {
        const response = await request(app).get('/hook').set('Authorization', basicHeader(username, password));
        expect([username, password, response.status, response.body, response.headers['www-authenticate']]).toEqual([
          username,
          password,
          401,
          UNAUTHORIZED,
          CHALLENGE,
        ]);
      }
    });

    it('answers 401 with a challenge for a malformed Authorization header', async () => {
      const { app } = guardedApp({ basic: { username: 'admin', password: '123456' } });

      for (const header of ['Basic', 'Basic !!!', 'Bearer abc123def', basicHeader('admin', '123456').slice(6)]) {
        const response = await request(app).get('/hook').set('Authorization', header);
        expect([header, response.status, response.body, response.headers['www-authenticate']]).toEqual([
          header,
          401,
          UNAUTHORIZED,
          CHALLENGE,
        ]);
      }
    });

    it('accepts every pair of a rotation array', async () => {
      const { app } = guardedApp({
        basic: [
          { username: 'admin', password: 'new-password' },
          { username: 'admin', password: 'old-password' },
        ],
      });

      const fresh = await request(app).get('/hook').auth('admin', 'new-password');
      const old = await request(app).get('/hook').auth('admin', 'old-password');
      const mixed = await request(app).get('/hook').auth('admin', 'new-passwordold-password');

      expect([fresh.status, old.status]).toEqual([200, 200]);
      expect([mixed.status, mixed.body]).toEqual([401, UNAUTHORIZED]);
    });

    it("takes the panel's JSON string as it is", async () => {
      const { app } = guardedApp({ basic: '{"username": "admin", "password": "123456"}' });

      const right = await request(app).get('/hook').auth('admin', '123456');
      const wrong = await request(app).get('/hook').auth('admin', '654321');

      expect(right.status).toBe(200);
      expect([wrong.status, wrong.body, wrong.headers['www-authenticate']]).toEqual([401, UNAUTHORIZED, CHALLENGE]);
    });

    it('accepts a password that contains a colon', async () => {
      const { app } = guardedApp({ basic: { username: 'admin', password: 'pa:ss:word' } });

      const response = await request(app).get('/hook').auth('admin', 'pa:ss:word');

      expect(response.status).toBe(200);
    });

    it('sends a custom realm in the challenge', async () => {
      const { app } = guardedApp({ basic: { username: 'admin', password: '123456' }, realm: 'Call center' });

      const response = await request(app).get('/hook');

      expect([response.status, response.body, response.headers['www-authenticate']]).toEqual([
        401,
        UNAUTHORIZED,
        'Basic realm="Call center"',
      ]);
    });
  });

  describe('with a query key', () => {
    it('lets a request with the key through and answers 401 without a challenge otherwise', async () => {
      const { app, reached } = guardedApp({ query: { key: 'static-key-1' } });

      const right = await request(app).get('/hook?key=static-key-1&caller_number=+919999999999');
      const wrong = await request(app).get('/hook?key=static-key-2');
      const missing = await request(app).get('/hook');

      expect(right.status).toBe(200);
      expect([wrong.status, wrong.body, wrong.headers['www-authenticate']]).toEqual([401, UNAUTHORIZED, undefined]);
      expect([missing.status, missing.body]).toEqual([401, UNAUTHORIZED]);
      expect(reached).toHaveLength(1);
    });

    it('accepts every value of a rotation array', async () => {
      const { app } = guardedApp({ query: { key: ['new-key', 'old-key'] } });

      const fresh = await request(app).get('/hook?key=new-key');
      const old = await request(app).get('/hook?key=old-key');

      expect([fresh.status, old.status]).toEqual([200, 200]);
    });
  });

  describe('with several checks', () => {
    const options: AuthenticateOptions = {
      headers: ['my-super-secret-token: abc123def'],
      basic: { username: 'admin', password: '123456' },
      query: { key: 'static-key-1' },
    };

    it('lets a request through only when every check passes', async () => {
      const { app, reached } = guardedApp(options);

      const all = await request(app)
        .post('/hook?key=static-key-1')
        .set('my-super-secret-token', 'abc123def')
        .auth('admin', '123456');

      expect(all.status).toBe(200);
      expect(reached).toHaveLength(1);
    });

    it.each([
      ['the header', { header: false, basic: true, query: true }],
      ['the basic credentials', { header: true, basic: false, query: true }],
      ['the query key', { header: true, basic: true, query: false }],
    ])('answers 401 with a challenge when only %s is missing', async (_what, sent) => {
      const { app, reached } = guardedApp(options);
      let call = request(app).post(sent.query ? '/hook?key=static-key-1' : '/hook');
      if (sent.header) call = call.set('my-super-secret-token', 'abc123def');
      if (sent.basic) call = call.auth('admin', '123456');

      const response = await call;

      expect([response.status, response.body, response.headers['www-authenticate']]).toEqual([
        401,
        UNAUTHORIZED,
        CHALLENGE,
      ]);
      expect(reached).toEqual([]);
    });
  });

  describe('when it refuses a request', () => {
    it('never runs the handlers nor onError, and never sends the secrets back', async () => {
      const calls = new CallEvents({ logger: false });
      const handled: unknown[] = [];
      const failures: unknown[] = [];
      calls.onAny((event) => {
        handled.push(event);
      });
      calls.onError((error) => {
        failures.push(error);
      });
      const appErrors = recordErrors();
      const app = createApp([
        authenticate({
          headers: ['my-super-secret-token: abc123def'],
          basic: { username: 'admin', password: '123456' },
        }),
        parseMyOperatorBody(),
        calls.middleware(),
      ]);
      app.use(appErrors.handler);
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), {
        headers: ['my-super-secret-token: wrong-token'],
        basic: { username: 'admin', password: 'wrong-password' },
      });

      const response = await request(app).post('/hook').set(built.headers).send(built.body);

      expect([response.status, response.body]).toEqual([401, UNAUTHORIZED]);
      expect([handled, failures]).toEqual([[], []]);
      const sent = JSON.stringify(response.headers) + response.text;
      for (const secret of ['abc123def', '123456', 'admin', 'wrong-token', 'wrong-password']) {
        expect(sent).not.toContain(secret);
      }
    });

    it("passes an unauthorized MyOperatorWebhookError to the app's own error handler", async () => {
      const seen: unknown[] = [];
      const app = express();
      app.all('/own', authenticate({ headers: ['my-super-secret-token: abc123def'] }), (_req, res) => {
        res.json({ reached: true });
      });
      app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
        seen.push(error);
        if (res.headersSent) next(error);
        else res.status(418).json({ own: true });
      });

      const response = await request(app).get('/own');

      expect([response.status, response.body]).toEqual([418, { own: true }]);
      expect(seen).toEqual([
        expect.objectContaining({ name: 'MyOperatorWebhookError', status: 401, code: 'unauthorized', expose: true }),
      ]);
      expect(seen[0]).toBeInstanceOf(MyOperatorWebhookError);
    });
  });
});
