// The security review of lib/, one finding per test: constant-time secret checks, body limits, no secret or
// handler text in responses or logs, the Basic challenge and its realm, prototype pollution, regexes on request
// data, and allocations that a request controls.

import { connect } from 'node:net';
import { brotliCompressSync, constants as zlibConstants, deflateSync, gzipSync } from 'node:zlib';

import express from 'express';
import request from 'supertest';

import {
  authenticate,
  CallEvents,
  MemoryStore,
  myOperatorWebhook,
  normalizePayload,
  parseMyOperatorBody,
  webhookErrorHandler,
  type CallEvent,
} from '../../../lib';
import { buildInCallLog, buildWebhookRequest } from '../../../lib/testing';
import { equalsInConstantTime } from '../../../lib/pipeline/auth';
import { reportsDelivered } from '../../helpers/reports';
import { DOCUMENTED_ERRORS, pollutedProperties } from '../helpers/contract';
import { settledHeapUsed } from '../helpers/gc';
import { watchProcess, type ProcessGuard } from '../helpers/process-guard';
import { createWebhookApp, HANDLER_ERROR_TEXT, listen } from '../helpers/webhook-app';

/** A string whose every `charCodeAt` is recorded: which characters a comparison reads, and how many. */
function probed(text: string, reads: number[]): string {
  const probe = new String(text) as string & { charCodeAt(index: number): number };
  probe.charCodeAt = (index: number): number => {
    reads.push(index);
    return text.charCodeAt(index);
  };
  return probe;
}

const TOKEN = 'x-myoperator-token';
const SECRET = 's3cret-T0KEN-value-0123456789';
const BASIC = { username: 'admin', password: 'pa55-W0RD-secret' };

function basicHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** A guarded app whose handler only counts. */
function guardedApp(auth: Parameters<typeof authenticate>[0]): { app: express.Express; reached: () => number } {
  let reached = 0;
  const app = express();
  app.all(
    '/hook',
    authenticate(auth),
    (_req: express.Request, res: express.Response) => {
      reached++;
      res.json({ reached: true });
    },
    webhookErrorHandler(),
  );
  return { app, reached: () => reached };
}

/** Milliseconds one synchronous call takes. */
function timed(run: () => unknown): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

