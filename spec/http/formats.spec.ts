// The after-call log and Webhook v2 over real HTTP through myOperatorWebhook(), as a form field and as a JSON
// body: the right handler fires with the normalised values, and a redelivered v2 event runs handlers once.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import express from 'express';
import request from 'supertest';

import { CALL_EVENTS, CallEvents, myOperatorWebhook, type CallEvent, type CallEventHandler } from '../../lib';
import { buildV2Event, buildWebhookRequest, type WebhookBodyEncoding } from '../../lib/testing';

const PATH = '/myoperator/incall';
const SECRET = ['x-token: abc123def'];

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8')) as Record<string, unknown>;
}

/** An app around a fresh CallEvents that records which handler method received which event. */
function createWebhookApp(): { app: express.Express; fired: [string, CallEvent][] } {
  const calls = new CallEvents();
  const fired: [string, CallEvent][] = [];
  for (const row of CALL_EVENTS) {
    const register = calls[row.handler] as (handler: CallEventHandler) => unknown;
    register.call(calls, (event: CallEvent) => {
      fired.push([row.handler, event]);
    });
  }
  const app = express();
  app.use(PATH, myOperatorWebhook({ auth: { headers: SECRET }, calls }));
  return { app, fired };
}

async function post(app: express.Express, payload: unknown, encoding: WebhookBodyEncoding): Promise<request.Response> {
  const built = buildWebhookRequest(payload, { encoding, headers: SECRET });
  return request(app).post(PATH).set(built.headers).send(built.body);
}

const ENCODINGS: WebhookBodyEncoding[] = ['form', 'json'];

describe('myOperatorWebhook() with more formats', () => {
  describe("with the after-call log MyOperator's documentation shows", () => {
    it.each<WebhookBodyEncoding>([...ENCODINGS, 'raw-form', 'json-wrapped', 'json-string'])(
      'fires onCallSummary with the normalised log, sent as %s',
      async (encoding) => {
        const { app, fired } = createWebhookApp();

        const response = await post(app, fixture('aftercall-v1-doc.json'), encoding);

        expect([response.status, response.body]).toEqual([200, { ok: true }]);
        expect(fired.map(([handler]) => handler)).toEqual(['onCallSummary']);
        const event = fired[0]![1];
        expect({
          format: event.format,
          name: event.name,
          uid: event.uid,
          caller: event.caller?.e164,
          direction: event.direction,
          status: event.status,
          durationSeconds: event.durationSeconds,
          startedAt: event.startedAt?.toISOString(),
          department: event.department?.name,
          agents: event.agents.map((agent) => [agent.name, agent.phone?.e164]),
          recording: event.recording?.filename,
        }).toEqual({
          format: 'aftercall-v1',
          name: 'call_summary',
          uid: 'd5.1594969927.2496720',
          caller: '+919711636496',
          direction: 'incoming',
          status: 'connected',
          durationSeconds: 39,
          startedAt: '2020-07-17T07:12:09.000Z',
          department: 'sales',
          agents: [['Sumit', '+918586848544']],
          recording: 'e673ba2e1747cb32960b19275f459c1869776c7b673901bb1f20ddd779117e93b148825cb28ce1d0.mp3',
        });
      },
    );
  });

  describe("with the v2 call.summary MyOperator's documentation shows", () => {
    it.each(ENCODINGS)('fires onCallSummary with the normalised envelope, sent as %s', async (encoding) => {
      const { app, fired } = createWebhookApp();

      const response = await post(app, fixture('v2-call-summary-doc.json'), encoding);

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(fired.map(([handler]) => handler)).toEqual(['onCallSummary']);
      const event = fired[0]![1];
      expect([event.format, event.uid, event.id, event.status, event.caller?.e164, event.dialStatus]).toEqual([
        'v2',
        '15.1776144484.2922',
        null,
        'connected',
        '+919876543210',
        'ANSWER',
      ]);
      expect(event.callTime?.toISOString()).toBe('2026-04-14T05:29:28.838Z');
    });
  });

  describe('with each v2 event type', () => {
    const cases = ENCODINGS.flatMap((encoding) =>
      [
        ['call.initiated', 'onIncomingCall'],
        ['call.dial_begin', 'onDialingUsers'],
        ['call.answered', 'onUserAnswered'],
        ['call.responded', 'onUserAnswered'],
        ['call.end', 'onCallFinished'],
        ['call.ended', 'onCallFinished'],
        ['call.summary', 'onCallSummary'],
        ['call.disposition', 'onDisposition'],
        ['call.disposition_added', 'onUnknown'],
        ['call.transferred', 'onUnknown'],
        ['conversation.message_received', 'onUnknown'],
      ].map(([eventType, handler]) => [eventType!, handler!, encoding] as const),
    );

    it.each(cases)('fires only %s -> %s, sent as %s, and answers 200', async (eventType, handler, encoding) => {
      const { app, fired } = createWebhookApp();

      const response = await post(app, buildV2Event(eventType, { event_id: `evt-${eventType}` }), encoding);

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(fired.map(([method, event]) => [method, event.id, event.uid])).toEqual([
        [handler, `evt-${eventType}`, '15.1776144484.2922'],
      ]);
    });
  });

  describe('with a v2 event delivered twice', () => {
    it.each(ENCODINGS)('runs handlers once for the same event_id, sent as %s', async (encoding) => {
      const { app, fired } = createWebhookApp();
      const event = buildV2Event('call.answered', { event_id: 'evt-answer-1' });

      const first = await post(app, event, encoding);
      const second = await post(app, event, encoding);

      expect([first.body, second.body]).toEqual([{ ok: true }, { ok: true, duplicate: true }]);
      expect(fired.map(([handler]) => handler)).toEqual(['onUserAnswered']);
    });

    it('runs handlers for each event_id of one session, even of the same type', async () => {
      const { app, fired } = createWebhookApp();

      await post(app, buildV2Event('call.answered', { event_id: 'evt-a' }), 'json');
      await post(app, buildV2Event('call.answered', { event_id: 'evt-b' }), 'json');
      await post(app, buildV2Event('call.answered', { event_id: 'evt-a' }), 'form');

      expect(fired.map(([, event]) => [event.id, event.uid])).toEqual([
        ['evt-a', '15.1776144484.2922'],
        ['evt-b', '15.1776144484.2922'],
      ]);
    });
  });

  describe('with a payload of a wrong shape', () => {
    it.each(ENCODINGS)('answers an after-call log with _ld a string 422 with details, sent as %s', async (encoding) => {
      const { app, fired } = createWebhookApp();

      const response = await post(app, { ...fixture('aftercall-v1-doc.json'), _ld: 'ANSWER' }, encoding);

      expect([response.status, (response.body as { error: { code: string } }).error.code]).toEqual([
        422,
        'invalid_call_log',
      ]);
      expect(JSON.stringify(response.body)).toContain('"/_ld"');
      expect(fired).toEqual([]);
    });

    it.each(ENCODINGS)('answers a JSON object of no known format 422, never 5xx, sent as %s', async (encoding) => {
      const { app, fired } = createWebhookApp();

      const response = await post(app, { hello: 'world', list: [1, 2] }, encoding);

      expect([response.status, (response.body as { error: { code: string } }).error.code]).toEqual([
        422,
        'invalid_call_log',
      ]);
      expect(fired).toEqual([]);
    });
  });
});
