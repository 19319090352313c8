import request from 'supertest';
import express from 'express';

import { CallEvents, myOperatorWebhook, type CallEvent } from '../../lib';
import { buildInCallLog, buildWebhookRequest } from '../../lib/testing';

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
});
