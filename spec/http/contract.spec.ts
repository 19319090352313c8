// One contract, three adapters: the Express Router (on Express 5, and on Express 4 in the express4 project),
// myOperatorNodeHandler and myOperatorFetchHandler must give the same status, code, body and headers for the
// same request. Every row of API.md's response and error tables, every payload format's fixtures, and
// de-duplication, through a real server.

import { gzipSync } from 'node:zlib';

import {
  CallEvents,
  ERROR_CODES,
  RESPONSE_ERROR_CODES,
  type CallEvent,
  type ErrorCode,
  type MyOperatorWebhookOptions,
} from '../../lib';
import {
  AFTER_CALL_LOG,
  buildInCallLog,
  buildV2Event,
  buildWebhookRequest,
  IN_CALL_LOG,
  V2_CALL_ANSWERED,
  V2_CALL_END,
  V2_CALL_SUMMARY,
  V2_CALL_SUMMARY_HUNT,
  V2_CALL_SUMMARY_OBD,
  V2_DISPOSITION,
  V2_WHATSAPP_MESSAGE,
} from '../../lib/testing';
import { ADAPTERS, serveAdapter, type AdapterName, type AdapterServer } from '../helpers/adapters';

const PATH = '/myoperator/incall';
const HEADER = 'x-myoperator-token: s3cret';
const JSON_TYPE = 'application/json; charset=utf-8';

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Sends a raw request and reads the answer (fetch: the same client for every adapter). */
async function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: init.headers ?? {},
    body: init.body ?? null,
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

function errorBody(code: ErrorCode, message: string = ERROR_CODES[code].message): unknown {
  return { error: { code, message } };
}

/** A request MyOperator would send, with the secret header. */
function delivery(payload: unknown, encoding: 'form' | 'raw-form' | 'json' | 'json-wrapped' | 'json-string' = 'form') {
  const built = buildWebhookRequest(payload, { headers: [HEADER], encoding });
  return { headers: built.headers, body: built.body ?? '' };
}

