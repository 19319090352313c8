// The request builders of myoperator-webhooks/testing against a real Express app that mounts the webhook at a
// path: the built path works as is, literal query parameters and the panel mapping are told apart, every
// QUERY_FIELDS row encodes what it fills, and unknown or bad options are refused with the usual TypeError.

import type { AddressInfo } from 'node:net';

import express from 'express';
import request from 'supertest';

import {
  CallEvents,
  createCallEvent,
  myOperatorWebhook,
  QUERY_FIELDS,
  type CallEvent,
  type QueryParamMapping,
} from '../../lib';
import { DEFAULT_NORMALIZE_OPTIONS } from '../../lib/normalize/options';
import {
  AFTER_CALL_LOG,
  buildCallEvent,
  buildInCallLog,
  buildV2Event,
  buildWebhookRequest,
  queryParamsFor,
  sendWebhook,
  type WebhookRequest,
  type WebhookRequestOptions,
} from '../../lib/testing';
import { deepFreeze } from '../../lib/testing/deep-freeze';

const MOUNT = '/myoperator/incall';
const SECRET = 'my-super-secret-token: abc123def';
/** Every panel field, by key: the mapping a receiver and the builders share. */
const EVERY_FIELD: QueryParamMapping = Object.fromEntries(QUERY_FIELDS.map((row) => [`q_${row.key}`, row.key]));
/** The fields a CallEvent built from the query alone can be compared on. */
const COMPARED = [
  'name',
  'callState',
  'uid',
  'companyId',
  'direction',
  'status',
  'serviceNumber',
  'referenceId',
  'clientRefId',
  'publicIvrId',
] as const;

interface TestApp {
  app: express.Express;
  seen: CallEvent[];
}

/** An app that mounts the webhook at `mount`, with the secret header and (optionally) a panel mapping. */
function createApp(mount = MOUNT, queryParams?: QueryParamMapping): TestApp {
  const calls = new CallEvents({ logger: false });
  const seen: CallEvent[] = [];
  calls.onAny((event) => {
    seen.push(event);
  });
  const app = express();
  app.use(
    mount,
    myOperatorWebhook({ auth: { headers: [SECRET] }, calls, ...(queryParams === undefined ? {} : { queryParams }) }),
  );
  return { app, seen };
}

function send(app: express.Express, built: WebhookRequest): request.Test {
  const call = built.method === 'GET' ? request(app).get(built.path) : request(app).post(built.path);
  return built.body === undefined ? call.set(built.headers) : call.set(built.headers).send(built.body);
}

/** Runs `build` and returns the TypeError's message (failing when it throws something else, or nothing). */
function typeErrorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (error instanceof TypeError) return error.message;
    throw error;
  }
  throw new Error('no TypeError was thrown');
}

