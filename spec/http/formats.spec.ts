// The after-call log and Webhook v2 over real HTTP through myOperatorWebhook(), as a form field and as a JSON
// body: the right handler fires with the normalised values, and a redelivered v2 event runs handlers once. Every
// v2 event type, the shapes MyOperator sends (agent legs without `agent`, hunts, OBD ids), and the WhatsApp rule:
// answered 2xx, given to onMessage only, never a call.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import express from 'express';
import request from 'supertest';

import { CALL_EVENTS, CallEvents, myOperatorWebhook, type CallEvent, type CallEventHandler } from '../../lib';
import {
  buildScenario,
  buildV2Event,
  buildWebhookRequest,
  SCENARIO_AGENTS,
  V2_WHATSAPP_MESSAGE,
  type WebhookBodyEncoding,
} from '../../lib/testing';

const PATH = '/myoperator/incall';
const SECRET = ['x-token: abc123def'];

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '../fixtures', name), 'utf8')) as Record<string, unknown>;
}

/** An app around a fresh CallEvents that records which handler method received which event. */
function createWebhookApp(): { app: express.Express; fired: [string, CallEvent][]; calls: CallEvents } {
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
  return { app, fired, calls };
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
      expect([event.callTime?.toISOString(), event.createdAt?.toISOString()]).toEqual([
        '2026-04-14T05:29:26.000Z',
        '2026-04-14T05:29:28.838Z',
      ]);
    });
  });

  describe('with each v2 event type', () => {
    const cases = ENCODINGS.flatMap((encoding) =>
      [
        ...CALL_EVENTS.filter((row) => row.name !== 'message').flatMap((row) =>
          row.v2EventTypes.map((type) => [type, row.handler]),
        ),
        ['call.disposition_added', 'onUnknown'],
        ['call.transferred', 'onUnknown'],
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

  describe('with the v2 shapes MyOperator sends', () => {
    it.each(ENCODINGS)(
      'fires onUserAnswered for a live call.answered with the agent of its leg, sent as %s',
      async (encoding) => {
        const { app, fired } = createWebhookApp();

        const response = await post(app, fixture('v2-call-answered.json'), encoding);

        expect([response.status, response.body]).toEqual([200, { ok: true }]);
        expect(fired.map(([handler]) => handler)).toEqual(['onUserAnswered']);
        const event = fired[0]![1];
        expect([event.agents[0]?.phone?.e164, event.users, event.userPhoneNumber, event.dialStatus]).toEqual([
          '+918586848544',
          ['+918586848544'],
          '+918586848544',
          'ANSWER',
        ]);
      },
    );

    it('fires onCallFinished for call.end whose agent leg has no agent object, with the agent and the call', async () => {
      const { app, fired } = createWebhookApp();

      await post(app, fixture('v2-call-end.json'), 'json');

      const event = fired[0]![1];
      expect({
        handler: fired[0]![0],
        users: event.users,
        serviceNumber: event.serviceNumber,
        endedAt: event.endedAt?.toISOString(),
        durationSeconds: event.durationSeconds,
        sequence: event.sequence,
      }).toEqual({
        handler: 'onCallFinished',
        users: ['+918586848544'],
        serviceNumber: '+918069458221',
        endedAt: '2026-04-14T07:12:20.000Z',
        durationSeconds: 109,
        sequence: 5,
      });
    });

    it('fires onCallSummary for a hunt with both agents and the one who answered', async () => {
      const { app, fired } = createWebhookApp();

      await post(app, fixture('v2-call-summary-hunt.json'), 'json');

      const event = fired[0]![1];
      expect([
        fired[0]![0],
        event.agents.map((agent) => agent.name),
        event.userPhoneNumber,
        event.serviceNumber,
      ]).toEqual(['onCallSummary', ['Sumit', 'Priya Sharma'], '+918586848544', '+918069458221']);
    });

    it('fires onCallSummary for an OBD call with its client_ref_id, ref_id and job id', async () => {
      const { app, fired } = createWebhookApp();

      await post(app, fixture('v2-call-summary-obd.json'), 'json');

      const event = fired[0]![1];
      expect([event.clientRefId, event.referenceId, event.jobId, event.sequence]).toEqual([
        'crm-lead-20931',
        '6f1c2a40-38d6-11f1-9a3c-0242ac120002',
        'job_8812',
        6,
      ]);
    });

    it('fires onDisposition for the "disposition" spelling, with no event_sequence', async () => {
      const { app, fired } = createWebhookApp();

      const response = await post(app, fixture('v2-disposition.json'), 'json');

      expect(response.status).toBe(200);
      expect(fired.map(([handler, event]) => [handler, event.name, event.sequence])).toEqual([
        ['onDisposition', 'disposition', null],
      ]);
    });

    it('plays a simulated hunt: onUserAnswered names the agent who answered, the session is the expected one', async () => {
      const { app, fired, calls } = createWebhookApp();
      const agents = [SCENARIO_AGENTS[1]!, SCENARIO_AGENTS[0]!];
      const call = buildScenario('answered', { format: 'v2', agents });

      for (const step of call.steps) {
        const response = await post(app, step.payload, step.encoding);
        expect(response.status).toBe(200);
      }

      const answered = fired.filter(([handler]) => handler === 'onUserAnswered').map(([, event]) => event);
      expect(answered.map((event) => [event.agents.map((agent) => agent.phone?.e164), event.userPhoneNumber])).toEqual([
        // The agent who answered first, then the one who missed.
        [[agents[1]!.phone, agents[0]!.phone], agents[1]!.phone],
      ]);
      expect(fired.map(([handler]) => handler)).toEqual([
        'onIncomingCall',
        'onIvrStarted',
        'onDialingUsers',
        'onDialingUsers',
        'onUserAnswered',
        'onCallFinished',
        'onCallSummary',
      ]);
      const session = await calls.getSession(call.uid);
      expect({
        outcome: session?.outcome,
        answered: session?.answeredBy != null,
        answeredBy: session?.answeredBy,
        ringSeconds: session?.ringSeconds,
        talkSeconds: session?.talkSeconds,
      }).toEqual(call.expected);
    });
  });

  describe('with WhatsApp events on the same webhook', () => {
    const types = CALL_EVENTS.find((row) => row.name === 'message')!.v2EventTypes;

    it.each(ENCODINGS.flatMap((encoding) => types.map((type) => [type, encoding] as const)))(
      'answers %s 200 and gives it to onMessage only, never as a call (sent as %s)',
      async (type, encoding) => {
        const { app, fired, calls } = createWebhookApp();
        const payload = { ...V2_WHATSAPP_MESSAGE, event_type: type, event_id: `wa-${type}` };

        const response = await post(app, payload, encoding);

        expect([response.status, response.body]).toEqual([200, { ok: true }]);
        expect(fired.map(([handler, event]) => [handler, event.name, event.uid, event.id])).toEqual([
          ['onMessage', 'message', null, `wa-${type}`],
        ]);
        expect(fired[0]![1].raw).toEqual(payload);
        expect(await calls.getSession(V2_WHATSAPP_MESSAGE.session_id)).toBeNull();
      },
    );

    it.each([
      ['a payload that is a string', { payload: 'hello' }],
      ['payload legs that are a string', { payload: { legs: 'none' } }],
      ['a payload that is a list', { payload: [1, 2] }],
      ['a session_id that is an object', { session_id: { id: 'conv' } }],
      ['a conversation type and no channel', { channel: undefined, event_type: 'conversation.close', direction: '' }],
      ['a channel that is not call and a type this version does not know', { event_type: 'template.status_update' }],
    ])('answers one with %s 200 (a 4xx would be retried for a day)', async (_label, changes) => {
      const { app, fired } = createWebhookApp();

      const response = await post(app, { ...V2_WHATSAPP_MESSAGE, ...changes }, 'json');

      expect([response.status, response.body]).toEqual([200, { ok: true }]);
      expect(fired.map(([handler]) => handler)).toEqual(['onMessage']);
    });

    it('de-duplicates a redelivery by its event_id', async () => {
      const { app, fired } = createWebhookApp();

      const first = await post(app, V2_WHATSAPP_MESSAGE, 'json');
      const second = await post(app, V2_WHATSAPP_MESSAGE, 'json');

      expect([first.body, second.body]).toEqual([{ ok: true }, { ok: true, duplicate: true }]);
      expect(fired.map(([handler]) => handler)).toEqual(['onMessage']);
    });

    it('leaves the session of a call with the same session_id untouched', async () => {
      const { app, calls } = createWebhookApp();
      await post(app, { ...fixture('v2-call-end.json') }, 'json');
      const before = await calls.getSession('15.1776150631.3054');

      await post(app, { ...V2_WHATSAPP_MESSAGE, session_id: '15.1776150631.3054' }, 'json');

      expect(await calls.getSession('15.1776150631.3054')).toEqual(before);
      expect(before?.events.map((event) => event.name)).toEqual(['call_finished']);
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
