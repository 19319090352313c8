// The whole webhook on Node's req/res: `myOperatorNodeHandler()` for node:http, Connect, Polka..., and the core of
// the Express Router. It runs the pipeline's stages (authenticate, read the body, find the call log, normalise,
// the query mapping, dispatch) and writes the pipeline's fixed answers.

import type { IncomingMessage, ServerResponse } from 'node:http';

import basicAuth from 'basic-auth';

import type { CallEvent } from '../core/call-event';
import { ERROR_HINTS, MyOperatorWebhookError } from '../core/errors';
import { loggerOf, observerOf } from '../dispatch/call-events';
import { NOOP_OBSERVER } from '../observe/observer';
import { ANSWERS, errorAnswer, type Answer } from '../pipeline/answers';
import type { BasicParser, HeaderReader } from '../pipeline/auth';
import {
  BODYLESS_METHODS,
  callLogFromAppDecodedForm,
  callLogFromDecoded,
  callLogFromText,
  mediaKind,
  type MediaKind,
} from '../pipeline/call-log';
import type { DispatchOutcome } from '../pipeline/dispatch';
import { parseQuery, pathOf, searchOf, type QueryParams } from '../pipeline/query-string';
import { HANDLER_OPTION_KEYS, WebhookPipeline, type MyOperatorHandlerOptions } from '../pipeline/webhook';
import { hasBody, readBody } from './read-body';
import { observeAppAnswer, writeAnswer } from './write-answer';

declare module '../dispatch/context' {
  interface CallEventRequests {
    node: IncomingMessage;
  }
}

/** A Connect-style `next`. */
export type NodeNext = (error?: unknown) => void;

/** A request an app-level parser may have read: its decoded body, and the raw body when the app kept it. */
type ParsedRequest = IncomingMessage & { body?: unknown; rawBody?: unknown; callEvent?: CallEvent };

/** What a Node handler of the package looks like. */
export type NodeWebhookHandler = (req: IncomingMessage, res: ServerResponse, next?: NodeNext) => void;

/** Reads request headers by lower-case name, repeated ones joined. */
export function nodeHeaderReader(req: IncomingMessage): HeaderReader {
  return (name) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
}

/** basic-auth's parser, in the shape the pipeline's Basic check takes. */
export const parseBasicAuthorization: BasicParser = (authorization) => basicAuth.parse(authorization);

const queries = new WeakMap<IncomingMessage, QueryParams>();

/** The request's query parameters, parsed once per request however many pieces read them. */
export function queryOfRequest(req: IncomingMessage): QueryParams {
  const url = req.url ?? '';
  // Most webhooks are POSTs without a query: the shared empty parameters, no entry per request in the WeakMap.
  if (!url.includes('?')) return parseQuery('');
  let params = queries.get(req);
  if (params === undefined) {
    params = parseQuery(searchOf(url));
    queries.set(req, params);
  }
  return params;
}

/** Whether an earlier parser left something in req.body (its `{}` for "nothing parsed" does not count). */
export function isDecodedBody(body: unknown): boolean {
  if (body === undefined || body === null) return false;
  if (typeof body === 'string') return body.length > 0;
  if (typeof body !== 'object') return false;
  if (body instanceof Uint8Array) return body.length > 0;
  for (const key in body) if (Object.hasOwn(body, key)) return true;
  return false;
}

/** The raw body an app kept (`verify` hook of express.json()/urlencoded()), as text; `null` when there is none. */
export function rawBodyText(req: ParsedRequest): string | null {
  const raw = req.rawBody;
  if (typeof raw === 'string') return raw.length > 0 ? raw : null;
  if (raw instanceof Uint8Array && raw.length > 0)
    return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8');
  return null;
}

const warnedApps = new WeakSet<object>();

/**
 * The call log of a body an app-level parser already read: its raw text when the app kept it, else the decoded
 * value (with the one-time warning when a form parser's decoding broke it).
 */
export function callLogFromParsedRequest(
  req: ParsedRequest,
  kind: MediaKind,
  field: string,
  warnOnce: (() => void) | null,
): unknown {
  const raw = rawBodyText(req);
  if (raw !== null) {
    if (kind === 'other') throw new MyOperatorWebhookError('unsupported_media_type');
    return callLogFromText(raw, kind, field);
  }
  const body = req.body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    if (kind === 'other') throw new MyOperatorWebhookError('unsupported_media_type');
    return callLogFromText(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'), kind, field);
  }
  if (kind !== 'form') return callLogFromDecoded(body, kind, field);
  try {
    return callLogFromAppDecodedForm(body, field);
  } catch (error) {
    if (error instanceof MyOperatorWebhookError && error.message === ERROR_HINTS.decoded_by_app_parser) warnOnce?.();
    throw error;
  }
}

/** Where `readCallLog` found the call log: a body an app-level parser read, the body it read, or no body. */
export type CallLogSource = 'parsed' | 'read' | 'none';

/** Called once: the error to answer with, or the call log (`undefined` when there is no body) and its source. */
export type CallLogCallback = (error: unknown, payload: unknown, source: CallLogSource) => void;