describe('security review of lib/', () => {
  let guard: ProcessGuard;

  beforeEach(() => {
    guard = watchProcess();
  });

  afterEach(() => {
    guard.stop();
    expect(guard.fired).toEqual([]);
  });

  describe('authenticate(): constant-time secrets', () => {
    it('reads every character sent and as many of the secret, wherever the first difference is', () => {
      const attempts = [
        'x',
        SECRET.slice(0, -1),
        `${SECRET}x`,
        'y'.repeat(3000),
        `${SECRET.slice(0, -1)}!`,
        `!${SECRET.slice(1)}`,
        SECRET,
      ];
      const shapes = attempts.map((attempt) => {
        const given: number[] = [];
        const expected: number[] = [];
        const equal = equalsInConstantTime(probed(attempt, given), probed(SECRET, expected));
        // Every index of what was sent, once, in order; the secret read the same number of times.
        const inOrder = given.every((index, position) => index === position);
        return [equal, given.length === attempt.length && inOrder, expected.length === attempt.length];
      });
      expect(shapes).toEqual(attempts.map((attempt) => [attempt === SECRET, true, true]));
    });

    it('answers 401 whichever check fails, and 200 only when every check passes', async () => {
      const { app, reached } = guardedApp({ headers: [`${TOKEN}: ${SECRET}`, `x-second: ${SECRET}`], basic: BASIC });
      const statuses: number[] = [];
      for (const [first, second, password] of [
        [SECRET, SECRET, 'wrong'],
        ['wrong', SECRET, BASIC.password],
        [SECRET, 'wrong', BASIC.password],
        [SECRET, SECRET, BASIC.password],
      ] as const) {
        const response = await request(app)
          .post('/hook')
          .set(TOKEN, first)
          .set('x-second', second)
          .set('Authorization', basicHeader(BASIC.username, password));
        statuses.push(response.status);
      }
      expect([statuses, reached()]).toEqual([[401, 401, 401, 200], 1]);
    });

    it('accepts any rotation value, the first, the middle and the last', async () => {
      const { app } = guardedApp({ headers: { [TOKEN]: ['old-key-1', SECRET, 'new-key-3'] } });
      const statuses: number[] = [];
      for (const value of ['old-key-1', SECRET, 'new-key-3', 'old-key-', 'new-key-3x']) {
        statuses.push((await request(app).post('/hook').set(TOKEN, value)).status);
      }
      expect(statuses).toEqual([200, 200, 200, 401, 401]);
    });
  });

  describe('the Basic challenge and its realm', () => {
    it('refuses a realm that could inject a header or break the quoted string', () => {
      for (const realm of ['a"\r\nSet-Cookie: session=1', 'line\nbreak', 'quote"', 'back\\slash', 'caf\u00e9']) {
        expect(() => authenticate({ basic: BASIC, realm })).toThrow(
          /^\[myoperator-webhooks\] authenticate\(\): "realm" must be printable ASCII/,
        );
      }
    });

    it('sends the challenge only with Basic configured, and never the credentials it was given', async () => {
      const withBasic = await request(guardedApp({ basic: BASIC }).app)
        .post('/hook')
        .set('Authorization', basicHeader('intruder', 'guessed-P4SS'));
      const headerOnly = await request(guardedApp({ headers: [`${TOKEN}: ${SECRET}`] }).app)
        .post('/hook')
        .set(TOKEN, 'guessed-T0KEN');
      expect([withBasic.status, withBasic.headers['www-authenticate'], headerOnly.status]).toEqual([
        401,
        'Basic realm="MyOperator webhook"',
        401,
      ]);
      expect(headerOnly.headers['www-authenticate']).toBeUndefined();
      const sent = JSON.stringify([withBasic.headers, withBasic.text, headerOnly.headers, headerOnly.text]);
      for (const secret of ['intruder', 'guessed-P4SS', 'guessed-T0KEN', SECRET, BASIC.password]) {
        expect(sent).not.toContain(secret);
      }
    });

    it('reads a hostile Authorization header in linear time (the basic-auth regex)', async () => {
      const { app } = guardedApp({ basic: BASIC });
      const start = Date.now();
      for (const header of [`Basic ${' '.repeat(8000)}!`, `Basic ${'A'.repeat(8000)}=${' '.repeat(4000)}x`]) {
        const response = await request(app).post('/hook').set('Authorization', header);
        expect(response.status).toBe(401);
      }
      expect(Date.now() - start).toBeLessThan(2000);
    });
  });

  describe('body limits', () => {
    const app = (): express.Express => createWebhookApp({ limit: '8kb' }).app;

    it('answers 413 for a declared length over the limit once the body is sent (read off and dropped)', async () => {
      const { port, close } = await listen(app());
      try {
        const answer = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.write('POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n');
            socket.write(`Content-Length: ${4 * 1024 * 1024}\r\n\r\n`);
            // 4 MB in 64 kB chunks: the server reads them off without buffering past the limit.
            for (let chunk = 0; chunk < 64; chunk++) socket.write(Buffer.alloc(64 * 1024, 0x7b));
          });
          let text = '';
          socket.on('data', (chunk: Buffer) => {
            text += chunk.toString('latin1');
            if (text.includes('}}')) {
              socket.destroy();
              resolve(text);
            }
          });
          socket.on('error', reject);
          setTimeout(() => {
            socket.destroy();
            reject(new Error(`no answer in 5 s: ${text}`));
          }, 5000);
        });
        expect([answer.split('\r\n')[0], answer.slice(answer.indexOf('{'))]).toEqual([
          'HTTP/1.1 413 Payload Too Large',
          '{"error":{"code":"payload_too_large","message":"The request body is larger than the limit"}}',
        ]);
      } finally {
        await close();
      }
    });

    it.each([
      ['gzip', () => gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20))],
      ['deflate', () => deflateSync(Buffer.alloc(20 * 1024 * 1024, 0x20))],
      [
        'br',
        () =>
          brotliCompressSync(Buffer.alloc(20 * 1024 * 1024, 0x20), {
            params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 },
          }),
      ],
    ])('answers 413 for a %s bomb: the limit applies to the inflated body', async (encoding, compress) => {
      const bomb = compress();
      const response = await request(app())
        .post('/hook')
        .set('content-type', 'application/json')
        .set('content-encoding', encoding)
        .serialize((body: unknown) => body as string)
        .send(bomb);
      expect([bomb.length < 128 * 1024, response.status, response.body.error.code]).toEqual([
        true,
        413,
        'payload_too_large',
      ]);
    });
  });

  describe('no secret or handler text in responses or logs', () => {
    it('answers handler_failed with its fixed message, and logs no handler text', async () => {
      const subject = createWebhookApp({ fail: 'sync' });
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }));
      const response = await request(subject.app).post('/hook').set(built.headers).send(built.body);
      expect([response.status, response.body]).toEqual([
        500,
        { error: { code: 'handler_failed', message: 'A call event handler failed' } },
      ]);
      await reportsDelivered();
      expect([response.text.includes('hunter2'), subject.logs.length > 0]).toEqual([false, true]);
      expect(subject.logs.join('\n')).not.toContain('hunter2');
    });

    it('logs only the name of an error an onError handler throws', async () => {
      const subject = createWebhookApp({ fail: 'async' });
      subject.calls.onError(() => {
        throw new Error(`onError failed: ${HANDLER_ERROR_TEXT}`);
      });
      const built = buildWebhookRequest(buildInCallLog({ call_state: '6' }));
      const response = await request(subject.app).post('/hook').set(built.headers).send(built.body);
      await reportsDelivered();
      expect([response.status, subject.logs]).toEqual([
        500,
        [
          expect.stringMatching(/^\[myoperator-webhooks\] call event handlers failed \{.*"errors":"Error"/),
          '[myoperator-webhooks] an onError handler threw {"thrown":"Error"}',
        ],
      ]);
      expect(subject.logs.join('\n')).not.toContain(HANDLER_ERROR_TEXT);
    });

    it('keeps a uid with line breaks and escape codes on one quoted console line (no forged log lines)', async () => {
      const printed: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((line: unknown) => {
        printed.push(String(line));
      });
      try {
        // The default logger is console.
        const subject = createWebhookApp({ fail: 'sync', calls: { logger: console } });
        const uid = 'n2.1.1\r\n[myoperator-webhooks] all good\u001b[2K';
        const built = buildWebhookRequest(buildInCallLog({ call_state: '6', uid }), { encoding: 'json' });
        await request(subject.app).post('/hook').set(built.headers).send(built.body);
        await reportsDelivered();
      } finally {
        spy.mockRestore();
      }
      expect(printed).toHaveLength(1);
      expect([/[\n\r]/.test(printed[0] ?? ''), printed[0]?.includes('\u001b')]).toEqual([false, false]);
      expect(printed[0]).toContain('"uid":"n2.1.1\\r\\n[myoperator-webhooks] all good\\u001b[2K"');
    });
  });

  describe('prototype pollution', () => {
    const hostile =
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"uid":"n2.1.1","call_state":"6"}';

    it('reads __proto__ / constructor keys in JSON, form and query as plain data', async () => {
      const subject = createWebhookApp();
      const bodies: Array<[string, string]> = [
        ['application/json', hostile],
        ['application/json', `{"myoperator":${hostile}}`],
        ['application/x-www-form-urlencoded', `myoperator=${encodeURIComponent(hostile)}`],
        ['application/x-www-form-urlencoded', `myoperator=${hostile}&__proto__[polluted]=yes`],
      ];
      const statuses: number[] = [];
      for (const [type, body] of bodies) {
        const response = await request(subject.app)
          .post('/hook?__proto__[polluted]=yes&constructor[prototype][polluted]=yes&__proto__=x')
          .set('content-type', type)
          .send(body);
        statuses.push(response.status);
      }
      expect([statuses, pollutedProperties(), subject.problems]).toEqual([[200, 200, 200, 200], [], []]);
    });

    it('stays clean behind app-level express.json() and express.urlencoded({ extended: true })', async () => {
      const calls = new CallEvents({ logger: false });
      const seen: CallEvent[] = [];
      calls.onAny((event) => {
        seen.push(event);
      });
      const app = express();
      app.use(express.json(), express.urlencoded({ extended: true }));
      app.use('/hook', myOperatorWebhook({ auth: false, calls }));
      const json = await request(app).post('/hook').set('content-type', 'application/json').send(hostile);
      const form = await request(app)
        .post('/hook')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send(`myoperator=${encodeURIComponent(hostile)}&__proto__[polluted]=yes&constructor[prototype][polluted]=yes`);
      expect([json.status, form.status, seen.length, pollutedProperties()]).toEqual([200, 200, 1, []]);
    });
  });

  describe('app-level body parsers in front of the pieces', () => {
    it('answers a body an app-level parser could not read with a 4xx, not 500 (undecodable gzip, too deep a form)', async () => {
      const calls = new CallEvents({ logger: false });
      const shallowForms = { extended: true, depth: 2 }; // body-parser 2's option (not in @types/body-parser 1)
      const app = express();
      app.post(
        '/hook',
        express.json(),
        express.urlencoded(shallowForms),
        parseMyOperatorBody(),
        calls.middleware(),
        webhookErrorHandler(),
      );
      const gzip = await request(app)
        .post('/hook')
        .set('content-type', 'application/json')
        .set('content-encoding', 'gzip')
        .serialize((body: unknown) => body as string)
        .send(Buffer.from('this is not gzip at all'));
      const deep = await request(app)
        .post('/hook')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send('a[b][c][d][e]=1');
      expect([gzip.status, gzip.body.error.code, deep.status, deep.body.error.code]).toEqual([
        400,
        'missing_call_log',
        400,
        'missing_call_log',
      ]);
    });
  });

  describe('regexes on request data run in linear time (no ReDoS)', () => {
    it('normalises 100 kB adversarial values for every regex-read field in well under a second', () => {
      const long = 90_000;
      const values = [
        '1'.repeat(long),
        `${'1'.repeat(long)}:`,
        `${'1'.repeat(long)}.`,
        `2020-01-01 00:00:00${'0'.repeat(long)}`,
        `${' '.repeat(long)}x`,
        `+${'0'.repeat(long)}a`,
        `${'-'.repeat(long)}1`,
        `${'('.repeat(long)}9`,
        `${'9 '.repeat(long / 2)}x`,
      ];
      const fields = ['clid', 'clid_raw', 'created', 'call_time', 'call_state', 'rdnis', 'users', 'event', 'status'];
      for (const value of values) {
        const payload = Object.fromEntries(fields.map((field) => [field, value]));
        expect(timed(() => normalizePayload({ uid: 'n2.1.1', ...payload }))).toBeLessThan(500);
        const afterCall = { _ai: 'a', _dr: value, _st: value, _cl: value, _cr: value, _ts: value };
        expect(timed(() => normalizePayload(afterCall))).toBeLessThan(500);
      }
    });

    it('reads 90 kB form bodies built to trip the raw-JSON scanner in linear time', async () => {
      const { app } = createWebhookApp({ limit: '100kb' });
      const bodies = [
        `myoperator=${'{'.repeat(90_000)}`,
        `myoperator={"a":"${'\\'.repeat(90_000)}`,
        `myoperator=${'{"a":'.repeat(18_000)}`,
        `myoperator=${'%'.repeat(90_000)}`,
        `${'&'.repeat(90_000)}myoperator=`,
      ];
      const started = Date.now();
      for (const body of bodies) {
        const response = await request(app)
          .post('/hook')
          .set('content-type', 'application/x-www-form-urlencoded')
          .send(body);
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
      }
      expect(Date.now() - started).toBeLessThan(3000);
    });
  });

  describe('allocations a request controls', () => {
    it('caps the details of a 422 at 20, whatever the number of bad values in the body', async () => {
      const { app } = createWebhookApp({ limit: '100kb' });
      const body = JSON.stringify({ uid: 'n2.1.1', users: Array.from({ length: 20_000 }, () => ({})) });
      const response = await request(app).post('/hook').set('content-type', 'application/json').send(body);
      expect([response.status, response.body.error.code, response.body.error.details.length]).toEqual([
        DOCUMENTED_ERRORS.invalid_call_log,
        'invalid_call_log',
        20,
      ]);
      expect(response.text.length).toBeLessThan(4000);
    });

    it('keeps every query parameter in event.params: no cap below the URL size limit', async () => {
      const { app, calls } = createWebhookApp();
      let params = -1;
      calls.onAny((event) => {
        params = Object.keys(event.params).length;
      });
      const query = Array.from({ length: 1200 }, (_, i) => `p${i}=${i}`).join('&');
      const response = await request(app).get(`/hook?uid=n2.1.1&state=6&${query}`);
      expect([response.status, params]).toEqual([200, 1202]);
    });

    it('finds a query-key credential past the 1,000th parameter', async () => {
      const { app } = guardedApp({ query: { key: SECRET } });
      const padding = Array.from({ length: 1200 }, (_, i) => `p${i}=${i}`).join('&');
      const accepted = await request(app).post(`/hook?${padding}&key=${SECRET}`);
      const refused = await request(app).post(`/hook?${padding}&key=wrong`);
      expect([accepted.status, refused.status]).toEqual([200, 401]);
    });

    it('does not keep the size of a huge uid or agent per remembered event (the default store stays small)', async () => {
      const store = new MemoryStore();
      const calls = new CallEvents({ logger: false, store });
      calls.onAny(() => undefined);
      const events = 300;
      const big = 50_000;
      const receive = async (index: number): Promise<void> => {
        const log = { uid: `u${index}-${'x'.repeat(big)}`, call_state: '6', users: [`${index}${'9'.repeat(big)}`] };
        await calls.receive(normalizePayload(JSON.parse(JSON.stringify(log))));
      };
      await receive(-1); // warm up: compile the path before measuring
      const before = await settledHeapUsed();
      for (let index = 0; index < events; index++) await receive(index);
      const perEvent = ((await settledHeapUsed()) - before) / events;
      // Every event is still remembered (nothing evicted) ...
      expect(store.size).toEqual({ claims: events + 1, sessions: events + 1 });
      // ... yet none holds its 50 kB uid or agent: unbounded, each would cost ~150 kB; measurement noise is ~10 kB.
      expect(perEvent).toBeLessThan(big / 2);
    });
  });

  describe('dates and durations that overflow', () => {
    it('reads an epoch past the year 275760 as null, never an invalid Date', () => {
      const event = normalizePayload({ uid: 'n2.1.1', created: 1e20, call_time: '9999999999999999' });
      expect([event.createdAt, event.callTime]).toEqual([null, null]);
    });

    it('reads a duration of hundreds of digits as null, never Infinity', () => {
      const event = normalizePayload({ _ai: 'a', _dr: '9'.repeat(400) });
      expect(event.durationSeconds).toBeNull();
    });
  });
});
