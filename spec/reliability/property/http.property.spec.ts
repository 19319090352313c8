// Property-based tests of the whole HTTP chain (myOperatorWebhook through supertest): any method, query string,
// content type, charset, content encoding, header set and body bytes gets a documented answer. Never a 5xx but
// handler_failed, never a crash or an unhandled rejection, never a secret or handler text in a response or log,
// no prototype touched, and every event a handler sees satisfies the CallEvent type.

import type { Server } from 'node:http';

import fc from 'fast-check';
import request from 'supertest';

import { httpCase, type HttpCase } from '../helpers/arbitraries';
import { DOCUMENTED_ERRORS } from '../helpers/contract';
import { propertyParameters, timeoutMs } from '../helpers/mode';
import { guardEveryTest } from '../helpers/process-guard';
import {
  createWebhookApp,
  HANDLER_ERROR_TEXT,
  listen,
  SECRET_BASIC,
  SECRET_HEADER,
  type WebhookApp,
} from '../helpers/webhook-app';

const LIMIT_BYTES = 8 * 1024;
const SECRETS = [SECRET_HEADER.value, SECRET_BASIC.password, HANDLER_ERROR_TEXT, 'hunter2'];

interface Answer {
  status: number;
  text: string;
  body: unknown;
  headers: Record<string, string>;
}

async function send(server: Server, input: HttpCase): Promise<Answer> {
  const agent = request(server);
  const path = input.query === '' ? '/hook' : `/hook?${input.query}`;
  const methods = {
    POST: () => agent.post(path),
    GET: () => agent.get(path),
    PUT: () => agent.put(path),
    PATCH: () => agent.patch(path),
    DELETE: () => agent.delete(path),
    OPTIONS: () => agent.options(path),
  } as const;
  // Bytes go out as they are: no serialiser may turn a Buffer into JSON.
  let test = methods[input.method]()
    .set(input.headers)
    .serialize((body: unknown) => body as string);
  if (input.body !== null) test = test.send(input.body);
  const response = await test;
  return {
    status: response.status,
    text: response.text,
    body: response.body,
    headers: response.headers,
  };
}

/** Why an answer breaks the contract; `null` when it keeps it. */
function contractBreach(answer: Answer, handlersFail: boolean, basicConfigured: boolean): string | null {
  const { status, body, text, headers } = answer;
  if (SECRETS.some((secret) => text.includes(secret) || JSON.stringify(headers).includes(secret))) {
    return 'a secret or handler text was sent';
  }
  if (!String(headers['content-type']).startsWith('application/json')) return `content-type ${headers['content-type']}`;
  if (status === 200) {
    const ok = JSON.stringify(body);
    return ok === '{"ok":true}' || ok === '{"ok":true,"duplicate":true}' ? null : `200 with ${ok}`;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } }).error;
  if (error === undefined || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return `${status} without an error body: ${text.slice(0, 200)}`;
  }
  if (!Object.hasOwn(DOCUMENTED_ERRORS, error.code)) return `undocumented code ${error.code}`;
  if (DOCUMENTED_ERRORS[error.code] !== status) return `${error.code} answered ${status}`;
  if (status >= 500 && !(error.code === 'handler_failed' && handlersFail)) return `${status} ${error.code}`;
  if (error.details !== undefined && (error.code !== 'invalid_call_log' || !Array.isArray(error.details))) {
    return 'details on the wrong error';
  }
  if (Array.isArray(error.details) && error.details.length > 20) return `${error.details.length} details`;
  if (status === 401 && basicConfigured && headers['www-authenticate'] !== 'Basic realm="MyOperator webhook"') {
    return `401 challenge ${String(headers['www-authenticate'])}`;
  }
  return null;
}

describe('myOperatorWebhook() over HTTP (property-based)', () => {
  guardEveryTest({ prototypes: true });

  async function check(
    subject: WebhookApp,
    input: fc.Arbitrary<HttpCase>,
    runs: number,
    basic: boolean,
    fails: boolean,
  ) {
    const { server, close } = await listen(subject.app);
    const statuses = new Map<number, number>();
    try {
      await fc.assert(
        fc.asyncProperty(input, async (item) => {
          const answer = await send(server, item);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
          const breach = contractBreach(answer, fails, basic);
          if (breach !== null) throw new Error(`${breach} (${item.summary})`);
        }),
        propertyParameters(runs),
      );
    } finally {
      await close();
    }
    expect(subject.problems).toEqual([]);
    expect(subject.logs.filter((line) => SECRETS.some((secret) => line.includes(secret)))).toEqual([]);
    return statuses;
  }

  it(
    'answers every request with a documented status and code, never a 5xx (no auth)',
    async () => {
      const subject = createWebhookApp();
      const statuses = await check(subject, httpCase({ limitBytes: LIMIT_BYTES }), 250, false, false);
      // The generator reaches both sides of the contract: accepted events and rejected requests.
      expect([statuses.has(200), [...statuses.keys()].some((status) => status >= 400)]).toEqual([true, true]);
    },
    timeoutMs(60_000),
  );

  it(
    'answers 401 with the Basic challenge, or a documented answer, with header and Basic auth configured',
    async () => {
      const subject = createWebhookApp({
        auth: { headers: [`${SECRET_HEADER.header}: ${SECRET_HEADER.value}`], basic: SECRET_BASIC },
      });
      const auth = { header: SECRET_HEADER.header, value: SECRET_HEADER.value, basic: SECRET_BASIC };
      const statuses = await check(subject, httpCase({ limitBytes: LIMIT_BYTES, auth }), 200, true, false);
      expect(statuses.has(401)).toBe(true);
    },
    timeoutMs(60_000),
  );

  it(
    'answers 500 only as handler_failed, without the handler text, when every handler throws or rejects',
    async () => {
      for (const fail of ['sync', 'async'] as const) {
        const subject = createWebhookApp({ fail });
        await check(subject, httpCase({ limitBytes: LIMIT_BYTES }), 100, false, true);
        expect(subject.logs.every((line) => !line.includes(HANDLER_ERROR_TEXT))).toBe(true);
      }
    },
    timeoutMs(60_000),
  );
});
