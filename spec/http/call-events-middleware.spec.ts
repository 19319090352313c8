import express, { type Request, type Response } from 'express';
import request from 'supertest';

import {
  CallEvents,
  HandlerError,
  parseMyOperatorBody,
  webhookErrorHandler,
  type CallEvent,
  type CallEventsError,
  type CallEventsMiddlewareOptions,
} from '../../lib';
import { buildInCallLog, buildWebhookRequest } from '../../lib/testing';
import { createApp, deferred, waitFor } from '../helpers/app';
import { reportsDelivered } from '../helpers/reports';

const ANSWERED = buildWebhookRequest(buildInCallLog({ call_state: '6' }));
const HANDLER_FAILED = {
  error: { code: 'handler_failed', message: 'A call event handler failed' },
};

function send(app: express.Express, built = ANSWERED): request.Test {
  return request(app).post('/hook').set(built.headers).send(built.body);
}

/** parseMyOperatorBody() and calls.middleware(options), with the JSON error responder. */
function dispatchingApp(calls: CallEvents, options?: CallEventsMiddlewareOptions): express.Express {
  return createApp([parseMyOperatorBody(), calls.middleware(options)]);
}

/** calls.middleware(options) followed by the app's own answer, which reports res.locals.myOperator. */
function answeringApp(calls: CallEvents, options: CallEventsMiddlewareOptions): express.Express {
  const app = express();
  app.all(
    '/hook',
    parseMyOperatorBody(),
    calls.middleware(options),
    (_req: Request, res: Response) => {
      res.status(201).json({ app: true, myOperator: res.locals.myOperator as unknown });
    },
    webhookErrorHandler(),
  );
  return app;
}

