// Fault tests of the dispatcher: handlers that throw, reject, or never settle, an onError handler that throws,
// and stores that fail. The process never crashes or sees an unhandled rejection, every answer is documented,
// a handler past the timeout goes on running after the 202, and a request is not kept once it is answered.

import express from 'express';
import request from 'supertest';

import { CallEvents, myOperatorWebhook, type CallStore } from '../../../lib';
import { buildInCallLog, buildWebhookRequest } from '../../../lib/testing';
import { countCollected } from '../helpers/gc';
import { watchProcess, type ProcessGuard } from '../helpers/process-guard';
import { createWebhookApp, HANDLER_ERROR_TEXT, listen } from '../helpers/webhook-app';
import { reportsDelivered } from '../../helpers/reports';

let sequence = 0;

/** A fresh in-call event request (a new uid each time, so de-duplication never interferes). */
function callRequest(state = '6'): { headers: Record<string, string>; body: string } {
  sequence++;
  const built = buildWebhookRequest(buildInCallLog({ call_state: state, uid: `n2.1700000000.${sequence}` }));
  return { headers: built.headers, body: built.body ?? '' };
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** A promise and its resolver, for handlers the test finishes by hand. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('fault: handlers and stores', () => {
  let guard: ProcessGuard;

  beforeEach(() => {
    guard = watchProcess();
  });

  afterEach(async () => {
    await delay(20); // let late rejections surface before the guard is read
    guard.stop();
    expect(guard.fired).toEqual([]);
  });

  describe('a handler that throws or rejects', () => {
    it.each([
      ['throws synchronously', 'sync'],
      ['rejects', 'async'],
    ] as const)(
      'answers 500 handler_failed when a handler %s, runs the others, and reruns them on redelivery',
      async (_label, fail) => {
        const subject = createWebhookApp({ fail });
        const others: string[] = [];
        subject.calls.onUserAnswered((event) => {
          others.push(String(event.uid));
        });
        const errors: unknown[] = [];
        subject.calls.onError((error) => {
          errors.push(error);
        });
        const sent = callRequest('6');
        const first = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
        const again = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
        await reportsDelivered();
        expect([first.status, first.body.error.code, again.status, others.length, errors.length]).toEqual([
          500,
          'handler_failed',
          500,
          2,
          2,
        ]);
        const [error] = errors as Array<{ name: string; errors: Error[] }>;
        expect([error?.name, error?.errors[0]?.message]).toEqual(['HandlerError', HANDLER_ERROR_TEXT]);
        expect(first.text).not.toContain('hunter2');
      },
    );
  });

  describe('a handler that never settles', () => {
    it('answers 202 pending at the timeout, and the handler goes on to finish', async () => {
      const gate = deferred();
      const finished: string[] = [];
      const subject = createWebhookApp({
        middleware: { timeoutMs: 100 },
        handler: async (event) => {
          await gate.promise;
          finished.push(String(event.uid));
        },
      });
      const sent = callRequest('6');
      const started = Date.now();
      const response = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
      const elapsed = Date.now() - started;
      expect([response.status, response.body, finished.length]).toEqual([202, { ok: true, pending: true }, 0]);
      expect(elapsed).toBeGreaterThanOrEqual(90);
      expect(elapsed).toBeLessThan(1500);
      gate.resolve();
      await delay(20);
      expect(finished).toEqual([`n2.1700000000.${sequence}`]);
    });

    it('gives a rejection after the 202 to onError, not to the process, and frees the claim for a redelivery', async () => {
      const gate = deferred();
      let runs = 0;
      const subject = createWebhookApp({
        middleware: { timeoutMs: 50 },
        handler: async () => {
          runs++;
          if (runs === 1) {
            await gate.promise;
            throw new Error(HANDLER_ERROR_TEXT);
          }
        },
      });
      const errors: unknown[] = [];
      subject.calls.onError((error) => {
        errors.push(error);
      });
      const sent = callRequest('2');
      const first = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
      gate.resolve();
      await delay(20);
      const again = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
      expect([first.status, errors.length, again.status, again.body, runs]).toEqual([202, 1, 200, { ok: true }, 2]);
    });

    it('keeps no request alive once it is answered, however many handlers hang forever', async () => {
      const refs: Array<WeakRef<object>> = [];
      const calls = new CallEvents({ logger: false });
      calls.onAny((_event, ctx) => {
        if (ctx.req) refs.push(new WeakRef(ctx.req));
        return new Promise(() => undefined); // never settles, holds nothing
      });
      const app = express();
      app.use('/hook', myOperatorWebhook({ auth: false, calls, timeoutMs: 20 }));
      const { server, close } = await listen(app);
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) {
          const sent = callRequest('5');
          statuses.push((await request(server).post('/hook').set(sent.headers).send(sent.body)).status);
        }
        server.closeIdleConnections();
        await delay(20);
        expect([new Set(statuses), refs.length, await countCollected(refs)]).toEqual([new Set([202]), 20, 20]);
      } finally {
        await close();
      }
    });
  });

  describe('an onError handler that throws', () => {
    it('logs its error name only, answers as usual, and lets other onError handlers run', async () => {
      const subject = createWebhookApp({ fail: 'async' });
      const seen: string[] = [];
      subject.calls.onError(() => {
        throw new Error(HANDLER_ERROR_TEXT);
      });
      subject.calls.onError(async () => {
        await Promise.reject(new TypeError(HANDLER_ERROR_TEXT));
      });
      subject.calls.onError((error) => {
        seen.push(error.name);
      });
      const sent = callRequest('6');
      const response = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
      await reportsDelivered();
      expect([response.status, response.body.error.code, seen, subject.logs]).toEqual([
        500,
        'handler_failed',
        ['HandlerError'],
        [
          expect.stringMatching(/^\[myoperator-webhooks\] call event handlers failed \{/),
          '[myoperator-webhooks] an onError handler threw {"thrown":"Error"}',
          '[myoperator-webhooks] an onError handler threw {"thrown":"TypeError"}',
        ],
      ]);
      expect(subject.logs.join('\n')).not.toContain(HANDLER_ERROR_TEXT);
    });

    it('does not surface as an unhandled rejection when the answer went out first (respond: immediately)', async () => {
      const subject = createWebhookApp({ fail: 'async', middleware: { respond: 'immediately' } });
      subject.calls.onError(() => {
        throw new Error(HANDLER_ERROR_TEXT);
      });
      const sent = callRequest('6');
      const response = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
      await delay(20);
      expect([response.status, subject.runs.length, subject.logs]).toEqual([
        200,
        1,
        [
          expect.stringMatching(/^\[myoperator-webhooks\] call event handlers failed \{/),
          '[myoperator-webhooks] an onError handler threw {"thrown":"Error"}',
        ],
      ]);
    });
  });

  describe('a store that fails', () => {
    const failures: Array<[string, () => CallStore]> = [
      [
        'throws synchronously',
        () => ({
          record: () => {
            throw new Error('store down');
          },
          release: () => Promise.resolve(),
          sessionRecords: () => Promise.resolve([]),
        }),
      ],
      [
        'rejects',
        () => ({
          record: () => Promise.reject(new Error('store down')),
          release: () => Promise.reject(new Error('store down')),
          sessionRecords: () => Promise.reject(new Error('store down')),
        }),
      ],
    ];

    it.each(failures)(
      'runs the handlers anyway (at-least-once) when the store %s, and reports it',
      async (_label, make) => {
        const subject = createWebhookApp({ calls: { store: make() } });
        const errors: string[] = [];
        subject.calls.onError((error) => {
          errors.push(error.name);
        });
        const sent = callRequest('6');
        const first = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
        const again = await request(subject.app).post('/hook').set(sent.headers).send(sent.body);
        await reportsDelivered();
        expect([first.status, again.status, subject.runs.length, errors]).toEqual([
          200,
          200,
          2,
          ['StoreError', 'StoreError'],
        ]);
      },
    );
  });
});