/**
 * The body stages of every Node adapter: the call log from a body an app-level parser already read, else from the
 * body read off the stream with `limit`. A bodiless GET (or a request with a query string) has no call log
 * (`undefined`, source `none`); a bodiless POST is `missing_call_log`, another media type
 * `unsupported_media_type`.
 */
export function readCallLog(
  req: ParsedRequest,
  res: ServerResponse,
  limit: number,
  field: string,
  warnOnce: (() => void) | null,
  done: CallLogCallback,
): void {
  const kind = mediaKind(req.headers['content-type']);
  if (rawBodyText(req) !== null || isDecodedBody(req.body)) {
    let payload: unknown;
    try {
      payload = callLogFromParsedRequest(req, kind, field, warnOnce);
    } catch (error) {
      done(error, undefined, 'parsed');
      return;
    }
    done(null, payload, 'parsed');
    return;
  }
  if (!hasBody(req)) {
    // GET webhooks carry their data in the query string; a POST with neither body nor query has no call log.
    if (BODYLESS_METHODS.has(req.method ?? 'GET') || (req.url ?? '').includes('?')) done(null, undefined, 'none');
    else done(new MyOperatorWebhookError('missing_call_log'), undefined, 'none');
    return;
  }
  if (kind === 'other') {
    req.resume();
    done(new MyOperatorWebhookError('unsupported_media_type'), undefined, 'none');
    return;
  }
  readBody(req, res, limit, (error, text) => {
    if (error !== null) {
      done(error, undefined, 'read');
      return;
    }
    let payload: unknown;
    try {
      payload = callLogFromText(text, kind, field);
    } catch (thrown) {
      done(thrown, undefined, 'read');
      return;
    }
    done(null, payload, 'read');
  });
}

/**
 * The Node core of an all-in-one webhook. `serveAll`: the caller already matched the path (the Express Router);
 * otherwise `pipeline.path` is matched here.
 */
export function createNodeWebhook(pipeline: WebhookPipeline, serveAll: boolean): NodeWebhookHandler {
  const { authenticator, dispatcher, field, limit } = pipeline;
  const calls = pipeline.calls;
  const observer = observerOf(calls);
  const observing = observer !== NOOP_OBSERVER;
  const logger = loggerOf(calls);
  const warnOnce = (): void => {
    if (warnedApps.has(calls)) return;
    warnedApps.add(calls);
    logger.log(
      'warn',
      { code: 'invalid_json' },
      'an app-level body parser decoded the webhook body before it could be read as sent: mount the webhook ' +
        'before express.urlencoded(), or keep the raw body as req.rawBody',
    );
  };

  return function myOperatorWebhookHandler(req: IncomingMessage, res: ServerResponse, next?: NodeNext): void {
    if (!serveAll && !pipeline.servesPath(pathOf(req.url ?? '/'))) {
      if (next) next();
      else writeAnswer(res, errorAnswer(new MyOperatorWebhookError('not_found')));
      return;
    }
    const started = observing ? performance.now() : 0;
    const answer = (result: Answer): void => {
      writeAnswer(res, result);
      if (observing) observer.response(result.status, result.code, (performance.now() - started) / 1000);
    };
    const fail = (error: unknown): void => {
      answer(errorAnswer(error));
    };
    const receivedAt = new Date();
    const parsed = req as ParsedRequest;
    let params: QueryParams | undefined;
    const query = (): QueryParams => (params ??= queryOfRequest(req));

    const proceed = (payload: unknown): void => {
      let event: CallEvent;
      try {
        event = pipeline.buildEvent(payload, query(), receivedAt);
      } catch (error) {
        fail(error);
        return;
      }
      parsed.callEvent = event;
      dispatcher.dispatch(event, { req }, (outcome: DispatchOutcome, error?: unknown) => {
        if (outcome === 'failed') fail(error);
        else if (dispatcher.respond === 'next' && next) {
          const locals = (res as ServerResponse & { locals?: Record<string, unknown> }).locals;
          if (locals) locals.myOperator = { duplicate: outcome === 'duplicate', pending: outcome === 'pending' };
          if (observing) observeAppAnswer(res, observer, outcome, started);
          next();
        } else answer(ANSWERS[outcome]);
      });
    };

    try {
      if (authenticator !== null && !authenticator.check(nodeHeaderReader(req), query, parseBasicAuthorization)) {
        fail(authenticator.rejection());
        return;
      }
      readCallLog(parsed, res, limit, field, warnOnce, (error, payload) => {
        if (error) fail(error);
        else proceed(payload);
      });
    } catch (error) {
      fail(error);
    }
  };
}

/**
 * The whole webhook for plain `node:http` (and Connect, Polka, anything passing Node's req/res): the same
 * statuses, codes and bodies as the Express Router.
 *
 * @example
 * http.createServer(myOperatorNodeHandler({ auth, calls, path: '/myoperator/incall' })).listen(3000);
 */
export function myOperatorNodeHandler(options: Readonly<MyOperatorHandlerOptions>): NodeWebhookHandler {
  return createNodeWebhook(new WebhookPipeline('myOperatorNodeHandler()', options, HANDLER_OPTION_KEYS), false);
}
