// Nothing lost, even when reporting fails: hostile onError handlers and loggers, handlers that mutate their event,
// stores that never answer, shutting down under load, and an app-level body parser in front of the webhook.
// Each case is one that once turned a failed or unprocessed event into a 2xx, or a documented answer into another.

import express from 'express';
import request from 'supertest';

import { CallEvents, myOperatorWebhook, StoreError, type CallStore, type MyOperatorWebhookOptions } from '../../../lib';
import { buildCallEvent, buildInCallLog, buildWebhookRequest, IN_CALL_LOG } from '../../../lib/testing';
import { reportsDelivered } from '../../helpers/reports';

function app(calls: CallEvents, options: Partial<MyOperatorWebhookOptions> = {}, before?: express.RequestHandler) {
  const server = express();
  if (before) server.use(before);
  server.use('/hook', myOperatorWebhook({ auth: false, calls, ...options }));
  return server;
}

function post(server: express.Express, payload: unknown = IN_CALL_LOG) {
  const built = buildWebhookRequest(payload);
  return request(server).post('/hook').set(built.headers).send(built.body);
}

const brokenStore = (): CallStore => ({
  record: () => Promise.reject(new Error('ECONNREFUSED')),
  release: () => Promise.reject(new Error('ECONNREFUSED')),
  sessionRecords: () => Promise.reject(new Error('ECONNREFUSED')),
});

const never = (): Promise<never> => new Promise<never>(() => undefined);