describe('buildWebhookRequest()', () => {
  describe('with path, the mount path', () => {
    it('returns a path that an app mounting the webhook there answers 200', async () => {
      const { app, seen } = createApp();
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), { path: MOUNT, headers: [SECRET] });

      const response = await send(app, built);

      expect([built.path, response.status, response.body]).toEqual([MOUNT, 200, { ok: true }]);
      expect(seen.map((event) => event.name)).toEqual(['user_answered']);
    });

    it("defaults to '/', which answers 200 for an app mounted at the root", async () => {
      const { app, seen } = createApp('/');
      const built = buildWebhookRequest(buildInCallLog({ call_state: '2' }), { headers: [SECRET] });

      const response = await send(app, built);

      expect([built.path, response.status]).toEqual(['/', 200]);
      expect(seen.map((event) => event.name)).toEqual(['call_finished']);
    });

    it('adds the query parameters after the query string the path already has', () => {
      const built = buildWebhookRequest(buildInCallLog(), { path: `${MOUNT}?tenant=7`, searchParams: { key: 'a b' } });

      expect(built.path).toBe(`${MOUNT}?tenant=7&key=a%20b`);
    });
  });

  describe('with queryParams, the panel mapping', () => {
    it('fills the mapping from the payload: a GET the app maps the same way builds the same event', async () => {
      const mapping = { caller: 'callerNumber', state: 'Call state', id: 'uid' };
      const { app, seen } = createApp(MOUNT, mapping);
      const log = buildInCallLog({ call_state: '6', uid: 'n2.1700000000.9' });
      const built = buildWebhookRequest(log, { method: 'GET', path: MOUNT, headers: [SECRET], queryParams: mapping });

      const response = await send(app, built);

      expect([built.path, built.body, response.status]).toEqual([
        `${MOUNT}?caller=%2B919711636496&state=6&id=n2.1700000000.9`,
        undefined,
        200,
      ]);
      expect(seen.map((event) => [event.format, event.name, event.uid, event.caller?.e164])).toEqual([
        ['query', 'user_answered', 'n2.1700000000.9', '+919711636496'],
      ]);
    });

    it('encodes every panel field so that the receiver reads back what the POSTed log says', async () => {
      const { app, seen } = createApp(MOUNT, EVERY_FIELD);
      for (const payload of [buildInCallLog({ call_state: '6' }), AFTER_CALL_LOG, buildV2Event('call.answered')]) {
        const built = buildWebhookRequest(payload, {
          method: 'GET',
          path: MOUNT,
          headers: [SECRET],
          queryParams: EVERY_FIELD,
        });
        await send(app, built).expect(200);
        const fromQuery = seen.at(-1)!;
        const fromBody = buildCallEvent(payload);
        const pick = (event: CallEvent): unknown[] => COMPARED.map((key) => event[key]);

        // After-call and v2 logs carry no call state: over GET they can only be `unknown`.
        const expected = pick(fromBody);
        if (fromBody.callState === null) expected[0] = 'unknown';
        expect(pick(fromQuery)).toEqual(expected);
        expect(fromQuery.caller?.e164).toBe(fromBody.caller?.e164);
        // The panel sends the agent's number even where the log has it only in its users or agents.
        expect(fromQuery.userPhoneNumber).toBe(
          fromBody.userPhoneNumber ?? fromBody.agents[0]?.phone?.national ?? fromBody.users[0]?.slice(-10) ?? null,
        );
        expect(fromQuery.createdAt?.getTime()).toBe(
          Math.floor((fromBody.createdAt ?? fromBody.startedAt ?? fromBody.callTime)!.getTime() / 1000) * 1000,
        );
      }
    });

    it('leaves out the fields the payload has no value for', () => {
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), {
        method: 'GET',
        queryParams: { state: 'callState', status: 'status' },
      });

      expect(built.path).toBe('/?state=6');
    });
  });

  describe('with searchParams, literal parameters', () => {
    it('adds them as they are (URL-encoded), after the mapped ones, and the receiver keeps them in params', async () => {
      const { app, seen } = createApp(MOUNT, { state: 'callState' });
      const built = buildWebhookRequest(buildInCallLog({ call_state: '1' }), {
        path: MOUNT,
        headers: [SECRET],
        queryParams: { state: 'callState' },
        searchParams: { key: 'abc 123', n: 7 },
      });

      await send(app, built).expect(200);

      expect(built.path).toBe(`${MOUNT}?state=1&key=abc%20123&n=7`);
      expect(seen[0]?.params).toEqual({ state: '1', key: 'abc 123', n: '7' });
    });

    it('still takes the deprecated query option as literal parameters', () => {
      const built = buildWebhookRequest(buildInCallLog(), { path: MOUNT, query: { callerNumber: 'x' } });

      expect(built.path).toBe(`${MOUNT}?callerNumber=x`);
    });
  });

  describe('options', () => {
    const log = buildInCallLog();

    it.each([
      ['an unknown option', { mountPath: MOUNT }, 'unknown option "mountPath" (known options: method, encoding'],
      ['a method', { method: 'PUT' }, `"method" must be one of 'POST', 'GET'`],
      ['an encoding', { encoding: 'xml' }, '"encoding" must be one of'],
      ['a relative path', { path: 'myoperator/incall' }, '"path" is the path the webhook is mounted at'],
      ['a URL for path', { path: 'http://127.0.0.1/hook' }, 'sendWebhook() takes a whole URL'],
      ['a header line', { headers: ['no colon'] }, '"headers" lines must look like "Name: value"'],
      ['basic', { basic: { username: 'admin' } }, '"basic" must be { username, password }'],
      ['an unknown field', { queryParams: { key: 'abc' } }, 'maps to an unknown field "abc"'],
      ['a mapping', { queryParams: ['uid'] }, '"queryParams" must be an object'],
      [
        'a literal value',
        { searchParams: { key: { nested: true } } },
        '"searchParams.key" must be a string or a number',
      ],
    ])('refuses %s with a TypeError naming buildWebhookRequest()', (_what, options, message) => {
      const text = typeErrorOf(() => buildWebhookRequest(log, options as WebhookRequestOptions));

      expect(text).toMatch(/^\[myoperator-webhooks\] buildWebhookRequest\(\): /);
      expect(text).toContain(message);
    });

    it('points a literal value given as a mapping to searchParams', () => {
      expect(typeErrorOf(() => buildWebhookRequest(log, { queryParams: { key: 'abc' } }))).toContain(
        'literal values go in "searchParams"',
      );
    });

    it('refuses a panel mapping it cannot fill: the payload is not a call log', () => {
      expect(typeErrorOf(() => buildWebhookRequest('not json', { queryParams: { id: 'uid' } }))).toMatch(
        /^\[myoperator-webhooks\] buildWebhookRequest\(\): "queryParams" is filled from the payload, which is not a call log \(invalid_call_log\)$/,
      );
    });

    it('takes {}, Object.create(null) and undefined values as the defaults', () => {
      const expected = buildWebhookRequest(log);
      const options = Object.create(null) as WebhookRequestOptions;

      expect(buildWebhookRequest(log, {})).toEqual(expected);
      expect(buildWebhookRequest(log, options)).toEqual(expected);
      // `undefined` for an option, as JavaScript callers write it.
      expect(
        buildWebhookRequest(log, {
          path: undefined,
          method: undefined,
          queryParams: undefined,
        } as unknown as WebhookRequestOptions),
      ).toEqual(expected);
      expect(expected).toMatchObject({ method: 'POST', path: '/' });
    });

    it("reads the caller's options without changing them (frozen options work)", () => {
      const options = deepFreeze({
        path: MOUNT,
        headers: [SECRET],
        basic: { username: 'admin', password: '123456' },
        queryParams: { state: 'callState' },
        searchParams: { key: 'abc' },
      });

      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }), options);

      expect(built.path).toBe(`${MOUNT}?state=6&key=abc`);
      expect(built.headers.authorization).toBe(`Basic ${Buffer.from('admin:123456').toString('base64')}`);
    });
  });
});

