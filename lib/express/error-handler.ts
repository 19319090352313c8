// The JSON error responder: {"error":{"code","message","details"?}} with the error's status. Only the fixed
// per-code messages are sent: never a handler's exception text, a stack or a credential.

import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';

import { MyOperatorWebhookError } from '../core/errors';
import { fromBodyParserError } from '../node/read-body';
import { writeAnswer } from '../node/write-answer';
import { errorAnswer } from '../pipeline/answers';

/**
 * Answers errors as JSON. Mounted by `myOperatorWebhook()`; mount it yourself after the pieces when you compose
 * them by hand. An app-level body parser's error (express.json() before the webhook) gets its documented code.
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
    const known = error instanceof MyOperatorWebhookError ? error : fromBodyParserError(error);
    writeAnswer(res, errorAnswer(known ?? error));
  };
}