/** A value whose every property read throws: what a hostile onError may throw. */
function hostileValue(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('nothing lost when reporting fails', () => {
  it('1. a failing store and an onError that never settles: the handlers run and the answer is 200', async () => {
    const calls = new CallEvents({ store: brokenStore(), logger: false });
    let ran = 0;
    calls.onIncomingCall(() => {
      ran++;
    });
    calls.onError(never);
    const response = await post(app(calls, { timeoutMs: 500 }));
    expect([response.status, response.body, ran]).toEqual([200, { ok: true }, 1]);
  });

  it('2. a failing handler and an onError slower than timeoutMs: 500 handler_failed, so the sender retries', async () => {
    const calls = new CallEvents({ logger: false });
    calls.onIncomingCall(() => {
      throw new Error('crm down');
    });
    calls.onError(() => new Promise((resolve) => setTimeout(resolve, 1000)));
    const started = Date.now();
    const response = await post(app(calls, { timeoutMs: 100 }));
    expect([response.status, response.body.error.code]).toEqual([500, 'handler_failed']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it.each([
    [
      'a value whose name getter throws',
      () => ({
        get name(): string {
          throw new Error('getter');
        },
      }),
    ],
    ['a revoked Proxy', hostileValue],
    ['undefined', () => undefined],
  ])('3. an onError that throws %s: handlers ran, the answer is the documented one', async (_label, make) => {
    const calls = new CallEvents({ logger: false });
    let ran = 0;
    calls.onUserAnswered(() => {
      ran++;
      throw new Error('fails');
    });
    calls.onError(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: onError may throw anything
      throw make();
    });
    const response = await post(app(calls), buildInCallLog({ call_state: '6' }));
    await reportsDelivered();
    expect([response.status, response.body.error.code, ran]).toEqual([500, 'handler_failed', 1]);
  });

  it('4. a logger that throws, and a handler that sets event.uid = 12345 before failing: 500 handler_failed', async () => {
    const throwing = {
      error: (): void => {
        throw new Error('log sink down');
      },
      warn: (): void => {
        throw new Error('log sink down');
      },
    };
    const calls = new CallEvents({ logger: throwing });
    calls.onIncomingCall((event) => {
      (event as { uid: unknown }).uid = 12345;
      throw new Error('fails');
    });
    const response = await post(app(calls));
    await reportsDelivered();
    expect([response.status, response.body.error.code]).toEqual([500, 'handler_failed']);
  });

  it('4b. with the default console logger, a non-string uid is logged without throwing', async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: unknown) => lines.push(String(line)));
    try {
      const calls = new CallEvents();
      calls.onIncomingCall((event) => {
        (event as { uid: unknown }).uid = 12345;
        throw new Error('fails');
      });
      const response = await post(app(calls));
      await reportsDelivered();
      expect(response.status).toBe(500);
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([expect.stringContaining('"uid":null')]);
  });

  it('5. getSession() on a store that never answers rejects within storeTimeoutMs', async () => {
    const store: CallStore = { record: never, release: never, sessionRecords: never };
    const calls = new CallEvents({ store, storeTimeoutMs: 50, logger: false });
    const started = Date.now();
    await expect(calls.getSession('n2.1.1')).rejects.toMatchObject({ code: 'store_failed' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('7. a handler that rewrites event.name cannot put its text into the answer', async () => {
    const calls = new CallEvents({ logger: false });
    calls.onIncomingCall((event) => {
      (event as { name: string }).name = 'secret text from the handler';
      throw new Error('fails');
    });
    const response = await post(app(calls));
    expect([response.status, response.body]).toEqual([
      500,
      { error: { code: 'handler_failed', message: 'A call event handler failed' } },
    ]);
  });

  it('reports store failures to onError as StoreError, on a later task than the answer', async () => {
    const calls = new CallEvents({ store: brokenStore(), logger: false });
    const order: string[] = [];
    calls.onError((error) => {
      order.push(error instanceof StoreError ? 'reported' : 'other');
    });
    calls.onIncomingCall(() => {
      order.push('handled');
    });
    const result = await calls.receive(buildCallEvent());
    order.push('resolved');
    await reportsDelivered();
    expect([result, order]).toEqual([{ duplicate: false }, ['handled', 'resolved', 'reported']]);
  });
});

describe('9. calls.close() under load, with handlers past the timeout', () => {
  it('answers 202 while handlers run, refuses new events with 503, and drains every accepted one', async () => {
    const calls = new CallEvents({ logger: false });
    let finished = 0;
    calls.onAny(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      finished++;
    });
    const server = app(calls, { timeoutMs: 50 });
    const accepted = await Promise.all(
      Array.from({ length: 20 }, (_, index) => post(server, buildInCallLog({ uid: `n2.1.${index}` }))),
    );
    expect(new Set(accepted.map((response) => response.status))).toEqual(new Set([202]));
    expect(finished).toBe(0);

    const closing = calls.close({ timeoutMs: 5000 });
    const refused = await post(server, buildInCallLog({ uid: 'n2.1.late' }));
    expect([refused.status, refused.body.error.code, refused.headers['retry-after']]).toEqual([
      503,
      'shutting_down',
      '30',
    ]);
    expect(await closing).toEqual({ pending: 0 });
    expect(finished).toBe(20);
  });

  it('resolves with what was still running at its deadline', async () => {
    const calls = new CallEvents({ logger: false });
    calls.onAny(never);
    const server = app(calls, { timeoutMs: 20 });
    await Promise.all([1, 2, 3].map((index) => post(server, buildInCallLog({ uid: `n2.2.${index}` }))));
    expect(await calls.close({ timeoutMs: 50 })).toEqual({ pending: 3 });
  });

  it("answers 503 rather than 200 with respond: 'immediately' once closing (the event is not lost)", async () => {
    const calls = new CallEvents({ logger: false });
    await calls.close();
    const response = await post(app(calls, { respond: 'immediately' }));
    expect([response.status, response.body.error.code]).toEqual([503, 'shutting_down']);
  });
});

describe('10. an app-level express.urlencoded() in front of the webhook', () => {
  // A raw `curl -d` body: `+` in a name and an `&` inside a value, which a form parser breaks.
  const log = buildInCallLog({ clid: '+919711636496', client_ref_id: 'A+B&C' });
  const raw = `myoperator=${JSON.stringify(log)}`;

  it('reads req.rawBody when the app kept it (the verify hook): nothing is corrupted', async () => {
    const calls = new CallEvents({ logger: false });
    const seen: Array<[string | null, string | null]> = [];
    calls.onIncomingCall((event) => {
      seen.push([event.clientRefId, event.caller?.e164 ?? null]);
    });
    const keepRaw = express.urlencoded({
      extended: false,
      verify: (req, _res, buffer) => {
        (req as { rawBody?: Buffer }).rawBody = buffer;
      },
    });
    const response = await request(app(calls, {}, keepRaw))
      .post('/hook')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send(raw);
    expect([response.status, seen]).toEqual([200, [['A+B&C', '+919711636496']]]);
  });

  it('without the raw body, answers 400 naming the fix, and warns once', async () => {
    const warnings: string[] = [];
    const logger = { error: (): void => {}, warn: (_fields: object, message: string) => warnings.push(message) };
    const calls = new CallEvents({ logger });
    const server = app(calls, {}, express.urlencoded({ extended: false }));
    const send = () => request(server).post('/hook').set('content-type', 'application/x-www-form-urlencoded').send(raw);
    const first = await send();
    const second = await send();
    await reportsDelivered();
    for (const response of [first, second]) {
      expect([response.status, response.body.error.code]).toEqual([400, 'invalid_json']);
      expect(response.body.error.message).toMatch(/mount the webhook before express\.urlencoded\(\)/);
    }
    expect(warnings).toEqual([expect.stringMatching(/app-level body parser/)]);
  });
});