describe('queryParamsFor()', () => {
  it('gives the parameters MyOperator sends for a mapping by key or panel label, in the mapping order', () => {
    expect(
      queryParamsFor(buildInCallLog({ call_state: '5' }), {
        state: 'Call state',
        caller: 'CALLER NUMBER WITHOUT COUNTRY CODE',
        agent: "User's phone number",
        when: 'createdAt',
      }),
    ).toEqual({ state: '5', caller: '9711636496', agent: '8586848544', when: '1596270956' });
  });

  it('takes the after-call log agent as the user phone number, and the capitalised words the panel sends', () => {
    expect(queryParamsFor(AFTER_CALL_LOG, { u: 'userPhoneNumber', d: 'direction', s: 'status' })).toEqual({
      u: '8586848544',
      d: 'Incoming',
      s: 'Connected',
    });
  });

  it('has an encoder for every QUERY_FIELDS row: filling a fresh event with its value encodes the same', () => {
    const sources = [buildCallEvent(buildInCallLog({ call_state: '6' })), buildCallEvent(AFTER_CALL_LOG)];
    const encoded = new Set<string>();
    for (const event of sources) {
      for (const row of QUERY_FIELDS) {
        const value = row.encode(event);
        if (value === null) continue;
        encoded.add(row.key);
        const fresh = createCallEvent('query', {}, event.receivedAt);
        row.fill(fresh, value, DEFAULT_NORMALIZE_OPTIONS);
        expect([row.key, row.encode(fresh)]).toEqual([row.key, value]);
      }
    }
    // The seed and the after-call sample between them carry every field but the service number.
    expect(QUERY_FIELDS.filter((row) => !encoded.has(row.key)).map((row) => row.key)).toEqual(['serviceNumber']);
    const withNumber = buildCallEvent(buildInCallLog({ service_number: '918065550000' }));
    expect(QUERY_FIELDS.find((row) => row.key === 'serviceNumber')?.encode(withNumber)).toBe(withNumber.serviceNumber);
  });

  it('keeps a parameter named __proto__ as a plain key', () => {
    const params = queryParamsFor(buildInCallLog(), { ['__proto__']: 'uid' });

    expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
    expect(Object.keys(params)).toEqual(['__proto__']);
  });

  it('refuses an unknown field with a TypeError naming queryParamsFor()', () => {
    expect(typeErrorOf(() => queryParamsFor(buildInCallLog(), { x: 'duration' }))).toMatch(
      /^\[myoperator-webhooks\] queryParamsFor\(\): query parameter "x" maps to an unknown field "duration"/,
    );
    expect(typeErrorOf(() => queryParamsFor(buildInCallLog(), 'uid' as unknown as QueryParamMapping))).toContain(
      '"mapping" must be an object',
    );
  });
});

