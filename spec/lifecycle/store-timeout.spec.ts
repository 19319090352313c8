// A store that never answers must not cost the event: after storeTimeoutMs the handlers run anyway (at least
// once) and the failure reaches onError, so a 2xx always means the handlers ran.

import express from 'express';
import request from 'supertest';

import { CallEvents, myOperatorWebhook, StoreError, type CallEventsError, type CallStore } from '../../lib';
import { buildCallEvent, buildInCallLog, buildWebhookRequest } from '../../lib/testing';
import { reportsDelivered } from '../helpers/reports';

/** A store whose every call hangs forever, counting how often it was asked. */
function hangingStore(): CallStore & { asked: number } {
  const store = {
    asked: 0,
    record: () => {
      store.asked += 1;
      return new Promise<never>(() => {});
    },
    release: () => new Promise<never>(() => {}),
    sessionRecords: () => new Promise<never>(() => {}),
  };
  return store;
}

describe('CallEvents with a store that never answers', () => {
  it('runs the handlers after storeTimeoutMs and reports a StoreError to onError', async () => {
    const store = hangingStore();
    const calls = new CallEvents({ store, storeTimeoutMs: 50, logger: false });
    const ran: string[] = [];
    const errors: CallEventsError[] = [];
    calls.onUserAnswered((event) => {
      ran.push(event.name);
    });
    calls.onError((error) => {
      errors.push(error);
    });

    const result = await calls.receive(buildCallEvent(buildInCallLog({ call_state: '6' })));
    await reportsDelivered();

    expect([result, ran, store.asked]).toEqual([{ duplicate: false }, ['user_answered'], 1]);
    expect(errors.map((error) => [error instanceof StoreError, error.event.name])).toEqual([[true, 'user_answered']]);
  });

  it('answers 200 over HTTP within the middleware timeout, with the handler run', async () => {
    const calls = new CallEvents({ store: hangingStore(), storeTimeoutMs: 50, logger: false });
    let runs = 0;
    calls.onIncomingCall(() => {
      runs += 1;
    });
    const app = express();
    app.use('/hook', myOperatorWebhook({ auth: false, calls, timeoutMs: 2000 }));
    const built = buildWebhookRequest(buildInCallLog());

    const response = await request(app).post('/hook').set(built.headers).send(built.body);

    expect([response.status, response.body, runs]).toEqual([200, { ok: true }, 1]);
  });

  it('refuses a storeTimeoutMs that is not a positive integer', () => {
    expect(() => new CallEvents({ storeTimeoutMs: 0 })).toThrow(
      /^\[myoperator-webhooks\] CallEvents: "storeTimeoutMs"/,
    );
  });
});
