// parseMyOperatorBody(): the request body -> req.callEvent, the Express face of the pipeline's body stages:
// reading the body (node/read-body.ts), finding the call log (pipeline/call-log.ts), normalising it.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { MyOperatorWebhookError } from '../core/errors';
import { normalizePayload } from '../normalize';
import { callLogFromParsedRequest, isDecodedBody, rawBodyText } from '../node/handler';
import { hasBody, readBody } from '../node/read-body';
import { BODYLESS_METHODS, callLogFromText, mediaKind } from '../pipeline/call-log';
import { PARSE_BODY_OPTION_KEYS, resolveBodyOptions, type ParseMyOperatorBodyOptions } from '../pipeline/webhook';
import { readOptions } from '../core/options';

const FACTORY = 'parseMyOperatorBody()';

/**
 * Builds `req.callEvent` from the request body. A request without a body passes through untouched (for GET
 * webhooks, whose data is in the query string).
 *
 * @example
 * app.all('/myoperator/incall', parseMyOperatorBody(), calls.middleware());
 */
export function parseMyOperatorBody(options: Readonly<ParseMyOperatorBodyOptions> = {}): RequestHandler {
  const { limit, field, normalize } = resolveBodyOptions(
    FACTORY,
    readOptions(FACTORY, options, PARSE_BODY_OPTION_KEYS),
  );
  let warned = false;
  const warnOnce = (): void => {
    if (warned) return;
    warned = true;
    console.warn(
      '[myoperator-webhooks] parseMyOperatorBody(): an app-level body parser decoded the body before it could be ' +
        'read as sent: mount the webhook before express.urlencoded(), or keep the raw body as req.rawBody',
    );
  };

  /** Normalises the payload, sets the event and calls next() once, outside the try (a later throw is its own). */
  function settle(req: Request, next: NextFunction, decode: () => unknown): void {
    let event;
    try {
      event = normalizePayload(decode(), normalize, new Date());
    } catch (error) {
      next(error);
      return;
    }
    req.callEvent = event;
    next();
  }

  return function myOperatorParseBody(req: Request, res: Response, next: NextFunction): void {
    const kind = mediaKind(req.headers['content-type']);
    if (rawBodyText(req) !== null || isDecodedBody(req.body)) {
      settle(req, next, () => callLogFromParsedRequest(req, kind, field, warnOnce));
      return;
    }
    if (!hasBody(req)) {
      // GET webhooks carry their data in the query string; a POST with neither body nor query has no call log.
      if (BODYLESS_METHODS.has(req.method) || req.url.includes('?')) next();
      else next(new MyOperatorWebhookError('missing_call_log'));
      return;
    }
    if (kind === 'other') {
      req.resume();
      next(new MyOperatorWebhookError('unsupported_media_type'));
      return;
    }
    readBody(req, res, limit, (error, text) => {
      if (error !== null) {
        next(error);
        return;
      }
      settle(req, next, () => {
        const payload = callLogFromText(text, kind, field);
        req.body = kind === 'form' ? { [field]: payload } : payload;
        return payload;
      });
    });
  };
}

export type { ParseMyOperatorBodyOptions };
