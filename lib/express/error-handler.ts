// The JSON error responder: {"error":{"code","message","details"?}} with the error's status. Only the fixed
// per-code messages are sent: never a handler's exception text, a stack or a credential.

import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

import { fromBodyParserError, MyOperatorWebhookError } from '../core/errors';

function toWebhookError(error: unknown): MyOperatorWebhookError | null {
  if (error instanceof MyOperatorWebhookError) return error;
  // An app-level body parser (express.json()) that ran before the webhook: same meaning, same codes.
  return fromBodyParserError(error);
}

const INTERNAL_ERROR = Buffer.from('{"error":{"code":"internal_error","message":"Internal server error"}}');

/**
 * Answers errors as JSON. Mounted by `myOperatorWebhook()`; mount it yourself after the pieces when you compose
 * them by hand.
 *
 * @example
 * app.use('/myoperator/incall', authenticate(auth), parseMyOperatorBody(), calls.middleware(), webhookErrorHandler());
 */
export function webhookErrorHandler(): ErrorRequestHandler {
  return function myOperatorErrorResponder(error: unknown, _req: Request, res: Response, next: NextFunction): void {
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = toWebhookError(error);
    let body: Buffer;
    if (known) {
      res.statusCode = known.status;
      if (known.headers) for (const [name, value] of Object.entries(known.headers)) res.setHeader(name, value);
      const payload: { code: string; message: string; details?: unknown } = {
        code: known.code,
        message: known.message,
      };
      if (known.details) payload.details = known.details;
      body = Buffer.from(JSON.stringify({ error: payload }));
    } else {
      res.statusCode = 500;
      body = INTERNAL_ERROR;
    }
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
}
