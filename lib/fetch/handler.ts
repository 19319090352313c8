// The whole webhook for the Web Fetch API: `(request: Request) => Promise<Response>`, for Next.js route handlers,
// Hono, Bun, Deno, Cloudflare Workers and Node 20+. The same pipeline and answers as the Express Router, with
// Web-standard APIs only in its whole import graph.

import type { CallEvent } from '../core/call-event';
import { MyOperatorWebhookError } from '../core/errors';
import { observerOf } from '../dispatch/call-events';
import { NOOP_OBSERVER } from '../observe/observer';
import { ANSWERS, errorAnswer, type Answer } from '../pipeline/answers';
import { BODYLESS_METHODS, callLogFromText, mediaKind } from '../pipeline/call-log';
import type { DispatchOutcome } from '../pipeline/dispatch';
import { parseQuery, type QueryParams } from '../pipeline/query-string';
import { HANDLER_OPTION_KEYS, WebhookPipeline, type MyOperatorHandlerOptions } from '../pipeline/webhook';
import { parseBasicHeader } from './basic-auth';
import { readRequestText } from './read-body';

declare module '../dispatch/context' {
  interface CallEventRequests {
    fetch: Request;
  }
}

/** What `myOperatorFetchHandler()` returns. */
export type FetchWebhookHandler = (request: Request) => Promise<Response>;

const responseHeaders = new WeakMap<Answer, Headers>();

function toResponse(answer: Answer): Response {
  let headers = responseHeaders.get(answer);
  if (headers === undefined) {
    headers = new Headers({ 'Content-Type': 'application/json; charset=utf-8' });
    if (answer.headers !== null) for (const [name, value] of Object.entries(answer.headers)) headers.set(name, value);
    responseHeaders.set(answer, headers);
  }
  // Headers are copied into each Response, so the shared object is never changed through one.
  return new Response(answer.body, { status: answer.status, headers });
}

/**
 * The whole webhook as a Fetch API handler: the same statuses, codes and bodies as the Express Router.
 * `respond: 'next'` has no meaning here (there is nothing after a Fetch handler) and is refused.
 *
 * @example
 * // app/myoperator/incall/route.ts (Next.js)
 * const handler = myOperatorFetchHandler({ auth, calls });
 * export { handler as GET, handler as POST };
 */
export function myOperatorFetchHandler(options: Readonly<MyOperatorHandlerOptions>): FetchWebhookHandler {
  const factory = 'myOperatorFetchHandler()';
  const pipeline = new WebhookPipeline(factory, options, HANDLER_OPTION_KEYS);
  if (pipeline.dispatcher.respond === 'next') {
    throw new TypeError(`[myoperator-webhooks] ${factory}: "respond" cannot be 'next': a Fetch handler must answer`);
  }
  const { authenticator, dispatcher, field, limit } = pipeline;
  const observer = observerOf(pipeline.calls);
  const observing = observer !== NOOP_OBSERVER;

  async function respond(request: Request): Promise<Answer> {
    const url = new URL(request.url);
    if (!pipeline.servesPath(url.pathname)) return errorAnswer(new MyOperatorWebhookError('not_found'));
    let params: QueryParams | undefined;
    const query = (): QueryParams => (params ??= parseQuery(url.search.slice(1)));
    const headers = request.headers;
    if (authenticator !== null && !authenticator.check((name) => headers.get(name), query, parseBasicHeader)) {
      return errorAnswer(authenticator.rejection());
    }
    const receivedAt = new Date();
    const kind = mediaKind(headers.get('content-type'));
    let payload: unknown;
    const length = headers.get('content-length');
    const withBody = request.body !== null && length !== '0';
    if (!withBody) {
      if (!BODYLESS_METHODS.has(request.method) && url.search === '') {
        throw new MyOperatorWebhookError('missing_call_log');
      }
    } else {
      if (kind === 'other') throw new MyOperatorWebhookError('unsupported_media_type');
      const text = await readRequestText(request, limit);
      if (text === '' && (BODYLESS_METHODS.has(request.method) || url.search !== '')) payload = undefined;
      else payload = callLogFromText(text, kind, field);
    }
    const event: CallEvent = pipeline.buildEvent(payload, query(), receivedAt);
    return new Promise<Answer>((resolve) => {
      dispatcher.dispatch(event, { req: request }, (outcome: DispatchOutcome, error?: unknown) => {
        resolve(outcome === 'failed' ? errorAnswer(error) : ANSWERS[outcome]);
      });
    });
  }

  return async function myOperatorFetchWebhook(request: Request): Promise<Response> {
    const started = observing ? performance.now() : 0;
    let answer: Answer;
    try {
      answer = await respond(request);
    } catch (error) {
      answer = errorAnswer(error);
    }
    if (observing) observer.response(answer.status, answer.code, (performance.now() - started) / 1000);
    return toResponse(answer);
  };
}
