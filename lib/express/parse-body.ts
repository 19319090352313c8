// parseMyOperatorBody(): the request body -> req.callEvent, the Express face of the pipeline's body stages:
// reading the body (node/read-body.ts), finding the call log (pipeline/call-log.ts), normalising it.

import type { NextFunction, Request, RequestHandler, Response } from 'express';

import { normalizePayload } from '../normalize';
import { readCallLog } from '../node/handler';
import { mediaKind } from '../pipeline/call-log';
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

  return function myOperatorParseBody(req: Request, res: Response, next: NextFunction): void {
    readCallLog(req, res, limit, field, warnOnce, (error, payload, source) => {
      if (error) {
        next(error);
        return;
      }
      // No body: a GET webhook, whose data is in the query string (mapQueryParams()).
      if (source === 'none') {
        next();
        return;
      }
      if (source === 'read') {
        req.body = mediaKind(req.headers['content-type']) === 'form' ? { [field]: payload } : payload;
      }
      let event;
      try {
        event = normalizePayload(payload, normalize, new Date());
      } catch (thrown) {
        next(thrown);
        return;
      }
      req.callEvent = event;
      next();
    });
  };
}

export type { ParseMyOperatorBodyOptions };