describe('sendWebhook()', () => {
  let server: ReturnType<express.Express['listen']>;
  let origin = '';
  let seen: CallEvent[] = [];

  beforeAll(async () => {
    const built = createApp(MOUNT, { state: 'callState', id: 'uid' });
    seen = built.seen;
    server = built.app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  it('posts to the URL, mount path included, and resolves the answer', async () => {
    const response = await sendWebhook(`${origin}${MOUNT}`, buildInCallLog({ call_state: '6' }), {
      headers: [SECRET],
    });

    expect([response.status, response.body]).toEqual([200, { ok: true }]);
    expect(seen.at(-1)?.name).toBe('user_answered');
  });

  it('sends a GET with the panel mapping filled from the payload', async () => {
    const response = await sendWebhook(`${origin}${MOUNT}`, buildInCallLog({ call_state: '2', uid: 'n2.17.3' }), {
      method: 'GET',
      headers: [SECRET],
      queryParams: { state: 'callState', id: 'uid' },
    });

    expect(response.status).toBe(200);
    expect([seen.at(-1)?.format, seen.at(-1)?.name, seen.at(-1)?.uid]).toEqual(['query', 'call_finished', 'n2.17.3']);
  });

  it('refuses an unknown option (path: the URL has it) and a URL that is not one, with a TypeError', async () => {
    const options = { path: MOUNT } as unknown as Parameters<typeof sendWebhook>[2];

    await expect(sendWebhook(`${origin}${MOUNT}`, buildInCallLog(), options)).rejects.toThrow(
      /^\[myoperator-webhooks\] sendWebhook\(\): unknown option "path"/,
    );
    await expect(sendWebhook('/myoperator/incall', buildInCallLog())).rejects.toThrow(
      /^\[myoperator-webhooks\] sendWebhook\(\): the url must be an absolute http\(s\) URL/,
    );
  });
});