describe('CallEvents.middleware()', () => {
  describe('by default (respond after the handlers)', () => {
    it('answers 200 {"ok":true} once the handlers ran', async () => {
      const calls = new CallEvents({ logger: false });
      const seen: Array<[string, string | null | undefined, boolean]> = [];
      calls.onUserAnswered(async (event, ctx) => {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push([event.name, event.caller?.e164, ctx.req !== undefined]);
      });

      const response = await send(dispatchingApp(calls));

      await reportsDelivered();

      expect([response.status, response.body, response.headers['content-type']]).toEqual([
        200,
        { ok: true },
        'application/json; charset=utf-8',
      ]);
      expect(seen).toEqual([['user_answered', '+919711636496', true]]);
    });

    it('answers a redelivery 200 {"ok":true,"duplicate":true} without running the handler again', async () => {
      const calls = new CallEvents({ logger: false });
      let runs = 0;
      calls.onUserAnswered(() => {
        runs++;
      });
      const app = dispatchingApp(calls);

      const first = await send(app);
      const again = await send(app);
      const raw = await send(app, buildWebhookRequest(buildInCallLog({ call_state: '6' }), { encoding: 'raw-form' }));

      expect([first.status, first.body]).toEqual([200, { ok: true }]);
      expect([again.status, again.body]).toEqual([200, { ok: true, duplicate: true }]);
      expect([raw.status, raw.body]).toEqual([200, { ok: true, duplicate: true }]);
      expect(runs).toBe(1);
    });

    it('runs the handlers of another state of the same call', async () => {
      const calls = new CallEvents({ logger: false });
      const names: string[] = [];
      calls.onAny((event) => {
        names.push(event.name);
      });
      const app = dispatchingApp(calls);

      await send(app).expect(200, { ok: true });
      await send(app, buildWebhookRequest(buildInCallLog({ call_state: '2' }))).expect(200, { ok: true });

      expect(names).toEqual(['user_answered', 'call_finished']);
    });

    it('waits for the handlers when timeoutMs is 0', async () => {
      const calls = new CallEvents({ logger: false });
      let finished = false;
      calls.onUserAnswered(async () => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        finished = true;
      });

      const response = await send(dispatchingApp(calls, { timeoutMs: 0 }));

      await reportsDelivered();

      expect([response.status, response.body, finished]).toEqual([200, { ok: true }, true]);
    });
  });

  describe("with respond: 'immediately'", () => {
    it('answers 200 before a slow handler finishes, and the handler still finishes', async () => {
      const calls = new CallEvents({ logger: false });
      const gate = deferred();
      const progress: string[] = [];
      calls.onUserAnswered(async () => {
        progress.push('started');
        await gate.promise;
        progress.push('finished');
      });

      const response = await send(dispatchingApp(calls, { respond: 'immediately' }));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(progress).not.toContain('finished');
      gate.resolve();
      await waitFor(() => progress.includes('finished'));
      expect(progress).toEqual(['started', 'finished']);
    });

    it('answers 200 even when the handler then fails, and reports the failure to onError', async () => {
      const calls = new CallEvents({ logger: false });
      const failures: CallEventsError[] = [];
      calls.onUserAnswered(() => {
        throw new Error('crm unreachable');
      });
      calls.onError((error) => {
        failures.push(error);
      });

      const response = await send(dispatchingApp(calls, { respond: 'immediately' }));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      await waitFor(() => failures.length === 1);
      expect(failures[0]).toBeInstanceOf(HandlerError);
    });
  });

  describe("with respond: 'next'", () => {
    it('runs the handlers, then lets the app answer with res.locals.myOperator set', async () => {
      const calls = new CallEvents({ logger: false });
      let runs = 0;
      calls.onUserAnswered(() => {
        runs++;
      });
      const app = answeringApp(calls, { respond: 'next' });

      const first = await send(app);
      const again = await send(app);

      expect([first.status, first.body]).toEqual([
        201,
        { app: true, myOperator: { duplicate: false, pending: false } },
      ]);
      expect([again.status, again.body]).toEqual([201, { app: true, myOperator: { duplicate: true, pending: false } }]);
      expect(runs).toBe(1);
    });

    it('lets the app answer past timeoutMs with pending: true', async () => {
      const calls = new CallEvents({ logger: false });
      const gate = deferred();
      let finished = false;
      calls.onUserAnswered(async () => {
        await gate.promise;
        finished = true;
      });

      const response = await send(answeringApp(calls, { respond: 'next', timeoutMs: 20 }));

      expect([response.status, response.body]).toEqual([
        201,
        { app: true, myOperator: { duplicate: false, pending: true } },
      ]);
      gate.resolve();
      await waitFor(() => finished);
    });

    it("passes a handler failure to the app's error handler as handler_failed", async () => {
      const calls = new CallEvents({ logger: false });
      calls.onUserAnswered(() => {
        throw new Error('crm unreachable');
      });

      const response = await send(answeringApp(calls, { respond: 'next' }));

      expect([response.status, response.body]).toEqual([500, HANDLER_FAILED]);
    });

    it("lets the app answer a handler failure with onHandlerError: 'respond-200', res.locals.myOperator set", async () => {
      const calls = new CallEvents({ logger: false });
      calls.onUserAnswered(() => {
        throw new Error('crm unreachable');
      });

      const response = await send(answeringApp(calls, { respond: 'next', onHandlerError: 'respond-200' }));

      expect([response.status, response.body]).toEqual([
        201,
        { app: true, myOperator: { duplicate: false, pending: false } },
      ]);
    });
  });

  describe('with timeoutMs', () => {
    it('answers 202 {"ok":true,"pending":true} past the timeout, and the handler still finishes', async () => {
      const calls = new CallEvents({ logger: false });
      const gate = deferred();
      const progress: string[] = [];
      calls.onUserAnswered(async () => {
        progress.push('started');
        await gate.promise;
        progress.push('finished');
      });

      const response = await send(dispatchingApp(calls, { timeoutMs: 20 }));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([202, { ok: true, pending: true }]);
      expect(progress).toEqual(['started']);
      gate.resolve();
      await waitFor(() => progress.includes('finished'));
    });

    it('answers a handler that fails past the timeout 202 and reports the failure to onError', async () => {
      const calls = new CallEvents({ logger: false });
      const gate = deferred();
      const failures: CallEventsError[] = [];
      calls.onUserAnswered(async () => {
        await gate.promise;
        throw new Error('late failure');
      });
      calls.onError((error) => {
        failures.push(error);
      });

      const response = await send(dispatchingApp(calls, { timeoutMs: 20 }));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([202, { ok: true, pending: true }]);
      gate.resolve();
      await waitFor(() => failures.length === 1);
      expect(failures[0]).toBeInstanceOf(HandlerError);
    });
  });

  describe('when a handler fails', () => {
    it('answers 500 handler_failed by default, with no exception text nor stack', async () => {
      const calls = new CallEvents({ logger: false });
      const failures: CallEventsError[] = [];
      calls.onUserAnswered(() => {
        throw new Error('database password hunter2 rejected');
      });
      calls.onError((error) => {
        failures.push(error);
      });

      const response = await send(dispatchingApp(calls));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([500, HANDLER_FAILED]);
      expect(response.text).not.toMatch(/hunter2|database|Error:|\n\s+at |\.ts:\d+/);
      expect(failures).toHaveLength(1);
      expect(failures[0]).toBeInstanceOf(HandlerError);
      expect((failures[0] as HandlerError).errors).toEqual([new Error('database password hunter2 rejected')]);
      expect(failures[0]?.event.name).toBe('user_answered');
    });

    it('still runs the other handlers and gathers every failure', async () => {
      const calls = new CallEvents({ logger: false });
      const ran: string[] = [];
      const failures: CallEventsError[] = [];
      calls.onUserAnswered(() => {
        throw new Error('first');
      });
      calls.onUserAnswered(() => {
        ran.push('second');
      });
      calls.onAny(() => Promise.reject(new Error('third')));
      calls.onError((error) => {
        failures.push(error);
      });

      const response = await send(dispatchingApp(calls));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([500, HANDLER_FAILED]);
      expect(ran).toEqual(['second']);
      expect((failures[0] as HandlerError).errors).toEqual([new Error('first'), new Error('third')]);
    });

    it('runs the handler again on the redelivery that follows', async () => {
      const calls = new CallEvents({ logger: false });
      let runs = 0;
      calls.onUserAnswered(() => {
        runs++;
        if (runs === 1) throw new Error('first delivery fails');
      });
      const app = dispatchingApp(calls);

      const failed = await send(app);
      const retried = await send(app);
      const duplicate = await send(app);

      expect([failed.status, failed.body]).toEqual([500, HANDLER_FAILED]);
      expect([retried.status, retried.body]).toEqual([200, { ok: true }]);
      expect([duplicate.status, duplicate.body]).toEqual([200, { ok: true, duplicate: true }]);
      expect(runs).toBe(2);
    });

    it('answers 200 {"ok":true} with onHandlerError: \'respond-200\', still reporting to onError', async () => {
      const calls = new CallEvents({ logger: false });
      const failures: CallEventsError[] = [];
      calls.onUserAnswered(() => {
        throw new Error('crm unreachable');
      });
      calls.onError((error) => {
        failures.push(error);
      });

      const response = await send(dispatchingApp(calls, { onHandlerError: 'respond-200' }));
      await reportsDelivered();

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(failures).toHaveLength(1);
    });

    it('answers 500 even when an onError handler throws', async () => {
      const calls = new CallEvents({ logger: false });
      calls.onUserAnswered(() => {
        throw new Error('crm unreachable');
      });
      calls.onError(() => {
        throw new Error('the error handler is broken too');
      });

      const response = await send(dispatchingApp(calls));

      await reportsDelivered();

      expect([response.status, response.body]).toEqual([500, HANDLER_FAILED]);
    });
  });

  describe('without req.callEvent', () => {
    it('answers 400 missing_call_event and runs no handler', async () => {
      const calls = new CallEvents({ logger: false });
      const handled: CallEvent[] = [];
      calls.onAny((event) => {
        handled.push(event);
      });
      const app = createApp([calls.middleware()]);

      const get = await request(app).get('/hook');
      const post = await send(app);

      const expected = {
        error: { code: 'missing_call_event', message: 'No call event was built from this request' },
      };
      expect([get.status, get.body]).toEqual([400, expected]);
      expect([post.status, post.body]).toEqual([400, expected]);
      expect(handled).toEqual([]);
    });
  });
});