describe.each(ADAPTERS)('the webhook contract through the %s adapter', (adapter: AdapterName) => {
  let served: AdapterServer | null = null;
  let seen: CallEvent[] = [];

  async function serve(options: Partial<MyOperatorWebhookOptions> = {}, calls = new CallEvents({ logger: false })) {
    seen = [];
    calls.onAny((event) => {
      seen.push(event);
    });
    // WhatsApp events reach only onMessage.
    calls.onMessage((event) => {
      seen.push(event);
    });
    served = await serveAdapter(adapter, PATH, { auth: { headers: [HEADER] }, calls, ...options });
    return { url: served.url, calls };
  }

  afterEach(async () => {
    await served?.close();
    served = null;
  });

  describe('successes', () => {
    it('answers 200 {"ok":true} as JSON, then {"ok":true,"duplicate":true} to the redelivery', async () => {
      const { url } = await serve();
      const first = await send(url, delivery(IN_CALL_LOG));
      const again = await send(url, delivery(IN_CALL_LOG));
      expect([first.status, first.body, first.headers.get('content-type')]).toEqual([200, { ok: true }, JSON_TYPE]);
      expect([again.status, again.body]).toEqual([200, { ok: true, duplicate: true }]);
      expect(seen.map((event) => [event.name, event.uid])).toEqual([['incoming_call', 'n2.1596270949.2175190']]);
    });

    it.each(['form', 'raw-form', 'json', 'json-wrapped', 'json-string'] as const)(
      'reads the in-call log sent as %s, the + of +91 kept',
      async (encoding) => {
        const { url } = await serve();
        const answer = await send(url, delivery(buildInCallLog({ clid: '+919711636496' }), encoding));
        expect([answer.status, answer.body]).toEqual([200, { ok: true }]);
        expect(seen.map((event) => [event.format, event.caller?.e164, event.caller?.raw])).toEqual([
          ['incall-v1', '+919711636496', '919711636496'],
        ]);
      },
    );

    it.each([
      ['after-call log', AFTER_CALL_LOG, 'aftercall-v1', 'call_summary'],
      ['v2 call.summary', V2_CALL_SUMMARY, 'v2', 'call_summary'],
      ['v2 call.answered', V2_CALL_ANSWERED, 'v2', 'user_answered'],
      ['v2 call.end', V2_CALL_END, 'v2', 'call_finished'],
      ['v2 hunt summary', V2_CALL_SUMMARY_HUNT, 'v2', 'call_summary'],
      ['v2 OBD summary', V2_CALL_SUMMARY_OBD, 'v2', 'call_summary'],
      ['v2 disposition', V2_DISPOSITION, 'v2', 'disposition'],
      ['v2 WhatsApp message', V2_WHATSAPP_MESSAGE, 'v2', 'message'],
    ] as const)('takes the %s as JSON and dispatches it', async (_label, payload, format, name) => {
      const { url } = await serve();
      const answer = await send(url, delivery(payload, 'json'));
      expect([answer.status, answer.body]).toEqual([200, { ok: true }]);
      expect(seen.map((event) => [event.format, event.name])).toEqual([[format, name]]);
    });

    it('builds a GET event from the query mapping', async () => {
      const { url } = await serve({ queryParams: { caller: 'callerNumber', state: 'callState', uid: 'uid' } });
      const answer = await send(`${url}?caller=+919999999999&state=6&uid=n2.1.2`, {
        method: 'GET',
        headers: { 'x-myoperator-token': 's3cret' },
      });
      expect([answer.status, answer.body]).toEqual([200, { ok: true }]);
      expect(seen.map((event) => [event.format, event.name, event.caller?.e164, event.uid])).toEqual([
        ['query', 'user_answered', '+919999999999', 'n2.1.2'],
      ]);
    });

    it('reads a gzip body', async () => {
      const { url } = await serve();
      const { headers, body } = delivery(IN_CALL_LOG, 'json');
      const answer = await send(url, { headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipSync(body) });
      expect([answer.status, answer.body]).toEqual([200, { ok: true }]);
    });

    it('answers 202 {"ok":true,"pending":true} when handlers run past timeoutMs, and lets them finish', async () => {
      const calls = new CallEvents({ logger: false });
      let finished = 0;
      calls.onIncomingCall(async () => {
        await new Promise((resolve) => setTimeout(resolve, 150));
        finished++;
      });
      const { url } = await serve({ timeoutMs: 30 }, calls);
      const answer = await send(url, delivery(IN_CALL_LOG));
      expect([answer.status, answer.body, finished]).toEqual([202, { ok: true, pending: true }, 0]);
      expect(await calls.close({ timeoutMs: 2000 })).toEqual({ pending: 0 });
      expect(finished).toBe(1);
    });
  });

  describe('the error table', () => {
    it('400 missing_call_log: a POST with neither body nor query', async () => {
      const { url } = await serve();
      const answer = await send(url, { headers: { 'x-myoperator-token': 's3cret' } });
      expect([answer.status, answer.body, answer.headers.get('content-type')]).toEqual([
        400,
        errorBody('missing_call_log'),
        JSON_TYPE,
      ]);
    });

    it('400 invalid_json: a call log that is not JSON', async () => {
      const { url } = await serve();
      const answer = await send(url, delivery('{"uid": "n2.1.1", '));
      expect([answer.status, answer.body]).toEqual([400, errorBody('invalid_json')]);
    });

    it('400 missing_call_event: a GET without a query mapping, with the hint that names queryParams', async () => {
      const { url } = await serve();
      const answer = await send(`${url}?uid=n2.1.1`, { method: 'GET', headers: { 'x-myoperator-token': 's3cret' } });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: { code: 'missing_call_event', message: expect.stringMatching(/queryParams/) },
      });
    });

    it('401 unauthorized: a missing or wrong header, before the body is read; never a handler run', async () => {
      const { url } = await serve();
      const { body, headers } = delivery(IN_CALL_LOG);
      const missing = await send(url, { headers: { 'content-type': headers['content-type'] as string }, body });
      const wrong = await send(url, { headers: { ...headers, 'x-myoperator-token': 's3creT' }, body });
      for (const answer of [missing, wrong]) {
        expect([answer.status, answer.body, answer.headers.get('www-authenticate')]).toEqual([
          401,
          errorBody('unauthorized'),
          null,
        ]);
      }
      expect(seen).toEqual([]);
    });

    it('401 unauthorized with the Basic challenge when Basic is configured', async () => {
      const { url } = await serve({ auth: { basic: { username: 'admin', password: '123456' } } });
      const wrong = await send(url, {
        headers: { authorization: `Basic ${Buffer.from('admin:1234567').toString('base64')}` },
      });
      const right = await send(url, {
        ...delivery(IN_CALL_LOG),
        headers: {
          ...delivery(IN_CALL_LOG).headers,
          authorization: `Basic ${Buffer.from('admin:123456').toString('base64')}`,
        },
      });
      expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="MyOperator webhook"']);
      expect(JSON.stringify(wrong.body)).not.toContain('123456');
      expect(right.status).toBe(200);
    });

    it('413 payload_too_large: a body over the limit', async () => {
      const { url } = await serve({ limit: 2048 });
      const answer = await send(url, delivery(buildInCallLog({ padding: 'x'.repeat(4096) })));
      expect([answer.status, answer.body]).toEqual([413, errorBody('payload_too_large')]);
    });

    it('415 unsupported_media_type: a body that is neither form nor JSON', async () => {
      const { url } = await serve();
      const answer = await send(url, {
        headers: { 'x-myoperator-token': 's3cret', 'content-type': 'text/plain' },
        body: JSON.stringify(IN_CALL_LOG),
      });
      expect([answer.status, answer.body]).toEqual([415, errorBody('unsupported_media_type')]);
    });

    it('422 invalid_call_log: a log that fails the schema, with details', async () => {
      const { url } = await serve();
      const answer = await send(url, delivery(buildInCallLog({ call_state: { nested: true } }), 'json'));
      expect(answer.status).toBe(422);
      expect(answer.body).toEqual({
        error: {
          code: 'invalid_call_log',
          message: ERROR_CODES.invalid_call_log.message,
          details: [expect.objectContaining({ path: '/call_state' })],
        },
      });
    });

    it('500 handler_failed with the fixed message, never the handler text; 200 with respond-200', async () => {
      const calls = new CallEvents({ logger: false });
      calls.onIncomingCall(() => {
        throw new Error('crm password hunter2');
      });
      const { url } = await serve({}, calls);
      const answer = await send(url, delivery(IN_CALL_LOG));
      expect([answer.status, answer.body]).toEqual([500, errorBody('handler_failed')]);
      await served?.close();
      const tolerant = new CallEvents({ logger: false });
      tolerant.onIncomingCall(() => {
        throw new Error('crm password hunter2');
      });
      const { url: second } = await serve({ onHandlerError: 'respond-200' }, tolerant);
      expect((await send(second, delivery(IN_CALL_LOG))).status).toBe(200);
    });

    it('503 shutting_down with Retry-After once calls.close() was called', async () => {
      const { url, calls } = await serve();
      await calls.close();
      const answer = await send(url, delivery(IN_CALL_LOG));
      expect([answer.status, answer.body, answer.headers.get('retry-after')]).toEqual([
        503,
        errorBody('shutting_down'),
        '30',
      ]);
      expect(seen).toEqual([]);
    });

    if (adapter !== 'express') {
      it('404 not_found: a request for another path (no next to hand it to)', async () => {
        const { url } = await serve();
        const answer = await send(url.replace(PATH, '/elsewhere'), delivery(IN_CALL_LOG));
        expect([answer.status, answer.body]).toEqual([404, errorBody('not_found')]);
      });
    }

    it('never answers a code outside the documented table', () => {
      expect(RESPONSE_ERROR_CODES).toEqual(expect.arrayContaining(['not_found', 'internal_error', 'shutting_down']));
    });
  });

  describe('de-duplication across formats', () => {
    it('runs a v2 event once per event_id, however often it is delivered', async () => {
      const { url } = await serve();
      const event = buildV2Event('call.answered', { event_id: 'evt-1', session_id: 'n2.1.9' });
      const statuses: unknown[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(url, delivery(event, 'json'))).body);
      expect(statuses).toEqual([{ ok: true }, { ok: true, duplicate: true }, { ok: true, duplicate: true }]);
      expect(seen.map((each) => each.id)).toEqual(['evt-1']);
    });
  });
});
